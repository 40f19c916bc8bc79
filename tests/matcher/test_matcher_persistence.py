"""Persistence: a saved index loads with the same answers; no pickle; older saves load."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import matcher
from matcher import Hit, Matcher

from .listings import NEEDS, RESULTS
from .test_matcher_explanation import golden_hits, same_hits
from .test_matcher_segments import delta_and_merged

#: An index of the shared listings saved by version 0.1.0 before the matcher was split into
#: modules (issue 19); its answers are the golden hits of test_matcher_explanation.
SAVED_BEFORE_SPLIT = Path(__file__).with_name("data") / "snapshot_0.1.0"


@pytest.fixture(scope="module")
def fitted() -> Matcher:
    return Matcher().fit(RESULTS)


def _ids(hits: list[Hit]) -> list[str | int]:
    return [h.id for h in hits]


def test_save_load_gives_identical_rankings(tmp_path: Path, fitted: Matcher) -> None:
    fitted.save(tmp_path / "idx")
    loaded = Matcher.load(tmp_path / "idx")
    assert loaded.get_params()["title_weight"] == fitted.title_weight
    assert loaded.saved_version_ == matcher.__version__ == Matcher.version
    assert len(loaded) == len(fitted)
    for need, _ in [*NEEDS, ("电池", None), ("检测 系统", None)]:
        a, b = fitted.query(need, k=10), loaded.query(need, k=10)
        assert _ids(a) == _ids(b)
        assert [h.score for h in a] == [h.score for h in b]
        assert [h.terms for h in a] == [h.terms for h in b]
    assert isinstance(loaded.query("钙钛矿", k=1)[0].id, int)


def test_an_index_saved_before_the_split_loads_with_the_same_answers() -> None:
    loaded = Matcher.load(SAVED_BEFORE_SPLIT)
    assert loaded.saved_version_ == "0.1.0" and len(loaded) == len(RESULTS)
    for q, want in golden_hits().items():
        same_hits(loaded.query(q, k=8), want)


def test_save_uses_no_pickle(tmp_path: Path, fitted: Matcher) -> None:
    d = fitted.save(tmp_path / "idx")
    meta = json.loads((d / "meta.json").read_text(encoding="utf-8"))
    assert meta["version"] == matcher.__version__ and meta["layout"] == 2
    assert 12 in meta["ids"] and "r-5g" in meta["ids"]
    arrays = sorted(d.glob("*.npy"))
    assert arrays and all(np.load(a, allow_pickle=False).dtype != object for a in arrays)


def test_a_loaded_index_maps_its_arrays_read_only(tmp_path: Path) -> None:
    from matcher.bench import synthetic_corpus

    m = Matcher().fit(synthetic_corpus(300, seed=2))  # integer ids: saved as an array too
    d = m.save(tmp_path / "idx")
    assert (d / "ids.npy").exists()
    loaded = Matcher.load(d)
    idx = loaded._index()
    for arr in (idx.rows.data, idx.rows.indices, idx.postings.data, idx.postings.indices,
                idx.norms):
        base = arr
        while not isinstance(base, np.memmap) and base.base is not None:
            base = base.base
        assert isinstance(base, np.memmap) and not arr.flags.writeable
    # Postings and norms as a fit makes them; every query answers alike, also after adds
    # and removals (the delta and the live mask are the process's own).
    assert (idx.postings != m._index().postings).nnz == 0
    assert np.array_equal(idx.norms, m._index().norms)
    extra = synthetic_corpus(20, seed=3, start=300)
    for x in (m, loaded):
        x.add(extra[:10])
        x.remove([5, 305])
    for doc in [*synthetic_corpus(10, seed=4), *extra[10:]]:
        assert loaded.query(doc, k=10) == m.query(doc, k=10)
    assert loaded.query_many(extra, k=5) == m.query_many(extra, k=5)


def test_a_folder_without_an_index_is_refused(tmp_path: Path) -> None:
    (tmp_path / "meta.json").write_text(json.dumps({"format": "other"}), encoding="utf-8")
    with pytest.raises(ValueError, match="does not hold a saved Matcher"):
        Matcher.load(tmp_path)


def test_save_after_add_and_remove(tmp_path: Path) -> None:
    m = Matcher().fit(RESULTS)
    m.remove(["r-uav"])
    patrol = {"id": 99, "title": "无人机巡检", "text": "输电线路无人机巡检", "field": "aerospace"}
    m.add([patrol])
    loaded = Matcher.load(m.save(tmp_path / "idx"))
    assert "r-uav" not in loaded and 99 in loaded
    assert _ids(loaded.query("无人机", where={"field": "aerospace"})) == [99]


def test_save_load_with_a_delta(tmp_path: Path) -> None:
    delta, merged = delta_and_merged()
    loaded = Matcher.load(delta.save(tmp_path / "idx"))
    assert loaded._segments.delta_docs == 0
    for q in [need for need, _ in NEEDS]:
        assert _ids(loaded.query(q, k=8)) == _ids(merged.query(q, k=8))


def test_custom_tokenizer_needs_passing_at_load(tmp_path: Path) -> None:
    def chars(text: str) -> list[str]:
        return [c for c in text if not c.isspace()]

    m = Matcher(tokenizer=chars).fit(RESULTS)
    m.save(tmp_path / "idx")
    with pytest.raises(ValueError):
        Matcher.load(tmp_path / "idx")
    loaded = Matcher.load(tmp_path / "idx", tokenizer=chars)
    assert _ids(loaded.query("钙钛矿")) == _ids(m.query("钙钛矿"))


def test_a_loaded_index_keeps_query_sized_arrays_on_the_heap(tmp_path: Path,
                                                             fitted: Matcher) -> None:
    # A process that only loads an index (a worker) must not map, fault in and unmap every
    # query's score arrays afresh: after the load, glibc serves an 8 MB block from its heap.
    # Measured in a fresh process: a fit in this one raises glibc's threshold by itself.
    import subprocess  # nosec B404  (this interpreter, fixed code)
    import sys

    path = fitted.save(tmp_path / "idx")
    code = """
