"""innomatch rematch-all: the suggestions single rematches store, written in bulk, all at once."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, undefer

from matcher import DEFAULT_PARAMS
from models import (
    Match,
    Need,
    NeedStatus,
    Organization,
    OrgKind,
    Result,
    ResultStatus,
    User,
)
from models.base import utcnow
from webapp.demo.synthetic import synthetic_needs, synthetic_results
from webapp.matching import explanation, rematch
from webapp.matching.explanation import (
    Words,
    listing_texts,
    texts_words,
    word_tokenizer,
    words_key,
)
from webapp.matching.services import engine, reindex, rematch_need, rematch_result

N_RESULTS, N_NEEDS = 180, 160


@pytest.fixture
def world(db: Session, make_user: Callable[..., User],
          make_org: Callable[..., Organization]) -> tuple[list[int], list[int]]:
    """Some hundreds of needs and results on shared topics, from several organisations (one
    posting both), in every field and in states that are and are not matched."""
    enterprises = [make_user(make_org(OrgKind.ENTERPRISE)) for _ in range(4)]
    institutes = [make_user(make_org(OrgKind.UNIVERSITY)) for _ in range(3)]
    both = make_user(make_org(OrgKind.ENTERPRISE))

    def posted_by(user: User) -> tuple[int, int | None]:
        return user.organization_id, user.id

    corpus = {"seed": 3, "n_topics_docs": N_RESULTS + N_NEEDS}
    results = list(synthetic_results(
        N_RESULTS, lambda i: posted_by(both if i % 9 == 0 else institutes[i % 3]), utcnow(),
        **corpus))
    needs = list(synthetic_needs(
        N_NEEDS, lambda i: posted_by(both if i % 7 == 0 else enterprises[i % 4]), utcnow(),
        start=N_RESULTS, **corpus))
    db.add_all([*results, *needs])
    db.commit()
    return [n.id for n in needs], [r.id for r in results]


def _reindexed_then_marked_old(db: Session) -> dict[tuple[int, int], tuple[Any, ...]]:
    """Every suggestion computed (``reindex``), then marked with matcher version "old" so that
    a later run's rows tell themselves apart; returns the rows as computed."""
    reindex(db)
    db.commit()
    computed = _rows(db.scalars(select(Match)))
    db.execute(update(Match).values(matcher_version="old"))
    db.commit()
    return computed


def _rows(matches: Any) -> dict[tuple[int, int], tuple[Any, ...]]:
    return {(m.need_id, m.result_id): (m.score, m.text_score, m.parts, m.terms,
                                       m.matcher_version) for m in matches}


