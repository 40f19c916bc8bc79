"""The :class:`Matcher`: an index of technology results (or needs) queried by text.

Documents are counted with scikit-learn (``CountVectorizer`` over pre-tokenised fields, title
and keywords counted more than the body), their term frequencies saturated (BM25's curve by
default, or 1 + ln tf) and weighted by idf (BM25's, or ``TfidfTransformer``'s smoothed idf with
l2-normalised rows for plain cosine TF-IDF). The weighted matrix is kept term-major, so a query
only touches the postings of its own terms. Pseudo-relevance feedback (Rocchio) then adds the
centroid of the first results, the first weighing most, to the query and scores again.

The defaults were chosen on two evaluation sets (see docs/matching.md): BM25 weighting beat
cosine TF-IDF on both, and rank-weighted feedback lifted topic precision by ~0.035 while costing
known-item search ~0.002 MRR.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import math
import multiprocessing
import threading
from collections import Counter
from collections.abc import (
    Callable,
    Collection,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
    Sized,
)
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from ._version import __version__
from .tokenizer import Tokenizer

__all__ = ["DEFAULT_PARAMS", "DocId", "Hit", "Matcher"]

DocId = str | int
Doc = Mapping[str, Any]
Where = Callable[[DocId], bool] | Mapping[str, Any] | None

#: The service's settings, chosen on the csl-title and csl-topic dev sets (docs/matching.md).
DEFAULT_PARAMS: dict[str, Any] = {
    "tokenizer": {
        "mode": "search", "hmm": False, "bigrams": False, "min_len": 1, "user_dict": None,
        "stopwords": None, "drop_numbers": False, "phrases": True,
    },
    "title_weight": 2.0,
    "keywords_weight": 2.0,
    "tf": "bm25",
    "k1": 1.2,
    "b": 0.75,
    "min_df": 1,
    "max_df": 1.0,
    "prf_docs": 5,
    "prf_weight": 1.5,
    "prf_terms": 40,
    "explain_terms": 5,
    "norm": None,
    "idf": "bm25",
    "query_idf": False,
    "prf_weighting": "rank",
    "prf_rerank": 1000,
    "phrase_weight": 0.5,
    "subword_weight": 0.25,
    "n_jobs": 1,
}

_FORMAT = "innomatch-matcher"
_ARRAYS = "arrays.npz"
_META = "meta.json"


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

    Ids, scores and shares are plain Python ``str``/``int`` and ``float`` (JSON-ready).

    Hits are immutable. The hits of one query compute ``terms`` and ``similarity`` together on
    the first access to either (from the index snapshot and query vector the query used), so
    callers that only rank pay nothing for them; the values are those an eager computation
    gives. Equality, hashing, ``repr`` and pickling use all four attributes.
    """

    __slots__ = ("_explain", "_similarity", "_terms", "id", "score")

    id: DocId
    score: float
    _terms: tuple[tuple[str, float], ...]
    _similarity: float
    _explain: tuple[_Explainer, int] | None

    def __init__(
        self,
        id: DocId,
        score: float,
        terms: tuple[tuple[str, float], ...] = (),
        similarity: float = 0.0,
    ) -> None:
        _set = object.__setattr__
        _set(self, "id", id)
        _set(self, "score", score)
        _set(self, "_terms", terms)
        _set(self, "_similarity", similarity)
        _set(self, "_explain", None)

    @classmethod
    def _lazy(cls, id: DocId, score: float, explain: _Explainer, i: int) -> Hit:
        h = cls.__new__(cls)
        _set = object.__setattr__
        _set(h, "id", id)
        _set(h, "score", score)
        _set(h, "_explain", (explain, i))
        return h

    def _resolve(self) -> None:
        pending = self._explain
        if pending is not None:
            explain, i = pending
            terms, sims = explain.results()
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

    def _key(self) -> tuple[DocId, float, tuple[tuple[str, float], ...], float]:
        return (self.id, self.score, self.terms, self.similarity)

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
                f"similarity={self.similarity!r})")

    def __reduce__(self) -> tuple[type[Hit], tuple[Any, ...]]:
        return (Hit, self._key())


class _Explainer:
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
                out = self._out = _explain(*args)
                self._args = None
        return out


class _Vocab(dict[str, int]):
    """Term -> id in first-seen order; looking up a new term numbers it."""

    def __missing__(self, term: str) -> int:
        j = self[term] = len(self)
        return j


def _has_tokens(doc: Doc) -> bool:
    return isinstance(doc.get("tokens"), Mapping)


def _doc_text(doc: Doc) -> tuple[str, str, list[str]]:
    """(body, title, keywords) of a doc as plain strings."""
    kw = doc.get("keywords") or ()
    if isinstance(kw, str):
        kw = [kw]
    return str(doc.get("text") or ""), str(doc.get("title") or ""), [str(k) for k in kw]


def _tokenize_parts(
    tok: Callable[[str], list[str]], body: str, title: str, keywords: list[str]
) -> tuple[list[str], list[str], list[str]]:
    kw_tokens: list[str] = []
    for k in keywords:
        kw_tokens.extend(tok(k))
    return tok(body), tok(title), kw_tokens


def _count(
    parts: Sequence[Sequence[str]], weights: tuple[float, float, float]
) -> tuple[list[str], list[float]]:
    """(terms, field-weighted counts) of one doc's (body, title, keywords) tokens."""
    # The body counts once; Counter does the bulk of the counting in C.
    c: dict[str, float] = dict(Counter(parts[0]))
    for w, part in zip(weights[1:], parts[1:], strict=True):
        if part and w:
            for t, n in Counter(part).items():
                c[t] = c.get(t, 0) + w * n
    return list(c), [float(n) for n in c.values()]


@dataclass
class _Stream:
    """One field's tokens of a chunk of docs laid end to end: ``terms``, the count each
    entry adds (``None``: 1 each) and how many entries each doc has."""

    terms: list[str]
    per_doc: NDArray[np.int64]
    counts: list[float] | None = None


def _sum_chunk(
    streams: Sequence[tuple[float, _Stream]], n: int, vocab: _Vocab
) -> tuple[NDArray[np.int32], NDArray[np.float32], NDArray[np.int64]]:
    """Number a chunk's terms (new ones join ``vocab``) and add up each doc's counts per
    field, then the fields, each times its weight: (term ids, weights, entries per doc), each
    doc's entries in term-id order.

    The arithmetic is the per-doc ``Counter``'s of :func:`_count` (whole counts per field,
    then body + weight x count, field after field), so the values are bit-identical to it
    whatever the weights; only the bulk work is done in C.
    """
    total: sp.csr_matrix | None = None
    for weight, stream in streams:
        # A C-level map: only terms never seen before call back into Python.
        tid = np.fromiter(map(vocab.__getitem__, stream.terms), dtype=np.int64,
                          count=len(stream.terms))
        if tid.size == 0:
            continue
        rows = np.repeat(np.arange(n, dtype=np.int64), stream.per_doc)
        vals = (np.ones(tid.size) if stream.counts is None
                else np.asarray(stream.counts, dtype=np.float64))
        # scipy's COO -> CSR conversion adds the duplicate (doc, term) entries: whole counts.
        part = sp.csr_matrix((vals, (rows, tid)), shape=(n, len(vocab)))
        part.sum_duplicates()
        if weight != 1.0:
            part.data *= weight
        if total is None:
            total = part
        else:
            total.resize(n, len(vocab))
            total = total + part
    if total is None:
        return np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float32), np.zeros(n, np.int64)
    total.sort_indices()
    return (total.indices.astype(np.int32, copy=False), total.data.astype(np.float32),
            np.diff(total.indptr).astype(np.int64))


_NO_TERMS: frozenset[int] = frozenset()

# A ranking query: sorted term ids, their weights and, when feedback is not merged into them
# yet, the centroid's (terms, weights) to add (see Matcher._feedback).
_Ranking = tuple[
    NDArray[np.intp], NDArray[np.float64],
    tuple[NDArray[np.intp], NDArray[np.float64]] | None,
]

# (prf_weighting, number of feedback docs) -> each doc's share of the feedback, for the
# weightings that do not depend on the scores (read-only arrays, the same for every query).
_FEEDBACK_SHARES: dict[tuple[str, int], NDArray[np.float64]] = {}

# The job of forked query_many workers (inherited, never pickled).
_BATCH: dict[str, Any] = {}


def _batch_in_worker(span: tuple[int, int]) -> list[list[Hit]]:
    m, idx, vecs, k, max_terms = _BATCH["job"]
    a, b = span
    out: list[list[Hit]] = m._batch(idx, vecs[a:b], k, max_terms)
    return out


# Worker-process state for parallel tokenising (set by the pool's initializer).
_WORKER: dict[str, Any] = {}


def _init_worker(params: dict[str, Any], weights: tuple[float, float, float]) -> None:
    _WORKER["tok"] = Tokenizer(**params)
    _WORKER["weights"] = weights


def _count_in_worker(text: tuple[str, str, list[str]]) -> tuple[list[str], list[float]]:
    return _count(_tokenize_parts(_WORKER["tok"], *text), _WORKER["weights"])


def _start_pool(
    n: int, tok: Tokenizer, weights: tuple[float, float, float]
) -> multiprocessing.pool.Pool:
    # "fork" where there is one: children start at once, with jieba's dictionary already
    # loaded, and do not re-import the caller's __main__ (which "spawn" requires be guarded).
    # The children only tokenise, with their own Tokenizer; fits run in batch commands, not in
    # threaded web workers.
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    return ctx.Pool(n, initializer=_init_worker, initargs=(tok.get_params(), weights))


