"""The audit chain: how an entry is hashed onto the one before it, and the chain's verdict from
its entries, their signed checkpoints and the published head. Pure, so an exported log is
checked offline the same way the ledger checks itself."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from lockgate.release.anchor import Verifier

GENESIS_HASH = "0" * 64


def entry_hash(entry: dict[str, Any]) -> str:
    """sha256 of an audit entry's content and the hash of the entry before it."""
    fields = {
        k: entry[k]
        for k in ("seq", "ts", "actor", "action", "environment", "subject", "payload", "prev_hash")
    }
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    """What `verify_audit` found. `anchored`: every entry from the first signed one on carries a
    valid signature by `key_id`, and the published head is in the chain."""

    intact: bool
    entries: int
    first_broken_seq: int | None = None
    problem: str | None = None
    anchored: bool = False
    key_id: str | None = None
    head_seq: int | None = None


def check_chain(
    entries: list[dict], signed: list[dict], head: dict | None, verifier: Verifier | None
) -> ChainReport:
    """The audit chain's verdict from its entries, their checkpoints, the published head and a
    public key; pure, so that an exported log is checked offline the same way."""
    count = len(entries)

    def broken(seq, problem, **more) -> ChainReport:
        return ChainReport(False, count, seq, problem, **more)

    previous_hash, previous_ts = GENESIS_HASH, ""
    for position, entry in enumerate(entries, start=1):
        if entry["seq"] != position:
            return broken(
                entry["seq"],
                f"expected entry {position}, found {entry['seq']} (deleted or reordered)",
            )
        if entry["prev_hash"] != previous_hash:
            return broken(entry["seq"], "does not link to the entry before it")
        if entry_hash(entry) != entry["hash"]:
            return broken(entry["seq"], "content does not match its hash (edited)")
        if entry["ts"] < previous_ts:
            return broken(
                entry["seq"],
                f"its time {entry['ts']} is before the entry before it ({previous_ts})",
            )
        previous_hash, previous_ts = entry["hash"], entry["ts"]
    if verifier is None:
        if signed or head:
            return broken(None, "the chain is signed but the public key to check it is missing")
        return ChainReport(True, count)
    key = verifier.key_id
    if not signed:
        if count:
            return broken(count, "no entry is signed: the chain is not anchored", key_id=key)
        return ChainReport(True, 0, key_id=key, anchored=True)
    by_seq = {e["seq"]: e for e in entries}
    first = min(c["seq"] for c in signed)
    signatures = {c["seq"]: c for c in signed}
    for seq in range(first, count + 1):
        checkpoint = signatures.get(seq)
        if checkpoint is None:
            return broken(seq, "is not signed (appended without the signing key)", key_id=key)
        if checkpoint["hash"] != by_seq[seq]["hash"]:
            return broken(
                seq, "its signed hash is not its hash (rewritten and re-hashed)", key_id=key
            )
        problem = verifier.problem(checkpoint)
        if problem:
            return broken(seq, f"its checkpoint is not valid: {problem}", key_id=key)
    beyond = sorted(s for s in signatures if s > count)
    if beyond:
        return broken(
            count + 1,
            f"entries {beyond[0]}..{beyond[-1]} were signed and are gone (the log was truncated)",
            key_id=key,
        )
    head_seq = None
    if head is not None:
        if "unreadable" in head or verifier.problem(head):
            return broken(
                None, "the published head is unreadable or not validly signed", key_id=key
            )
        head_seq = int(head["seq"])
        if head_seq > count:
            return broken(
                count + 1,
                f"the published head is entry {head_seq} but the log ends "
                f"at {count} (the log was truncated)",
                key_id=key,
                head_seq=head_seq,
            )
        if by_seq[head_seq]["hash"] != head["hash"]:
            return broken(
                head_seq,
                "the published head does not match this entry (rewritten)",
                key_id=key,
                head_seq=head_seq,
            )
    return ChainReport(True, count, anchored=True, key_id=key, head_seq=head_seq)
