"""Segments: the delta segment answers as a merged index would; removes are mask flips."""

from __future__ import annotations

from typing import Any

import pytest

from matcher import Hit, Matcher, segments
from matcher.segments import delta_limit

from .listings import NEEDS, RESULTS

QUERIES = [*(need for need, _ in NEEDS), "电池", "检测 系统", "无人机 巡检 视觉", "碳化硅 光伏 逆变器"]


def _ids(hits: list[Hit]) -> list[str | int]:
    return [h.id for h in hits]


def _answers(m: Matcher) -> list[list[tuple[Any, ...]]]:
    out = []
    for q in QUERIES:
        for kw in ({}, {"where": {"field": "new_energy"}}, {"exclude": ["r-battery", 12]}):
            out.append([(h.id, h.score, h.terms, h.similarity) for h in m.query(q, k=8, **kw)])
    return out


def delta_and_merged() -> tuple[Matcher, Matcher]:
    """The same adds, replacements and removes, left in the delta and merged."""
    ms = []
    for merge in (False, True):
        m = Matcher().fit(RESULTS[:6])
        m.add(RESULTS[6:9])
        m.add([{**RESULTS[1], "text": RESULTS[1]["text"] + "硫化物电解质"}])  # replaces r-solid
        m.remove(["r-vision"])
        m.add(RESULTS[9:])
        if merge:
            m._segments.merge()
        ms.append(m)
    return ms[0], ms[1]


def test_delta_segment_gives_the_same_answers_as_a_merged_index() -> None:
    delta, merged = delta_and_merged()
    assert delta._segments.delta_docs == 7 and merged._segments.delta_docs == 0
    assert len(delta) == len(merged) == len(RESULTS) - 1
    a, b = _answers(delta), _answers(merged)
    assert [[h[0] for h in r] for r in a] == [[h[0] for h in r] for r in b]
    for ra, rb in zip(a, b, strict=True):
        for ha, hb in zip(ra, rb, strict=True):
            assert ha[1] == pytest.approx(hb[1], rel=1e-12)
            assert [t for t, _ in ha[2]] == [t for t, _ in hb[2]]
            assert ha[3] == pytest.approx(hb[3], rel=1e-12)


def test_delta_merges_past_its_limit_and_keeps_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(segments, "DELTA_MIN", 2)
    delta, merged = delta_and_merged()
    assert delta._segments.delta_docs <= 2
    assert [[h[0] for h in r] for r in _answers(delta)] == [
        [h[0] for h in r] for r in _answers(merged)
    ]


def test_delta_limit_grows_with_the_main_segment() -> None:
    assert delta_limit(0) == segments.DELTA_MIN
    assert delta_limit(100_000) == int(100_000 * segments.DELTA_FRACTION)
    assert delta_limit(10_000_000) == segments.DELTA_MAX


def test_remove_is_a_mask_flip_seen_by_queries() -> None:
    m = Matcher().fit(RESULTS)
    m.add([{"id": "new", "title": "固态电池电解质", "text": "硫化物固态电解质"}])
    snap = m._index()
    assert m.remove(["r-solid", "new"]) == 2
    assert m._index() is snap  # no rebuild
    assert {"r-solid", "new"}.isdisjoint(_ids(m.query("固态电池 固态电解质", k=20)))


def test_a_view_keeps_its_docs_while_the_segments_change() -> None:
    m = Matcher().fit(RESULTS)
    view = m._index()
    m.add([{"id": "new", "title": "固态电池电解质", "text": "硫化物固态电解质"}])
    assert view.n == len(RESULTS) and view.delta is None
    assert m._index().n == len(RESULTS) + 1
    m.remove(["r-battery"])
    m._segments.merge()
    # A merge that drops docs numbers the slots afresh in new lists.
    assert view.ids[0] == "r-battery" and view.n == len(RESULTS)
    assert m._index().ids[0] == "r-solid" and m._index().n == len(RESULTS)


def test_live_rows_leave_out_removed_docs() -> None:
    m = Matcher().fit(RESULTS)
    m.add([{"id": "new", "title": "固态电池", "text": "硫化物固态电解质", "field": "new_energy"}])
    m.remove(["r-solid"])
    ids, fields, rows = m._segments.live_rows()
    assert "r-solid" not in ids and ids[-1] == "new" and fields[-1] == "new_energy"
    assert rows.shape == (len(RESULTS), len(m.vocabulary_))
