"""The index's storage: a main segment held term-major, a small delta segment, a live mask.

Slots ``[0, n_main)`` are the main segment, held both doc-major (``rows``, for feedback and
explanations) and term-major (``postings``, so that a query touches only its terms'
postings); slots past it are the delta segment of docs added since the last full build,
doc-major only, scored with one sparse matrix-vector product. Adding a doc appends to the
delta (O(its row), no rebuild); removing one flips its bit in the live mask. The delta is
merged into the main segment, dropping removed docs, once it outgrows :func:`delta_limit`.

Queries read an :class:`IndexView`, an immutable view that later adds append past.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from .documents import DocId

__all__ = ["DELTA_FRACTION", "DELTA_MAX", "DELTA_MIN", "FieldCodes", "IdList", "IndexView",
           "Segments", "SlotMap", "delta_limit", "row_norms", "term_major"]

#: The delta segment is merged into the main one once it holds more than
#: ``max(DELTA_MIN, DELTA_FRACTION * main docs)`` docs, and at most ``DELTA_MAX``.
DELTA_MIN = 256
DELTA_FRACTION = 1 / 32
DELTA_MAX = 8192


def delta_limit(n_main: int) -> int:
    """How many docs the delta segment may hold beside ``n_main`` main docs."""
    return min(DELTA_MAX, max(DELTA_MIN, int(n_main * DELTA_FRACTION)))


@dataclass(frozen=True)
class IndexView:
    """What one query reads: an immutable view taken while later adds append past it.

    ``live`` is shared with the segments, so a :meth:`Segments.remove` (a mask flip) is seen
    at once.
    """

    postings: sp.csr_matrix  # terms x main slots
    rows: sp.csr_matrix  # main slots x terms
    norms: NDArray[np.float64]  # main slot -> l2 norm of its row
    delta: sp.csr_matrix | None  # delta slots x terms
    n_main: int
    n: int
    live: NDArray[np.bool_]  # at least n long; slot -> still indexed
    ids: IdList  # slot -> id (appended to, never changed, while this view is current)
    slot: SlotMap
    codes: NDArray[np.int32]  # at least n long; slot -> code of its field
    field_codes: dict[str | None, int]
    # {"field": ...} filters already turned into masks over [0, n): slots below n never change
    # field while this view is current, so a mask is computed once per view and filter.
    masks: dict[frozenset[str | None], NDArray[np.bool_]] = dataclasses.field(
        default_factory=dict)
    # Batch scoring's matrices (``matcher.topn.Kernel``) by (live slots, threads): a remove
    # only flips ``live``, so the count of live slots tells this view's states apart.
    kernels: dict[tuple[int, int], Any] = dataclasses.field(default_factory=dict)


class Segments:
    """The docs of one fit: their rows (main and delta segments), ids, fields and live mask.

    Writers (:meth:`append`, :meth:`remove`, :meth:`merge`) hold a lock; readers take a
    :meth:`view` and never lock.
    """

    def __init__(
        self, ids: Sequence[DocId] | NDArray[np.int64],
        fields: Sequence[str | None] | FieldCodes, rows: sp.csr_matrix, n_terms: int,
        postings: sp.csr_matrix | None = None, norms: NDArray[np.float64] | None = None,
    ) -> None:
        """Index ``rows`` as the whole main segment (a later duplicate id wins); ``postings``
        and ``norms``, when given, are the rows' :func:`term_major` form and
        :func:`row_norms`, and ``ids`` may be an array (as saved: read-only memory maps are
        used as they are)."""
        self.lock = threading.RLock()
        self.n_terms = n_terms
        self._snapshot: IndexView | None = None
        n_given = len(ids)
        unique = _unique_int_ids(ids)
        if unique is None:
            if isinstance(fields, FieldCodes):
                fields = fields.tolist()
            ids, fields, rows = _last_of_each(list(ids), list(fields), rows)
            if len(ids) != n_given:
                postings = norms = None
            self.ids, self.slot = _numbering(ids)
        else:
            self.ids, self.slot = IdList(unique), SlotMap(unique)
        n = len(self.ids)
        self.live: NDArray[np.bool_] = np.ones(max(n, 1), dtype=bool)
        self.field_codes: dict[str | None, int] = {}
        self.codes: NDArray[np.int32] = np.zeros(max(n, 1), dtype=np.int32)
        if isinstance(fields, FieldCodes):
            self.field_codes = {f: i for i, f in enumerate(fields.names)}
            self.codes[:n] = fields.codes
        else:
            self.codes[:n] = self._code_fields(list(fields))
        self._set_main(csr(rows, n_terms), postings, norms)

    def __len__(self) -> int:
        return len(self.slot)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self.slot

    @property
    def delta_docs(self) -> int:
        """How many slots the delta segment holds (removed ones included)."""
        return self._d_n

    def view(self) -> IndexView:
        """The current view (made at most once per change)."""
        snap = self._snapshot
        if snap is not None:
            return snap
        with self.lock:
            if self._snapshot is None:
                self._snapshot = self._make_view()
            return self._snapshot

    def _code_fields(self, fields: list[str | None]) -> NDArray[np.int32]:
        """Each field's code (new fields get the next code)."""
        codes = self.field_codes
        for f in dict.fromkeys(fields):
            if f not in codes:
                # Copy on write: a query may be reading the mapping of its view.
                codes = self.field_codes = {**codes, f: len(codes)}
        return np.fromiter((codes[f] for f in fields), dtype=np.int32, count=len(fields))

    def _set_main(self, rows: sp.csr_matrix, postings: sp.csr_matrix | None = None,
                  norms: NDArray[np.float64] | None = None) -> None:
        """Make ``rows`` the main segment, with its postings and norms (built unless given),
        and empty the delta."""
        rows.sort_indices()
        self._main_rows = rows
        self._postings = term_major(rows) if postings is None else postings
        self._main_norms = row_norms(rows) if norms is None else norms
        self._n_main = rows.shape[0]
        # Delta buffers grow by doubling; a view taken by a query never sees later writes.
        self._d_data = np.empty(1024, dtype=np.float32)
        self._d_indices = np.empty(1024, dtype=np.int32)
        self._d_indptr = np.zeros(65, dtype=np.int32)
        self._d_n = 0
        self._snapshot = None
        self._snapshot = self._make_view()

    def _make_view(self) -> IndexView:
        n_d, nnz = self._d_n, int(self._d_indptr[self._d_n])
        delta = None
        if n_d:
            delta = sp.csr_matrix(
                (self._d_data[:nnz], self._d_indices[:nnz], self._d_indptr[: n_d + 1]),
                shape=(n_d, self.n_terms),
            )
        return IndexView(
            postings=self._postings, rows=self._main_rows, norms=self._main_norms,
            delta=delta, n_main=self._n_main,
            n=self._n_main + n_d, live=self.live, ids=self.ids, slot=self.slot,
            codes=self.codes, field_codes=self.field_codes,
        )

    def append(self, ids: list[DocId], fields: list[str | None], rows: sp.csr_matrix) -> None:
        """Add rows to the delta segment (O(rows), no rebuild), merging it when it is full.

        A doc whose id is indexed replaces the old one; a later duplicate within ``ids`` wins.
        """
        with self.lock:
            ids, fields, rows = _last_of_each(ids, fields, rows)
            for doc_id in ids:
                old = self.slot.get(doc_id)
                if old is not None:
                    self.live[old] = False
            rows = csr(rows, self.n_terms)
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
            self.live = _reserve(self.live, base + k)
            self.live[base : base + k] = True
            self.codes = _reserve(self.codes, base + k)
            self.codes[base : base + k] = self._code_fields(fields)
            self.ids.extend(ids)
            for i, doc_id in enumerate(ids):
                self.slot[doc_id] = base + i
            self._d_n = n_d + k
            if self._d_n > delta_limit(self._n_main):
                self.merge()
            else:
                self._snapshot = self._make_view()

    def merge(self) -> None:
        """Fold the delta into the main segment, dropping removed docs (a full rebuild)."""
        with self.lock:
            snap = self._make_view()
            rows = snap.rows
            if snap.delta is not None:
                rows = sp.csr_matrix(sp.vstack([rows, snap.delta], format="csr"))
            live = self.live[: snap.n]
            ids = snap.ids.tolist()
            if not live.all():
                keep = np.flatnonzero(live)
                rows = sp.csr_matrix(rows[keep])
                ids = [ids[i] for i in keep.tolist()]
                self.live = np.ones(max(len(keep), 1), dtype=bool)
                codes = np.zeros(max(len(keep), 1), dtype=np.int32)
                codes[: len(keep)] = self.codes[keep]
                self.codes = codes
            # New objects: a query still reading the old view keeps its own numbering. The
            # ids become one array again (the delta's appended ids included).
            self.ids, self.slot = _numbering(ids)
            self._set_main(csr(rows, self.n_terms))

    def remove(self, ids: Iterable[DocId]) -> int:
        """Take docs out at once (a mask flip); returns how many were there. Removed slots
        are dropped at the next merge, or at once when they are the majority."""
        n = 0
        with self.lock:
            for doc_id in ids:
                slot = self.slot.pop(doc_id, None)
                if slot is not None:
                    self.live[slot] = False
                    n += 1
            total = self._n_main + self._d_n
            if n and (total - len(self.slot)) * 2 >= total:
                self.merge()
        return n

    def live_rows(self) -> tuple[list[DocId], list[str | None], sp.csr_matrix]:
        """(ids, fields, rows) of the indexed docs, in slot order (what a save writes)."""
        with self.lock:
            idx = self.view()
            rows = idx.rows
            if idx.delta is not None:
                rows = sp.csr_matrix(sp.vstack([rows, idx.delta], format="csr"))
            live = np.flatnonzero(idx.live[: idx.n])
            rows = sp.csr_matrix(rows[live])
            all_ids = idx.ids.tolist()
            ids = [all_ids[i] for i in live.tolist()]
            names = list(idx.field_codes)
            fields = [names[c] for c in idx.codes[live].tolist()]
        return ids, fields, rows


