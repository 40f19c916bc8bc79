"""Hits made lazy (2026-11-30) rank, score and explain exactly as the eager hits did.

``data/hits_before_lazy.json`` holds, for a set of queries over the index tests' corpus, the
hits (id, score, terms, similarity) that the library gave before ``Hit.terms`` and
``Hit.similarity`` became lazy and the feedback query was reworked (written with the previous
commit's code; JSON keeps floats exactly). The floats are compared to 1e-12 relative only so
that a platform summing a dot product in another order does not fail here; on the machine that
wrote the file they are bit-identical (also checked on all csl-title and csl-topic dev queries).
"""

from __future__ import annotations

import dataclasses
import json
import pickle
from pathlib import Path
from typing import Any

import pytest

from matcher import Hit, Matcher

from .test_matcher_index import RESULTS

GOLDEN = Path(__file__).with_name("data") / "hits_before_lazy.json"


@pytest.fixture(scope="module")
def fitted() -> Matcher:
    return Matcher().fit(RESULTS)


def _golden() -> dict[str, list[list[Any]]]:
    out: dict[str, list[list[Any]]] = json.loads(GOLDEN.read_text(encoding="utf-8"))
    return out


def _same(hits: list[Hit], want: list[list[Any]]) -> None:
    assert [h.id for h in hits] == [w[0] for w in want]
    assert [h.score for h in hits] == pytest.approx([w[1] for w in want], rel=1e-12, abs=0)
    for h, w in zip(hits, want, strict=True):
        assert [t for t, _ in h.terms] == [t for t, _ in w[2]]
        assert [s for _, s in h.terms] == pytest.approx([s for _, s in w[2]], rel=1e-12)
        assert h.similarity == pytest.approx(w[3], rel=1e-12, abs=1e-15)


def test_hits_match_the_eager_version(fitted: Matcher) -> None:
    golden = _golden()
    assert len(golden) >= 10
    for q, want in golden.items():
        _same(fitted.query(q, k=8), want)


def test_similarity_first_or_terms_first_give_the_same(fitted: Matcher) -> None:
    for q, want in _golden().items():
        hits = fitted.query(q, k=8)
        # Read in a different order: the last hit's similarity first.
        if hits:
            assert hits[-1].similarity == pytest.approx(want[-1][3], rel=1e-12, abs=1e-15)
        _same(hits, want)


def test_query_many_matches_the_eager_version(fitted: Matcher) -> None:
    golden = _golden()
    for hits, want in zip(fitted.query_many(list(golden), k=8), golden.values(), strict=True):
        _same(hits, want)


def test_lazy_hits_are_immutable_comparable_and_picklable(fitted: Matcher) -> None:
    hits = fitted.query("锂离子电池 固态电池 正极材料", k=5)
    h = hits[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        h.score = 0.0  # type: ignore[misc]
    with pytest.raises(AttributeError):
        h.terms = ()  # type: ignore[misc]
    back = pickle.loads(pickle.dumps(hits))  # noqa: S301 - our own bytes
    assert back == hits and [b.terms for b in back] == [x.terms for x in hits]
    again = fitted.query("锂离子电池 固态电池 正极材料", k=5)
    assert again == hits and hash(again[0]) == hash(hits[0])
    assert repr(h).startswith(f"Hit(id={h.id!r}, score=")
    plain = Hit(id=1, score=1.0)
    assert plain.terms == () and plain.similarity == 0.0
    assert Hit(1, 2.0, (("a", 1.0),), 0.5) == Hit(id=1, score=2.0, terms=(("a", 1.0),),
                                                  similarity=0.5)


def test_lazy_hits_survive_a_refit(fitted: Matcher) -> None:
    m = Matcher().fit(RESULTS)
    q, want = next(iter(_golden().items()))
    hits = m.query(q, k=8)
    m.fit(RESULTS[:3])  # a new vocabulary: the hits keep the snapshot they were made from
    _same(hits, want)