import ctypes, sys
import numpy as np
from matcher import Matcher
class MallInfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd",
                "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]
try:
    mallinfo2 = ctypes.CDLL(None).mallinfo2
except AttributeError:
    print("skip"); sys.exit()
mallinfo2.restype = MallInfo2
Matcher.load(sys.argv[1])
mapped = mallinfo2().hblkhd
scores = np.ones(1_000_000)
print(mallinfo2().hblkhd - mapped)
"""
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,  # noqa: S603
                         text=True, check=True).stdout.split()[-1]  # nosec B603
    if out == "skip":
        pytest.skip("not glibc 2.33+ (no mallinfo2)")
    assert int(out) < 8_000_000


def test_a_load_asks_for_the_mapped_files_to_be_read_ahead(
        tmp_path: Path, fitted: Matcher, monkeypatch: pytest.MonkeyPatch) -> None:
    # A worker's first queries after a load would otherwise wait for each disk page they touch.
    import os
    import threading

    from matcher import persistence

    fitted.save(tmp_path / "idx")
    advised: list[str] = []
    real_open = os.open
    names: dict[int, str] = {}

    def recording_open(path: Any, flags: int, *args: Any) -> int:
        fd = real_open(path, flags, *args)
        names[fd] = Path(path).name
        return fd

    def recording_advice(fd: int, offset: int, length: int, advice: int) -> None:
        assert (offset, length, advice) == (0, 0, os.POSIX_FADV_WILLNEED)
        advised.append(names[fd])

    monkeypatch.setattr(os, "open", recording_open)
    monkeypatch.setattr(os, "posix_fadvise", recording_advice)
    loaded = Matcher.load(tmp_path / "idx")
    for thread in threading.enumerate():
        if thread.name == "innomatch-read-ahead":
            thread.join(5)
    assert sorted(advised) == sorted(f"{name}.npy" for name in persistence.MAPPED
                                     if (tmp_path / "idx" / f"{name}.npy").exists())
    assert "postings_data.npy" in advised
    assert _ids(loaded.query("电池", k=3)) == _ids(fitted.query("电池", k=3))
