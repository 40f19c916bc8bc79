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

:class:`Matcher` is the public face; each step of a query lives in its own module:

==========================  ================================================================
:mod:`matcher.tokenizer`    text to tokens (jieba, the technical dictionary, phrases)
:mod:`matcher.documents`    what is read from a doc: id, field, text, stored tokens
:mod:`matcher.counting`     docs to field-weighted term counts; a fit's vocabulary
:mod:`matcher.weighting`    counts to indexed weights (docs) and ranking weights (queries)
:mod:`matcher.segments`     the main (term-major) and delta segments, adds and removes
:mod:`matcher.scoring`      a query's scores from the postings; filters; the top slots
:mod:`matcher.feedback`     pseudo-relevance feedback: the expanded query and its scores
:mod:`matcher.explanation`  hits, their terms' shares and their bounded similarity
:mod:`matcher.batch`        :meth:`Matcher.query_many`, a chunk of queries at a time
:mod:`matcher.topn`         ``query_many``'s first pass: sparse_dot_topn's top-n product
:mod:`matcher.persistence`  save and load (numpy arrays and JSON, no pickle; memory-mapped)
==========================  ================================================================
"""

from __future__ import annotations

import hashlib
import inspect
import json
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from . import batch, persistence
from ._version import __version__
from .counting import FieldWeights, count_corpus, count_rows
from .documents import Doc, DocId, doc_field, doc_id, doc_tokens, tokenizer_params
from .explanation import Explanations, Hit
from .feedback import Feedback, Ranking
from .scoring import Where, accumulate, candidates, top
from .segments import IndexView, Segments
from .tokenizer import Tokenizer
from .weighting import DocWeighting, QueryWeighting, Vocabulary, idf_of

__all__ = ["DEFAULT_PARAMS", "DocId", "Hit", "Matcher"]

#: The service's settings, chosen on the csl-title and csl-topic dev sets (docs/matching.md).
DEFAULT_PARAMS: dict[str, Any] = {
    "tokenizer": {
        "mode": "search", "hmm": False, "bigrams": False, "min_len": 1, "user_dict": None,
        "stopwords": None, "drop_numbers": False, "phrases": True, "char_freq_max": 10000,
        "english": True,
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
    "prf_min_coverage": 0.15,
    "n_jobs": 1,
}


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
    prf_min_coverage:
        Feedback reads only first-pass docs scoring at least this share of the query's
        self-score (:meth:`self_score`): when the first pass finds nothing close, the query
        is not expanded, so a wrong first hit cannot pull in more of its kind (0: always).
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
        prf_min_coverage: float = 0.15,
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
        self.prf_min_coverage = prf_min_coverage
        self.n_jobs = n_jobs

    # -- parameters ----------------------------------------------------------------------

    @classmethod
    def _param_names(cls) -> list[str]:
        """The constructor's arguments, read from its signature as scikit-learn's
        ``BaseEstimator`` reads them (so that there is no second list to keep in step)."""
        init = inspect.signature(cls.__init__)
        return [p.name for p in init.parameters.values()
                if p.name != "self" and p.kind is not p.VAR_KEYWORD]

    def get_params(self) -> dict[str, Any]:
        """The constructor arguments as stored."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> Matcher:
        """Change constructor arguments; takes effect at the next :meth:`fit`."""
        names = self._param_names()
        for name, value in params.items():
            if name not in names:
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

    def _field_weights(self) -> FieldWeights:
        return (1.0, float(self.title_weight), float(self.keywords_weight))

    # -- fitting -------------------------------------------------------------------------

    def fit(self, docs: Iterable[Doc]) -> Matcher:
        """Learn the vocabulary and idf from ``docs`` and index them (replacing any index).

        ``docs`` may be any iterable (a generator keeps memory flat): it is read once, in
        chunks (:data:`matcher.counting.FIT_CHUNK`), and only each doc's term counts are kept.
        A doc carrying ``tokens`` (``{"title": [...], "text": [...], "keywords": [...]}``, as
        returned by :meth:`tokenize_docs` with the same tokenizer) is not tokenised again; the
        others are, in ``n_jobs`` processes when there are many.
        """
        self._validate()
        self.tokenizer_ = self._make_tokenizer()
        ids, fields, terms, counts = count_corpus(
            docs, self.tokenizer_, self._field_weights(), int(self.n_jobs), self.min_df,
            self.max_df)
        vocab = Vocabulary(terms, self.phrase_weight)
        vocab.count_phrases(counts)
        n_docs = len(ids)
        doc_len = np.asarray(counts.sum(axis=1), dtype=np.float64).ravel()
        avgdl = float(doc_len.mean()) if n_docs and doc_len.mean() > 0 else 1.0
        df = np.bincount(counts.indices, minlength=terms.size).astype(np.float64)
        weighting = self._set_weighting(vocab, idf_of(df, n_docs, self.idf), avgdl)
        rows = weighting.weigh(weighting.saturate(counts, doc_len, inplace=True))
        del counts
        self._segments = Segments(ids, fields, rows, len(vocab))
        return self

    def _set_weighting(
        self, vocab: Vocabulary, idf: NDArray[np.float64], avgdl: float
    ) -> DocWeighting:
        """Learned attributes of a fit (or load) and the parts of the query path built on
        them; returns how docs are weighted."""
        self.terms_ = vocab.terms
        self.idf_ = idf
        self.avgdl_: float = avgdl
        self._vocab = vocab
        weighting = DocWeighting(self.tf, float(self.k1), float(self.b), avgdl, idf, self.norm)
        self._query_weighting = QueryWeighting(
            vocab, self._field_weights(), self.subword_weight, self.query_idf, idf)
        self._feedback = Feedback(self.prf_docs, self.prf_weight, self.prf_terms,
                                  self.prf_weighting, self.prf_rerank,
                                  float(self.prf_min_coverage))
        self._explanations = Explanations(weighting, vocab, self.explain_terms)
        return weighting

    def tokenize_docs(self, docs: Iterable[Doc]) -> list[dict[str, list[str]]]:
        """Each doc's tokens as :meth:`fit` reads them from a doc's ``tokens`` key.

        Store them with the listing (see :meth:`token_signature`) and pass them back as
        ``{"id": ..., "tokens": ..., ...}``, so a refit does not tokenise unchanged listings.
        """
        if not hasattr(self, "tokenizer_"):
            self.tokenizer_ = self._make_tokenizer()
        out = []
        for d in docs:
            body, title, kw = doc_tokens(d, self.tokenizer_)
            out.append({"title": title, "text": body, "keywords": kw})
        return out

    def token_signature(self) -> str:
        """What stored tokens depend on: the tokenizer's settings and dictionaries and the
        library version.

        Tokens stored under another signature must be computed again.
        """
        tok = self.tokenizer_ if hasattr(self, "tokenizer_") else self._make_tokenizer()
        desc = tokenizer_params(tok)
        if desc is None:
            return ""
        # The dictionaries' contents too: a new technical term changes how texts are cut.
        blob = json.dumps([__version__, desc, cast(Tokenizer, tok).dictionary_digest()],
                          sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]

    def _check_fitted(self) -> None:
        if not hasattr(self, "idf_"):
            raise RuntimeError("this Matcher is not fitted yet: call fit(docs) first")

    # -- adding and removing -------------------------------------------------------------

    def _vectorize_docs(self, docs: Sequence[Doc]) -> sp.csr_matrix:
        """Indexed rows of ``docs`` with the fitted vocabulary and weighting."""
        counts = count_rows([doc_tokens(d, self.tokenizer_) for d in docs], self._vocab,
                            self._field_weights())
        weighting = self._explanations.weighting
        return weighting.weigh(weighting.saturate(self._vocab.count_phrases(counts)))

    def add(self, docs: Iterable[Doc]) -> Matcher:
        """Index more docs at once, with the fitted vocabulary (unknown terms are ignored).

        A doc whose id is already indexed replaces the old one. New docs go to a small delta
        segment, queryable at once; it is merged into the main index when it grows past a
        fraction of it (:data:`matcher.segments.DELTA_FRACTION`), so most adds cost only
        their own tokenising.
        """
        self._check_fitted()
        docs = list(docs)
        if not docs:
            return self
        rows = self._vectorize_docs(docs)
        self._segments.append([doc_id(d) for d in docs], [doc_field(d) for d in docs], rows)
        return self

    def remove(self, ids: Iterable[DocId]) -> int:
        """Take docs out of the index at once (a mask flip); returns how many were there.

        Removed docs' slots are dropped at the next merge, or at once when they are the
        majority, so the index does not only grow.
        """
        self._check_fitted()
        return self._segments.remove(ids)

    @property
    def vocabulary_(self) -> dict[str, int]:
        """Each fitted term's id (a dict made on first use: queries look terms up in the
        sorted ``terms_`` instead, which a loaded index shares between processes)."""
        vocab: Vocabulary | None = self.__dict__.get("_vocab")
        if vocab is None:
            raise AttributeError("vocabulary_: this Matcher is not fitted yet")
        return vocab.ids

    def __len__(self) -> int:
        return len(self._segments) if hasattr(self, "_segments") else 0

    def __contains__(self, doc_id: object) -> bool:
        return hasattr(self, "_segments") and doc_id in self._segments

    def _index(self) -> IndexView:
        return self._segments.view()

    # -- querying ------------------------------------------------------------------------

    def _query_terms(self, query: str | Doc) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
        """(term ids, field-weighted counts) of a query, sorted by term id."""
        if isinstance(query, str):
            tokens: tuple[list[str], list[str], list[str]] = (self.tokenizer_(query), [], [])
        else:
            tokens = doc_tokens(query, self.tokenizer_)
        return self._query_weighting.counts(tokens)

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
        idx = self._segments.view()
        tids, tf = self._query_terms(text_or_doc)
        if tids.size == 0 or k <= 0:
            return []
        qw = self._query_weighting.weights(tids, tf)
        live, mask, pred = candidates(idx, where, exclude)
        scores = first = accumulate(idx, tids, qw)
        self_score = self._explanations.weighting.self_score(tids, tf, qw)
        ranking: Ranking = (tids, qw, None)
        feedback = self._feedback
        if feedback.on:
            fb = feedback.feedback_docs(scores, live, self_score)
            if fb:
                scores, ranking = feedback.expand(idx, scores, live, tids, qw, fb)
        slots = top(scores, k, mask, pred)
        return self._explanations.hits(idx, slots, scores, ranking, (tids, tf), first,
                                       self_score)

    def self_score(self, text_or_doc: str | Doc) -> float:
        """The first-pass score a text or doc would give itself were it indexed: what
        :attr:`Hit.strength` and :attr:`Hit.coverage` are relative to (0 when none of its
        terms is known to the index)."""
        self._check_fitted()
        tids, tf = self._query_terms(text_or_doc)
        if tids.size == 0:
            return 0.0
        qw = self._query_weighting.weights(tids, tf)
        return self._explanations.weighting.self_score(tids, tf, qw)

    def query_many(
        self,
        queries: Sequence[str | Doc],
        k: int = 10,
        chunk: int | None = None,
        n_jobs: int = 1,
        max_terms: int | None = None,
    ) -> list[list[Hit]]:
        """Top-``k`` hits of many queries, as ``[self.query(q, k) for q in queries]``.

        For bulk work such as a nightly rematch: a chunk's first pass is one
        ``sparse_dot_topn`` top-n product (:mod:`matcher.topn`), which keeps only each query's
        best docs; feedback and explanations follow for them as in ``query``, with exact
        scores, so the hits are ``query``'s bit for bit. Queries the lists cannot settle are
        scored over every doc with scipy products, ``chunk`` at a time (by default about
        :data:`matcher.batch.BATCH_CELLS` scores). ``n_jobs`` > 1 scores chunks in forked
        worker processes (where the platform has ``fork``). ``max_terms`` keeps only each
        query's heaviest terms (query weight x idf) in the first pass (scipy path only): long
        listings used as queries have many common terms whose long postings cost much and
        decide little; ``None`` keeps all.
        """
        self._check_fitted()
        idx = self._segments.view()
        vecs = [self._query_terms(q) for q in queries]
        job = batch.BatchJob(idx, self._query_weighting, self._feedback, self._explanations,
                             k, max_terms)
        return batch.query_many(job, vecs, chunk or batch.chunk_size(idx), n_jobs)

    # -- persistence ---------------------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        """Write the index to directory ``path`` (numpy ``.npy`` arrays + JSON, no pickle;
        :meth:`load` maps them read-only, so processes loading one index share its memory)."""
        self._check_fitted()
        idx = self._segments.view()
        ids, fields, rows = self._segments.live_rows()
        # The main segment as it is (no delta, none removed): its postings are saved as made.
        whole = idx.delta is None and len(ids) == idx.n_main == rows.shape[0]
        params = self.get_params()
        params["tokenizer"] = tokenizer_params(self.tokenizer_)
        return persistence.write(path, persistence.SavedIndex(
            version=self.version, params=params, terms=self.terms_, idf=self.idf_,
            avgdl=self.avgdl_, ids=ids, fields=fields, rows=rows,
            postings=idx.postings if whole else None, norms=idx.norms if whole else None))

    @classmethod
    def load(
        cls, path: str | Path, tokenizer: Callable[[str], list[str]] | None = None
    ) -> Matcher:
        """Read an index written by :meth:`save`.

        Pass ``tokenizer`` when the index was built with a custom tokenizer that could not
        be described in JSON.
        """
        saved = persistence.read(path)
        persistence.keep_large_buffers()
        params = persistence.with_legacy_defaults(saved.params)
        if tokenizer is not None:
            params["tokenizer"] = tokenizer
        elif params["tokenizer"] is None:
            raise ValueError("the index was built with a custom tokenizer: pass tokenizer=")
        m = cls(**params)
        m._validate()
        m.tokenizer_ = m._make_tokenizer()
        m._set_weighting(Vocabulary(saved.terms, m.phrase_weight), saved.idf, saved.avgdl)
        m._segments = Segments(saved.ids, saved.fields, saved.rows, len(saved.terms),
                               saved.postings, saved.norms)
        m.saved_version_ = saved.version
        return m
