"""Index snapshots: written atomically by reindex, loaded by a fresh worker, then caught up."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from matcher import Matcher
from models import Result, User
from webapp.matching import snapshot
from webapp.matching.engine import MatchingEngine

DOCS = [{"id": i, "title": t, "text": t} for i, t in enumerate(
    ["锂离子电池正极材料", "机器视觉缺陷检测", "碳化硅功率器件", "污水处理膜生物反应器"])]


def test_write_is_versioned_atomic_and_pruned(tmp_path: Path) -> None:
    m = Matcher().fit(DOCS)
    mark = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC)
    infos = [snapshot.write(tmp_path, "results", m, mark, "db1", "s1") for _ in range(5)]
    assert [i.version for i in infos] == [1, 2, 3, 4, 5]
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["manifest.json", "results-000003", "results-000004", "results-000005"]
    best = snapshot.latest(tmp_path, "results", "db1", "s1")
    assert best is not None and best.version == 5 and best.watermark == mark and best.docs == 4
    assert snapshot.latest(tmp_path, "results", "other-db", "s1") is None
    assert snapshot.latest(tmp_path, "needs", "db1", "s1") is None
    loaded = snapshot.load(best)
    assert [h.id for h in loaded.query("电池材料")] == [h.id for h in m.query("电池材料")]
    # Another database's snapshots in the same directory are not pruned by this one's.
    snapshot.write(tmp_path, "results", m, mark, "other-db", "s1")
    for _ in range(3):
        snapshot.write(tmp_path, "results", m, mark, "db1", "s1")
    assert snapshot.latest(tmp_path, "results", "other-db", "s1") is not None
    assert len(snapshot.list_snapshots(tmp_path, "results")) == 4


def test_failed_write_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    m = Matcher().fit(DOCS)

    def broken(self: Matcher, path: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(Matcher, "save", broken)
    with pytest.raises(OSError):
        snapshot.write(tmp_path, "needs", m, None, "db1", "s1")
    assert list(tmp_path.iterdir()) == []


def test_a_fresh_worker_starts_from_the_snapshot_and_catches_up(
        app: Flask, db: Session, tmp_path: Path, enterprise_user: User, institution_user: User,
        make_need, make_result, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    app.config["INDEX_DIR"] = str(tmp_path)
    make_result(institution_user)
    make_need(enterprise_user)
    result = app.test_cli_runner().invoke(args=["reindex"])
    assert result.exit_code == 0, result.output
    assert {p.name for p in tmp_path.iterdir()} >= {"results-000001", "needs-000001",
                                                   "manifest.json"}
    # Tokens were stored with the listings, without touching their change stamps.
    stored = db.query(Result).one()
    assert stored.tokens is not None and stored.tokens["title"]
    later = make_result(institution_user, title="硫化物固态电解质全固态电池",
                        summary="高离子电导率固态电解质，解决界面阻抗问题。")

    def no_fit(self: Matcher, docs: object) -> Matcher:
        raise AssertionError("a worker with a snapshot must not refit")

    fresh = MatchingEngine(None, index_dir=tmp_path,
                           database=snapshot.database_key(app.config["DATABASE_URL"]))
    monkeypatch.setattr(Matcher, "fit", no_fit)
    index = fresh.results_index(db)
    assert later.id in index and len(index) == 2
    assert fresh.results.snapshot_version == 1
    # Added docs are searched through the terms the snapshot knew (电池), as after any add.
    assert later.id in {h.id for h in index.query("固态电池")}
