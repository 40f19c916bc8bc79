"""A deterministic generator of realistic Chinese demo data for the supply–demand platform.

``build_world(seed, scale)`` returns a :class:`World`: plain-dict organisations, users,
technology needs (技术需求), results (科技成果) and solutions (解决方案). The same seed and
scale always give the same world (one ``random.Random(seed)``, no clock: times are
"days ago" integers). Texts are composed from the topic banks in :mod:`webapp.demo.topics`,
so a need and a result on the same topic share their technical vocabulary; ``World.topic_of``
records the topic of every need, result and solution (the ground truth for the matcher).

Fixed demo accounts, always the first three users, all with password ``demo-pass-2025``:

- ``enterprise@demo.innomatch.cn``: a member of the first enterprise (posts needs);
- ``institute@demo.innomatch.cn``: a member of the first university (posts results, solutions);
- ``operator@demo.innomatch.cn``: an operator of "InnoMatch 平台运营中心".

Every other account is ``<surname>.<given>.<number>@demo.innomatch.cn`` with the same password.
At scale 1 the world has 71 organisations, about 130-150 users, 320 needs, 320 results and 60
solutions; ``scale`` multiplies every count, and ``INNOMATCH_SIZES`` gives the platform's
reported size (about 20,000 users, 6,600 needs, 4,600 results, 3,000 solutions).
Everything here is invented: names, codes, numbers and phone numbers are made up.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from decimal import Decimal
from typing import Any, NamedTuple, TypeVar

from models.taxonomy import (
    MODE_LABELS,
    PROVINCES,
    SUBFIELDS,
    CooperationMode,
    Field,
    IPType,
    ResultForm,
)
from models.validators import CREDIT_CODE_ALPHABET, credit_code_check_char

from .data_files import load
from .topics import TOPIC_BY_KEY, TOPICS_BY_FIELD, Topic

__all__ = [
    "DEMO_PASSWORD",
    "FIXED_ACCOUNTS",
    "INNOMATCH_SIZES",
    "OPERATIONS_CENTER",
    "Sizes",
    "World",
    "build_world",
]

DEMO_PASSWORD = "demo-pass-2025"  # noqa: S105 - the documented password of demo accounts
EMAIL_DOMAIN = "demo.innomatch.cn"
OPERATIONS_CENTER = "InnoMatch 平台运营中心"
FIXED_ACCOUNTS: dict[str, str] = {
    "enterprise": f"enterprise@{EMAIL_DOMAIN}",
    "institute": f"institute@{EMAIL_DOMAIN}",
    "operator": f"operator@{EMAIL_DOMAIN}",
}

Item = dict[str, Any]
T = TypeVar("T")


@dataclass(frozen=True)
class Sizes:
    """How many of each record a world holds (``agencies`` counts the operations centre)."""

    enterprises: int = 40
    universities: int = 14
    institutes: int = 12
    agencies: int = 5
    needs: int = 320
    results: int = 320
    solutions: int = 60

    def scaled(self, scale: float) -> Sizes:
        """Multiply every count by ``scale``, keeping the few records every world needs."""
        if scale <= 0:
            raise ValueError("scale must be positive")

        def times(n: int, least: int) -> int:
            return max(least, round(n * scale))

        return Sizes(
            enterprises=times(self.enterprises, 8), universities=times(self.universities, 3),
            institutes=times(self.institutes, 3), agencies=times(self.agencies, 3),
            needs=times(self.needs, 8), results=times(self.results, 8),
            solutions=times(self.solutions, 0),
        )


# The platform's reported size in mid-2025: ~20,000 users, 6,600 needs, 4,600 results and
# 3,000 solutions. With one to three accounts per organisation, 20,000 users means ~10,000
# organisations.
INNOMATCH_SIZES = Sizes(enterprises=7100, universities=1100, institutes=1300, agencies=760,
                        needs=6600, results=4600, solutions=3000)


@dataclass
class World:
    """The generated demo data: lists of plain dicts, in key order."""

    organizations: list[Item] = dc_field(default_factory=list)
    users: list[Item] = dc_field(default_factory=list)
    needs: list[Item] = dc_field(default_factory=list)
    results: list[Item] = dc_field(default_factory=list)
    solutions: list[Item] = dc_field(default_factory=list)
    # need/result/solution key -> topic key (see webapp.demo.topics.TOPIC_BY_KEY)
    topic_of: dict[str, str] = dc_field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """How many records of each kind the world holds."""
        return {"organizations": len(self.organizations), "users": len(self.users),
                "needs": len(self.needs), "results": len(self.results),
                "solutions": len(self.solutions)}


def build_world(seed: int = 2025, scale: float = 1.0, sizes: Sizes | None = None) -> World:
    """Generate the demo world for ``seed``; ``scale`` multiplies the counts of ``sizes``.

    ``sizes`` defaults to the base world (:class:`Sizes`); pass ``INNOMATCH_SIZES`` for the
    platform's full size. The result depends only on the arguments.
    """
    return _Builder(seed, (sizes or Sizes()).scaled(scale)).build()


# --------------------------------------------------------------------------- vocabulary
# Places, names and the words organisations are named with are data (data/vocabulary.toml),
# and so are the sentences listings are written with (data/texts.toml).

_VOCABULARY = load("vocabulary")
_TEXTS = load("texts")
_SENTENCES: dict[str, Any] = _TEXTS["sentences"]


class _City(NamedTuple):
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


_CITIES: tuple[_City, ...] = tuple(
    _City(c["province"], c["city"], tuple(c["divisions"]), c["area_code"], c["weight"])
    for c in _VOCABULARY["cities"])
_CITY_WEIGHTS = [c.weight for c in _CITIES]
_CITY_INDEX = {c.city: i for i, c in enumerate(_CITIES)}

_SURNAME_PAIRS = _name_pairs(_VOCABULARY["names"]["surnames"])
_GIVEN_PAIRS = _name_pairs(_VOCABULARY["names"]["given"])
_MOBILE_PREFIXES = _texts(_VOCABULARY["contacts"], "mobile_prefixes")

_ORGS = _VOCABULARY["organizations"]
# Invented two-character brand names are drawn from these halves.
_BRAND_A: str = _ORGS["brand_first"]
_BRAND_B: str = _ORGS["brand_second"]
_BRAND_AVOID = frozenset(_ORGS["brand_avoid"])
_FIRM_ENDINGS = _texts(_ORGS, "firm_endings")
_DEFAULT_FIRM_ENDING: str = _ORGS["default_firm_ending"]
_COMPANY_SUFFIXES: dict[str, int] = _ORGS["company_suffixes"]
_HONOURS = _texts(_ORGS, "honours")
_AGENCY_KINDS = _texts(_ORGS, "agency_kinds")
_STEMS: tuple[tuple[str, str | None], ...] = tuple(
    (s["stem"], s.get("province")) for s in _ORGS["stems"])
_UNIVERSITY_TYPES: dict[Field | None, tuple[str, ...]] = {
    None if key == "any" else Field(key): tuple(kinds)
    for key, kinds in _ORGS["university_types"].items()}
_INSTITUTE_TYPES: dict[Field, tuple[str, ...]] = {
    Field(key): tuple(kinds) for key, kinds in _ORGS["institute_types"].items()}
_UNIVERSITY_STANDINGS = _texts(_ORGS, "university_standings")
# The titles of a result's lead, by the kind of institution (repeats make one likelier).
_RANKS: dict[str, tuple[str, ...]] = {kind: tuple(r) for kind, r in _ORGS["ranks"].items()}

_NEED_OPENERS = _texts(_TEXTS, "need_openers")
_NEED_CLOSERS = _texts(_TEXTS, "need_closers")
_NEED_BASIS = _texts(_TEXTS, "need_basis")
_CENTRE_LEVELS = _texts(_TEXTS, "centre_levels")
_RESULT_INTROS = _texts(_TEXTS, "result_intros")
_TESTED_BY = _texts(_TEXTS, "tested_by")
_RESULT_LEVELS = _texts(_TEXTS, "result_levels")
_LABS = _texts(_TEXTS, "labs")
_STEPS = _texts(_TEXTS, "steps")
_ACCEPTANCE = _texts(_TEXTS, "acceptance")
_MIDDLES: dict[ResultForm, tuple[str, ...]] = {
    ResultForm(form): tuple(phases) for form, phases in _TEXTS["middles"].items()}
_DEFAULT_MIDDLES = _texts(_TEXTS, "default_middles")

# Fields get listings in these proportions (every field keeps well over 25 per 320).
_FIELD_WEIGHTS: dict[Field, float] = {
    Field.ELECTRONIC_INFORMATION: 1.35, Field.ADVANCED_MANUFACTURING: 1.3,
    Field.NEW_ENERGY: 1.2, Field.NEW_MATERIALS: 1.05, Field.BIO_MEDICINE: 1.05,
    Field.RESOURCES_ENVIRONMENT: 0.9, Field.HIGH_TECH_SERVICES: 0.8, Field.AEROSPACE: 0.75,
}

_CN_NUM = "一二三四五六七八九十"


def _short_city(city: str) -> str:
    return city[:-1] if city.endswith("市") else city


_NEED_MODE_WEIGHTS = {
    CooperationMode.COMMISSIONED_DEVELOPMENT: 35, CooperationMode.JOINT_DEVELOPMENT: 30,
    CooperationMode.TECHNICAL_SERVICE: 12, CooperationMode.TRANSFER: 10,
    CooperationMode.LICENSE: 7, CooperationMode.CONSULTING: 6,
}
_RESULT_MODE_WEIGHTS = {
    CooperationMode.TRANSFER: 30, CooperationMode.LICENSE: 25,
    CooperationMode.JOINT_DEVELOPMENT: 15, CooperationMode.EQUITY: 10,
    CooperationMode.TECHNICAL_SERVICE: 10, CooperationMode.COMMISSIONED_DEVELOPMENT: 5,
    CooperationMode.CONSULTING: 5,
}
_TRL_WEIGHTS = {1: 2, 2: 3, 3: 8, 4: 14, 5: 18, 6: 20, 7: 16, 8: 12, 9: 7}


def _nice(value: float) -> Decimal:
    """Round an amount in 万元 the way people write budgets: 7.5, 35, 120, 1500."""
    if value < 20:
        return Decimal(str(round(value * 2) / 2)).normalize()
    step = 5 if value < 100 else 10 if value < 1000 else 50
    return Decimal(int(round(value / step) * step))


class _Builder:
    """Builds one world; every random draw goes through ``self.rng`` in a fixed order."""

    def __init__(self, seed: int, sizes: Sizes) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.sizes = sizes
        self.world = World()
        self.names: set[str] = set()
        self.credit_codes: set[str] = set()
        self.ip_numbers: set[str] = set()
        self.user_count = 0
        # organisation key -> (kind, topics, city, user keys)
        self.org_topics: dict[str, list[Topic]] = {}
        self.org_users: dict[str, list[str]] = defaultdict(list)
        self.org_by_key: dict[str, Item] = {}
        self.titles: dict[str, set[str]] = {"need": set(), "result": set()}
        self.org_titles: set[tuple[str, str]] = set()

    # ------------------------------------------------------------------ helpers
    def pick(self, items: Sequence[T]) -> T:
        return items[self.rng.randrange(len(items))]

    def weighted(self, weights: Mapping[T, float]) -> T:
        keys = list(weights)
        return self.rng.choices(keys, weights=[weights[k] for k in keys])[0]

    def sample_modes(self, weights: dict[CooperationMode, int], most: int) -> list[str]:
        k = self.rng.choices((1, 2, 3), weights=(45, 40, 15))[0]
        pool = dict(weights)
        chosen: list[CooperationMode] = []
        while pool and len(chosen) < min(k, most):
            mode = self.weighted(pool)
            chosen.append(mode)
            del pool[mode]
        return [m.value for m in chosen]

    def city(self) -> int:
        return self.rng.choices(range(len(_CITIES)), weights=_CITY_WEIGHTS)[0]

    def person(self) -> tuple[str, str]:
        """A Chinese name and its pinyin as ``surname.given``."""
        sur, sur_py = self.pick(_SURNAME_PAIRS)
        given, given_py = self.pick(_GIVEN_PAIRS)
        if self.rng.random() < 0.6:
            g2, g2_py = self.pick(_GIVEN_PAIRS)
            if g2 != given:
                given, given_py = given + g2, given_py + g2_py
        return sur + given, f"{sur_py}.{given_py}"

    def phone(self, area: str) -> str:
        if self.rng.random() < 0.6:
            return f"{area}-{self.rng.randint(5, 8)}{self.rng.randrange(10 ** 7):07d}"
        prefix = self.pick(_MOBILE_PREFIXES)
        return f"{prefix}{self.rng.randint(0, 9)}{self.rng.randrange(10 ** 8):08d}"

    def unique_name(self, make: Callable[[], str],
                    variants: Callable[[], Sequence[str]] | None = None) -> str:
        """A name from ``make`` not used yet; at huge scales, a variant of one."""
        for _ in range(40):
            name = make()
            if name not in self.names:
                self.names.add(name)
                return name
        base = make()
        for suffix in [*(variants() if variants else ()), *(f"（{i}）" for i in range(2, 10000))]:
            name = f"{base}{suffix}"
            if name not in self.names:
                self.names.add(name)
                return name
        raise RuntimeError("ran out of organisation names")  # pragma: no cover

    def credit_code(self, first: str, divisions: Sequence[str], name: str) -> str:
        """A valid code drawn from the organisation's name, so worlds of other scales agree."""
        rng = random.Random(f"credit-code:{self.seed}:{name}")
        division = divisions[rng.randrange(len(divisions))]
        while True:
            if first == "91" and rng.random() < 0.55:
                body = "MA" + "".join(rng.choice(CREDIT_CODE_ALPHABET) for _ in range(6))
            else:
                body = f"{rng.randrange(10 ** 8):08d}"
            org_code = body + _org_code_check(body)
            first17 = first + division + org_code
            code = first17 + credit_code_check_char(first17)
            if code not in self.credit_codes:
                self.credit_codes.add(code)
                return code

    def context(self, topic: Topic) -> dict[str, str]:
        objs = self.rng.sample(topic.objects, 2)
        terms = self.rng.sample(topic.terms, 2)
        apps = self.rng.sample(topic.apps, 2)
        return {"obj": objs[0], "obj2": objs[1], "term": terms[0], "term2": terms[1],
                "app": apps[0], "app2": apps[1], "name": topic.name}

    def title(self, kind: str, org_key: str, topic: Topic, templates: tuple[str, ...],
              ctx: dict[str, str]) -> str:
        """A title of 8-40 characters, unique within the organisation and, if possible, overall."""
        seen = self.titles[kind]
        fallback = ""
        for attempt in range(30):
            if attempt:
                ctx.update(self.context(topic))
            text = self.pick(templates).format(**ctx)
            if not 8 <= len(text) <= 40 or (org_key, text) in self.org_titles:
                continue
            fallback = fallback or text
            if text not in seen:
                break
        else:
            text = fallback or topic.name
            n = 2
            while (org_key, text) in self.org_titles:
                phase = _CN_NUM[n - 1] if n <= 10 else str(n)
                text = _SENTENCES["phase"].format(title=fallback or topic.name, phase=phase)
                n += 1
        seen.add(text)
        self.org_titles.add((org_key, text))
        return text

    def keywords(self, topic: Topic, ctx: dict[str, str]) -> list[str]:
        words = [w for w in (ctx["term"], ctx["term2"]) if " " not in w]
        others = [t for t in topic.terms if t not in words and " " not in t]
        words += self.rng.sample(others, min(len(others), self.rng.randint(1, 3)))
        if self.rng.random() < 0.4 and " " not in ctx["obj"] and len(ctx["obj"]) <= 12:
            words.append(ctx["obj"])
        return words[:6]

    def money(self, tiers: Sequence[tuple[float, float, float]]) -> Decimal:
        lo, hi = self.rng.choices([(t[0], t[1]) for t in tiers], weights=[t[2] for t in tiers])[0]
        return _nice(self.rng.uniform(lo, hi))

    def ip_number(self, kind: IPType) -> str:
        while True:
            # invention patents take years to be granted; utility models about one
            year = self.rng.randint(2015, 2022 if kind is IPType.INVENTION_PATENT else 2024)
            if kind in (IPType.INVENTION_PATENT, IPType.UTILITY_MODEL, IPType.DESIGN_PATENT):
                digit = {IPType.INVENTION_PATENT: "1", IPType.UTILITY_MODEL: "2",
                         IPType.DESIGN_PATENT: "3"}[kind]
                digits = f"{year}{digit}{self.rng.randrange(10 ** 7):07d}"
                number = f"ZL{digits}.{_patent_check(digits)}"
            elif kind is IPType.SOFTWARE_COPYRIGHT:
                number = f"{year}SR{self.rng.randrange(10 ** 7):07d}"
            elif kind is IPType.PLANT_VARIETY_RIGHT:
                number = f"CNA{year}{self.rng.randrange(10 ** 4):04d}.{self.rng.randint(0, 9)}"
            else:  # trade secrets carry an internal filing number
                number = f"JM-{year}-{self.rng.randrange(1000):03d}"
            if number not in self.ip_numbers:
                self.ip_numbers.add(number)
                return number

    # ------------------------------------------------------------------ build
    def build(self) -> World:
        self.organizations()
        self.users()
        self.needs()
        self.results()
        self.solutions()
        return self.world

    def field_plan(self, n: int) -> list[Field]:
        """``n`` fields in the target proportions, every field at least once, shuffled."""
        total = sum(_FIELD_WEIGHTS.values())
        quotas = {f: n * w / total for f, w in _FIELD_WEIGHTS.items()}
        counts = {f: int(q) for f, q in quotas.items()}
        rest = sorted(quotas, key=lambda f: quotas[f] - counts[f], reverse=True)
        for f in rest[: n - sum(counts.values())]:
            counts[f] += 1
        plan = [f for f in Field for _ in range(counts[f])]
        self.rng.shuffle(plan)
        if n >= len(Field):  # make sure each field appears at least once
            missing = [f for f in Field if f not in plan]
            for i, f in enumerate(missing):
                plan[i] = f
        return plan

    def add_org(self, kind: str, name: str, city_index: int, code_first: str,
                topics: list[Topic], description: str, *, force_verified: bool = False) -> Item:
        province, city, divisions, _area, _w = _CITIES[city_index]
        key = f"org-{len(self.world.organizations) + 1:04d}"
        has_code = force_verified or self.rng.random() < 0.8
        code = self.credit_code(code_first, divisions, name) if has_code else None
        verified = force_verified or self.rng.random() < (0.93 if has_code else 0.3)
        org = {"key": key, "name": name, "kind": kind, "province": province, "city": city,
               "credit_code": code, "verified": verified, "description": description}
        self.world.organizations.append(org)
        self.org_by_key[key] = org
        self.org_topics[key] = topics
        return org

    def topics_for(self, fields: list[Field], low: int, high: int) -> list[Topic]:
        out: list[Topic] = []
        for f in fields:
            bank = TOPICS_BY_FIELD[f]
            out += self.rng.sample(bank, min(len(bank), self.rng.randint(low, high)))
        return out

    def organizations(self) -> None:
        s = self.sizes
        for i, primary in enumerate(self.field_plan(s.enterprises)):
            fields = [primary]
            if self.rng.random() < 0.3:
                fields.append(self.pick([f for f in Field if f is not primary]))
            topics = self.topics_for(fields, 2, 3)
            self.enterprise(topics, force_verified=(i == 0))
        for i, primary in enumerate(self.field_plan(s.universities)):
            others = [f for f in Field if f is not primary]
            fields = [primary, *self.rng.sample(others, self.rng.randint(1, 2))]
            self.university(primary, self.topics_for(fields, 2, 3), force_verified=(i == 0))
        for primary in self.field_plan(s.institutes):
            fields = [primary]
            if self.rng.random() < 0.4:
                fields.append(self.pick([f for f in Field if f is not primary]))
            self.institute(primary, self.topics_for(fields, 2, 4))
        self.add_org("agency", OPERATIONS_CENTER, _CITY_INDEX["上海市"], "91", [],
                     _SENTENCES["operations_centre"].format(name=OPERATIONS_CENTER),
                     force_verified=True)
        self.names.add(OPERATIONS_CENTER)
        for _ in range(s.agencies - 1):
            self.agency()

    def enterprise(self, topics: list[Topic], force_verified: bool) -> None:
        ci = self.city()
        city = _CITIES[ci].city
        firm_topic = topics[0]
        brand_holder: list[str] = []

        def make() -> str:
            brand = self.brand()
            brand_holder[:] = [brand]
            firm = self.pick(firm_topic.firms)
            if not firm.endswith(_FIRM_ENDINGS):
                firm += _DEFAULT_FIRM_ENDING
            suffix = self.weighted(_COMPANY_SUFFIXES)
            return f"{_short_city(city)}{brand}{firm}{suffix}"

        name = self.unique_name(make)
        # Every value is drawn, in this order, whichever description is picked.
        fill = {"short": _SENTENCES["short_company"].format(brand=brand_holder[0]),
                "names": "、".join(t.name for t in topics[:2]),
                "apps": "、".join(self.rng.sample(firm_topic.apps, 2)),
                "objs": "、".join(self.rng.sample(firm_topic.objects, 2)),
                "founded": self.rng.randint(1996, 2021), "honour": self.pick(_HONOURS),
                "patents": self.rng.randint(8, 160), "province": _CITIES[ci].province,
                "province_honour": self.pick(_HONOURS), "years": self.rng.randint(5, 25),
                "staff": self.rng.randint(1, 30) * 50}
        description = self.pick(_SENTENCES["enterprise"]).format(**fill)
        self.add_org("enterprise", name, ci, "91", topics, description,
                     force_verified=force_verified)

    def brand(self) -> str:
        while True:
            brand = self.pick(_BRAND_A) + self.pick(_BRAND_B)
            if brand[0] != brand[1] and brand not in _BRAND_AVOID:
                return brand

    def stem_and_city(self) -> tuple[str, int]:
        stem, province = self.pick(_STEMS)
        if province is None:
            return stem, self.city()
        options = [i for i, c in enumerate(_CITIES) if c.province == province]
        return stem, self.rng.choices(options, weights=[_CITIES[i].weight for i in options])[0]

    def university(self, primary: Field, topics: list[Topic], force_verified: bool) -> None:
        holder: list[int] = []

        def make() -> str:
            stem, ci = self.stem_and_city()
            holder[:] = [ci]
            kinds = _UNIVERSITY_TYPES[None] + _UNIVERSITY_TYPES[primary] * 2
            return stem + self.pick(kinds)

        name = self.unique_name(make, lambda: [_SENTENCES["campus"].format(
            city=_short_city(_CITIES[holder[0]].city))])
        ci = holder[0]
        description = _SENTENCES["university"].format(
            name=name, province=_CITIES[ci].province, standing=self.pick(_UNIVERSITY_STANDINGS),
            names="、".join(t.name for t in topics[:2]), lab=self.pick(_LABS))
        self.add_org("university", name, ci, "12", topics, description,
                     force_verified=force_verified)

    def institute(self, primary: Field, topics: list[Topic]) -> None:
        holder: list[int] = []

        def make() -> str:
            stem, ci = self.stem_and_city()
            if self.rng.random() < 0.4:
                ci = self.city()
                stem = _short_city(_CITIES[ci].city)
            holder[:] = [ci]
            return stem + self.pick(_INSTITUTE_TYPES[primary])

        name = self.unique_name(make)
        ci = holder[0]
        fill = {"name": name, "names": "、".join(t.name for t in topics[:2]),
                "founded": self.rng.randint(1958, 2015), "province": _CITIES[ci].province,
                "spin_offs": self.rng.randint(5, 60)}
        description = self.pick(_SENTENCES["institute"]).format(**fill)
        self.add_org("institute", name, ci, "12", topics, description)

    def agency(self) -> None:
        holder: list[int] = []

        def make() -> str:
            ci = self.city()
            holder[:] = [ci]
            return _short_city(_CITIES[ci].city) + self.brand() + self.pick(_AGENCY_KINDS)

        name = self.unique_name(make)
        ci = holder[0]
        first = "52" if name.endswith("中心") else "91"
        description = _SENTENCES["agency"].format(name=name, province=_CITIES[ci].province,
                                                  brokers=self.rng.randint(4, 40))
        self.add_org("agency", name, ci, first, [], description)

    # ------------------------------------------------------------------ users
    def add_user(self, org_key: str, role: str, email: str | None = None) -> Item:
        self.user_count += 1
        n = self.user_count
        name, pinyin = self.person()
        user = {"key": f"user-{n:04d}", "email": email or f"{pinyin}.{n:04d}@{EMAIL_DOMAIN}",
                "name": name, "org_key": org_key, "role": role, "password": DEMO_PASSWORD}
        self.world.users.append(user)
        self.org_users[org_key].append(user["key"])
        return user

    def users(self) -> None:
        orgs = self.world.organizations
        first_enterprise = next(o for o in orgs if o["kind"] == "enterprise")
        first_university = next(o for o in orgs if o["kind"] == "university")
        centre = next(o for o in orgs if o["name"] == OPERATIONS_CENTER)
        self.add_user(first_enterprise["key"], "member", FIXED_ACCOUNTS["enterprise"])
        self.add_user(first_university["key"], "member", FIXED_ACCOUNTS["institute"])
        self.add_user(centre["key"], "operator", FIXED_ACCOUNTS["operator"])
        brokers_left = 5
        agencies = [o for o in orgs if o["kind"] == "agency" and o is not centre]
        for org in orgs:
            wanted = self.rng.choices((1, 2, 3), weights=(30, 45, 25))[0]
            if org is centre:
                wanted = self.rng.randint(2, 3)
                role = "operator"
            elif org["kind"] == "agency":
                role = "broker"
                remaining = len(agencies) - agencies.index(org) - 1
                wanted = max(wanted, min(3, brokers_left - 3 * remaining))
                brokers_left -= wanted
            else:
                role = "member"
            while len(self.org_users[org["key"]]) < wanted:
                self.add_user(org["key"], role)

    # ------------------------------------------------------------------ needs
    def needs(self) -> None:
        by_field: dict[Field, list[Item]] = defaultdict(list)
        for org in self.world.organizations:
            if org["kind"] == "enterprise":
                for f in {t.field for t in self.org_topics[org["key"]]}:
                    by_field[f].append(org)
        for f in sorted(by_field, key=list(Field).index):
            by_field[f].sort(key=lambda o: o["key"])
        for field in self.field_plan(self.sizes.needs):
            org = self.pick(by_field[field]) if by_field[field] else self.pick(
                [o for o in self.world.organizations if o["kind"] == "enterprise"])
            own = [t for t in self.org_topics[org["key"]] if t.field is field]
            topic = self.pick(own) if own and self.rng.random() < 0.85 else self.pick(
                TOPICS_BY_FIELD[field])
            self.need(org, topic)

    def need(self, org: Item, topic: Topic) -> None:
        rng = self.rng
        key = f"need-{len(self.world.needs) + 1:04d}"
        ctx = self.context(topic)
        title = self.title("need", org["key"], topic, topic.need_titles, ctx)
        fill = dict(ctx, year=str(rng.randint(1998, 2020)), province=org["province"],
                    emp=str(rng.randint(2, 40) * 50), rev=str(rng.randint(1, 30)),
                    pct=str(rng.randint(3, 12)), k=str(rng.randint(8, 120)),
                    n=str(rng.randint(2, 12)), x=str(rng.randint(3, 60) * 10),
                    d=str(rng.randint(3, 50) * 10), p=str(rng.randint(10, 120)),
                    q=str(rng.randint(2, 30)), level=self.pick(_CENTRE_LEVELS))
        pains = [p.format(**ctx) for p in rng.sample(topic.pains, len(topic.pains))]
        parts = pains[:2]
        if rng.random() < 0.75:
            parts.insert(0, self.pick(_NEED_OPENERS).format(**fill))
        closer = self.pick(_NEED_CLOSERS)
        if rng.random() < 0.75:
            parts.append(closer)
        problem = "".join(parts)
        extra = [*pains[2:], *(() if closer in parts else (closer,))]
        while len(problem) < 80 and extra:
            problem += extra.pop(0)
        while len(problem) > 300:
            parts.pop(0)
            problem = "".join(parts)
        specs = rng.sample(topic.specs, rng.randint(3, min(4, len(topic.specs))))
        indicators = "，".join(s.render(rng) for s in specs)
        if topic.reqs and rng.random() < 0.6:
            indicators += "；" + self.pick(topic.reqs)
        indicators += "。"
        basis_parts = [b.format(**fill) for b in rng.sample(_NEED_BASIS, rng.randint(1, 2))]
        basis = "".join(basis_parts)
        if len(basis) > 150:
            basis = basis_parts[0]
        if rng.random() < 0.25:
            budget_min = budget_max = None
        else:
            budget_min = self.money(((5, 50, 40), (30, 300, 42), (200, 1200, 18)))
            budget_max = min(Decimal(2000), _nice(float(budget_min) * self.pick((1, 1.5, 2, 2, 3))))
            budget_max = max(budget_max, budget_min)
        if rng.random() < 0.9:
            province, city = org["province"], org["city"]
        else:
            other = _CITIES[self.city()]
            province, city = other.province, other.city
        status = rng.choices(("published", "draft", "closed"), weights=(85, 8, 7))[0]
        valid_days = rng.choices((90, 180, 270, 365, 540, 720), weights=(10, 25, 10, 35, 10, 10))[0]
        if status == "draft":
            published: int | None = None
        elif status == "closed":
            published = rng.randint(30, 540)
        elif rng.random() < 0.92:  # still open
            published = rng.randint(0, min(540, valid_days - 1))
        else:  # published but past its validity: shows as expired
            published = rng.randint(valid_days, 540) if valid_days < 540 else 539
        need = {
            "key": key, "org_key": org["key"], "author_key": self.pick(self.org_users[org["key"]]),
            "title": title, "problem": problem, "indicators": indicators, "basis": basis,
            "field": topic.field.value, "subfield": topic.subfield,
            "keywords": self.keywords(topic, ctx),
            "budget_min_wan": budget_min, "budget_max_wan": budget_max,
            "modes": self.sample_modes(_NEED_MODE_WEIGHTS, 3),
            "province": province, "city": city, "valid_days": valid_days, "status": status,
            "show_org_name": rng.random() < 0.85, "published_days_ago": published,
        }
        self.world.needs.append(need)
        self.world.topic_of[key] = topic.key

    # ------------------------------------------------------------------ results
    def results(self) -> None:
        by_field: dict[Field, list[Item]] = defaultdict(list)
        institutions = [o for o in self.world.organizations
                        if o["kind"] in ("university", "institute")]
        for org in institutions:
            for f in {t.field for t in self.org_topics[org["key"]]}:
                by_field[f].append(org)
        for f in by_field:
            by_field[f].sort(key=lambda o: o["key"])
        for field in self.field_plan(self.sizes.results):
            org = self.pick(by_field[field]) if by_field[field] else self.pick(institutions)
            own = [t for t in self.org_topics[org["key"]] if t.field is field]
            topic = self.pick(own) if own and self.rng.random() < 0.9 else self.pick(
                TOPICS_BY_FIELD[field])
            self.result(org, topic)

    def result(self, org: Item, topic: Topic) -> None:
        rng = self.rng
        key = f"result-{len(self.world.results) + 1:04d}"
        ctx = self.context(topic)
        title = self.title("result", org["key"], topic, topic.result_titles, ctx)
        lead, _ = self.person()
        rank = self.pick(_RANKS[org["kind"]])
        form = self.pick(topic.forms)
        trl = self.weighted(_TRL_WEIGHTS)
        if form is ResultForm.SOFTWARE:
            trl = max(trl, 4)
        ip = self.ip_list(form)
        modes = self.sample_modes(_RESULT_MODE_WEIGHTS, 3)
        fill = dict(ctx, org=org["name"], lead=lead, rank=rank, years=str(rng.randint(3, 12)),
                    lab=self.pick(_LABS))
        methods = rng.sample(topic.methods, 2)
        specs = rng.sample(topic.specs, rng.randint(3, min(4, len(topic.specs))))
        parts = [
            self.pick(_RESULT_INTROS).format(**fill),
            _SENTENCES["result_features"].format(first=methods[0].format(**ctx),
                                                 second=methods[1].format(**ctx)),
            _SENTENCES["result_figures"].format(
                tested=self.pick(_TESTED_BY),
                figures="，".join(s.render(rng, better=True) for s in specs),
                level=self.pick(_RESULT_LEVELS)),
            self.stage(trl, ctx),
            _ip_sentence(ip),
            _SENTENCES["result_modes"].format(
                modes="、".join(MODE_LABELS[CooperationMode(m)] for m in modes)),
        ]
        summary = "".join(parts)
        if len(summary) > 500:
            summary = "".join(parts[:3] + parts[4:])
        team = _SENTENCES["team"].format(
            lead=lead, rank=rank, members=rng.randint(6, 30), seniors=rng.randint(2, 8),
            doctors=rng.randint(2, 12), topic=topic.name, projects=rng.randint(3, 25),
            papers=rng.randint(10, 120))
        contact = lead if rng.random() < 0.55 else self.person()[0]
        status = rng.choices(("published", "draft", "withdrawn"), weights=(90, 5, 5))[0]
        published = None if status == "draft" else (
            rng.randint(60, 720) if status == "withdrawn" else rng.randint(0, 720))
        price = None if rng.random() < 0.35 else self.money(
            ((10, 80, 45), (50, 400, 40), (300, 1500, 15)))
        result = {
            "key": key, "org_key": org["key"], "author_key": self.pick(self.org_users[org["key"]]),
            "title": title, "summary": summary, "field": topic.field.value,
            "subfield": topic.subfield, "keywords": self.keywords(topic, ctx), "form": form.value,
            "trl": trl, "ip": ip, "modes": modes, "price_wan": price, "team": team,
            "contact_name": contact, "contact_phone": self.phone(_CITIES[_CITY_INDEX[org["city"]]].area_code),
            "status": status, "published_days_ago": published,
        }
        self.world.results.append(result)
        self.world.topic_of[key] = topic.key

    def stage(self, trl: int, ctx: dict[str, str]) -> str:
        rng = self.rng
        stages = _SENTENCES["stages"]
        if trl <= 3:
            return str(stages["laboratory"])
        if trl <= 5:
            return stages["small_trial"].format(app=ctx["app"])
        if trl <= 7:
            return stages["pilot"].format(firms=rng.randint(2, 9))
        return stages["industrial"].format(clients=rng.randint(10, 200),
                                           output=rng.randint(2, 60) / 10)

    def ip_list(self, form: ResultForm) -> list[dict[str, str]]:
        rng = self.rng
        kinds: list[IPType] = []
        if form is ResultForm.SOFTWARE:
            kinds += [IPType.SOFTWARE_COPYRIGHT] * rng.randint(1, 3)
            if rng.random() < 0.4:
                kinds.append(IPType.INVENTION_PATENT)
        elif form is ResultForm.PLANT_VARIETY:
            kinds += [IPType.PLANT_VARIETY_RIGHT] * rng.randint(1, 2)
            if rng.random() < 0.3:
                kinds.append(IPType.INVENTION_PATENT)
        else:
            roll = rng.random()
            if roll < 0.05:
                return []
            if roll < 0.11:
                kinds.append(IPType.TRADE_SECRET)
            else:
                kinds += [IPType.INVENTION_PATENT] * rng.randint(1, 3)
                kinds += [IPType.UTILITY_MODEL] * rng.choice((0, 0, 1, 2))
                if form in (ResultForm.DEVICE, ResultForm.PRODUCT) and rng.random() < 0.12:
                    kinds.append(IPType.DESIGN_PATENT)
        return [{"type": k.value, "number": self.ip_number(k)} for k in kinds]

    # ------------------------------------------------------------------ solutions
    def solutions(self) -> None:
        rng = self.rng
        results_by: dict[tuple[str, str], list[Item]] = defaultdict(list)
        providers: dict[str, list[str]] = defaultdict(list)
        for res in self.world.results:
            topic_key = self.world.topic_of[res["key"]]
            if res["status"] == "published":
                results_by[(res["org_key"], topic_key)].append(res)
                if res["org_key"] not in providers[topic_key]:
                    providers[topic_key].append(res["org_key"])
        field_orgs: dict[str, list[str]] = defaultdict(list)
        for org in self.world.organizations:
            if org["kind"] in ("university", "institute"):
                for f in {t.field.value for t in self.org_topics[org["key"]]}:
                    field_orgs[f].append(org["key"])
        open_needs = [n for n in self.world.needs if n["status"] == "published"]
        rng.shuffle(open_needs)
        target = self.sizes.solutions
        made: set[tuple[str, str]] = set()
        accepted: set[str] = set()
        for fallback in (False, True):
            for need in open_needs:
                if len(self.world.solutions) >= target:
                    return
                topic_key = self.world.topic_of[need["key"]]
                pool = field_orgs[need["field"]] if fallback else providers.get(topic_key, [])
                pool = [o for o in pool if (need["key"], o) not in made]
                if not pool:
                    continue
                count = rng.choices((1, 2, 3), weights=(55, 30, 15))[0]
                for org_key in rng.sample(pool, min(count, len(pool))):
                    if len(self.world.solutions) >= target:
                        return
                    made.add((need["key"], org_key))
                    own = results_by.get((org_key, topic_key), [])
                    self.solution(need, org_key, own, accepted)

    def solution(self, need: Item, org_key: str, own: list[Item], accepted: set[str]) -> None:
        rng = self.rng
        topic = TOPIC_BY_KEY[self.world.topic_of[need["key"]]]
        key = f"solution-{len(self.world.solutions) + 1:04d}"
        submitted = rng.randint(0, need["published_days_ago"])
        usable = [r for r in own if r["published_days_ago"] >= submitted]
        cited = rng.sample(usable, min(len(usable), rng.choices((0, 1, 2), (20, 60, 20))[0]))
        ctx = self.context(topic)
        method = self.pick(topic.methods).format(**ctx).split("，")[0]
        spec = self.pick(topic.specs).render(rng, better=True)
        texts = _SENTENCES["solution"]
        if cited:
            basis = texts["basis_result"].format(title=cited[0]["title"])
        else:
            basis = texts["basis_research"].format(org=self.org_by_key[org_key]["name"],
                                                   topic=topic.name)
        summary = texts["summary"].format(need=need["title"], basis=basis, method=method,
                                          figure=spec)
        if len(summary) > 200:
            summary = texts["short_summary"].format(basis=basis, method=method)[:200]
        methods = rng.sample(topic.methods, 2)
        steps = [_STEPS[i].format(**ctx) for i in sorted(rng.sample(range(len(_STEPS)), 3))]
        approach = texts["approach"].format(
            first=methods[0].format(**ctx), second=methods[1].format(**ctx), steps=steps,
            acceptance=self.pick(_ACCEPTANCE).format(n=rng.randint(1, 6)))
        months = self.pick((6, 8, 10, 12, 12, 18, 24))
        a = max(1, months // 4)
        b = max(a + 1, months * 2 // 3)
        middle = self.pick(_MIDDLES.get(topic.forms[0], _DEFAULT_MIDDLES))
        timeline = texts["timeline"].format(months=months, a=a, a1=a + 1, b=b, b1=b + 1,
                                            middle=middle)
        lo, hi = need["budget_min_wan"], need["budget_max_wan"]
        if lo is not None and hi is not None:
            price: Decimal | None = _nice(rng.uniform(float(lo), float(hi)))
            price = min(max(price, lo), hi)
        elif rng.random() < 0.6:
            price = self.money(((10, 80, 50), (50, 300, 40), (200, 800, 10)))
        else:
            price = None
        status = rng.choices(("submitted", "shortlisted", "accepted", "declined"),
                             weights=(40, 25, 12, 23))[0]
        if status == "accepted":
            if need["key"] in accepted:
                status = "shortlisted"
            else:
                accepted.add(need["key"])
        solution = {
            "key": key, "need_key": need["key"], "org_key": org_key,
            "author_key": self.pick(self.org_users[org_key]), "summary": summary,
            "approach": approach, "result_keys": [r["key"] for r in cited], "price_wan": price,
            "timeline": timeline, "status": status, "submitted_days_ago": submitted,
        }
        self.world.solutions.append(solution)
        self.world.topic_of[key] = topic.key



def _org_code_check(body: str) -> str:
    """The check character of a national organisation code (GB 11714)."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum((int(ch) if ch.isdigit() else ord(ch) - 55) * w for ch, w in zip(body, weights, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def _patent_check(digits: str) -> str:
    """The check digit after the dot of a Chinese patent application number."""
    weights = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
    total = sum(int(d) * w for d, w in zip(digits, weights, strict=True))
    check = total % 11
    return "X" if check == 10 else str(check)


def _ip_sentence(ip: list[dict[str, str]]) -> str:
    texts = _SENTENCES["ip"]
    if not ip:
        return str(texts["pending"])
    counts = Counter(item["type"] for item in ip)  # in the order the rights are listed
    listed = [texts["counts"][t].format(n=n) for t, n in counts.items() if t in texts["counts"]]
    sentence = texts["held"].format(rights="、".join(listed)) if listed else ""
    if IPType.TRADE_SECRET.value in counts:
        sentence += texts["secret"]
    return str(sentence)


# Everything a template may refer to is checked once, at import.
assert all(t.subfield in SUBFIELDS[t.field] for bank in TOPICS_BY_FIELD.values() for t in bank)
assert len(PROVINCES) > 30 and all(c.province in PROVINCES for c in _CITIES)
