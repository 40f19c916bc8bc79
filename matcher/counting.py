"""Docs to field-weighted term counts: the vocabulary of a fit and the count matrices.

A doc's term count is its body count plus ``title_weight`` times its title count plus
``keywords_weight`` times its keywords count. A fit reads its docs once, a chunk at a time
(:data:`FIT_CHUNK`), tokenising raw text in worker processes when there is much of it and
laying stored tokens end to end so that they are counted in C; the vocabulary is then pruned
by document frequency and numbered in sorted order.
"""

from __future__ import annotations

import itertools
import math
import multiprocessing
import multiprocessing.pool
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence, Sized
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from .documents import (
    Doc,
    DocId,
    Tokens,
    doc_field,
    doc_id,
    doc_text,
    doc_tokens,
    has_tokens,
    tokenize_parts,
)
from .tokenizer import Tokenizer
from .weighting import Vocabulary

__all__ = ["FIT_CHUNK", "PARALLEL_MIN", "FieldWeights", "count_corpus", "count_rows"]

#: (body, title, keywords) weights: what one occurrence in each field counts.
FieldWeights = tuple[float, float, float]

#: Docs counted per step of a fit: token lists are held for one chunk at a time.
FIT_CHUNK = 4096
#: Below this many docs to tokenise, ``n_jobs`` is ignored (starting workers costs ~1 s).
PARALLEL_MIN = 20_000


class Vocab(dict[str, int]):
    """Term -> id in first-seen order; looking up a new term numbers it."""

    def __missing__(self, term: str) -> int:
        j = self[term] = len(self)
        return j


def count(parts: Sequence[Sequence[str]], weights: FieldWeights) -> tuple[list[str], list[float]]:
    """(terms, field-weighted counts) of one doc's (body, title, keywords) tokens."""
    # The body counts once; Counter does the bulk of the counting in C.
    c: dict[str, float] = dict(Counter(parts[0]))
    for w, part in zip(weights[1:], parts[1:], strict=True):
        if part and w:
            for t, n in Counter(part).items():
                c[t] = c.get(t, 0) + w * n
    return list(c), [float(n) for n in c.values()]


@dataclass
class Stream:
    """One field's tokens of a chunk of docs laid end to end: ``terms``, the count each
    entry adds (``None``: 1 each) and how many entries each doc has."""

    terms: list[str]
    per_doc: NDArray[np.int64]
    counts: list[float] | None = None


