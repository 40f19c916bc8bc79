"""Explained hits: what each hit's score owes to each term, and its bounded similarity.

A :class:`Hit` carries its id and score at once; its ``terms`` (the terms contributing most
to the score, with their shares) and ``similarity`` (the cosine of the query as written and
the doc, both weighted as indexed docs are) are computed for all hits of a query together, on
the first access to any of them (:class:`Explainer`), so callers that only rank pay nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .documents import DocId
from .feedback import Ranking, merged
from .scoring import gather, norms_of
from .segments import IndexView
from .weighting import DocWeighting, Vocabulary

__all__ = ["Explainer", "Explanations", "Hit", "cosines", "explain"]


class Hit:
    """One result of :meth:`Matcher.query`.

    ``score`` is the (BM25-like by default) ranking score: higher is better, comparable within
    one query, not bounded to [0, 1]. ``terms`` lists the terms that contribute most to it with
    their share of it (shares of all contributing terms sum to 1; only the first few are
    listed). With feedback on, a term may come from the feedback rather than the query text.

    ``similarity`` is bounded and means the same across queries: the cosine, in [0, 1], of the
    query's and the doc's term vectors, both weighted as indexed docs are (field weights,
    saturated tf, idf) and l2-normalised, the query taken as written (before feedback). The
    same text gives ~1.0, texts sharing no indexed term 0. Use it for thresholds and for
    combining with other [0, 1] parts; rank by ``score``.

    ``strength`` and ``coverage`` are the score put on a scale that means the same for every
    query: divided by the query's self-score (the score its own text would get, were it
    indexed; :meth:`Matcher.self_score`). ``strength`` is the ranking score so divided (it
    ranks as ``score`` does; feedback can take it above 1). ``coverage`` is the first pass's
    score so divided, before feedback: how much of what the query says the doc says too, in
    [0, 1] — the figure to decide with whether a hit is close, stable as the corpus grows.

    Ids, scores and shares are plain Python ``str``/``int`` and ``float`` (JSON-ready).

    Hits are immutable. The hits of one query compute ``terms`` and ``similarity`` together on
    the first access to either (from the index snapshot and query vector the query used), so
    callers that only rank pay nothing for them; the values are those an eager computation
    gives. Equality, hashing, ``repr`` and pickling use all four attributes.
    """

    __slots__ = ("_explain", "_similarity", "_terms", "coverage", "id", "score", "strength")

    id: DocId
    score: float
    strength: float
    coverage: float
    _terms: tuple[tuple[str, float], ...]
    _similarity: float
    _explain: tuple[Explainer, int] | None

    def __init__(
        self,
        id: DocId,
        score: float,
        terms: tuple[tuple[str, float], ...] = (),
        similarity: float = 0.0,
        strength: float = 0.0,
        coverage: float = 0.0,
    ) -> None:
        _set = object.__setattr__
        _set(self, "id", id)
        _set(self, "score", score)
        _set(self, "strength", strength)
        _set(self, "coverage", coverage)
        _set(self, "_terms", terms)
        _set(self, "_similarity", similarity)
        _set(self, "_explain", None)

    @classmethod
    def _lazy(cls, id: DocId, score: float, strength: float, coverage: float,
              explainer: Explainer, i: int) -> Hit:
        h = cls.__new__(cls)
        _set = object.__setattr__
        _set(h, "id", id)
        _set(h, "score", score)
        _set(h, "strength", strength)
        _set(h, "coverage", coverage)
        _set(h, "_explain", (explainer, i))
        return h

    def _resolve(self) -> None:
        pending = self._explain
        if pending is not None:
            explainer, i = pending
            terms, sims = explainer.results()
            _set = object.__setattr__
            _set(self, "_terms", terms[i])
            _set(self, "_similarity", sims[i])
            _set(self, "_explain", None)

    @property
    def terms(self) -> tuple[tuple[str, float], ...]:
        if self._explain is not None:
            self._resolve()
        return self._terms

    @property
    def similarity(self) -> float:
        if self._explain is not None:
            self._resolve()
        return self._similarity

    def _key(self) -> tuple[DocId, float, tuple[tuple[str, float], ...], float, float, float]:
        return (self.id, self.score, self.terms, self.similarity, self.strength, self.coverage)

    def __setattr__(self, name: str, value: Any) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Hit)
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (f"Hit(id={self.id!r}, score={self.score!r}, terms={self.terms!r}, "
                f"similarity={self.similarity!r}, strength={self.strength!r}, "
                f"coverage={self.coverage!r})")

    def __reduce__(self) -> tuple[type[Hit], tuple[Any, ...]]:
        return (Hit, self._key())


class Explainer:
    """Explanations and similarities of one query's hits, computed on first request.

    Holds the index snapshot, the hits' slots and the query's vectors (no hit, no matcher),
    and lets go of them once the results are made.
    """

    __slots__ = ("_args", "_out")

    def __init__(self, args: tuple[Any, ...]) -> None:
        self._args: tuple[Any, ...] | None = args
        self._out: tuple[list[tuple[tuple[str, float], ...]], list[float]] | None = None

    def results(self) -> tuple[list[tuple[tuple[str, float], ...]], list[float]]:
        out = self._out
        if out is None:
            args = self._args
            if args is None:  # another thread has just made them (it sets _out first)
                out = self._out
                assert out is not None
            else:
                out = self._out = explain(*args)
                self._args = None
        return out


@dataclass(frozen=True, eq=False)
class Explanations:
    """How a matcher explains its hits: the doc weighting (for the similarity), the
    vocabulary (terms' names) and how many (term, share) pairs a hit lists."""

    weighting: DocWeighting
    vocab: Vocabulary
    terms: int

    def hits(
        self,
        idx: IndexView,
        slots: list[int],
        scores: NDArray[np.float64],
        ranking: Ranking,
        written: tuple[NDArray[np.intp], NDArray[np.float64]],
        first: NDArray[np.float64] | None = None,
        self_score: float = 0.0,
    ) -> list[Hit]:
        """Hits whose explanations and similarities are made, for all of them in one
        vectorised pass, on the first access to any (``written``: the query's terms and
        counts as written, for the similarity; ``first``: the first pass's scores and
        ``self_score`` the query's, for each hit's strength and coverage)."""
        if not slots:
            return []
        sl = np.asarray(slots, dtype=np.intp)
        ids = idx.ids
        score_list: list[float] = scores[sl].tolist()
        if self_score > 0:
            strengths: list[float] = (scores[sl] / self_score).tolist()
            base = scores if first is None else first
            coverages: list[float] = np.minimum(base[sl] / self_score, 1.0).tolist()
        else:
            strengths = coverages = [0.0] * len(slots)
        explainer = Explainer(
            (idx, sl, ranking, written, self.weighting, self.vocab.names(), self.terms))
        lazy = Hit._lazy
        return [lazy(ids[s], score_list[i], strengths[i], coverages[i], explainer, i)
                for i, s in enumerate(slots)]


def cosines(
    owner: NDArray[np.intp],
    dterms: NDArray[np.int32],
    vals: NDArray[np.float64],
    n: int,
    qterms: NDArray[np.intp],
    qweights: NDArray[np.float64],
) -> list[float]:
    """Cosine of each of ``n`` gathered doc rows with an l2-normalised query, clipped to [0, 1]."""
    if qterms.size == 0 or n == 0:
        return [0.0] * n
    norms = np.sqrt(np.bincount(owner, weights=vals * vals, minlength=n))
    qpos = np.minimum(np.searchsorted(qterms, dterms), qterms.size - 1)
    match = qterms[qpos] == dterms
    dots = np.bincount(owner[match], weights=vals[match] * qweights[qpos[match]], minlength=n)
    norms[norms == 0] = 1.0
    out: list[float] = np.clip(dots / norms, 0.0, 1.0).tolist()
    return out


def explain(
    idx: IndexView,
    sl: NDArray[np.intp],
    ranking: Ranking,
    written: tuple[NDArray[np.intp], NDArray[np.float64]],
    weighting: DocWeighting,
    names: Sequence[str],
    explain_terms: int,
) -> tuple[list[tuple[tuple[str, float], ...]], list[float]]:
    """(terms, similarity) of the hits at slots ``sl``, in one vectorised pass: ``ranking``
    the (expanded) ranking query, ``written`` the query's terms and counts as written (to be
    weighted as a doc, ``weighting``, for the cosine), ``names`` the term list of the
    snapshot's vocabulary."""
    stids = written[0]
    sweights = weighting.as_doc(stids, written[1])
    tids, qw, centroid = ranking
    if centroid is not None:
        tids, qw = merged(tids, qw, *centroid)
    owner, dterms, vals = gather(idx, sl)
    n = sl.size
    sims: list[float] | None = None
    if tids.size == 0 or stids.size == 0:
        return [()] * n, cosines(owner, dterms, vals, n, stids, sweights)
    # One pass locates each doc term among the (sorted) query terms; the query as
    # written is part of the expanded query, so its cosine weights share the positions.
    spos = np.searchsorted(tids, stids)
    if spos[-1] >= tids.size or not (tids[np.minimum(spos, tids.size - 1)] == stids).all():
        sims = cosines(owner, dterms, vals, n, stids, sweights)
    qpos = np.searchsorted(tids, dterms)
    np.minimum(qpos, tids.size - 1, out=qpos)
    match = tids[qpos] == dterms
    mo, mt, mv, mq = owner[match], dterms[match], vals[match], qpos[match]
    if sims is None:
        swf = np.zeros(tids.size)
        swf[spos] = sweights
        norms = norms_of(idx, sl, owner, vals)
        norms[norms == 0] = 1.0
        dots = np.bincount(mo, weights=mv * swf[mq], minlength=n)
        sims = np.clip(dots / norms, 0.0, 1.0).tolist()
    if explain_terms <= 0:
        return [()] * n, sims
    contrib = mv * qw[mq]
    # Best contributions first within each hit; ties by term id for reproducibility.
    order = np.lexsort((mt, -contrib, mo))
    counts = np.bincount(mo, minlength=n)
    totals = np.bincount(mo, weights=contrib, minlength=n)
    o_sorted = mo[order]
    # Keep each hit's first explain_terms entries without a Python loop over the rest.
    first = np.cumsum(counts) - counts
    keep = order[np.arange(order.size) - first[o_sorted] < explain_terms]
    per: list[list[tuple[str, float]]] = [[] for _ in range(n)]
    kept_owner = mo[keep]
    shares = contrib[keep] / totals[kept_owner]
    for o, t, c in zip(kept_owner.tolist(), mt[keep].tolist(), shares.tolist(), strict=True):
        per[o].append((names[t], c))
    return [tuple(p) for p in per], sims
