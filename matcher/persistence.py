"""Saved indexes: a directory of numpy arrays and JSON, never pickle.

``meta.json`` holds the format name, the library version that wrote it, the constructor
parameters (the tokenizer's settings, or ``null`` for a custom tokenizer), ``avgdl`` and the
docs' ids and fields; ``arrays.npz`` the sorted vocabulary, the idf and the weighted rows
(CSR) of the indexed docs. The term-major postings are rebuilt from the rows on load.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from .documents import DocId

__all__ = ["LEGACY_PARAMS", "SavedIndex", "read", "with_legacy_defaults", "write"]

FORMAT = "innomatch-matcher"
ARRAYS = "arrays.npz"
META = "meta.json"


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
    """What a saved index holds."""

    version: str
    params: dict[str, Any]
    terms: NDArray[np.str_]
    idf: NDArray[np.float64]
    avgdl: float
    ids: list[DocId]
    fields: list[str | None]
    rows: sp.csr_matrix


def write(path: str | Path, saved: SavedIndex) -> Path:
    """Write ``saved`` to directory ``path`` (made if missing); returns it."""
    d = Path(path)
    d.mkdir(parents=True, exist_ok=True)
    meta = {
        "format": FORMAT,
        "version": saved.version,
        "params": saved.params,
        "avgdl": saved.avgdl,
        "ids": saved.ids,
        "fields": saved.fields,
    }
    arrays: dict[str, NDArray[Any]] = {
        "terms": np.asarray(saved.terms, dtype=str),
        "idf": saved.idf,
        "data": saved.rows.data,
        "indices": saved.rows.indices,
        "indptr": saved.rows.indptr,
    }
    np.savez_compressed(d / ARRAYS, **arrays)  # type: ignore[arg-type]
    (d / META).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return d


def read(path: str | Path) -> SavedIndex:
    """Read an index written by :func:`write`."""
    d = Path(path)
    meta = json.loads((d / META).read_text(encoding="utf-8"))
    if meta.get("format") != FORMAT:
        raise ValueError(f"{d} does not hold a saved Matcher")
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
