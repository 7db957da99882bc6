"""Signed checkpoints of the audit chain: what makes a truncated, extended or re-hashed chain show.

The hash chain alone proves that entries were not edited in place, but anyone who can write the
database can delete its last entries, append an entry with a correctly computed hash, or rewrite
and re-hash the whole chain. So every entry is also signed as it is written (Ed25519, in the
same transaction): the signature covers the entry's position and hash, and is made with a key
that lives outside the database, in `<home>/audit/` (mode 0600, this account only). After each
commit the newest signed checkpoint is copied to `<home>/audit/head.json`, outside the database,
so that deleting the last entries and their signatures together still shows.

Anyone can check the chain offline with the public key alone (`audit-signing.pub`, which
`lockgate audit verify --public-key` takes from a copy kept elsewhere). Not protected: someone
who holds the private key (root, the service account) can sign what they like.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
    load_pem_public_key,
)

from lockgate.config.secrets import read_secret, unsafe

PRIVATE_KEY = "audit-signing.key"
PUBLIC_KEY = "audit-signing.pub"
HEAD = "head.json"
DOMAIN = b"lockgate-audit-checkpoint-v1"


def _message(seq: int, entry_hash: str) -> bytes:
    return DOMAIN + f"|{seq}|{entry_hash}".encode()


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


@dataclass(frozen=True)
class Verifier:
    """Checks checkpoints with a public key only."""

    public: Ed25519PublicKey

    @classmethod
    def from_file(cls, path: Path) -> Verifier:
        key = load_pem_public_key(Path(path).read_bytes())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError(f"{path} is not an Ed25519 public key")
        return cls(key)

    @property
    def key_id(self) -> str:
        return key_id(self.public)

    def problem(self, checkpoint: dict) -> str | None:
        """Why `checkpoint` is not a valid signature of its entry by this key, or None."""
        if checkpoint.get("key_id") != self.key_id:
            return f"signed with key {checkpoint.get('key_id')}, not {self.key_id}"
        try:
            self.public.verify(
                bytes.fromhex(checkpoint["signature"]),
                _message(int(checkpoint["seq"]), checkpoint["hash"]),
            )
        except (InvalidSignature, ValueError, KeyError, TypeError):
            return "its signature does not verify"
        return None


class Anchor:
    """The signing key and the published head of one installation's audit chain."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self._private: Ed25519PrivateKey | None = None

    @property
    def public_key_path(self) -> Path:
        return self.directory / PUBLIC_KEY

    def has_key(self) -> bool:
        return self._private is not None or os.path.lexists(self.directory / PRIVATE_KEY)

    def _key(self) -> Ed25519PrivateKey:
        """The private key, made on first use (by the first audited write of an installation)."""
        if self._private is None:
            path = self.directory / PRIVATE_KEY
            if not os.path.lexists(path):
                self._create(path)
            key = load_pem_private_key(read_secret(path), password=None)
            if not isinstance(key, Ed25519PrivateKey):
                raise ValueError(f"{path} is not an Ed25519 private key")
            self._private = key
        return self._private

    def _create(self, path: Path) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
        scratch = self.directory / f".{PRIVATE_KEY}.{os.getpid()}"
        fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
            os.fsync(handle.fileno())
        try:
            os.link(scratch, path)  # fails if another process made the key first: keep theirs
            public = key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
            self.public_key_path.write_bytes(public)
        except FileExistsError:
            pass
        finally:
            scratch.unlink()

    def verifier(self) -> Verifier | None:
        """The installation's public key, or None before anything was signed."""
        return Verifier.from_file(self.public_key_path) if self.public_key_path.exists() else None

    def secret_problem(self) -> str | None:
        path = self.directory / PRIVATE_KEY
        return unsafe(path) if os.path.lexists(path) else None

    def sign(self, seq: int, entry_hash: str, ts: str) -> dict:
        key = self._key()
        return {
            "seq": seq,
            "hash": entry_hash,
            "ts": ts,
            "key_id": key_id(key.public_key()),
            "signature": key.sign(_message(seq, entry_hash)).hex(),
        }

    def publish_head(self, checkpoint: dict) -> None:
        """Copy `checkpoint` to the head file unless the file already holds a later one."""
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        with (self.directory / ".head.lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            current = self.head()
            if current and int(current.get("seq", 0)) >= checkpoint["seq"]:
                return
            scratch = self.directory / f".{HEAD}.{os.getpid()}"
            scratch.write_text(json.dumps(checkpoint, sort_keys=True))
            os.replace(scratch, self.directory / HEAD)

    def head(self) -> dict | None:
        path = self.directory / HEAD
        try:
            return json.loads(path.read_text())
        except FileNotFoundError:
            return None
        except (json.JSONDecodeError, UnicodeDecodeError):
            return {"unreadable": str(path)}