@dataclass(frozen=True)
class _Index:
    """What one query reads: an immutable view taken while later adds append past it.

    Slots ``[0, n_main)`` are the main segment, held both doc-major (``rows``) and term-major
    (``postings``, so a query touches only its terms' postings); slots ``[n_main, n)`` are the
    delta segment of docs added since the last full build, doc-major only (``delta``), scored
    with one sparse matrix-vector product. ``live`` is shared with the matcher, so a
    :meth:`Matcher.remove` (a mask flip) is seen at once.
    """

    postings: sp.csr_matrix  # terms x main slots
    rows: sp.csr_matrix  # main slots x terms
    norms: NDArray[np.float64]  # main slot -> l2 norm of its row
    delta: sp.csr_matrix | None  # delta slots x terms
    n_main: int
    n: int
    live: NDArray[np.bool_]  # at least n long; slot -> still indexed
    ids: list[DocId]  # slot -> id (appended to, never changed, while this view is current)
    fields: list[str | None]
    slot: dict[DocId, int]
    codes: NDArray[np.int32]  # at least n long; slot -> code of its field
    field_codes: dict[str | None, int]
    # {"field": ...} filters already turned into masks over [0, n): slots below n never change
    # field while this view is current, so a mask is computed once per view and filter.
    masks: dict[frozenset[str | None], NDArray[np.bool_]] = dataclasses.field(
        default_factory=dict)