def test_rematch_all_stores_what_single_rematches_store(
        app: Flask, db: Session, world: tuple[list[int], list[int]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    need_ids, result_ids = world
    monkeypatch.setattr(rematch, "REMATCH_CHUNK", 64)  # several chunks per side
    with app.test_request_context():
        counts = reindex(db)  # stores the listings' tokens, then rematch_all
        db.commit()
        stored = _rows(db.scalars(select(Match)))
        need_side: dict[tuple[int, int], tuple[Any, ...]] = {}
        for need in db.scalars(select(Need).where(Need.id.in_(need_ids))):
            need_side.update(_rows(rematch_need(db, need)))
        result_side: dict[tuple[int, int], tuple[Any, ...]] = {}
        for result in db.scalars(select(Result).where(Result.id.in_(result_ids))):
            result_side.update(_rows(rematch_result(db, result)))
        db.rollback()
    # A pair both sides suggest keeps the need's row.
    expected = {**result_side, **need_side}
    assert stored == expected
    assert counts["matches"] == len(expected)
    # Both sides and their overlap are there to compare, and not everything is suggested.
    assert len(need_side) > 300 and len(result_side) > 300
    assert 0 < len(need_side.keys() & result_side.keys()) < len(need_side)


def test_an_interrupted_rematch_leaves_every_suggestion_as_it_was(
        app: Flask, db: Session, world: tuple[list[int], list[int]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rematch, "REMATCH_CHUNK", 50)
    with app.test_request_context():
        _reindexed_then_marked_old(db)
        before = _rows(db.scalars(select(Match)))
        seen: list[tuple[str, int, int, int]] = []

        def stop_in_the_second_side(side: str, done: int, total: int, rows: int) -> None:
            seen.append((side, done, total, rows))
            if side == "results" and done >= 100:
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            rematch.rematch_all(db, progress=stop_in_the_second_side)
        db.rollback()
        assert _rows(db.scalars(select(Match))) == before
        assert [s[:3] for s in seen] == [("needs", 50, N_NEEDS), ("needs", 100, N_NEEDS),
                                         ("needs", 150, N_NEEDS), ("needs", N_NEEDS, N_NEEDS),
                                         ("results", 50, N_RESULTS), ("results", 100, N_RESULTS)]
        # Run again to the end (the staging table left behind is reused): all new.
        stored = rematch.rematch_all(db)
        db.commit()
        assert db.scalar(select(func.count()).select_from(Match)) == stored == len(before)
        assert db.scalar(select(func.count()).select_from(Match)
                         .where(Match.matcher_version == "old")) == 0


def test_the_command_logs_a_line_per_chunk_off_a_terminal(
        app: Flask, db: Session, world: tuple[list[int], list[int]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rematch, "REMATCH_CHUNK", 100)
    out = app.test_cli_runner().invoke(args=["rematch-all"])
    assert out.exit_code == 0, out.output
    lines = [line for line in out.output.splitlines() if line.startswith("rematch-all: ")]
    assert [line.split(",")[0] for line in lines] == [
        f"rematch-all: needs 100/{N_NEEDS}", f"rematch-all: needs {N_NEEDS}/{N_NEEDS}",
        f"rematch-all: results 100/{N_RESULTS}", f"rematch-all: results {N_RESULTS}/{N_RESULTS}"]
    total = db.scalar(select(func.count()).select_from(Match))
    assert f"matches: {total}" in out.output and total > 300


def test_listings_changed_during_the_run_keep_their_own_suggestions(
        app: Flask, db: Session, world: tuple[list[int], list[int]]) -> None:
    need_ids, _ = world
    with app.test_request_context():
        _reindexed_then_marked_old(db)
        with app.extensions["db_engine"].connect() as conn:
            run = app.extensions["db_sessionmaker"](bind=conn)
            staged = rematch.stage_all(run)
            run.commit()  # as the command does: nothing visible yet
            assert db.scalar(select(func.count()).select_from(Match)
                             .where(Match.matcher_version != "old")) == 0
            # Meanwhile, through another connection: a need closes (its own rematch drops
            # its suggestions) and another is edited and rematched.
            closed = db.get(Need, need_ids[1])
            edited = db.get(Need, need_ids[2])
            assert closed is not None and edited is not None
            assert closed.status is NeedStatus.PUBLISHED and edited.status is NeedStatus.PUBLISHED
            closed.status = NeedStatus.CLOSED
            rematch_need(db, closed)
            edited.title = "钠离子电池硬碳负极材料"
            own = _rows(rematch_need(db, edited))
            db.commit()
            stored = rematch.swap_in(run, staged)
            run.commit()
            run.close()
    db.expire_all()
    rows = _rows(db.scalars(select(Match)))
    assert stored == len(rows) > 300
    assert not [p for p in rows if p[0] == closed.id]
    assert {p: v for p, v in rows.items() if p[0] == edited.id} == own
    assert all(v[4] != "old" for v in rows.values())


def test_forked_processes_and_a_loaded_snapshot_store_the_same_suggestions(
        app: Flask, db: Session, world: tuple[list[int], list[int]], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # As cron runs it after `innomatch reindex`: a fresh process whose indexes come from the
    # snapshots (read-only mapped arrays), its chunks matched in two forked processes.
    monkeypatch.setattr(rematch, "REMATCH_CHUNK", 40)
    app.config["INDEX_DIR"] = str(tmp_path)
    with app.test_request_context():
        expected = _reindexed_then_marked_old(db)  # snapshots written, rematched here
        app.extensions.pop("matching_engine")  # a new process: loads the snapshots
        assert rematch.rematch_all(db, n_jobs=2) == len(expected)
        db.commit()
        assert engine().results.snapshot_version == 1
        assert _rows(db.scalars(select(Match))) == expected


def test_suggestions_are_explained_by_the_words_stored_with_the_tokens(
        app: Flask, db: Session, world: tuple[list[int], list[int]]) -> None:
    with app.test_request_context():
        reindex(db)  # stores every matched listing's tokens with its whole words
        db.commit()
        listing = db.scalars(select(Result).options(undefer(Result.tokens))
                             .where(Result.status == ResultStatus.PUBLISHED)).first()
        assert listing is not None and listing.tokens is not None
        stored = listing.tokens["words"]
        words = engine().word_tokenizer()
        texts = tuple(listing_texts(listing))
        assert texts_words(texts, words, stored) == Words.of(texts, words)
        expected = _rows(db.scalars(select(Match)))
        # Words stored under other texts or settings are not used: cut again, same answers.
        for table in (Need.__table__, Result.__table__):
            for row_id, tokens in db.execute(select(table.c.id, table.c.tokens)).all():
                if tokens:
                    tokens["words"] = {**tokens["words"], "key": "stale",
                                       "terms": ["错误"], "written": {}}
                    db.execute(update(table).where(table.c.id == row_id)
                               .values(tokens=tokens, updated_at=table.c.updated_at))
        db.commit()
        rematch.rematch_all(db)
        db.commit()
        assert _rows(db.scalars(select(Match))) == expected


def test_words_stored_under_another_dictionary_are_cut_again(
        app: Flask, db: Session, world: tuple[list[int], list[int]], tmp_path: Path) -> None:
    terms = tmp_path / "terms.txt"
    terms.write_text("钠离子\n", encoding="utf-8")
    tokenizer = {**DEFAULT_PARAMS["tokenizer"], "user_dict": str(terms)}
    app.config["MATCHER_PARAMS"] = {**DEFAULT_PARAMS, "tokenizer": tokenizer}
    with app.test_request_context():
        reindex(db)
        db.commit()
        listing = db.scalars(select(Result).options(undefer(Result.tokens))
                             .where(Result.status == ResultStatus.PUBLISHED)).first()
        assert listing is not None and listing.tokens is not None
        stored = listing.tokens["words"]
    # A new release of the dictionary, read by a new process (new tokenizers).
    terms.write_text("钠离子\n" + "\n".join(sorted(Words.of(
        tuple(listing_texts(listing)), word_tokenizer(tokenizer)).terms)), encoding="utf-8")
    explanation._WORD_TOKENIZERS.clear()
    words = word_tokenizer(tokenizer)
    texts = tuple(listing_texts(listing))
    assert stored["key"] != words_key(texts, words)
    assert texts_words(texts, words, stored) == Words.of(texts, words)


def test_a_process_killed_mid_run_fails_it_and_changes_nothing(
        app: Flask, db: Session, world: tuple[list[int], list[int]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    # As the out-of-memory killer would: the run ends with an error instead of waiting for
    # the lost chunk forever, and the stored suggestions are all the old ones.
    monkeypatch.setattr(rematch, "REMATCH_CHUNK", 40)
    with app.test_request_context():
        _reindexed_then_marked_old(db)
        before = _rows(db.scalars(select(Match)))
    real = rematch._chunk_rows

    def killed_on_the_third_chunk(job: Any, span: tuple[int, int]) -> Any:
        if span[0] == 80:
            os._exit(9)
        return real(job, span)

    monkeypatch.setattr(rematch, "_chunk_rows", killed_on_the_third_chunk)
    out = app.test_cli_runner().invoke(args=["rematch-all", "--jobs", "2"])
    assert out.exit_code == 1
    assert "a matching process died" in out.output and "unchanged" in out.output
    db.expire_all()
    assert _rows(db.scalars(select(Match))) == before