def sum_chunk(
    streams: Sequence[tuple[float, Stream]], n: int, vocab: Vocab
) -> tuple[NDArray[np.int32], NDArray[np.float32], NDArray[np.int64]]:
    """Number a chunk's terms (new ones join ``vocab``) and add up each doc's counts per
    field, then the fields, each times its weight: (term ids, weights, entries per doc), each
    doc's entries in term-id order.

    The arithmetic is the per-doc ``Counter``'s of :func:`count` (whole counts per field,
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


# Worker-process state for parallel tokenising (set by the pool's initializer).
_WORKER: dict[str, Any] = {}


def _init_worker(params: dict[str, Any], weights: FieldWeights) -> None:
    _WORKER["tok"] = Tokenizer(**params)
    _WORKER["weights"] = weights


def _count_in_worker(text: tuple[str, str, list[str]]) -> tuple[list[str], list[float]]:
    return count(tokenize_parts(_WORKER["tok"], *text), _WORKER["weights"])


def _start_pool(n: int, tok: Tokenizer, weights: FieldWeights) -> multiprocessing.pool.Pool:
    # "fork" where there is one: children start at once, with jieba's dictionary already
    # loaded, and do not re-import the caller's __main__ (which "spawn" requires be guarded).
    # The children only tokenise, with their own Tokenizer; fits run in batch commands, not in
    # threaded web workers.
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    return ctx.Pool(n, initializer=_init_worker, initargs=(tok.get_params(), weights))


def _parallel(n_jobs: int, total: int | None, read: int) -> bool:
    """Whether to start worker processes, ``read`` docs into a fit of ``total`` (None:
    unknown, a generator): only for long fits, where the start-up cost (~1 s) pays."""
    if n_jobs < 2:
        return False
    return (total if total is not None else read) >= PARALLEL_MIN


def counted_chunks(
    docs: Iterable[Doc], tok: Callable[[str], list[str]], weights: FieldWeights, n_jobs: int
) -> Iterator[tuple[list[Doc], list[tuple[float, Stream]]]]:
    """``docs`` in chunks, each with its (field weight, tokens) streams for
    :func:`sum_chunk`: body tokens of docs with stored tokens together with the finished
    counts of docs tokenised here (weight 1), then title and keyword tokens."""
    total = len(docs) if isinstance(docs, Sized) else None
    it = iter(docs)
    pool = None
    read = 0
    try:
        while True:
            chunk = list(itertools.islice(it, FIT_CHUNK))
            read += len(chunk)
            if not chunk:
                return
            raw = [i for i, d in enumerate(chunk) if not has_tokens(d)]
            counted: dict[int, tuple[list[str], list[float]]] = {}
            if raw:
                if pool is None and isinstance(tok, Tokenizer) and _parallel(n_jobs, total, read):
                    pool = _start_pool(n_jobs, tok, weights)
                out: Iterable[tuple[list[str], list[float]]]
                if pool is not None:
                    # imap keeps the order of the docs: the result is deterministic.
                    out = pool.imap(_count_in_worker, [doc_text(chunk[i]) for i in raw],
                                    chunksize=64)
                else:
                    out = (count(doc_tokens(chunk[i], tok), weights) for i in raw)
                counted = dict(zip(raw, out, strict=True))
            yield chunk, _streams(chunk, counted, weights)
    finally:
        if pool is not None:
            pool.close()
            pool.join()


def _streams(
    chunk: list[Doc], counted: dict[int, tuple[list[str], list[float]]], weights: FieldWeights
) -> list[tuple[float, Stream]]:
    """The (weight, stream) of each weighted field of a chunk whose raw docs are ``counted``."""
    n = len(chunk)
    # Stored tokens are laid out as they are and counted in bulk (a Counter per doc cost
    # most of a refit from stored tokens).
    body_counts: list[float] = []
    body = Stream([], np.zeros(n, dtype=np.int64), body_counts)
    title = Stream([], np.zeros(n, dtype=np.int64))
    keywords = Stream([], np.zeros(n, dtype=np.int64))
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
    return [(w, st) for w, st in streams if w]


def prune(
    vocab: dict[str, int], indices: NDArray[np.int32], n_docs: int,
    min_df: int | float, max_df: int | float,
) -> tuple[NDArray[np.str_], NDArray[np.int32]]:
    """Sorted kept terms, and each first-seen term id's new id (-1: dropped by min/max_df,
    read as scikit-learn's ``CountVectorizer`` reads them)."""
    if not vocab:
        return np.array([], dtype=str), np.full(1, -1, dtype=np.int32)
    df = np.bincount(indices, minlength=len(vocab))
    lo = min_df if isinstance(min_df, int) else math.ceil(min_df * n_docs)
    hi = max_df if isinstance(max_df, int) else math.floor(max_df * n_docs)
    if isinstance(max_df, float) and max_df >= 1.0:
        hi = n_docs
    names = np.array(list(vocab), dtype=str)
    kept = np.flatnonzero((df >= lo) & (df <= hi))
    order = kept[np.argsort(names[kept], kind="stable")]
    remap = np.full(len(vocab), -1, dtype=np.int32)
    remap[order] = np.arange(order.size)
    return names[order], remap


def count_corpus(
    docs: Iterable[Doc], tok: Callable[[str], list[str]], weights: FieldWeights, n_jobs: int,
    min_df: int | float, max_df: int | float,
) -> tuple[list[DocId], list[str | None], NDArray[np.str_], sp.csr_matrix]:
    """(ids, fields, sorted vocabulary, field-weighted counts docs x vocabulary) of a fit.

    ``docs`` is read once, in chunks; only each doc's term counts are kept.
    """
    ids: list[DocId] = []
    fields: list[str | None] = []
    vocab = Vocab()
    indices: list[NDArray[np.int32]] = []
    data: list[NDArray[np.float32]] = []
    lengths: list[NDArray[np.int64]] = []
    for chunk, streams in counted_chunks(docs, tok, weights, n_jobs):
        ids.extend(doc_id(d) for d in chunk)
        fields.extend(doc_field(d) for d in chunk)
        ind, val, lens = sum_chunk(streams, len(chunk), vocab)
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
    terms, remap = prune(vocab, ind_all, n_docs, min_df, max_df)
    del vocab
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
    return ids, fields, terms, counts


def count_rows(
    toks: Sequence[Tokens], vocab: Vocabulary, weights: FieldWeights
) -> sp.csr_matrix:
    """Field-weighted term counts, docs x vocabulary (terms unknown to the fit ignored)."""
    indptr = [0]
    indices: list[int] = []
    data: list[float] = []
    for parts in toks:
        keys, counts = count(parts, weights)
        for j, c in zip(vocab.lookup(keys), counts, strict=True):
            if j >= 0:
                indices.append(j)
                data.append(c)
        indptr.append(len(indices))
    m = sp.csr_matrix(
        (np.asarray(data, dtype=np.float32), np.asarray(indices, dtype=np.int32), indptr),
        shape=(len(toks), len(vocab)),
    )
    m.sort_indices()
    return m
