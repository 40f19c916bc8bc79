"""The demo's places, names and sentences, read from data/vocabulary.toml and data/texts.toml.

Lists keep the files' order: the generator draws from them by position.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from models.taxonomy import PROVINCES, Field, ResultForm

from .data_files import load

_VOCABULARY = load("vocabulary")
_TEXTS = load("texts")
SENTENCES: dict[str, Any] = _TEXTS["sentences"]


class City(NamedTuple):
    """A city organisations are placed in, with what its codes and phone numbers start with."""

    province: str
    city: str
    divisions: tuple[str, ...]  # division codes used in credit codes
    area_code: str
    weight: int


def _texts(table: Mapping[str, Any], name: str) -> tuple[str, ...]:
    return tuple(table[name])


def _name_pairs(entries: list[str]) -> list[tuple[str, str]]:
    """``"王 wang"`` -> ``("王", "wang")``: a name part and its pinyin."""
    return [(hanzi, pinyin) for hanzi, pinyin in (entry.split() for entry in entries)]


CITIES: tuple[City, ...] = tuple(
    City(c["province"], c["city"], tuple(c["divisions"]), c["area_code"], c["weight"])
    for c in _VOCABULARY["cities"])
CITY_WEIGHTS = [c.weight for c in CITIES]
CITY_INDEX = {c.city: i for i, c in enumerate(CITIES)}

SURNAMES = _name_pairs(_VOCABULARY["names"]["surnames"])
GIVEN_NAMES = _name_pairs(_VOCABULARY["names"]["given"])
MOBILE_PREFIXES = _texts(_VOCABULARY["contacts"], "mobile_prefixes")

_ORGS = _VOCABULARY["organizations"]
# Invented two-character brand names are drawn from these halves.
BRAND_FIRST: str = _ORGS["brand_first"]
BRAND_SECOND: str = _ORGS["brand_second"]
BRAND_AVOID = frozenset(_ORGS["brand_avoid"])
FIRM_ENDINGS = _texts(_ORGS, "firm_endings")
DEFAULT_FIRM_ENDING: str = _ORGS["default_firm_ending"]
COMPANY_SUFFIXES: dict[str, int] = _ORGS["company_suffixes"]
HONOURS = _texts(_ORGS, "honours")
AGENCY_KINDS = _texts(_ORGS, "agency_kinds")
STEMS: tuple[tuple[str, str | None], ...] = tuple(
    (s["stem"], s.get("province")) for s in _ORGS["stems"])
UNIVERSITY_TYPES: dict[Field | None, tuple[str, ...]] = {
    None if key == "any" else Field(key): tuple(kinds)
    for key, kinds in _ORGS["university_types"].items()}
INSTITUTE_TYPES: dict[Field, tuple[str, ...]] = {
    Field(key): tuple(kinds) for key, kinds in _ORGS["institute_types"].items()}
UNIVERSITY_STANDINGS = _texts(_ORGS, "university_standings")
# The titles of a result's lead, by the kind of institution (repeats make one likelier).
RANKS: dict[str, tuple[str, ...]] = {kind: tuple(r) for kind, r in _ORGS["ranks"].items()}

NEED_OPENERS = _texts(_TEXTS, "need_openers")
NEED_CLOSERS = _texts(_TEXTS, "need_closers")
NEED_BASIS = _texts(_TEXTS, "need_basis")
CENTRE_LEVELS = _texts(_TEXTS, "centre_levels")
RESULT_INTROS = _texts(_TEXTS, "result_intros")
TESTED_BY = _texts(_TEXTS, "tested_by")
RESULT_LEVELS = _texts(_TEXTS, "result_levels")
LABS = _texts(_TEXTS, "labs")
STEPS = _texts(_TEXTS, "steps")
ACCEPTANCE = _texts(_TEXTS, "acceptance")
MIDDLES: dict[ResultForm, tuple[str, ...]] = {
    ResultForm(form): tuple(phases) for form, phases in _TEXTS["middles"].items()}
DEFAULT_MIDDLES = _texts(_TEXTS, "default_middles")

assert all(c.province in PROVINCES for c in CITIES), "a city in an unknown province"
