"""English listings match: a small English set written for this test (needs in plant
language, results in method language, some results mixing Chinese and English)."""

from __future__ import annotations

import pytest

from matcher import Matcher

RESULTS = [
    {"id": "coat", "title": "Ceramic-epoxy coatings for corroding pipelines",
     "text": "Two-layer coatings applied in place protect carbon steel pipes carrying brine."},
    {"id": "inhibit", "title": "缓蚀剂 dosing controlled by corrosion monitoring",
     "text": "咪唑啉缓蚀剂 for chloride media; probes measure the corrosion rate online."},
    {"id": "weld", "title": "Laser welding of thin aluminium battery tabs",
     "text": "Pulsed laser welds tabs of lithium batteries with low spatter and stable joints."},
    {"id": "aoi", "title": "AOI of solder joints on PCB assemblies",
     "text": "Deep learning inspects solder joints after reflow; detects bridging and voids."},
    {"id": "sludge", "title": "污泥低温干化", "text": "热泵低温干化降低污泥含水率。"},
    {"id": "yield", "title": "Crop yield estimation from satellite images",
     "text": "Multispectral images and weather data estimate wheat yields per county."},
]

NEEDS = [
    ("Our steel pipe corrodes and leaks within two years; we need a coating", "coat"),
    ("Inspecting soldered joints by eye misses defects on our PCB line", "aoi"),
    ("Battery tab welding gives too much spatter", "weld"),
    ("pipe corrosion in chloride brine: an inhibitor or monitoring?", "inhibit"),
]


@pytest.fixture(scope="module")
def fitted() -> Matcher:
    return Matcher().fit(RESULTS)


@pytest.mark.parametrize(("need", "best"), NEEDS)
def test_an_english_need_finds_its_result(fitted: Matcher, need: str, best: str) -> None:
    assert fitted.query(need, k=3)[0].id == best


def test_inflected_forms_meet_and_stop_words_do_not(fitted: Matcher) -> None:
    hit = fitted.query("coating for corroded pipes", k=1)[0]
    assert hit.id == "coat" and {t for t, _ in hit.terms} & {"coat", "pipe", "corrod"}
    # "the", "of", "and" alone match nothing.
    assert fitted.query("the of and with") == []
