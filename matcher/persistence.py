"""Saved indexes: a directory of numpy arrays and JSON, never pickle.

``meta.json`` holds the format name and layout, the library version that wrote it, the
constructor parameters (the tokenizer's settings, or ``null`` for a custom tokenizer),
``avgdl``, the docs' field names and their ids unless they are all integers. Every array is
an uncompressed ``.npy`` file (:data:`LAYOUT` 2): the sorted vocabulary, the idf, the docs'
ids (when integers) and field codes, their weighted rows (CSR), the term-major postings built
from them and the rows' norms. :func:`read` maps the arrays read-only
(``np.load(mmap_mode="r")``), the terms and the integer ids included: nothing is decompressed
or rebuilt and no Python object is made per doc or per term (terms are found by binary search,
ids read as needed: see :class:`matcher.weighting.Vocabulary`, :class:`matcher.segments.IdList`),
so loading costs milliseconds, and every process that loads the same files shares one copy of
the index in the operating system's page cache. Directories written before (one
compressed ``arrays.npz``, postings rebuilt on load) are still read.
"""

from __future__ import annotations

import ctypes
import json
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from .documents import DocId
from .segments import FieldCodes, row_norms, term_major

__all__ = ["LAYOUT", "LEGACY_PARAMS", "SavedIndex", "keep_large_buffers", "read",
           "with_legacy_defaults", "write"]

FORMAT = "innomatch-matcher"
#: 2: uncompressed ``.npy`` arrays, postings and norms saved; 1 (no ``layout``): ``arrays.npz``.
LAYOUT = 2
ARRAYS = "arrays.npz"
META = "meta.json"
#: The arrays mapped read-only on load (the others are read into memory).
MAPPED = ("terms", "idf", "ids", "field_codes", "rows_data", "rows_indices", "rows_indptr",
          "postings_data", "postings_indices", "postings_indptr", "norms")


#: Parameters added after indexes were first saved, with the values that reproduce what the
#: writing version did: an index saved without them answers as it did when it was written.
LEGACY_PARAMS: dict[str, Any] = {"prf_min_coverage": 0.0}
LEGACY_TOKENIZER: dict[str, Any] = {"char_freq_max": None, "english": False}


def with_legacy_defaults(params: dict[str, Any]) -> dict[str, Any]:
    """A saved index's parameters, those it predates set as its version behaved."""
    out = {**LEGACY_PARAMS, **params}
    if isinstance(out.get("tokenizer"), dict):
        out["tokenizer"] = {**LEGACY_TOKENIZER, **out["tokenizer"]}
    return out


@dataclass(frozen=True, eq=False)
class SavedIndex:
    """What a saved index holds (``postings`` and ``norms`` made from ``rows`` if absent)."""

    version: str
    params: dict[str, Any]
    terms: NDArray[np.str_]
    idf: NDArray[np.float64]
    avgdl: float
    ids: Sequence[DocId] | NDArray[np.int64]
    fields: Sequence[str | None] | FieldCodes
    rows: sp.csr_matrix
    postings: sp.csr_matrix | None = None
    norms: NDArray[np.float64] | None = None


#: glibc's ``mallopt`` parameters, and the values :func:`keep_large_buffers` sets: the largest
#: its dynamic threshold reaches on 64-bit (32 MB), and twice that before freed memory is
#: given back.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_MMAP_THRESHOLD = 32 << 20


def keep_large_buffers() -> None:
    """Have glibc serve the score arrays of a query (a float64 per doc: 8 MB at 1M) from its
    heap, reused query after query, instead of mapping and unmapping each one.

    glibc maps allocations past a threshold that starts at 128 KB and rises as such blocks are
    freed; a fit's temporaries raise it as a side effect, but a process that only loads an
    index never does, and each query then pays a page fault per 4 KB of every score array:
    at 1M listings ~10 ms of CPU a query, as much as the scoring (docs/benchmarks.md). Setting
    the threshold where the rise ends fixes it; freed memory up to twice that stays with the
    process. A no-op where the C library is not glibc.
    """
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return
    mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)
    mallopt(_M_TRIM_THRESHOLD, 2 * _MMAP_THRESHOLD)


