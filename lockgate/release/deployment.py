"""What an environment runs now, as a value: the release its pointer names, the change that put
it there, who and when. The ledger stores it as a row of `environment_pointers`;
`Deployment.of(row)` gives the value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Deployment:
    environment: str
    release_id: str
    change_id: int
    deployed_by: str
    deployed_at: str

    @classmethod
    def of(cls, row: Mapping) -> Deployment:
        return cls(**{f.name: row[f.name] for f in fields(cls)})

    def runs(self, release_id: str) -> bool:
        """Whether the environment already runs `release_id` (a deploy of it changes nothing)."""
        return self.release_id == release_id

    def since(self, timestamp: str) -> bool:
        """Whether `timestamp` (ISO, UTC) is at or after this deployment."""
        return timestamp >= self.deployed_at