@dataclass(frozen=True)
class FieldCodes:
    """The docs' fields as codes into ``names`` (as an index is saved)."""

    codes: NDArray[np.int32]
    names: list[str | None]

    def tolist(self) -> list[str | None]:
        """Each doc's field."""
        names = self.names
        return [names[c] for c in self.codes.tolist()]


class IdList:
    """Slot -> doc id: the main segment's ids as one int64 array when they are integers
    (a saved index's is a read-only memory map that the processes loading it share, where a
    list of a million Python ints would be ~36 MB of each one's own), then the ids appended
    after it, in a list. Reading a slot gives a Python ``int`` (or the id as given)."""

    __slots__ = ("_main", "_n", "_tail")

    def __init__(self, main: NDArray[np.int64], tail: list[DocId] | None = None) -> None:
        self._main = main
        self._n = int(main.size)
        self._tail: list[DocId] = [] if tail is None else tail

    def __len__(self) -> int:
        return self._n + len(self._tail)

    def __getitem__(self, slot: int) -> DocId:
        if 0 <= slot < self._n:
            return int(self._main[slot])
        if slot >= self._n:
            return self._tail[slot - self._n]
        raise IndexError("slots are not negative")

    def extend(self, ids: Iterable[DocId]) -> None:
        """Append ids (a view taken before still reads only its first slots)."""
        self._tail.extend(ids)

    def tolist(self) -> list[DocId]:
        """Every id, in slot order."""
        out: list[DocId] = self._main.tolist()
        return out + self._tail


