"""Term weighting: how counts become the weights that are indexed and queried.

Docs: field-weighted counts (phrase tokens counting ``phrase_weight``) are saturated (BM25's
curve with ``k1`` and length norm ``b``, or 1 + ln tf), multiplied by idf (BM25's, or
scikit-learn's smoothed idf) and, with ``norm="l2"``, l2-normalised (:class:`DocWeighting`).
Queries: counted per field alike, the dictionary sub-words of a longer query word weighed
``subword_weight``, log-saturated and l2-normalised (:class:`QueryWeighting`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import overload

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

__all__ = ["WEIGH_BLOCK", "DocWeighting", "QueryWeighting", "TermNames", "Vocabulary", "idf_of"]

#: Stored entries transformed per step by the weighting (bounds its float64 temporaries).
WEIGH_BLOCK = 1 << 22

_NO_TERMS: frozenset[int] = frozenset()


def idf_of(df: NDArray[np.float64], n_docs: int, kind: str) -> NDArray[np.float64]:
    """Each term's idf from its document frequency: ``"bm25"`` or ``"smooth"``."""
    if kind == "bm25":
        out: NDArray[np.float64] = np.log1p((n_docs - df + 0.5) / (df + 0.5))
        return out
    # scikit-learn's smoothed idf (TfidfTransformer(smooth_idf=True)), from df alone.
    smooth: NDArray[np.float64] = np.log((1.0 + n_docs) / (1.0 + df)) + 1.0
    return smooth