class Matcher:
    """Text matcher with a scikit-learn-like life: ``Matcher(**params).fit(docs).query(text)``.

    A document is a mapping with ``id`` (str or int), ``title``, ``text`` and optionally
    ``keywords`` (list of str, or a str) and ``field`` (str). Parameters are stored as given
    and validated by :meth:`fit`; learned attributes end in ``_``.

    Parameters
    ----------
    tokenizer:
        A :class:`~matcher.Tokenizer` (or any ``str -> list[str]`` callable), or a dict of
        ``Tokenizer`` arguments; ``None`` means ``Tokenizer()``.
    title_weight, keywords_weight:
        How many times a title or keyword occurrence counts against one in the body.
    tf:
        ``"bm25"`` (saturation with ``k1`` and length norm ``b``) or ``"log"`` (1 + ln tf).
    norm, idf, query_idf:
        ``norm=None, idf="bm25", query_idf=False`` scores like BM25 (doc weights idf x
        saturated tf, query terms counted once); ``norm="l2", idf="smooth", query_idf=True``
        with ``tf="log"`` is scikit-learn's cosine TF-IDF.
    min_df, max_df:
        As in scikit-learn's ``CountVectorizer``: terms outside are left out of the vocabulary.
    prf_docs, prf_weight, prf_terms, prf_weighting:
        Pseudo-relevance feedback: add ``prf_weight`` times the centroid of the first
        ``prf_docs`` results (its ``prf_terms`` heaviest terms) to the l2-normalised query;
        ``prf_docs=0`` turns it off. ``prf_weighting`` weighs the feedback docs alike
        (``"uniform"``), by 1/rank (``"rank"``) or by score (``"score"``).
    explain_terms:
        How many (term, share) pairs each :class:`Hit` lists.
    prf_rerank:
        0: the expanded query scores every doc (feedback can bring in docs sharing no word
        with the query; the first pass's scores are reused, so only the feedback terms'
        postings are read again). N > 0: where the feedback terms' postings hold more than
        twice as many entries as N docs' rows, it rescores only the first pass's N best docs, so
        its cost stops growing with the index (the second pass over the feedback terms' long
        postings dominates a query's tail latency at a million docs); small indexes score
        every doc as with 0. Evaluation sets: unchanged at 12k docs; with rescoring forced,
        title MRR@10 0.9557 and topic P@10 0.450 against 0.9555 and 0.451.
    phrase_weight:
        How much an adjacent-word phrase token ("正极材料 循环寿命", see ``Tokenizer``'s
        ``phrases``) counts against a word, in docs and queries alike.
    subword_weight:
        How much a query word counts when it lies inside a longer indexed word of the same
        query: the dictionary sub-words that search mode adds (锂离子电池 → 离子, 电池, 锂离子) are
        the same evidence as the compound, so at 1 a compound weighs three or four times a
        plain word. Query side only (docs keep search mode's counts, so a need saying 电池
        still meets 锂离子电池). 0.25: the sub-words of a compound together count about as
        much as the compound (title MRR@10 0.9555 → 0.960, topic P@10 0.451 → 0.461; any
        value in 0.1–0.5 gave ≥ 0.959 and ≥ 0.454, see docs/matching.md).
    n_jobs:
        Worker processes that tokenise raw text during :meth:`fit` (1: in this process). The
        result does not depend on it: chunks are tokenised in parallel and read in order.
    """

    version = __version__
    #: Version of the library that wrote an index read by :meth:`load`.
    saved_version_: str

    def __init__(
        self,
        tokenizer: Tokenizer | Callable[[str], list[str]] | Mapping[str, Any] | None = None,
        title_weight: float = 2.0,
        keywords_weight: float = 2.0,
        tf: str = "bm25",
        k1: float = 1.2,
        b: float = 0.75,
        min_df: int | float = 1,
        max_df: int | float = 1.0,
        prf_docs: int = 5,
        prf_weight: float = 1.5,
        prf_terms: int = 40,
        explain_terms: int = 5,
        norm: str | None = None,
        idf: str = "bm25",
        query_idf: bool = False,
        prf_weighting: str = "rank",
        prf_rerank: int = 1000,
        phrase_weight: float = 0.5,
        subword_weight: float = 0.25,
        n_jobs: int = 1,
    ) -> None:
        self.tokenizer = tokenizer
        self.title_weight = title_weight
        self.keywords_weight = keywords_weight
        self.tf = tf
        self.k1 = k1
        self.b = b
        self.min_df = min_df
        self.max_df = max_df
        self.prf_docs = prf_docs
        self.prf_weight = prf_weight
        self.prf_terms = prf_terms
        self.explain_terms = explain_terms
        self.norm = norm
        self.idf = idf
        self.query_idf = query_idf
        self.prf_weighting = prf_weighting
        self.prf_rerank = prf_rerank
        self.phrase_weight = phrase_weight
        self.subword_weight = subword_weight
        self.n_jobs = n_jobs

    # -- parameters ----------------------------------------------------------------------

    _PARAM_NAMES = (
        "tokenizer", "title_weight", "keywords_weight", "tf", "k1", "b", "min_df", "max_df",
        "prf_docs", "prf_weight", "prf_terms", "explain_terms", "norm", "idf", "query_idf",
        "prf_weighting", "prf_rerank", "phrase_weight", "subword_weight", "n_jobs",
    )

    def get_params(self) -> dict[str, Any]:
        """The constructor arguments as stored."""
        return {name: getattr(self, name) for name in self._PARAM_NAMES}

    def set_params(self, **params: Any) -> Matcher:
        """Change constructor arguments; takes effect at the next :meth:`fit`."""
        for name, value in params.items():
            if name not in self._PARAM_NAMES:
                raise ValueError(f"unknown parameter {name!r}")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        return f"Matcher(docs={len(self)}, version={self.version!r})"

    def _validate(self) -> None:
        if self.tf not in ("log", "bm25"):
            raise ValueError(f"tf must be 'log' or 'bm25', not {self.tf!r}")
        if self.norm not in ("l2", None) or self.idf not in ("smooth", "bm25"):
            raise ValueError("norm must be 'l2' or None and idf 'smooth' or 'bm25'")
        if self.prf_weighting not in ("uniform", "rank", "score"):
            raise ValueError("prf_weighting must be 'uniform', 'rank' or 'score'")
        if int(self.n_jobs) < 1:
            raise ValueError("n_jobs must be >= 1")
        for name in ("title_weight", "keywords_weight", "prf_weight", "k1", "phrase_weight",
                     "subword_weight"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0")
        if not 0 <= self.b <= 1:
            raise ValueError("b must be within [0, 1]")
        if self.prf_docs < 0 or self.prf_terms < 1 or self.explain_terms < 0:
            raise ValueError("prf_docs, explain_terms must be >= 0 and prf_terms >= 1")

    def _make_tokenizer(self) -> Callable[[str], list[str]]:
        tok = self.tokenizer
        if tok is None:
            return Tokenizer()
        if isinstance(tok, Mapping):
            return Tokenizer(**tok)
        return tok

    # -- fitting -------------------------------------------------------------------------

    #: Docs counted per step of :meth:`fit`: token lists are held for one chunk at a time.
    FIT_CHUNK = 4096
    #: Below this many docs to tokenise, ``n_jobs`` is ignored (starting workers costs ~1 s).
    PARALLEL_MIN = 20_000

    def fit(self, docs: Iterable[Doc]) -> Matcher:
        """Learn the vocabulary and idf from ``docs`` and index them (replacing any index).

        ``docs`` may be any iterable (a generator keeps memory flat): it is read once, in
        chunks of :attr:`FIT_CHUNK`, and only each doc's term counts are kept. A doc carrying
        ``tokens`` (``{"title": [...], "text": [...], "keywords": [...]}``, as returned by
        :meth:`tokenize_docs` with the same tokenizer) is not tokenised again; the others are,
        in ``n_jobs`` processes when there are many.
        """
        self._validate()
        self.tokenizer_ = self._make_tokenizer()
        ids: list[DocId] = []
        fields: list[str | None] = []
        vocab = _Vocab()
        indices: list[NDArray[np.int32]] = []
        data: list[NDArray[np.float32]] = []
        lengths: list[NDArray[np.int64]] = []
        for chunk, streams in self._counted_chunks(docs):
            ids.extend(_doc_id(d) for d in chunk)
            fields.extend(_doc_field(d) for d in chunk)
            ind, val, lens = _sum_chunk(streams, len(chunk), vocab)
            indices.append(ind)
            data.append(val)
            lengths.append(lens)
        n_docs = len(ids)
        ind_all = np.concatenate(indices) if indices else np.empty(0, dtype=np.int32)
        del indices
        val_all = np.concatenate(data) if data else np.empty(0, dtype=np.float32)
        del data
        indptr = np.zeros(n_docs + 1, dtype=np.int64)
        if lengths:
            np.cumsum(np.concatenate(lengths), out=indptr[1:])
        terms, remap = self._prune(vocab, ind_all, n_docs)
        del vocab
        self._set_term_caches(terms)
        # Terms are numbered in sorted order (as scikit-learn's CountVectorizer does), so
        # term ids, and the tie-breaks that use them, do not depend on the order of the docs.
        new_ind = remap[ind_all]
        del ind_all
        keep = new_ind >= 0
        if not keep.all():
            row_of = np.repeat(np.arange(n_docs), np.diff(indptr))
            indptr = np.zeros(n_docs + 1, dtype=np.int64)
            np.cumsum(np.bincount(row_of[keep], minlength=n_docs), out=indptr[1:])
            del row_of
            new_ind, val_all = new_ind[keep], val_all[keep]
        del keep
        # int32 offsets where they fit, or scipy would widen the indices to int64 (a copy).
        if indptr[-1] < np.iinfo(np.int32).max:
            indptr = indptr.astype(np.int32)
        counts = sp.csr_matrix((val_all, new_ind.astype(np.int32, copy=False), indptr),
                               shape=(n_docs, terms.size), copy=False)
        del new_ind, val_all
        counts.sort_indices()
        if self._phrase_factor is not None:
            counts.data *= self._phrase_factor[counts.indices]
        self.vocabulary_: dict[str, int] = {t: i for i, t in enumerate(terms.tolist())}
        self.terms_: NDArray[np.str_] = terms
        doc_len = np.asarray(counts.sum(axis=1), dtype=np.float64).ravel()
        self.avgdl_: float = float(doc_len.mean()) if n_docs and doc_len.mean() > 0 else 1.0
        df = np.bincount(counts.indices, minlength=terms.size).astype(np.float64)
        if self.idf == "bm25":
            self.idf_: NDArray[np.float64] = np.log1p((n_docs - df + 0.5) / (df + 0.5))
        else:
            # scikit-learn's smoothed idf (TfidfTransformer(smooth_idf=True)), from df alone.
            self.idf_ = np.log((1.0 + n_docs) / (1.0 + df)) + 1.0
        rows = self._weigh(self._saturate(counts, doc_len, inplace=True))
        del counts
        self._reset(ids, fields, rows)
        return self

    def _set_term_caches(self, terms: NDArray[np.str_]) -> None:
        """Per-term values of a new vocabulary: the count factor (``phrase_weight`` for
        phrase tokens, else 1; None: all 1), and empty caches of the term list and of each
        term's sub-words."""
        self._terms_cache: list[str] | None = None
        self._subterms: dict[int, frozenset[int]] = {}
        self._phrase_factor: NDArray[np.float32] | None = None
        if self.phrase_weight != 1.0 and terms.size:
            is_phrase = np.char.find(terms, " ") >= 0
            self._phrase_factor = np.where(
                is_phrase, np.float32(self.phrase_weight), np.float32(1.0)).astype(np.float32)

    def _prune(
        self, vocab: dict[str, int], indices: NDArray[np.int32], n_docs: int
    ) -> tuple[NDArray[np.str_], NDArray[np.int32]]:
        """Sorted kept terms, and each first-seen term id's new id (-1: dropped by min/max_df)."""
        if not vocab:
            return np.array([], dtype=str), np.full(1, -1, dtype=np.int32)
        df = np.bincount(indices, minlength=len(vocab))
        lo = self.min_df if isinstance(self.min_df, int) else math.ceil(self.min_df * n_docs)
        hi = self.max_df if isinstance(self.max_df, int) else math.floor(self.max_df * n_docs)
        if isinstance(self.max_df, float) and self.max_df >= 1.0:
            hi = n_docs
        names = np.array(list(vocab), dtype=str)
        kept = np.flatnonzero((df >= lo) & (df <= hi))
        order = kept[np.argsort(names[kept], kind="stable")]
        remap = np.full(len(vocab), -1, dtype=np.int32)
        remap[order] = np.arange(order.size)
        return names[order], remap

    def _counted_chunks(
        self, docs: Iterable[Doc]
    ) -> Iterator[tuple[list[Doc], list[tuple[float, _Stream]]]]:
        """``docs`` in chunks, each with its (field weight, tokens) streams for
        :func:`_sum_chunk`: body tokens of docs with stored tokens together with the finished
        counts of docs tokenised here (weight 1), then title and keyword tokens."""
        weights = (1.0, float(self.title_weight), float(self.keywords_weight))
        total = len(docs) if isinstance(docs, Sized) else None
        it = iter(docs)
        pool = None
        read = 0
        try:
            while True:
                chunk = list(itertools.islice(it, self.FIT_CHUNK))
                read += len(chunk)
                if not chunk:
                    return
                raw = [i for i, d in enumerate(chunk) if not _has_tokens(d)]
                counted: dict[int, tuple[list[str], list[float]]] = {}
                if raw:
                    tok = self.tokenizer_
                    if pool is None and isinstance(tok, Tokenizer) and self._parallel(total, read):
                        pool = _start_pool(int(self.n_jobs), tok, weights)
                    out: Iterable[tuple[list[str], list[float]]]
                    if pool is not None:
                        # imap keeps the order of the docs: the result is deterministic.
                        out = pool.imap(_count_in_worker, [_doc_text(chunk[i]) for i in raw],
                                        chunksize=64)
                    else:
                        out = (_count(self._tokenize_doc(chunk[i]), weights) for i in raw)
                    counted = dict(zip(raw, out, strict=True))
                n = len(chunk)
                # Stored tokens are laid out as they are and counted in bulk (a Counter per
                # doc cost most of a refit from stored tokens).
                body_counts: list[float] = []
                body = _Stream([], np.zeros(n, dtype=np.int64), body_counts)
                title = _Stream([], np.zeros(n, dtype=np.int64))
                keywords = _Stream([], np.zeros(n, dtype=np.int64))
                for i, d in enumerate(chunk):
                    done = counted.get(i)
                    if done is not None:
                        body.terms.extend(done[0])
                        body_counts.extend(done[1])
                        body.per_doc[i] = len(done[0])
                        continue
                    toks = d["tokens"]
                    for stream, key in ((body, "text"), (title, "title"), (keywords, "keywords")):
                        part = toks.get(key) or ()
                        stream.terms.extend(part)
                        stream.per_doc[i] = len(part)
                    body_counts.extend(itertools.repeat(1.0, len(toks.get("text") or ())))
                streams = [(1.0, body), (weights[1], title), (weights[2], keywords)]
                yield chunk, [(w, st) for w, st in streams if w]
        finally:
            if pool is not None:
                pool.close()
                pool.join()

    def _parallel(self, total: int | None, read: int) -> bool:
        """Whether to start worker processes, ``read`` docs into a fit of ``total`` (None:
        unknown, a generator): only for long fits, where the start-up cost (~1 s) pays."""
        if int(self.n_jobs) < 2 or not isinstance(self.tokenizer_, Tokenizer):
            return False
        return (total if total is not None else read) >= self.PARALLEL_MIN

    def tokenize_docs(self, docs: Iterable[Doc]) -> list[dict[str, list[str]]]:
        """Each doc's tokens as :meth:`fit` reads them from a doc's ``tokens`` key.

        Store them with the listing (see :meth:`token_signature`) and pass them back as
        ``{"id": ..., "tokens": ..., ...}``, so a refit does not tokenise unchanged listings.
        """
        if not hasattr(self, "tokenizer_"):
            self.tokenizer_ = self._make_tokenizer()
        out = []
        for d in docs:
            body, title, kw = self._tokenize_doc(d)
            out.append({"title": title, "text": body, "keywords": kw})
        return out

    def token_signature(self) -> str:
        """What stored tokens depend on: the tokenizer's settings and the library version.

        Tokens stored under another signature must be computed again.
        """
        tok = self.tokenizer_ if hasattr(self, "tokenizer_") else self._make_tokenizer()
        desc = _tokenizer_params(tok)
        if desc is None:
            return ""
        blob = json.dumps([__version__, desc], sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]

    def _check_fitted(self) -> None:
        if not hasattr(self, "idf_"):
            raise RuntimeError("this Matcher is not fitted yet: call fit(docs) first")

    def _tokenize_doc(self, doc: Doc) -> tuple[list[str], list[str], list[str]]:
        """Tokens of (body, title, keywords)."""
        if _has_tokens(doc):
            toks = doc["tokens"]
            return (list(toks.get("text") or ()), list(toks.get("title") or ()),
                    list(toks.get("keywords") or ()))
        return _tokenize_parts(self.tokenizer_, *_doc_text(doc))

    def _counts(self, toks: Sequence[tuple[list[str], list[str], list[str]]]) -> sp.csr_matrix:
        """Field-weighted term counts, docs x vocabulary (terms unknown to the fit ignored)."""
        vocab = self.vocabulary_
        weights = (1.0, float(self.title_weight), float(self.keywords_weight))
        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        for parts in toks:
            keys, counts = _count(parts, weights)
            for t, c in zip(keys, counts, strict=True):
                j = vocab.get(t)
                if j is not None:
                    indices.append(j)
                    data.append(c)
            indptr.append(len(indices))
        m = sp.csr_matrix(
            (np.asarray(data, dtype=np.float32), np.asarray(indices, dtype=np.int32), indptr),
            shape=(len(toks), len(vocab)),
        )
        m.sort_indices()
        fac = getattr(self, "_phrase_factor", None)
        if fac is not None:
            m.data *= fac[m.indices]
        return m

    #: Stored entries transformed per step by the weighting (bounds its float64 temporaries).
    WEIGH_BLOCK = 1 << 22

    def _saturate(self, counts: sp.csr_matrix, lengths: NDArray[np.float64] | None = None,
                  inplace: bool = False) -> sp.csr_matrix:
        """Dampen repeated terms: a doc saying 电池 ten times is not ten times about 电池."""
        m = counts if inplace else counts.copy()
        m.data = m.data.astype(np.float32, copy=False)
        if self.tf == "bm25" and lengths is None:
            lengths = np.asarray(counts.sum(axis=1), dtype=np.float64).ravel()
        norm = None
        if lengths is not None:
            norm = self.k1 * (1 - self.b + self.b * lengths / self.avgdl_)
        row_len = np.diff(m.indptr)
        # A block of rows at a time: the float64 temporaries of a million docs would double
        # the peak memory of a fit.
        step = max(1, self.WEIGH_BLOCK // max(1, int(row_len.mean()) if row_len.size else 1))
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

    def _weigh(self, sat: sp.csr_matrix) -> sp.csr_matrix:
        """Multiply by idf and (with ``norm="l2"``) l2-normalise each row; float32 values."""
        m = sp.csr_matrix(sat, copy=False)
        if m.shape[1]:
            m.data = m.data.astype(np.float32, copy=False)
            for lo in range(0, m.data.size, self.WEIGH_BLOCK):
                hi = lo + self.WEIGH_BLOCK
                m.data[lo:hi] = m.data[lo:hi] * self.idf_[m.indices[lo:hi]]
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

    # -- adding and removing -------------------------------------------------------------

    #: The delta segment is merged into the main one once it holds more than
    #: ``max(DELTA_MIN, DELTA_FRACTION * main docs)`` docs, and at most ``DELTA_MAX``.
    DELTA_MIN = 256
    DELTA_FRACTION = 1 / 32
    DELTA_MAX = 8192

    def _vectorize_docs(self, docs: Sequence[Doc]) -> sp.csr_matrix:
        return self._weigh(self._saturate(self._counts([self._tokenize_doc(d) for d in docs])))

    @staticmethod
    def _last_of_each(
        ids: list[DocId], fields: list[str | None], rows: sp.csr_matrix
    ) -> tuple[list[DocId], list[str | None], sp.csr_matrix]:
        """A later duplicate within one batch wins, like a later add()."""
        last: dict[DocId, int] = {}
        for i, doc_id in enumerate(ids):
            last[doc_id] = i
        if len(last) == len(ids):
            return ids, fields, rows
        keep = sorted(last.values())
        return [ids[i] for i in keep], [fields[i] for i in keep], sp.csr_matrix(rows[keep])

    def _reset(self, ids: list[DocId], fields: list[str | None], rows: sp.csr_matrix) -> None:
        """Index ``rows`` as the whole main segment (fit and load)."""
        self._lock = threading.RLock()
        ids, fields, rows = self._last_of_each(ids, fields, rows)
        self.ids_: list[DocId] = list(ids)
        self.fields_: list[str | None] = list(fields)
        self._slot: dict[DocId, int] = {doc_id: i for i, doc_id in enumerate(ids)}
        self._live: NDArray[np.bool_] = np.ones(max(len(ids), 1), dtype=bool)
        self._field_codes: dict[str | None, int] = {}
        self._codes: NDArray[np.int32] = np.zeros(max(len(ids), 1), dtype=np.int32)
        self._codes[: len(ids)] = self._code_fields(fields)
        self._set_main(_csr(rows, len(self.vocabulary_)))

    def _code_fields(self, fields: list[str | None]) -> NDArray[np.int32]:
        """Each field's code (new fields get the next code)."""
        codes = self._field_codes
        for f in dict.fromkeys(fields):
            if f not in codes:
                # Copy on write: a query may be reading the mapping of its view.
                codes = self._field_codes = {**codes, f: len(codes)}
        return np.fromiter((codes[f] for f in fields), dtype=np.int32, count=len(fields))

    def _set_main(self, rows: sp.csr_matrix) -> None:
        """Make ``rows`` the main segment, build its postings and empty the delta."""
        rows.sort_indices()
        postings = sp.csr_matrix(rows.T)
        postings.sort_indices()
        self._main_rows = rows
        self._postings = postings
        self._main_norms = _row_norms(rows)
        self._n_main = rows.shape[0]
        # Delta buffers grow by doubling; a view taken by a query never sees later writes.
        self._d_data = np.empty(1024, dtype=np.float32)
        self._d_indices = np.empty(1024, dtype=np.int32)
        self._d_indptr = np.zeros(65, dtype=np.int32)
        self._d_n = 0
        self._snapshot: _Index | None = None
        self._snapshot = self._make_snapshot()

    def _make_snapshot(self) -> _Index:
        n_d, nnz = self._d_n, int(self._d_indptr[self._d_n])
        delta = None
        if n_d:
            delta = sp.csr_matrix(
                (self._d_data[:nnz], self._d_indices[:nnz], self._d_indptr[: n_d + 1]),
                shape=(n_d, len(self.vocabulary_)),
            )
        return _Index(
            postings=self._postings, rows=self._main_rows, norms=self._main_norms,
            delta=delta, n_main=self._n_main,
            n=self._n_main + n_d, live=self._live, ids=self.ids_, fields=self.fields_,
            slot=self._slot, codes=self._codes, field_codes=self._field_codes,
        )

    def _delta_limit(self) -> int:
        return min(self.DELTA_MAX, max(self.DELTA_MIN, int(self._n_main * self.DELTA_FRACTION)))

    def _append(self, ids: list[DocId], fields: list[str | None], rows: sp.csr_matrix) -> None:
        """Add rows to the delta segment (O(rows), no rebuild), merging it when it is full."""
        with self._lock:
            ids, fields, rows = self._last_of_each(ids, fields, rows)
            for doc_id in ids:
                old = self._slot.get(doc_id)
                if old is not None:
                    self._live[old] = False
            rows = _csr(rows, len(self.vocabulary_))
            rows.sort_indices()
            n_d, nnz = self._d_n, int(self._d_indptr[self._d_n])
            k, add = rows.shape[0], rows.nnz
            self._d_data = _reserve(self._d_data, nnz + add)
            self._d_indices = _reserve(self._d_indices, nnz + add)
            self._d_indptr = _reserve(self._d_indptr, n_d + k + 1)
            self._d_data[nnz : nnz + add] = rows.data
            self._d_indices[nnz : nnz + add] = rows.indices
            self._d_indptr[n_d + 1 : n_d + k + 1] = rows.indptr[1:] + nnz
            base = self._n_main + n_d
            self._live = _reserve(self._live, base + k)
            self._live[base : base + k] = True
            self._codes = _reserve(self._codes, base + k)
            self._codes[base : base + k] = self._code_fields(fields)
            self.ids_.extend(ids)
            self.fields_.extend(fields)
            for i, doc_id in enumerate(ids):
                self._slot[doc_id] = base + i
            self._d_n = n_d + k
            if self._d_n > self._delta_limit():
                self._merge()
            else:
                self._snapshot = self._make_snapshot()

    def _merge(self) -> None:
        """Fold the delta into the main segment, dropping removed docs (a full rebuild)."""
        with self._lock:
            snap = self._make_snapshot()
            rows = snap.rows
            if snap.delta is not None:
                rows = sp.csr_matrix(sp.vstack([rows, snap.delta], format="csr"))
            live = self._live[: snap.n]
            if not live.all():
                keep = np.flatnonzero(live)
                rows = sp.csr_matrix(rows[keep])
                # New lists: a query still reading the old view keeps its own numbering.
                self.ids_ = [self.ids_[i] for i in keep.tolist()]
                self.fields_ = [self.fields_[i] for i in keep.tolist()]
                self._slot = {doc_id: i for i, doc_id in enumerate(self.ids_)}
                self._live = np.ones(max(len(keep), 1), dtype=bool)
                codes = np.zeros(max(len(keep), 1), dtype=np.int32)
                codes[: len(keep)] = self._codes[keep]
                self._codes = codes
            self._set_main(_csr(rows, len(self.vocabulary_)))

    def add(self, docs: Iterable[Doc]) -> Matcher:
        """Index more docs at once, with the fitted vocabulary (unknown terms are ignored).

        A doc whose id is already indexed replaces the old one. New docs go to a small delta
        segment, queryable at once; it is merged into the main index when it grows past a
        fraction of it (:attr:`DELTA_FRACTION`), so most adds cost only their own tokenising.
        """
        self._check_fitted()
        docs = list(docs)
        if not docs:
            return self
        rows = self._vectorize_docs(docs)
        self._append([_doc_id(d) for d in docs], [_doc_field(d) for d in docs], rows)
        return self

    def remove(self, ids: Iterable[DocId]) -> int:
        """Take docs out of the index at once (a mask flip); returns how many were there.

        Removed docs' slots are dropped at the next merge, or at once when they are the
        majority, so the index does not only grow.
        """
        self._check_fitted()
        n = 0
        with self._lock:
            for doc_id in ids:
                slot = self._slot.pop(doc_id, None)
                if slot is not None:
                    self._live[slot] = False
                    n += 1
            total = self._n_main + self._d_n
            if n and (total - len(self._slot)) * 2 >= total:
                self._merge()
        return n

    def __len__(self) -> int:
        return len(self._slot) if hasattr(self, "_slot") else 0

    def __contains__(self, doc_id: object) -> bool:
        return hasattr(self, "_slot") and doc_id in self._slot

    def _index(self) -> _Index:
        snap = self._snapshot
        if snap is not None:
            return snap
        with self._lock:
            if self._snapshot is None:
                self._snapshot = self._make_snapshot()
            return self._snapshot

    # -- querying ------------------------------------------------------------------------

    def _query_terms(self, query: str | Doc) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
        """(term ids, field-weighted counts) of a query, sorted by term id."""
        if isinstance(query, str):
            tokens: tuple[list[str], list[str], list[str]] = (self.tokenizer_(query), [], [])
        else:
            tokens = self._tokenize_doc(query)
        vocab = self.vocabulary_
        weights = (1.0, float(self.title_weight), float(self.keywords_weight))
        row: dict[int, float] = {}
        for w, part in zip(weights, tokens, strict=False):
            if w == 0:
                continue
            for t in part:
                j = vocab.get(t)
                if j is not None:
                    row[j] = row.get(j, 0.0) + w
        if not row:
            return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.float64)
        keys = sorted(row)
        tids = np.array(keys, dtype=np.intp)
        if self._phrase_factor is None:
            tf = np.array([row[j] for j in keys], dtype=np.float64)
        else:
            # Phrase tokens (the only terms holding a space) count phrase_weight, as in docs.
            # The factor the docs' counts were multiplied by (float32, as _phrase_factor).
            names = self._term_list()
            pw = float(np.float32(self.phrase_weight))
            tf = np.array([row[j] * pw if " " in names[j] else row[j] for j in keys],
                          dtype=np.float64)
        return tids, tf

    def _query_weights(
        self, tids: NDArray[np.intp], tf: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        """l2-normalised ranking weights of a query's terms."""
        # A query has tens of terms: Python floats cost less here than a chain of numpy calls.
        counts: list[float] = tf.tolist()
        if self.subword_weight != 1.0 and len(counts) > 1:
            term_ids: list[int] = tids.tolist()
            subwords = self._subwords_of(term_ids)
            if subwords:
                sw = float(self.subword_weight)
                counts = [c * sw if t in subwords else c
                          for t, c in zip(term_ids, counts, strict=True)]
        # Queries are short: log saturation suits them whatever the docs use.
        sat = [1.0 + math.log(c) if c >= 1 else c for c in counts]
        if self.query_idf:
            w_ = np.array(sat, dtype=np.float64) * self.idf_[tids]
            norm = math.sqrt(float(w_ @ w_))
            return w_ / norm if norm > 0 else w_
        norm = math.sqrt(sum(x * x for x in sat))
        return np.array([x / norm for x in sat] if norm > 0 else sat, dtype=np.float64)

    def _subwords_of(self, tids: list[int]) -> set[int]:
        """The query terms lying inside a longer word of the same query (the sub-words that
        search mode adds), to be weighed ``subword_weight``."""
        cache = self._subterms
        names: list[str] | None = None
        found: set[int] = set()
        for t in tids:
            subs = cache.get(t)
            if subs is None:
                if names is None:
                    names = self._term_list()
                subs = cache[t] = self._subterms_of(names[t])
            if subs:
                found.update(subs)
        return found.intersection(tids) if found else found

    def _subterms_of(self, term: str) -> frozenset[int]:
        """Ids of the indexed words that are proper substrings of ``term`` (a word of more
        than two characters, not a phrase); computed once per term and cached."""
        if len(term) <= 2 or " " in term:
            return _NO_TERMS
        vocab = self.vocabulary_
        n = len(term)
        subs = {vocab[p] for i in range(n) for j in range(i + 1, n + 1 - (i == 0))
                if (p := term[i:j]) in vocab}
        return frozenset(subs) if subs else _NO_TERMS

    def _similarity_weights(
        self, tids: NDArray[np.intp], tf: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        """A query's terms weighted exactly as an indexed doc's (for the cosine), l2-normalised."""
        return _doc_weights(tids, tf, self._doc_weighting())

    def _doc_weighting(self) -> _DocWeighting:
        """What :func:`_doc_weights` needs to weigh a text as an indexed doc."""
        return (self.tf, float(self.k1), float(self.b), self.avgdl_, self.idf_)

    def _query_vector(self, query: str | Doc) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
        """(term ids, l2-normalised ranking weights) of a query, sorted by term id."""
        tids, tf = self._query_terms(query)
        return tids, self._query_weights(tids, tf)

    def _accumulate(
        self, idx: _Index, tids: NDArray[np.intp], weights: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        """Scores of all slots: the main segment touching only the postings of the query's
        terms, the (small) delta segment with one sparse matrix-vector product. Both add a
        doc's contributions in term order, so a doc scores the same in either segment."""
        return self._accumulate_spans(idx, tids, weights, *self._spans(idx, tids))

    @staticmethod
    def _spans(idx: _Index, tids: NDArray[np.intp]) -> tuple[NDArray[np.intp], NDArray[np.intp], int]:
        """Where the postings of ``tids`` start, their lengths and their total length."""
        indptr = idx.postings.indptr
        starts = indptr[tids]
        lens = indptr[tids + 1] - starts
        return starts, lens, int(lens.sum())

    def _accumulate_spans(
        self, idx: _Index, tids: NDArray[np.intp], weights: NDArray[np.float64],
        starts: NDArray[np.intp], lens: NDArray[np.intp], total: int,
    ) -> NDArray[np.float64]:
        """:meth:`_accumulate` given the :meth:`_spans` of ``tids``."""
        p = idx.postings
        indices, data = p.indices, p.data
        # One bincount over the gathered postings: faster than a loop of slice-adds even for
        # two or three terms (~10 against ~30 us for a 10-term title at 12k docs), and every
        # product is taken in float64, as in the delta segment's matrix-vector product.
        if total <= min(self.GATHER_MAX_POSTINGS, self.PER_TERM_AVG_POSTINGS * tids.size):
            if tids.size <= self.SLICE_TERMS:
                # Joining a few slices costs fewer numpy calls than computing their positions.
                spans = list(zip(starts.tolist(), (starts + lens).tolist(), strict=True))
                docs = np.concatenate([indices[a:b] for a, b in spans])
                vals = np.concatenate([data[a:b] for a, b in spans])
            else:
                pos = np.arange(total) + np.repeat(starts - (np.cumsum(lens) - lens), lens)
                docs, vals = indices[pos], data[pos]
            # Weighted bincounts are float64.
            scores = cast("NDArray[np.float64]", np.bincount(
                docs, weights=vals * np.repeat(weights, lens), minlength=idx.n))
        else:
            scores = self._accumulate_per_term(idx.n, indices, data, starts, lens, weights)
        if idx.delta is not None:
            q = np.zeros(idx.delta.shape[1], dtype=np.float64)
            q[tids] = weights
            scores[idx.n_main :] = idx.delta @ q
        return scores

    #: Queries whose posting lists average more than this many entries add them a term at a
    #: time (``np.add.at`` on each list) instead of gathering them all for one bincount: each
    #: term then costs ~2 us of call overhead but each posting less (at 100k synthetic
    #: listings 0.091 against 0.13 ms for a 10-term query over 33k postings, 2.3 against
    #: 4.7 ms for a listing as query over 950k; at 12k abstracts a 42-term expanded query
    #: over 3.6k postings takes 32 us gathered, 127 us term by term).
    PER_TERM_AVG_POSTINGS = 1500
    #: Up to this many terms, the postings are gathered by joining slices.
    SLICE_TERMS = 16
    #: ... and so do all queries with more postings than this, whatever their average, so
    #: that one query's gathered temporaries stay under ~170 MB.
    GATHER_MAX_POSTINGS = 1 << 22

    @staticmethod
    def _accumulate_per_term(
        n: int, indices: NDArray[np.int32], data: NDArray[np.float32],
        starts: NDArray[np.intp], lens: NDArray[np.intp], weights: NDArray[np.float64],
    ) -> NDArray[np.float64]:
        """:meth:`_accumulate`'s main-segment scores, a term at a time, bit-identical:
        ``np.add.at`` adds the float64 products in the order the one bincount would."""
        scores = np.zeros(n, dtype=np.float64)
        for a, size, w in zip(starts.tolist(), lens.tolist(), weights.tolist(), strict=True):
            np.add.at(scores, indices[a : a + size], data[a : a + size].astype(np.float64) * w)
        return scores

    def _allowed(
        self, idx: _Index, where: Where
    ) -> Callable[[int], bool] | NDArray[np.bool_] | None:
        if where is None:
            return None
        if callable(where):
            ids = idx.ids
            fn = where
            return lambda slot: bool(fn(ids[slot]))
        if isinstance(where, Mapping):
            unknown = set(where) - {"field"}
            if unknown:
                raise ValueError(f"where filters only on 'field', not {sorted(unknown)}")
            want = where["field"]
            wanted = frozenset([want] if isinstance(want, str) or want is None else want)
            mask = idx.masks.get(wanted)
            if mask is None:
                codes = [idx.field_codes[f] for f in wanted if f in idx.field_codes]
                mask = np.isin(idx.codes[: idx.n], np.asarray(codes, dtype=np.int32))
                if len(idx.masks) < 64:
                    idx.masks[wanted] = mask
            return mask
        raise TypeError("where must be a callable on the doc id, a {'field': ...} dict or None")

    #: Top-k selections up to this k bound the k-th score from a sample (see :meth:`_top`).
    SAMPLED_TOP_K = 64

    def _top(
        self,
        scores: NDArray[np.float64],
        k: int,
        mask: NDArray[np.bool_] | None,
        pred: Callable[[int], bool] | None,
    ) -> list[int]:
        """Slots of the k best positive scores among allowed slots (``mask`` None: all),
        best first."""
        if k <= 0:
            return []
        n = scores.size
        if mask is None and pred is None and k <= self.SAMPLED_TOP_K and n >= 64 * k:
            # Any k slots bound the k-th best score from below: the k-th best of a strided
            # sample of sqrt(n * k) slots keeps about as many candidates, all ties included,
            # for the sort, so both the selection and the sort stay small (at 12k docs ~250
            # of each, against a pass for the positive scores and a sort of a sixteenth).
            stride = max(1, int(math.sqrt(n / k)))
            sample = scores[::stride]
            bound = np.partition(sample, sample.size - k)[sample.size - k]
            if bound > 0:
                cand = np.flatnonzero(scores >= bound)
                s = scores[cand]
                if cand.size > 4 * k:
                    # Only the k best and their ties go to the sort.
                    keep = s >= np.partition(s, cand.size - k)[cand.size - k]
                    cand, s = cand[keep], s[keep]
                # A stable sort of the descending scores keeps ties in slot order.
                best_first: list[int] = cand[np.argsort(-s, kind="stable")[:k]].tolist()
                return best_first
        cand = np.flatnonzero(scores > 0 if mask is None else (scores > 0) & mask)
        if cand.size == 0:
            return []
        s = scores[cand]
        # Ties are broken by slot (index order) so rankings are reproducible.
        if pred is None:
            if cand.size > k:
                if k <= self.SAMPLED_TOP_K and cand.size > 16 * k:
                    # Any k candidates bound the k-th best score from below: the k-th best
                    # of a strided sample keeps about 1/16 of them, all ties included, for
                    # the sort. Cheaper than argpartition over all (~5 against ~16-27 us at
                    # 12k docs), and ties at the k-th place go to the lowest slots.
                    sample = s[:: cand.size // (16 * k)]
                    bound = np.partition(sample, sample.size - k)[sample.size - k]
                    keep = s >= bound
                    cand, s = cand[keep], s[keep]
                else:
                    # All candidates tied with the k-th best, so that the slot decides.
                    kth = s[np.argpartition(-s, k - 1)[k - 1]]
                    keep = s >= kth
                    cand, s = cand[keep], s[keep]
            best: list[int] = cand[np.argsort(-s, kind="stable")[:k]].tolist()
            return best
        order = np.argsort(-s, kind="stable")
        out: list[int] = []
        for slot in cand[order].tolist():
            if pred(slot):
                out.append(slot)
                if len(out) == k:
                    break
        return out

    def query(
        self,
        text_or_doc: str | Doc,
        k: int = 10,
        exclude: Collection[DocId] = (),
        where: Where = None,
    ) -> list[Hit]:
        """The ``k`` indexed docs most similar to a text or a doc mapping, best first.

        ``exclude`` lists ids to skip; ``where`` restricts candidates, either a callable on
        the doc id or ``{"field": value_or_values}``. Docs sharing no term score 0 and are
        never returned.
        """
        self._check_fitted()
        idx = self._index()
        tids, tf = self._query_terms(text_or_doc)
        if tids.size == 0 or k <= 0:
            return []
        qw = self._query_weights(tids, tf)
        sim = (tids, tf)
        allowed = self._allowed(idx, where)
        live_view = idx.live[: idx.n]
        # None: every slot is live (the usual case), so no mask need be applied.
        live = None if live_view.all() else live_view.copy()
        mask = live
        if isinstance(allowed, np.ndarray) or exclude:
            mask = live_view.copy()
            if isinstance(allowed, np.ndarray):
                mask &= allowed
            for doc_id in exclude:
                slot = idx.slot.get(doc_id)
                if slot is not None and slot < idx.n:
                    mask[slot] = False
        pred = allowed if callable(allowed) else None

        scores = self._accumulate(idx, tids, qw)
        ranking: _Ranking = (tids, qw, None)
        if self.prf_docs > 0 and self.prf_weight > 0:
            # Feedback docs come from the whole live index, not only allowed ones: they stand
            # for what the query is about, the filter only for what may be shown.
            fb = self._top(scores, self.prf_docs, live, None)
            if fb:
                scores, ranking = self._feedback(idx, scores, live, tids, qw, fb)
        slots = self._top(scores, k, mask, pred)
        return self._hits(idx, slots, scores, ranking, sim)

    def _feedback(
        self,
        idx: _Index,
        first: NDArray[np.float64],
        live: NDArray[np.bool_] | None,
        tids: NDArray[np.intp],
        qw: NDArray[np.float64],
        fb: list[int],
    ) -> tuple[NDArray[np.float64], _Ranking]:
        """Scores of the query expanded by the centroid of the feedback docs ``fb``, and the
        expanded query (its centroid part kept apart until an explanation needs the merge).

        Scoring is linear in the query: the expanded query's scores are the first pass's plus
        the centroid's, over the norm of their sum, so only the centroid's postings are read.
        """
        terms, cen, cen_sq = self._centroid(idx, fb, first)
        if terms.size == 0:
            return first, (tids, qw, None)
        spans = self._spans(idx, terms)
        if self.prf_rerank > 0 and self._rerank_pays(idx, spans[2]):
            etids, eqw = _merged(tids, qw, terms, cen)
            return self._rescore(idx, first, live, etids, eqw), (etids, eqw, None)
        # |q + c|^2 = |q|^2 + |c|^2 + 2 q.c, where q.c runs over the terms both hold (a
        # few tens of them: Python floats cost less than the numpy calls of an intersection).
        qmap = dict(zip(tids.tolist(), qw.tolist(), strict=True))
        qc = sum(qmap.get(t, 0.0) * c for t, c in zip(terms.tolist(), cen.tolist(), strict=True))
        sq = sum(w * w for w in qmap.values()) + cen_sq + 2.0 * qc
        scores = self._accumulate_spans(idx, terms, cen, *spans)
        scores += first
        scores *= 1.0 / math.sqrt(sq)
        return scores, (tids, qw, (terms, cen))

    #: ``prf_rerank`` applies when the expanded query's postings hold more entries than this
    #: many times N docs' rows (a row entry costs more to read than a posting).
    RERANK_COST_FACTOR = 2.0

    #: Score entries held per chunk of :meth:`query_many` (a chunk's dense score rows).
    BATCH_CELLS = 8_000_000

    def query_many(
        self,
        queries: Sequence[str | Doc],
        k: int = 10,
        chunk: int | None = None,
        n_jobs: int = 1,
        max_terms: int | None = None,
    ) -> list[list[Hit]]:
        """Top-``k`` hits of many queries, as ``[self.query(q, k) for q in queries]``.

        For bulk work such as a nightly rematch: queries are scored a chunk at a time with one
        sparse matrix product against the term-major index (first pass and, with feedback,
        second pass), so only a chunk's scores are ever held (``chunk`` rows of the index's
        size; by default about :attr:`BATCH_CELLS` cells). ``n_jobs`` > 1 scores chunks in
        forked worker processes (where the platform has ``fork``). ``max_terms`` keeps only
        each query's heaviest terms (query weight x idf) in the first pass: long listings
        used as queries have many common terms whose long postings cost much and decide
        little; ``None`` keeps all (exactly ``query``'s ranking, up to float rounding).
        """
        self._check_fitted()
        idx = self._index()
        if chunk is None:
            chunk = max(1, min(512, self.BATCH_CELLS // max(idx.n, 1)))
        vecs = [self._query_terms(q) for q in queries]
        spans = [(i, min(i + chunk, len(vecs))) for i in range(0, len(vecs), chunk)]
        if n_jobs > 1 and len(spans) > 1 and "fork" in multiprocessing.get_all_start_methods():
            _BATCH["job"] = (self, idx, vecs, k, max_terms)
            try:
                ctx = multiprocessing.get_context("fork")
                with ctx.Pool(n_jobs) as pool:
                    parts = pool.map(_batch_in_worker, spans, chunksize=1)
            finally:
                _BATCH.clear()
            return [hits for part in parts for hits in part]
        out: list[list[Hit]] = []
        for a, b in spans:
            out.extend(self._batch(idx, vecs[a:b], k, max_terms))
        return out

    def _batch(
        self,
        idx: _Index,
        vecs: Sequence[tuple[NDArray[np.intp], NDArray[np.float64]]],
        k: int,
        max_terms: int | None,
    ) -> list[list[Hit]]:
        """One chunk of :meth:`query_many`."""
        live = idx.live[: idx.n].copy()
        qws = [self._query_weights(t, tf) if t.size else tf for t, tf in vecs]
        first = []
        for (tids, _), qw in zip(vecs, qws, strict=True):
            if max_terms is not None and tids.size > max_terms:
                keep = np.sort(np.argpartition(-(qw * self.idf_[tids]), max_terms - 1)[:max_terms])
                tids, qw = tids[keep], qw[keep]
            first.append((tids, qw))
        scores = self._batch_scores(idx, first)
        terms: list[tuple[NDArray[np.intp], NDArray[np.float64]]] = list(zip(
            [t for t, _ in vecs], qws, strict=True))
        if self.prf_docs > 0 and self.prf_weight > 0:
            expanded: list[tuple[NDArray[np.intp], NDArray[np.float64]]] = []
            rescore: list[bool] = []
            for i, (tids, qw) in enumerate(terms):
                fb = self._top(scores[i], self.prf_docs, live, None) if tids.size else []
                cterms, cen, _ = self._centroid(idx, fb, scores[i]) if fb else (tids[:0], qw[:0], 0.0)
                if cterms.size:
                    expanded.append(_merged(tids, qw, cterms, cen))
                    # The same rule as query's, so that both rank alike.
                    rescore.append(self.prf_rerank > 0
                                   and self._rerank_pays(idx, self._spans(idx, cterms)[2]))
                else:
                    expanded.append((tids, qw))
                    rescore.append(False)
            terms = expanded
            if any(rescore):
                scores = np.stack([
                    self._rescore(idx, scores[i], live, t, w) if again
                    else self._accumulate(idx, t, w)
                    for i, ((t, w), again) in enumerate(zip(terms, rescore, strict=True))])
            else:
                scores = self._batch_scores(idx, terms)
        out: list[list[Hit]] = []
        for i, ((tids, tf), (etids, eqw)) in enumerate(zip(vecs, terms, strict=True)):
            if tids.size == 0 or k <= 0:
                out.append([])
                continue
            slots = self._top(scores[i], k, live, None)
            out.append(self._hits(idx, slots, scores[i], (etids, eqw, None), (tids, tf)))
        return out

    def _rerank_pays(self, idx: _Index, postings: int) -> bool:
        """Whether ``postings`` (a query's postings in the main segment) hold more entries
        than ``prf_rerank`` docs' rows (by :attr:`RERANK_COST_FACTOR`), so rescoring those
        docs reads less."""
        if not idx.n_main:
            return False
        per_doc = idx.rows.nnz / idx.n_main
        return postings > self.RERANK_COST_FACTOR * self.prf_rerank * per_doc

    def _rescore(
        self,
        idx: _Index,
        first: NDArray[np.float64],
        live: NDArray[np.bool_] | None,
        tids: NDArray[np.intp],
        qw: NDArray[np.float64],
    ) -> NDArray[np.float64]:
        """Scores of the (expanded) query for the first pass's ``prf_rerank`` best docs only,
        from their doc-major rows; 0 for the others."""
        cands = np.asarray(self._top(first, self.prf_rerank, live, None), dtype=np.intp)
        out = np.zeros(idx.n, dtype=np.float64)
        if cands.size == 0 or tids.size == 0:
            return out
        owner, dterms, vals = self._gather(idx, cands)
        qpos = np.minimum(np.searchsorted(tids, dterms), tids.size - 1)
        match = tids[qpos] == dterms
        out[cands] = np.bincount(owner[match], weights=vals[match] * qw[qpos[match]],
                                 minlength=cands.size)
        return out

    @staticmethod
    def _batch_scores(
        idx: _Index, vecs: Sequence[tuple[NDArray[np.intp], NDArray[np.float64]]]
    ) -> NDArray[np.float64]:
        """Dense scores (queries x slots) of weighted query terms: one sparse product."""
        n_terms = idx.postings.shape[0]
        indptr = np.zeros(len(vecs) + 1, dtype=np.int64)
        np.cumsum([t.size for t, _ in vecs], out=indptr[1:])
        q = sp.csr_matrix(
            (np.concatenate([w for _, w in vecs]) if vecs else np.empty(0),
             np.concatenate([t for t, _ in vecs]).astype(np.int32) if vecs
             else np.empty(0, dtype=np.int32), indptr),
            shape=(len(vecs), n_terms),
        )
        scores = np.zeros((len(vecs), idx.n), dtype=np.float64)
        if idx.n_main:
            scores[:, : idx.n_main] = (q @ idx.postings).toarray()
        if idx.delta is not None:
            scores[:, idx.n_main :] = (q @ idx.delta.T).toarray()
        return scores

    def _centroid(
        self, idx: _Index, fb: list[int], scores: NDArray[np.float64]
    ) -> tuple[NDArray[np.intp], NDArray[np.float64], float]:
        """The ``prf_terms`` heaviest terms (in no particular order) of the weighted centroid
        of the l2-normalised rows of the feedback docs ``fb``, scaled to norm ``prf_weight``,
        and its squared norm."""
        fw_share = _FEEDBACK_SHARES.get((self.prf_weighting, len(fb)))
        if fw_share is None:
            fw = np.ones(len(fb))
            if self.prf_weighting == "score":
                fw = scores[fb]
            elif self.prf_weighting == "rank":
                # The first result (often the very item sought) leads the feedback.
                fw = 1.0 / np.arange(1, len(fb) + 1)
            fw_share = fw / fw.sum()
            if self.prf_weighting != "score":
                fw_share.setflags(write=False)
                _FEEDBACK_SHARES[(self.prf_weighting, len(fb))] = fw_share
        fb_slots = np.asarray(fb, dtype=np.intp)
        owner, dterms, vals = self._gather(idx, fb_slots)
        # Feedback docs scored above 0, so each holds a positive weight: no norm is 0.
        scale = fw_share / _norms_of(idx, fb_slots, owner, vals)
        # Sum each term's weights: a stable sort and one reduceat (np.unique costs more here).
        order = np.argsort(dterms, kind="stable")
        st = dterms[order]
        starts = np.flatnonzero(np.concatenate(([True], st[1:] != st[:-1])))
        terms = st[starts].astype(np.intp)
        cen: NDArray[np.float64] = np.add.reduceat((vals * scale[owner])[order], starts)
        if cen.size > self.prf_terms:
            top = np.argpartition(-cen, self.prf_terms - 1)[: self.prf_terms]
            terms, cen = terms[top], cen[top]
        sq = float(cen @ cen)
        if sq == 0:
            return terms[:0], cen[:0], 0.0
        scale_to = self.prf_weight / math.sqrt(sq)
        cen *= scale_to
        return terms, cen, sq * scale_to * scale_to

    @staticmethod
    def _gather(
        idx: _Index, slots: NDArray[np.intp]
    ) -> tuple[NDArray[np.intp], NDArray[np.int32], NDArray[np.float64]]:
        """(owner, term, weight) of every stored entry of the rows of ``slots``.

        ``owner`` is the position in ``slots``; an owner's entries come in term order.
        """
        if idx.delta is None:
            return _gather_main(idx.rows, slots)
        in_main = slots < idx.n_main
        if in_main.all():
            return _gather_main(idx.rows, slots)
        o1, t1, v1 = _gather_rows(idx.rows, slots[in_main], np.flatnonzero(in_main))
        o2, t2, v2 = _gather_rows(
            idx.delta, slots[~in_main] - idx.n_main, np.flatnonzero(~in_main)
        )
        return np.concatenate([o1, o2]), np.concatenate([t1, t2]), np.concatenate([v1, v2])

    def _hits(
        self,
        idx: _Index,
        slots: list[int],
        scores: NDArray[np.float64],
        ranking: _Ranking,
        written: tuple[NDArray[np.intp], NDArray[np.float64]],
    ) -> list[Hit]:
        """Hits whose explanations and similarities are made, for all of them in one vectorised
        pass, on the first access to any (``written``: the query's terms and counts as
        written, for the similarity)."""
        if not slots:
            return []
        sl = np.asarray(slots, dtype=np.intp)
        ids = idx.ids
        score_list: list[float] = scores[sl].tolist()
        explain = _Explainer(
            (idx, sl, ranking, written, self._doc_weighting(), self._term_list(),
             self.explain_terms))
        lazy = Hit._lazy
        return [lazy(ids[s], score_list[i], explain, i) for i, s in enumerate(slots)]

    def _term_list(self) -> list[str]:
        names: list[str] | None = getattr(self, "_terms_cache", None)
        if names is None or len(names) != len(self.terms_):
            names = self._terms_cache = self.terms_.tolist()
        return names

    # -- persistence ---------------------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        """Write the index to directory ``path`` (numpy ``.npz`` + JSON, no pickle)."""
        self._check_fitted()
        d = Path(path)
        d.mkdir(parents=True, exist_ok=True)
        with self._lock:
            idx = self._index()
            rows = idx.rows
            if idx.delta is not None:
                rows = sp.csr_matrix(sp.vstack([rows, idx.delta], format="csr"))
            live = np.flatnonzero(idx.live[: idx.n])
            rows = sp.csr_matrix(rows[live])
            ids = [idx.ids[i] for i in live.tolist()]
            fields = [idx.fields[i] for i in live.tolist()]
        params = self.get_params()
        params["tokenizer"] = _tokenizer_params(self.tokenizer_)
        meta = {
            "format": _FORMAT,
            "version": self.version,
            "params": params,
            "avgdl": self.avgdl_,
            "ids": ids,
            "fields": fields,
        }
        arrays: dict[str, NDArray[Any]] = {
            "terms": np.asarray(self.terms_, dtype=str),
            "idf": self.idf_,
            "data": rows.data,
            "indices": rows.indices,
            "indptr": rows.indptr,
        }
        np.savez_compressed(d / _ARRAYS, **arrays)  # type: ignore[arg-type]
        (d / _META).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        return d

    @classmethod
    def load(
        cls, path: str | Path, tokenizer: Callable[[str], list[str]] | None = None
    ) -> Matcher:
        """Read an index written by :meth:`save`.

        Pass ``tokenizer`` when the index was built with a custom tokenizer that could not
        be described in JSON.
        """
        d = Path(path)
        meta = json.loads((d / _META).read_text(encoding="utf-8"))
        if meta.get("format") != _FORMAT:
            raise ValueError(f"{d} does not hold a saved Matcher")
        params = dict(meta["params"])
        if tokenizer is not None:
            params["tokenizer"] = tokenizer
        elif params["tokenizer"] is None:
            raise ValueError("the index was built with a custom tokenizer: pass tokenizer=")
        m = cls(**params)
        m._validate()
        m.tokenizer_ = m._make_tokenizer()
        with np.load(d / _ARRAYS, allow_pickle=False) as z:
            terms = z["terms"].astype(str)
            m.idf_ = z["idf"].astype(np.float64)
            n_docs = len(meta["ids"])
            rows = sp.csr_matrix(
                (z["data"], z["indices"], z["indptr"]), shape=(n_docs, len(terms))
            )
        m.terms_ = terms
        m._set_term_caches(terms)
        m.vocabulary_ = {t: i for i, t in enumerate(terms.tolist())}
        m.avgdl_ = float(meta["avgdl"])
        m._reset(list(meta["ids"]), list(meta["fields"]), rows)
        m.saved_version_ = str(meta.get("version", ""))
        return m


# (tf, k1, b, avgdl_, idf_) of a fitted Matcher: how an indexed doc's terms are weighted.
_DocWeighting = tuple[str, float, float, float, NDArray[np.float64]]


def _doc_weights(
    tids: NDArray[np.intp], tf: NDArray[np.float64], weighting: _DocWeighting
) -> NDArray[np.float64]:
    """Counts ``tf`` of the terms ``tids`` weighted as an indexed doc's, l2-normalised."""
    tf_mode, k1, b, avgdl, idf = weighting
    if tf_mode == "log":
        sat = np.where(tf >= 1, 1.0 + np.log(np.maximum(tf, 1.0)), tf)
    else:
        norm = k1 * (1 - b + b * float(tf.sum()) / avgdl)
        sat = tf * (k1 + 1) / (tf + norm)
    w_ = sat * idf[tids]
    n = math.sqrt(float(w_ @ w_))
    return w_ / n if n > 0 else w_


def _merged(
    tids: NDArray[np.intp], qw: NDArray[np.float64],
    terms: NDArray[np.intp], cen: NDArray[np.float64],
) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
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


def _csr(rows: sp.spmatrix, n_terms: int) -> sp.csr_matrix:
    """``rows`` as a CSR matrix with int32 indices (so views of it are never converted)."""
    m = sp.csr_matrix(rows, shape=(rows.shape[0], n_terms))
    m.indices = m.indices.astype(np.int32, copy=False)
    m.indptr = m.indptr.astype(np.int32, copy=False)
    return m


def _reserve(arr: NDArray[Any], size: int) -> NDArray[Any]:
    """``arr`` if it holds ``size`` items, else a copy with room to double (never in place)."""
    if arr.size >= size:
        return arr
    out = np.zeros(max(size, 2 * arr.size), dtype=arr.dtype)
    out[: arr.size] = arr
    return out


def _gather_rows(
    r: sp.csr_matrix, rows: NDArray[np.intp], owners: NDArray[np.intp]
) -> tuple[NDArray[np.intp], NDArray[np.int32], NDArray[np.float64]]:
    starts, ends = r.indptr[rows], r.indptr[rows + 1]
    lens = ends - starts
    pos = np.arange(int(lens.sum())) + np.repeat(starts - (np.cumsum(lens) - lens), lens)
    return np.repeat(owners, lens), r.indices[pos], r.data[pos]


def _gather_main(
    r: sp.csr_matrix, rows: NDArray[np.intp]
) -> tuple[NDArray[np.intp], NDArray[np.int32], NDArray[np.float64]]:
    """:func:`_gather_rows` of a few rows, owners 0, 1, ...: slices joined (fewer numpy calls
    than the vectorised gather for the 5-10 rows of feedback and hits)."""
    ip = r.indptr
    starts = ip[rows].tolist()
    ends = ip[rows + 1].tolist()
    ind, dat = r.indices, r.data
    lens = [b - a for a, b in zip(starts, ends, strict=True)]
    return (np.repeat(np.arange(len(lens)), lens),
            np.concatenate([ind[a:b] for a, b in zip(starts, ends, strict=True)]),
            np.concatenate([dat[a:b] for a, b in zip(starts, ends, strict=True)]))


def _row_norms(m: sp.csr_matrix) -> NDArray[np.float64]:
    """The l2 norm of every row, a block of rows at a time (as :func:`_norms_of` sums)."""
    n = m.shape[0]
    out = np.zeros(n, dtype=np.float64)
    step = 8192
    for a in range(0, n, step):
        b = min(a + step, n)
        lo, hi = int(m.indptr[a]), int(m.indptr[b])
        d = m.data[lo:hi]
        owner = np.repeat(np.arange(b - a), np.diff(m.indptr[a : b + 1]))
        out[a:b] = np.bincount(owner, weights=d * d, minlength=b - a)
    return np.sqrt(out)


def _norms_of(
    idx: _Index, slots: NDArray[np.intp], owner: NDArray[np.intp], vals: NDArray[np.float64]
) -> NDArray[np.float64]:
    """l2 norms of the rows of ``slots`` (gathered as ``owner``, ``vals``), a fresh array."""
    if idx.delta is None or (slots < idx.n_main).all():
        out: NDArray[np.float64] = idx.norms[slots]
        return out
    return np.sqrt(np.bincount(owner, weights=vals * vals, minlength=slots.size))


def _cosines(
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


def _explain(
    idx: _Index,
    sl: NDArray[np.intp],
    ranking: _Ranking,
    written: tuple[NDArray[np.intp], NDArray[np.float64]],
    weighting: _DocWeighting,
    names: list[str],
    explain_terms: int,
) -> tuple[list[tuple[tuple[str, float], ...]], list[float]]:
    """(terms, similarity) of the hits at slots ``sl``, in one vectorised pass: ``ranking``
    the (expanded) ranking query, ``written`` the query's terms and counts as written (to be
    weighted as a doc, ``weighting``, for the cosine), ``names`` the term list of the
    snapshot's vocabulary."""
    stids = written[0]
    sweights = _doc_weights(stids, written[1], weighting)
    tids, qw, centroid = ranking
    if centroid is not None:
        tids, qw = _merged(tids, qw, *centroid)
    owner, dterms, vals = Matcher._gather(idx, sl)
    n = sl.size
    sims: list[float] | None = None
    if tids.size == 0 or stids.size == 0:
        return [()] * n, _cosines(owner, dterms, vals, n, stids, sweights)
    # One pass locates each doc term among the (sorted) query terms; the query as
    # written is part of the expanded query, so its cosine weights share the positions.
    spos = np.searchsorted(tids, stids)
    if spos[-1] >= tids.size or not (tids[np.minimum(spos, tids.size - 1)] == stids).all():
        sims = _cosines(owner, dterms, vals, n, stids, sweights)
    qpos = np.searchsorted(tids, dterms)
    np.minimum(qpos, tids.size - 1, out=qpos)
    match = tids[qpos] == dterms
    mo, mt, mv, mq = owner[match], dterms[match], vals[match], qpos[match]
    if sims is None:
        swf = np.zeros(tids.size)
        swf[spos] = sweights
        norms = _norms_of(idx, sl, owner, vals)
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


def _doc_id(doc: Doc) -> DocId:
    try:
        doc_id = doc["id"]
    except KeyError:
        raise ValueError("every doc needs an 'id'") from None
    # Plain Python types only (numpy scalars, str subclasses...), so hits are JSON-ready.
    if isinstance(doc_id, str):
        return str(doc_id)
    if isinstance(doc_id, (int, np.integer)) and not isinstance(doc_id, (bool, np.bool_)):
        return int(doc_id)
    raise TypeError(f"doc ids must be str or int, not {type(doc_id).__name__}")


def _doc_field(doc: Doc) -> str | None:
    f = doc.get("field")
    return None if f is None else str(f)


def _tokenizer_params(tok: Callable[[str], list[str]]) -> dict[str, Any] | None:
    if type(tok) is Tokenizer:
        return tok.get_params()
    return None
