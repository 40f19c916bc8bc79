"""Where attachments' bytes live: files under ``ATTACHMENT_DIR`` (``instance/attachments`` by
default; never under ``static/``, so nothing is served without the access check), each named
by a random key, in a sub-folder of its key's first two characters. A user's file name never
reaches the file system."""

from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from flask import current_app

CHUNK = 64 * 1024


@dataclass(frozen=True)
class Stored:
    """A file just written: its key, size and SHA-256."""

    key: str
    size: int
    sha256: str


def root() -> Path:
    """The folder attachments are kept in (created when missing)."""
    folder = Path(current_app.config["ATTACHMENT_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def path_of(key: str) -> Path:
    """The file of ``key``; keys are ours (hex), never a user's text."""
    if not (key and all(c in "0123456789abcdef" for c in key)):
        raise ValueError(f"not an attachment key: {key!r}")
    return root() / key[:2] / key


def store(stream: IO[bytes]) -> Stored:
    """Copy ``stream`` (from its start) into a new file and return its key; the file appears
    under its name only once complete."""
    key = secrets.token_hex(16)
    target = path_of(key)
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    stream.seek(0)
    handle, partial = tempfile.mkstemp(dir=target.parent, prefix=".partial-")
    try:
        with os.fdopen(handle, "wb") as out:
            while chunk := stream.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        os.replace(partial, target)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return Stored(key, size, digest.hexdigest())


def remove(key: str) -> None:
    """Delete the file of ``key``, if it is there."""
    path_of(key).unlink(missing_ok=True)