#: Integers an int64 array holds.
_INT64 = np.iinfo(np.int64)


class SlotMap:
    """Doc id -> slot, read and changed as a ``dict`` would be (``get``, ``in``, ``len``,
    ``pop``, assignment), over the main segment's integer ids kept as a sorted array (binary
    search; no dict of a million entries in each process) and a dict of what changed since."""

    def __init__(self, main: NDArray[np.int64]) -> None:
        """Number the unique ids ``main`` by their position."""
        self._order: NDArray[np.intp] | None = None
        self._sorted = main
        if main.size > 1 and not bool((main[1:] > main[:-1]).all()):
            # Not in increasing order (an index's ids usually are: then nothing is copied).
            self._order = np.argsort(main, kind="stable")
            self._sorted = main[self._order]
        #: Changes since: an id's slot, or None for an id taken out.
        self._changed: dict[DocId, int | None] = {}
        self._len = int(main.size)

    @classmethod
    def of(cls, ids: Sequence[DocId]) -> SlotMap:
        """A map of unique ids of any kind, numbered by position (all kept in the dict)."""
        out = cls(np.empty(0, dtype=np.int64))
        out._changed = {doc_id: i for i, doc_id in enumerate(ids)}
        out._len = len(out._changed)
        return out

    def _main_slot(self, doc_id: object) -> int | None:
        srt = self._sorted
        if not srt.size or not isinstance(doc_id, (int, np.integer)) or not (
                _INT64.min <= doc_id <= _INT64.max):
            return None
        pos = int(np.searchsorted(srt, doc_id))
        if pos < srt.size and srt[pos] == doc_id:
            return pos if self._order is None else int(self._order[pos])
        return None

    def get(self, doc_id: object, default: int | None = None) -> int | None:
        """The slot of ``doc_id``, or ``default``."""
        changed = self._changed
        slot = changed[doc_id] if doc_id in changed else self._main_slot(doc_id)
        return default if slot is None else slot

    def __contains__(self, doc_id: object) -> bool:
        return self.get(doc_id) is not None

    def __len__(self) -> int:
        return self._len

    def pop(self, doc_id: DocId, default: int | None = None) -> int | None:
        """Take ``doc_id`` out; its slot, or ``default`` if it was not in."""
        slot = self.get(doc_id)
        if slot is None:
            return default
        self._changed[doc_id] = None
        self._len -= 1
        return slot

    def __setitem__(self, doc_id: DocId, slot: int) -> None:
        if self.get(doc_id) is None:
            self._len += 1
        self._changed[doc_id] = slot