class Vocabulary:
    """A fit's terms (sorted, so ids do not depend on the order of the docs), their ids and
    per-term values: the count factor of phrase tokens and, cached, each term's sub-words.

    Terms are looked up by binary search in the sorted array, never through a dict of
    Python strings: a saved index's array is a read-only memory map that every worker
    loading it shares, while a dict and a list of the terms would be each worker's own
    (~25 MB for the 140,000 terms of a million synthetic listings, and a pass over all of
    them at each load). :attr:`ids` still gives that dict, built on first use, for callers
    that want one.
    """

    def __init__(self, terms: NDArray[np.str_], phrase_weight: float) -> None:
        self.terms = terms
        self.phrase_weight = phrase_weight
        self._phrase_factor: NDArray[np.float32] | None = None
        self._ids: dict[str, int] | None = None
        self.subterms: dict[int, frozenset[int]] = {}

    @property
    def phrase_factor(self) -> NDArray[np.float32] | None:
        """``phrase_weight`` for phrase tokens (the only terms holding a space), else 1;
        None: all 1. Made on first use (counting docs: a fit or an add, never a query)."""
        if self.phrase_weight == 1.0 or not self.terms.size:
            return None
        factor = self._phrase_factor
        if factor is None:
            is_phrase = np.char.find(self.terms, " ") >= 0
            factor = self._phrase_factor = np.where(
                is_phrase, np.float32(self.phrase_weight), np.float32(1.0)).astype(np.float32)
        return factor

    def __len__(self) -> int:
        return int(self.terms.size)

    @property
    def ids(self) -> dict[str, int]:
        """Each term's id (a dict made on first use; the query path does not use it)."""
        ids = self._ids
        if ids is None:
            ids = self._ids = {t: i for i, t in enumerate(self.terms.tolist())}
        return ids

    def lookup(self, tokens: Sequence[str]) -> list[int]:
        """Each token's term id, -1 for a token the fit does not know."""
        n = self.terms.size
        if not tokens or not n:
            return [-1] * len(tokens)
        # The tokens at the terms' width: a wider array would make numpy cast (copy) every
        # term to compare. A token cut to that width is no term, and fails the check below:
        # a token found at its sorted place is the term only if equal to it as written.
        pos: list[int] = np.searchsorted(
            self.terms, np.array(tokens, dtype=self.terms.dtype)).tolist()
        terms = self.terms
        return [p if p < n and terms[p] == t else -1 for p, t in zip(pos, tokens, strict=True)]

    def name(self, tid: int) -> str:
        """The term numbered ``tid``."""
        return str(self.terms[tid])

    def names(self) -> TermNames:
        """The terms as a sequence of ``str`` read from the array (no list is made)."""
        return TermNames(self.terms)

    def is_phrase(self, tid: int) -> bool:
        """Whether the term numbered ``tid`` is a phrase token (two words)."""
        return " " in self.terms[tid]

    def count_phrases(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        """``counts`` (docs x terms) with phrase tokens counting ``phrase_weight``, in place."""
        if self.phrase_factor is not None:
            counts.data *= self.phrase_factor[counts.indices]
        return counts

    def subwords_of(self, tids: list[int]) -> set[int]:
        """The query terms lying inside a longer word of the same query (the sub-words that
        search mode adds), to be weighed ``subword_weight``."""
        cache = self.subterms
        found: set[int] = set()
        for t in tids:
            subs = cache.get(t)
            if subs is None:
                subs = cache[t] = self._subterms_of(self.name(t))
            if subs:
                found.update(subs)
        return found.intersection(tids) if found else found

    def _subterms_of(self, term: str) -> frozenset[int]:
        """Ids of the indexed words that are proper substrings of ``term`` (a word of more
        than two characters, not a phrase); computed once per term and cached."""
        if len(term) <= 2 or " " in term:
            return _NO_TERMS
        n = len(term)
        parts = [term[i:j] for i in range(n) for j in range(i + 1, n + 1 - (i == 0))]
        subs = {j for j in self.lookup(parts) if j >= 0}
        return frozenset(subs) if subs else _NO_TERMS


class TermNames(Sequence[str]):
    """A vocabulary's terms as ``str``, each read from the terms' array when asked for."""

    def __init__(self, terms: NDArray[np.str_]) -> None:
        self._terms = terms

    def __len__(self) -> int:
        return int(self._terms.size)

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> list[str]: ...
    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            out: list[str] = self._terms[i].tolist()
            return out
        return str(self._terms[i])


@dataclass(frozen=True, eq=False)
class DocWeighting:
    """How an indexed doc's counts are weighted (the fitted ``avgdl`` and ``idf``)."""

    tf: str
    k1: float
    b: float
    avgdl: float
    idf: NDArray[np.float64]
    norm: str | None

    def saturate(self, counts: sp.csr_matrix, lengths: NDArray[np.float64] | None = None,
                 inplace: bool = False) -> sp.csr_matrix:
        """Dampen repeated terms: a doc saying 电池 ten times is not ten times about 电池."""
        m = counts if inplace else counts.copy()
        m.data = m.data.astype(np.float32, copy=False)
        if self.tf == "bm25" and lengths is None:
            lengths = np.asarray(counts.sum(axis=1), dtype=np.float64).ravel()
        norm = None
        if lengths is not None:
            norm = self.k1 * (1 - self.b + self.b * lengths / self.avgdl)
        row_len = np.diff(m.indptr)
        # A block of rows at a time: the float64 temporaries of a million docs would double
        # the peak memory of a fit.
        step = max(1, WEIGH_BLOCK // max(1, int(row_len.mean()) if row_len.size else 1))
        for a in range(0, m.shape[0], step):
            b = min(a + step, m.shape[0])
            lo, hi = int(m.indptr[a]), int(m.indptr[b])
            d = m.data[lo:hi].astype(np.float64)
            if self.tf == "log":
                # Field weights can make a count fall below 1; keep the curve monotone there.
                d = np.where(d >= 1, 1.0 + np.log(np.maximum(d, 1.0)), d)
            else:
                assert norm is not None
                d = d * (self.k1 + 1) / (d + np.repeat(norm[a:b], row_len[a:b]))
            m.data[lo:hi] = d
        return m

    def weigh(self, sat: sp.csr_matrix) -> sp.csr_matrix:
        """Multiply by idf and (with ``norm="l2"``) l2-normalise each row; float32 values."""
        m = sp.csr_matrix(sat, copy=False)
        if m.shape[1]:
            m.data = m.data.astype(np.float32, copy=False)
            for lo in range(0, m.data.size, WEIGH_BLOCK):
                hi = lo + WEIGH_BLOCK
                m.data[lo:hi] = m.data[lo:hi] * self.idf[m.indices[lo:hi]]
        if self.norm is not None:
            sq = m.data.astype(np.float64) ** 2
            norms = np.sqrt(np.add.reduceat(sq, m.indptr[:-1]) if sq.size else sq)
            if sq.size:
                # reduceat gives the next row's first value for empty rows.
                norms[np.diff(m.indptr) == 0] = 0.0
            norms = np.where(norms == 0, 1.0, norms) if norms.size else np.ones(m.shape[0])
            m.data = (m.data / np.repeat(norms, np.diff(m.indptr))).astype(np.float32)
        m.sort_indices()
        return m

    def as_doc(self, tids: NDArray[np.intp], tf: NDArray[np.float64],
               l2: bool = True) -> NDArray[np.float64]:
        """Counts ``tf`` of the terms ``tids`` weighted as an indexed doc's, l2-normalised
        unless ``l2`` is false (the query side of a hit's similarity)."""
        if self.tf == "log":
            sat = np.where(tf >= 1, 1.0 + np.log(np.maximum(tf, 1.0)), tf)
        else:
            norm = self.k1 * (1 - self.b + self.b * float(tf.sum()) / self.avgdl)
            sat = tf * (self.k1 + 1) / (tf + norm)
        w_ = sat * self.idf[tids]
        if not l2 and self.norm is None:
            return w_
        n = math.sqrt(float(w_ @ w_))
        out: NDArray[np.float64] = w_ / n if n > 0 else w_
        return out

    def self_score(self, tids: NDArray[np.intp], tf: NDArray[np.float64],
                   qw: NDArray[np.float64]) -> float:
        """The score the query ``qw`` would give its own text (terms ``tids``, counts ``tf``)
        were it indexed: the most a doc saying exactly what the query says earns, so scores
        divided by it mean the same for short and long queries and as the corpus grows."""
        if tids.size == 0:
            return 0.0
        return float(qw @ self.as_doc(tids, tf, l2=False))


@dataclass(frozen=True, eq=False)
class QueryWeighting:
    """How a query's tokens become its ranking weights."""

    vocab: Vocabulary
    field_weights: tuple[float, float, float]
    subword_weight: float
    query_idf: bool
    idf: NDArray[np.float64]

    def counts(
        self, tokens: Sequence[list[str]]
    ) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
        """(term ids, field-weighted counts) of a query's (body, title, keywords) tokens,
        sorted by term id (terms unknown to the fit ignored)."""
        row: dict[int, float] = {}
        for w, part in zip(self.field_weights, tokens, strict=False):
            if w == 0 or not part:
                continue
            for j in self.vocab.lookup(part):
                if j >= 0:
                    row[j] = row.get(j, 0.0) + w
        if not row:
            return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.float64)
        keys = sorted(row)
        tids = np.array(keys, dtype=np.intp)
        if self.vocab.phrase_weight == 1.0:
            tf = np.array([row[j] for j in keys], dtype=np.float64)
        else:
            # Phrase tokens (the only terms holding a space) count phrase_weight, as in docs:
            # the factor the docs' counts were multiplied by (float32, as phrase_factor).
            is_phrase = self.vocab.is_phrase
            pw = float(np.float32(self.vocab.phrase_weight))
            tf = np.array([row[j] * pw if is_phrase(j) else row[j] for j in keys],
                          dtype=np.float64)
        return tids, tf

    def weights(self, tids: NDArray[np.intp], tf: NDArray[np.float64]) -> NDArray[np.float64]:
        """l2-normalised ranking weights of a query's terms."""
        # A query has tens of terms: Python floats cost less here than a chain of numpy calls.
        counts: list[float] = tf.tolist()
        if self.subword_weight != 1.0 and len(counts) > 1:
            term_ids: list[int] = tids.tolist()
            subwords = self.vocab.subwords_of(term_ids)
            if subwords:
                sw = float(self.subword_weight)
                counts = [c * sw if t in subwords else c
                          for t, c in zip(term_ids, counts, strict=True)]
        # Queries are short: log saturation suits them whatever the docs use.
        sat = [1.0 + math.log(c) if c >= 1 else c for c in counts]
        if self.query_idf:
            w_ = np.array(sat, dtype=np.float64) * self.idf[tids]
            norm = math.sqrt(float(w_ @ w_))
            out: NDArray[np.float64] = w_ / norm if norm > 0 else w_
            return out
        norm = math.sqrt(sum(x * x for x in sat))
        return np.array([x / norm for x in sat] if norm > 0 else sat, dtype=np.float64)
