"""The demo's organisations (enterprises, universities, institutes, agencies) and their users."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from models.taxonomy import Field
from models.validators import CREDIT_CODE_ALPHABET, credit_code_check_char

from . import vocabulary as v
from .draws import Draws
from .topics import TOPICS_BY_FIELD, Topic
from .world import DEMO_PASSWORD, EMAIL_DOMAIN, FIXED_ACCOUNTS, OPERATIONS_CENTER, Item


class Organizations(Draws):
    """Draws the organisations, then their members."""

    def organizations(self) -> None:
        """Enterprises, universities, institutes, the operations centre and agencies."""
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
        self.add_org("agency", OPERATIONS_CENTER, v.CITY_INDEX["上海市"], "91", [],
                     v.SENTENCES["operations_centre"].format(name=OPERATIONS_CENTER),
                     force_verified=True)
        self.names.add(OPERATIONS_CENTER)
        for _ in range(s.agencies - 1):
            self.agency()

    def add_org(self, kind: str, name: str, city_index: int, code_first: str,
                topics: list[Topic], description: str, *, force_verified: bool = False) -> Item:
        """Record an organisation, with a credit code (usually) and whether it is verified."""
        place = v.CITIES[city_index]
        key = f"org-{len(self.world.organizations) + 1:04d}"
        has_code = force_verified or self.rng.random() < 0.8
        code = self.credit_code(code_first, place.divisions, name) if has_code else None
        verified = force_verified or self.rng.random() < (0.93 if has_code else 0.3)
        org = {"key": key, "name": name, "kind": kind, "province": place.province, "city": place.city,
               "credit_code": code, "verified": verified, "description": description}
        self.world.organizations.append(org)
        self.org_by_key[key] = org
        self.org_topics[key] = topics
        return org

    def topics_for(self, fields: list[Field], low: int, high: int) -> list[Topic]:
        """Between ``low`` and ``high`` topics of each of ``fields``."""
        out: list[Topic] = []
        for f in fields:
            bank = TOPICS_BY_FIELD[f]
            out += self.rng.sample(bank, min(len(bank), self.rng.randint(low, high)))
        return out

    def enterprise(self, topics: list[Topic], force_verified: bool) -> None:
        """An enterprise working on ``topics``, named after its city, brand and business."""
        ci = self.city()
        city = v.CITIES[ci].city
        firm_topic = topics[0]
        brand_holder: list[str] = []

        def make() -> str:
            brand = self.brand()
            brand_holder[:] = [brand]
            firm = self.pick(firm_topic.firms)
            if not firm.endswith(v.FIRM_ENDINGS):
                firm += v.DEFAULT_FIRM_ENDING
            suffix = self.weighted(v.COMPANY_SUFFIXES)
            return f"{_short_city(city)}{brand}{firm}{suffix}"

        name = self.unique_name(make)
        # Every value is drawn, in this order, whichever description is picked.
        fill = {"short": v.SENTENCES["short_company"].format(brand=brand_holder[0]),
                "names": "、".join(t.name for t in topics[:2]),
                "apps": "、".join(self.rng.sample(firm_topic.apps, 2)),
                "objs": "、".join(self.rng.sample(firm_topic.objects, 2)),
                "founded": self.rng.randint(1996, 2021), "honour": self.pick(v.HONOURS),
                "patents": self.rng.randint(8, 160), "province": v.CITIES[ci].province,
                "province_honour": self.pick(v.HONOURS), "years": self.rng.randint(5, 25),
                "staff": self.rng.randint(1, 30) * 50}
        description = self.pick(v.SENTENCES["enterprise"]).format(**fill)
        self.add_org("enterprise", name, ci, "91", topics, description,
                     force_verified=force_verified)

    def brand(self) -> str:
        """An invented two-character brand."""
        while True:
            brand = self.pick(v.BRAND_FIRST) + self.pick(v.BRAND_SECOND)
            if brand[0] != brand[1] and brand not in v.BRAND_AVOID:
                return brand

    def stem_and_city(self) -> tuple[str, int]:
        """A name stem and the index of a city in its province (any city if it has none)."""
        stem, province = self.pick(v.STEMS)
        if province is None:
            return stem, self.city()
        options = [i for i, c in enumerate(v.CITIES) if c.province == province]
        return stem, self.rng.choices(options, weights=[v.CITIES[i].weight for i in options])[0]

    def university(self, primary: Field, topics: list[Topic], force_verified: bool) -> None:
        """A university strong in ``primary`` and working on ``topics``."""
        holder: list[int] = []

        def make() -> str:
            stem, ci = self.stem_and_city()
            holder[:] = [ci]
            kinds = v.UNIVERSITY_TYPES[None] + v.UNIVERSITY_TYPES[primary] * 2
            return stem + self.pick(kinds)

        name = self.unique_name(make, lambda: [v.SENTENCES["campus"].format(
            city=_short_city(v.CITIES[holder[0]].city))])
        ci = holder[0]
        description = v.SENTENCES["university"].format(
            name=name, province=v.CITIES[ci].province, standing=self.pick(v.UNIVERSITY_STANDINGS),
            names="、".join(t.name for t in topics[:2]), lab=self.pick(v.LABS))
        self.add_org("university", name, ci, "12", topics, description,
                     force_verified=force_verified)

    def institute(self, primary: Field, topics: list[Topic]) -> None:
        """A research institute in ``primary`` working on ``topics``."""
        holder: list[int] = []

        def make() -> str:
            stem, ci = self.stem_and_city()
            if self.rng.random() < 0.4:
                ci = self.city()
                stem = _short_city(v.CITIES[ci].city)
            holder[:] = [ci]
            return stem + self.pick(v.INSTITUTE_TYPES[primary])

        name = self.unique_name(make)
        ci = holder[0]
        fill = {"name": name, "names": "、".join(t.name for t in topics[:2]),
                "founded": self.rng.randint(1958, 2015), "province": v.CITIES[ci].province,
                "spin_offs": self.rng.randint(5, 60)}
        description = self.pick(v.SENTENCES["institute"]).format(**fill)
        self.add_org("institute", name, ci, "12", topics, description)

    def agency(self) -> None:
        """A technology transfer agency."""
        holder: list[int] = []

        def make() -> str:
            ci = self.city()
            holder[:] = [ci]
            return _short_city(v.CITIES[ci].city) + self.brand() + self.pick(v.AGENCY_KINDS)

        name = self.unique_name(make)
        ci = holder[0]
        first = "52" if name.endswith("中心") else "91"
        description = v.SENTENCES["agency"].format(name=name, province=v.CITIES[ci].province,
                                                  brokers=self.rng.randint(4, 40))
        self.add_org("agency", name, ci, first, [], description)

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

    def users(self) -> None:
        """The fixed demo accounts, then one to three members per organisation."""
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

    def add_user(self, org_key: str, role: str, email: str | None = None) -> Item:
        """A user of ``org_key`` with ``role``; an e-mail address from the name unless given."""
        self.user_count += 1
        n = self.user_count
        name, pinyin = self.person()
        user = {"key": f"user-{n:04d}", "email": email or f"{pinyin}.{n:04d}@{EMAIL_DOMAIN}",
                "name": name, "org_key": org_key, "role": role, "password": DEMO_PASSWORD}
        self.world.users.append(user)
        self.org_users[org_key].append(user["key"])
        return user


def _short_city(city: str) -> str:
    return city[:-1] if city.endswith("市") else city


def _org_code_check(body: str) -> str:
    """The check character of a national organisation code (GB 11714)."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum((int(ch) if ch.isdigit() else ord(ch) - 55) * w for ch, w in zip(body, weights, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)
