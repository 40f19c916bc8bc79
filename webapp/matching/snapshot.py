"""Index snapshots shared by every worker and host.

A snapshot is a saved :class:`matcher.Matcher` (arrays + JSON, no pickle) plus ``snapshot.json``
saying which side it indexes (``results`` or ``needs``), its version, the database watermark
(the newest ``updated_at`` it reflects), the database and matcher settings it was built for, and
how many listings it holds. Snapshots live in ``INDEX_DIR`` (default ``instance/index``; on
several hosts, a shared mount) as ``<side>-<version>/``:

- a writer saves into a hidden temporary directory next to them and renames it into place, so a
  reader sees either no snapshot or a complete one (``rename`` is atomic within a file system);
- the versions are increasing integers; the directory name is the manifest, so there is no
  shared file to update (and none to lose to two writers racing): a second writer that picks
  the same version fails the rename and takes the next one;
- ``manifest.json`` is also rewritten (atomically) for people and monitoring: the latest version
  of each side, its watermark and size. Readers never need it.

A worker starts from the latest snapshot matching its database and settings, then catches up
on the listings changed since the watermark (see ``engine.py``), instead of refitting.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matcher import Matcher

SIDES = ("results", "needs")
INFO = "snapshot.json"
MANIFEST = "manifest.json"
#: Snapshots of each side kept on disk (older ones are deleted by the writer).
KEEP = 3


@dataclass(frozen=True)
class SnapshotInfo:
    """What a snapshot holds and where."""

    side: str
    version: int
    path: Path
    watermark: dt.datetime | None
    docs: int
    database: str
    settings: str
    created_at: str

    def as_json(self) -> dict[str, Any]:
        """The JSON form, as written in ``snapshot.json`` and ``manifest.json``."""
        return {
            "side": self.side, "version": self.version, "path": self.path.name,
            "watermark": self.watermark.isoformat() if self.watermark else None,
            "docs": self.docs, "database": self.database, "settings": self.settings,
            "created_at": self.created_at,
        }


def database_key(url: str) -> str:
    """A short fingerprint of a database URL (password left out), so that a snapshot of one
    database is never loaded by a worker of another."""
    from sqlalchemy.engine import make_url

    safe = make_url(url).render_as_string(hide_password=True)
    return hashlib.sha256(safe.encode("utf-8")).hexdigest()[:16]


def settings_key(params: dict[str, Any]) -> str:
    """A short fingerprint of the matcher settings and library version."""
    blob = json.dumps([Matcher.version, params], sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def _read_info(path: Path) -> SnapshotInfo | None:
    try:
        raw = json.loads((path / INFO).read_text(encoding="utf-8"))
        mark = raw.get("watermark")
        return SnapshotInfo(
            side=str(raw["side"]), version=int(raw["version"]), path=path,
            watermark=dt.datetime.fromisoformat(mark) if mark else None,
            docs=int(raw.get("docs", 0)), database=str(raw.get("database", "")),
            settings=str(raw.get("settings", "")), created_at=str(raw.get("created_at", "")),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def list_snapshots(root: Path, side: str) -> list[SnapshotInfo]:
    """The complete snapshots of ``side`` under ``root``, oldest first."""
    if not root.is_dir():
        return []
    found = []
    for path in root.glob(f"{side}-*"):
        suffix = path.name[len(side) + 1:]
        if path.is_dir() and suffix.isdigit():
            info = _read_info(path)
            if info is not None and info.side == side:
                found.append(info)
    return sorted(found, key=lambda i: i.version)


def latest(root: Path, side: str, database: str, settings: str) -> SnapshotInfo | None:
    """The newest snapshot of ``side`` built for this database and these settings."""
    for info in reversed(list_snapshots(root, side)):
        if info.database == database and info.settings == settings:
            return info
    return None


def load(info: SnapshotInfo) -> Matcher:
    """The matcher saved in a snapshot."""
    return Matcher.load(info.path)


def write(root: Path, side: str, matcher: Matcher, watermark: dt.datetime | None,
          database: str, settings: str) -> SnapshotInfo:
    """Save ``matcher`` as the next version of ``side``: complete or not at all."""
    if side not in SIDES:
        raise ValueError(f"side must be one of {SIDES}")
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{side}-", dir=root))
    try:
        # mkdtemp makes it private; workers may run as another user than the writer.
        tmp.chmod(0o755)
        matcher.save(tmp)
        version = max((i.version for i in list_snapshots(root, side)), default=0) + 1
        while True:
            info = SnapshotInfo(
                side=side, version=version, path=root / f"{side}-{version:06d}",
                watermark=watermark, docs=len(matcher), database=database, settings=settings,
                created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            )
            (tmp / INFO).write_text(json.dumps(info.as_json()), encoding="utf-8")
            try:
                # Fails when the target exists (another writer took this version): next one.
                os.rename(tmp, info.path)
                break
            except OSError:
                if not info.path.exists():
                    raise
                version += 1
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _prune(root, side, database, settings)
    _write_manifest(root)
    return info


def _prune(root: Path, side: str, database: str, settings: str) -> None:
    """Delete all but the newest :data:`KEEP` snapshots of a side for this database and these
    settings (another database's, sharing the directory, are left alone).

    A worker that is still loading an older one has a few snapshots' time to finish."""
    mine = [i for i in list_snapshots(root, side)
            if i.database == database and i.settings == settings]
    for info in mine[:-KEEP]:
        shutil.rmtree(info.path, ignore_errors=True)


def _write_manifest(root: Path) -> None:
    manifest = {side: snaps[-1].as_json() for side in SIDES
                if (snaps := list_snapshots(root, side))}
    fd, tmp = tempfile.mkstemp(prefix=".manifest-", dir=root)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=1)
    os.chmod(tmp, 0o644)
    os.replace(tmp, root / MANIFEST)