def write(path: str | Path, saved: SavedIndex) -> Path:
    """Write ``saved`` to directory ``path`` (made if missing); returns it."""
    d = Path(path)
    d.mkdir(parents=True, exist_ok=True)
    rows = saved.rows
    rows.sort_indices()
    postings = saved.postings if saved.postings is not None else term_major(rows)
    norms = saved.norms if saved.norms is not None else row_norms(rows)
    fields = saved.fields.tolist() if isinstance(saved.fields, FieldCodes) else saved.fields
    ids: list[DocId] = saved.ids.tolist() if isinstance(saved.ids, np.ndarray) else list(saved.ids)
    names = list(dict.fromkeys(fields))
    code = {f: i for i, f in enumerate(names)}
    int_ids = all(type(i) is int for i in ids)
    meta = {
        "format": FORMAT,
        "layout": LAYOUT,
        "version": saved.version,
        "params": saved.params,
        "avgdl": saved.avgdl,
        "ids": None if int_ids else ids,
        "docs": len(ids),
        "field_names": names,
    }
    arrays: dict[str, NDArray[Any]] = {
        "terms": np.asarray(saved.terms, dtype=str),
        "idf": saved.idf,
        "field_codes": np.fromiter((code[f] for f in fields), dtype=np.int32,
                                   count=len(fields)),
        "rows_data": rows.data, "rows_indices": rows.indices, "rows_indptr": rows.indptr,
        "postings_data": postings.data, "postings_indices": postings.indices,
        "postings_indptr": postings.indptr,
        "norms": norms,
    }
    if int_ids:
        arrays["ids"] = np.asarray(ids, dtype=np.int64)
    for name, arr in arrays.items():
        np.save(d / f"{name}.npy", np.ascontiguousarray(arr), allow_pickle=False)
    (d / META).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return d


def _read_ahead(paths: Sequence[Path]) -> None:
    """Ask the operating system to read mapped files into its page cache now
    (``POSIX_FADV_WILLNEED``), so that a worker's first queries after a load do not each wait
    for the disk pages they touch (after a reboot, or a snapshot evicted from the cache). It
    costs no memory of the process; a no-op where the platform has no such advice."""
    advise = getattr(os, "posix_fadvise", None)
    if advise is None:
        return
    for path in paths:
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            continue  # not written by this layout (e.g. integer ids absent)
        try:
            advise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
        except OSError:
            pass  # advice only: a file system that refuses it still maps the file
        finally:
            os.close(fd)


def read(path: str | Path) -> SavedIndex:
    """Read an index written by :func:`write` (its index arrays mapped read-only)."""
    d = Path(path)
    meta = json.loads((d / META).read_text(encoding="utf-8"))
    if meta.get("format") != FORMAT:
        raise ValueError(f"{d} does not hold a saved Matcher")
    if meta.get("layout") is None:
        return _read_npz(d, meta)

    def array(name: str) -> NDArray[Any]:
        loaded = np.load(d / f"{name}.npy", allow_pickle=False,
                         mmap_mode="r" if name in MAPPED else None)
        # A plain ndarray over the same mapped memory: np.memmap's Python-level hooks would
        # otherwise run on every slice and every result computed from it.
        out: NDArray[Any] = np.asarray(loaded)
        return out

    # The advice may wait for the disk's queue: in the background, so that loading stays
    # milliseconds.
    threading.Thread(target=_read_ahead, args=([d / f"{name}.npy" for name in MAPPED],),
                     name="innomatch-read-ahead", daemon=True).start()
    # Kept as mapped (the sorted terms are searched, never copied into a dict: see
    # matcher.weighting.Vocabulary).
    terms = array("terms").astype(str, copy=False)
    n_docs = int(meta["docs"])
    shape = (n_docs, len(terms))
    rows = sp.csr_matrix((array("rows_data"), array("rows_indices"), array("rows_indptr")),
                         shape=shape)
    postings = sp.csr_matrix((array("postings_data"), array("postings_indices"),
                              array("postings_indptr")), shape=shape[::-1])
    # write() saves both sorted: said so, scipy does not scan 54 M indices at 1M listings to
    # find out (most of a load's time, and every page of them read into each worker).
    rows.has_sorted_indices = True
    postings.has_sorted_indices = True
    # Integer ids stay a mapped array, fields their codes (see matcher.segments.IdList).
    ids: Sequence[DocId] | NDArray[np.int64] = (
        array("ids") if meta["ids"] is None else list(meta["ids"]))
    fields = FieldCodes(array("field_codes").astype(np.int32, copy=False),
                        list(meta["field_names"]))
    return SavedIndex(
        version=str(meta.get("version", "")), params=dict(meta["params"]), terms=terms,
        idf=array("idf").astype(np.float64, copy=False), avgdl=float(meta["avgdl"]), ids=ids,
        fields=fields, rows=rows, postings=postings, norms=array("norms"),
    )


def _read_npz(d: Path, meta: dict[str, Any]) -> SavedIndex:
    """An index saved before layout 2: one compressed ``arrays.npz``, ids in the JSON."""
    with np.load(d / ARRAYS, allow_pickle=False) as z:
        terms = z["terms"].astype(str)
        idf = z["idf"].astype(np.float64)
        n_docs = len(meta["ids"])
        rows = sp.csr_matrix((z["data"], z["indices"], z["indptr"]), shape=(n_docs, len(terms)))
    return SavedIndex(
        version=str(meta.get("version", "")), params=dict(meta["params"]), terms=terms,
        idf=idf, avgdl=float(meta["avgdl"]), ids=list(meta["ids"]),
        fields=list(meta["fields"]), rows=rows,
    )
