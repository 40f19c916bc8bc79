"""The state a world is built in and the random draws every part of it uses."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import TypeVar

from models.taxonomy import Field

from . import vocabulary as v
from .topics import Topic
from .world import Item, Sizes, World

T = TypeVar("T")

# Fields get listings in these proportions (every field keeps well over 25 per 320).
_FIELD_WEIGHTS: dict[Field, float] = {
    Field.ELECTRONIC_INFORMATION: 1.35, Field.ADVANCED_MANUFACTURING: 1.3,
    Field.NEW_ENERGY: 1.2, Field.NEW_MATERIALS: 1.05, Field.BIO_MEDICINE: 1.05,
    Field.RESOURCES_ENVIRONMENT: 0.9, Field.HIGH_TECH_SERVICES: 0.8, Field.AEROSPACE: 0.75,
}


class Draws:
    """A world being built; every random draw goes through ``self.rng`` in a fixed order."""

    def __init__(self, seed: int, sizes: Sizes) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.sizes = sizes
        self.world = World()
        self.names: set[str] = set()
        self.credit_codes: set[str] = set()
        self.ip_numbers: set[str] = set()
        self.user_count = 0
        self.org_topics: dict[str, list[Topic]] = {}
        self.org_users: dict[str, list[str]] = defaultdict(list)
        self.org_by_key: dict[str, Item] = {}
        self.titles: dict[str, set[str]] = {"need": set(), "result": set()}
        self.org_titles: set[tuple[str, str]] = set()

    def pick(self, items: Sequence[T]) -> T:
        """One of ``items``, uniformly."""
        return items[self.rng.randrange(len(items))]

    def weighted(self, weights: Mapping[T, float]) -> T:
        """One key of ``weights``, as likely as its weight."""
        keys = list(weights)
        return self.rng.choices(keys, weights=[weights[k] for k in keys])[0]

    def city(self) -> int:
        """The index of a city in ``vocabulary.CITIES``, by the cities' weights."""
        return self.rng.choices(range(len(v.CITIES)), weights=v.CITY_WEIGHTS)[0]

    def person(self) -> tuple[str, str]:
        """A Chinese name and its pinyin as ``surname.given``."""
        sur, sur_py = self.pick(v.SURNAMES)
        given, given_py = self.pick(v.GIVEN_NAMES)
        if self.rng.random() < 0.6:
            g2, g2_py = self.pick(v.GIVEN_NAMES)
            if g2 != given:
                given, given_py = given + g2, given_py + g2_py
        return sur + given, f"{sur_py}.{given_py}"

    def phone(self, area: str) -> str:
        """A landline in the city with area code ``area``, or a mobile number."""
        if self.rng.random() < 0.6:
            return f"{area}-{self.rng.randint(5, 8)}{self.rng.randrange(10 ** 7):07d}"
        prefix = self.pick(v.MOBILE_PREFIXES)
        return f"{prefix}{self.rng.randint(0, 9)}{self.rng.randrange(10 ** 8):08d}"

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
