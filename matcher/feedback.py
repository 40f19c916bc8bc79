"""Pseudo-relevance feedback (Rocchio): the query expanded by the centroid of its first hits.

The first ``prf_docs`` hits of the first pass stand for what the query is about: the
``prf_terms`` heaviest terms of their weighted centroid (l2-normalised rows, the first hit
weighing most with ``prf_weighting="rank"``), scaled to norm ``prf_weight``, are added to the
l2-normalised query, and the expanded query is scored again. Scoring is linear in the query,
so the second pass adds the centroid's scores to the first pass's (only the centroid's
postings are read); where those postings are long (:meth:`Feedback.rescores`), only the first
pass's ``prf_rerank`` best docs are scored again, from their rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .scoring import accumulate_spans, gather, norms_of, spans, top
from .segments import IndexView

__all__ = ["RERANK_COST_FACTOR", "Feedback", "Ranking", "merged"]

#: ``prf_rerank`` applies when the expanded query's postings hold more entries than this
#: many times N docs' rows (a row entry costs more to read than a posting).
RERANK_COST_FACTOR = 2.0

#: Sorted term ids and their weights.
Terms = tuple[NDArray[np.intp], NDArray[np.float64]]
# A ranking query: sorted term ids, their weights and, when feedback is not merged into them
# yet, the centroid's (terms, weights) to add (see Feedback.expand).
Ranking = tuple[NDArray[np.intp], NDArray[np.float64], Terms | None]

# (prf_weighting, number of feedback docs) -> each doc's share of the feedback, for the
# weightings that do not depend on the scores (read-only arrays, the same for every query).
_FEEDBACK_SHARES: dict[tuple[str, int], NDArray[np.float64]] = {}


@dataclass(frozen=True)
class Feedback:
    """The feedback settings of a matcher (its ``prf_*`` parameters)."""

    docs: int
    weight: float
    terms: int
    weighting: str
    rerank: int
    #: The share of the query's self-score a first-pass doc needs to take part in feedback.
    min_coverage: float = 0.0

    @property
    def on(self) -> bool:
        """Whether queries are expanded at all."""
        return self.docs > 0 and self.weight > 0

    def feedback_docs(
        self, first: NDArray[np.float64], live: NDArray[np.bool_] | None,
        self_score: float = 0.0,
    ) -> list[int]:
        """The slots whose rows expand a query whose first pass scored ``first``.

        They come from the whole live index, not only the slots a filter allows: they stand
        for what the query is about, the filter only for what may be shown. Only docs whose
        first-pass score reaches ``min_coverage`` of the query's ``self_score`` (the score
        its own text would get) count: a first pass that found nothing close expands nothing,
        so feedback cannot lock in a wrong first hit and pull in more of its kind.
        """
        slots = top(first, self.docs, live, None)
        floor = self.min_coverage * self_score
        if floor > 0:
            slots = [s for s in slots if first[s] >= floor]
        return slots

    def expand(
        self,
        idx: IndexView,
        first: NDArray[np.float64],
        live: NDArray[np.bool_] | None,
        tids: NDArray[np.intp],
        qw: NDArray[np.float64],
        fb: list[int],
    ) -> tuple[NDArray[np.float64], Ranking]:
        """Scores of the query expanded by the centroid of the feedback docs ``fb``, and the
        expanded query (its centroid part kept apart until an explanation needs the merge).

        The expanded query's scores are the first pass's plus the centroid's, over the norm
        of their sum, so only the centroid's postings are read.
        """
        terms, cen, cen_sq = self.centroid(idx, fb, first)
        if terms.size == 0:
            return first, (tids, qw, None)
        cspans = spans(idx, terms)
        if self.rescores(idx, cspans[2]):
            etids, eqw = merged(tids, qw, terms, cen)
            return self.rescore(idx, first, live, (etids, eqw)), (etids, eqw, None)
        # |q + c|^2 = |q|^2 + |c|^2 + 2 q.c, where q.c runs over the terms both hold (a
        # few tens of them: Python floats cost less than the numpy calls of an intersection).
        qmap = dict(zip(tids.tolist(), qw.tolist(), strict=True))
        qc = sum(qmap.get(t, 0.0) * c for t, c in zip(terms.tolist(), cen.tolist(), strict=True))
        sq = sum(w * w for w in qmap.values()) + cen_sq + 2.0 * qc
        scores = accumulate_spans(idx, terms, cen, *cspans)
        scores += first
        scores *= 1.0 / math.sqrt(sq)
        return scores, (tids, qw, (terms, cen))

    def expand_terms(
        self, idx: IndexView, first: NDArray[np.float64], live: NDArray[np.bool_] | None,
        query: Terms, self_score: float = 0.0,
    ) -> tuple[Terms, bool]:
        """The expanded ``query`` merged into sorted terms and l2-normalised weights (the
        query itself when there is no feedback), and whether it is to be scored with
        :meth:`rescore`: the same rules as :meth:`expand`'s, for batches."""
        tids, qw = query
        fb = self.feedback_docs(first, live, self_score) if tids.size else []
        cterms, cen, _ = self.centroid(idx, fb, first) if fb else (tids[:0], qw[:0], 0.0)
        if not cterms.size:
            return (tids, qw), False
        return merged(tids, qw, cterms, cen), self.rescores(idx, spans(idx, cterms)[2])

    def rescores(self, idx: IndexView, postings: int) -> bool:
        """Whether an expanded query whose centroid terms hold ``postings`` entries in the
        main segment is scored by :meth:`rescore` (only the first pass's best docs)."""
        return self.rerank > 0 and self._rerank_pays(idx, postings)

    def _rerank_pays(self, idx: IndexView, postings: int) -> bool:
        """Whether ``postings`` hold more entries than ``rerank`` docs' rows (by
        :data:`RERANK_COST_FACTOR`), so rescoring those docs reads less."""
        if not idx.n_main:
            return False
        per_doc = idx.rows.nnz / idx.n_main
        return postings > RERANK_COST_FACTOR * self.rerank * per_doc

    def rescore(
        self, idx: IndexView, first: NDArray[np.float64], live: NDArray[np.bool_] | None,
        query: Terms,
    ) -> NDArray[np.float64]:
        """Scores of the (expanded) ``query`` for the first pass's ``rerank`` best docs only,
        from their doc-major rows; 0 for the others."""
        tids, qw = query
        cands = np.asarray(top(first, self.rerank, live, None), dtype=np.intp)
        out = np.zeros(idx.n, dtype=np.float64)
        if cands.size == 0 or tids.size == 0:
            return out
        owner, dterms, vals = gather(idx, cands)
        qpos = np.minimum(np.searchsorted(tids, dterms), tids.size - 1)
        match = tids[qpos] == dterms
        out[cands] = np.bincount(owner[match], weights=vals[match] * qw[qpos[match]],
                                 minlength=cands.size)
        return out

    def centroid(
        self, idx: IndexView, fb: list[int], scores: NDArray[np.float64]
    ) -> tuple[NDArray[np.intp], NDArray[np.float64], float]:
        """The ``terms`` heaviest terms (in no particular order) of the weighted centroid of
        the l2-normalised rows of the feedback docs ``fb``, scaled to norm ``weight``, and
        its squared norm."""
        fw_share = _FEEDBACK_SHARES.get((self.weighting, len(fb)))
        if fw_share is None:
            fw = np.ones(len(fb))
            if self.weighting == "score":
                fw = scores[fb]
            elif self.weighting == "rank":
                # The first result (often the very item sought) leads the feedback.
                fw = 1.0 / np.arange(1, len(fb) + 1)
            fw_share = fw / fw.sum()
            if self.weighting != "score":
                fw_share.setflags(write=False)
                _FEEDBACK_SHARES[(self.weighting, len(fb))] = fw_share
        fb_slots = np.asarray(fb, dtype=np.intp)
        owner, dterms, vals = gather(idx, fb_slots)
        # Feedback docs scored above 0, so each holds a positive weight: no norm is 0.
        scale = fw_share / norms_of(idx, fb_slots, owner, vals)
        # Sum each term's weights: a stable sort and one reduceat (np.unique costs more here).
        order = np.argsort(dterms, kind="stable")
        st = dterms[order]
        starts = np.flatnonzero(np.concatenate(([True], st[1:] != st[:-1])))
        terms = st[starts].astype(np.intp)
        cen: NDArray[np.float64] = np.add.reduceat((vals * scale[owner])[order], starts)
        if cen.size > self.terms:
            best = np.argpartition(-cen, self.terms - 1)[: self.terms]
            terms, cen = terms[best], cen[best]
        sq = float(cen @ cen)
        if sq == 0:
            return terms[:0], cen[:0], 0.0
        scale_to = self.weight / math.sqrt(sq)
        cen *= scale_to
        return terms, cen, sq * scale_to * scale_to


def merged(
    tids: NDArray[np.intp], qw: NDArray[np.float64],
    terms: NDArray[np.intp], cen: NDArray[np.float64],
) -> Terms:
    """The query ``(tids, qw)`` (sorted terms) plus the centroid ``(terms, cen)`` (any order),
    as sorted terms and l2-normalised weights, the weights of shared terms added."""
    order = np.argsort(terms)
    terms, cen = terms[order], cen[order]
    pos = np.searchsorted(tids, terms)
    shared = pos < tids.size
    shared[shared] = tids[pos[shared]] == terms[shared]
    w = qw.copy()
    w[pos[shared]] += cen[shared]
    new = tids
    if not shared.all():
        extra = ~shared
        new = np.concatenate([tids, terms[extra]])
        order = np.argsort(new)
        new, w = new[order], np.concatenate([w, cen[extra]])[order]
    return new, w / math.sqrt(float(w @ w))