def _unique_int_ids(ids: Sequence[DocId] | NDArray[np.int64]) -> NDArray[np.int64] | None:
    """``ids`` as an int64 array if they are all integers (``int``, not ``bool``) and unique,
    else None."""
    if isinstance(ids, np.ndarray):
        if ids.dtype.kind not in "iu":
            return None
        arr = ids.astype(np.int64, copy=False)
    else:
        if not all(type(i) is int for i in ids):
            return None
        try:
            arr = np.fromiter(ids, dtype=np.int64, count=len(ids))
        except OverflowError:
            return None
    if arr.size > 1 and not bool((arr[1:] > arr[:-1]).all()) and np.unique(arr).size < arr.size:
        return None
    return arr


def _numbering(ids: Sequence[DocId]) -> tuple[IdList, SlotMap]:
    """Slot -> id and id -> slot of unique ``ids``, numbered by position."""
    unique = _unique_int_ids(ids)
    if unique is not None:
        return IdList(unique), SlotMap(unique)
    return IdList(np.empty(0, dtype=np.int64), list(ids)), SlotMap.of(ids)


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


def csr(rows: sp.spmatrix, n_terms: int) -> sp.csr_matrix:
    """``rows`` as a CSR matrix with int32 indices (so views of it are never converted);
    ``rows`` itself when it is one (a loaded index's maps, known sorted, stay as they are)."""
    if (isinstance(rows, sp.csr_matrix) and rows.shape[1] == n_terms
            and rows.indices.dtype == np.int32 and rows.indptr.dtype == np.int32):
        return rows
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


def term_major(rows: sp.csr_matrix) -> sp.csr_matrix:
    """The postings of ``rows`` (docs x terms): terms x docs, each term's docs in order."""
    postings = sp.csr_matrix(rows.T)
    postings.sort_indices()
    return postings


def row_norms(m: sp.csr_matrix) -> NDArray[np.float64]:
    """The l2 norm of every row, a block of rows at a time (summed as
    :func:`matcher.scoring.norms_of` sums)."""
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
