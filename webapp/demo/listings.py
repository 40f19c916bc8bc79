"""The demo's listings: needs, results and the solutions institutions send to needs.

A need and a result drawn from the same topic share its vocabulary; every listing's topic is
recorded in ``World.topic_of``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from decimal import Decimal

from models.taxonomy import MODE_LABELS, CooperationMode, Field, IPType, ResultForm

from . import vocabulary as v
from .draws import Draws
from .topics import TOPIC_BY_KEY, TOPICS_BY_FIELD, Topic
from .world import Item

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
# Chinese numerals for the phases of a title an organisation uses more than once.
_CN_NUM = "一二三四五六七八九十"
_TRL_WEIGHTS = {1: 2, 2: 3, 3: 8, 4: 14, 5: 18, 6: 20, 7: 16, 8: 12, 9: 7}


def _nice(value: float) -> Decimal:
    """Round an amount in 万元 the way people write budgets: 7.5, 35, 120, 1500."""
    if value < 20:
        return Decimal(str(round(value * 2) / 2)).normalize()
    step = 5 if value < 100 else 10 if value < 1000 else 50
    return Decimal(int(round(value / step) * step))


class Listings(Draws):
    """Draws the needs, the results and the solutions, each kind in turn."""

    def needs(self) -> None:
        """The needs, by field in the target proportions, from enterprises in that field."""
        for org, topic in self.makers_and_topics(self.sizes.needs, ("enterprise",), 0.85):
            self.need(org, topic)

    def makers_and_topics(self, count: int, kinds: tuple[str, ...],
                          own_topic_share: float) -> Iterator[tuple[Item, Topic]]:
        """``count`` listings' organisations (of ``kinds``) and topics: fields in the target
        proportions, an organisation working in the field, mostly on one of its own topics."""
        makers = [o for o in self.world.organizations if o["kind"] in kinds]
        by_field: dict[Field, list[Item]] = defaultdict(list)
        for org in makers:
            for f in {t.field for t in self.org_topics[org["key"]]}:
                by_field[f].append(org)
        for orgs in by_field.values():
            orgs.sort(key=lambda o: o["key"])
        for field in self.field_plan(count):
            org = self.pick(by_field[field] or makers)
            own = [t for t in self.org_topics[org["key"]] if t.field is field]
            topic = self.pick(own) if own and self.rng.random() < own_topic_share else self.pick(
                TOPICS_BY_FIELD[field])
            yield org, topic

    def need(self, org: Item, topic: Topic) -> None:
        """One need of ``org`` on ``topic``."""
        rng = self.rng
        key = f"need-{len(self.world.needs) + 1:04d}"
        ctx = self.context(topic)
        title = self.title("need", org["key"], topic, topic.need_titles, ctx)
        fill = dict(ctx, year=str(rng.randint(1998, 2020)), province=org["province"],
                    emp=str(rng.randint(2, 40) * 50), rev=str(rng.randint(1, 30)),
                    pct=str(rng.randint(3, 12)), k=str(rng.randint(8, 120)),
                    n=str(rng.randint(2, 12)), x=str(rng.randint(3, 60) * 10),
                    d=str(rng.randint(3, 50) * 10), p=str(rng.randint(10, 120)),
                    q=str(rng.randint(2, 30)), level=self.pick(v.CENTRE_LEVELS))
        pains = [p.format(**ctx) for p in rng.sample(topic.pains, len(topic.pains))]
        parts = pains[:2]
        if rng.random() < 0.75:
            parts.insert(0, self.pick(v.NEED_OPENERS).format(**fill))
        closer = self.pick(v.NEED_CLOSERS)
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
        basis_parts = [b.format(**fill) for b in rng.sample(v.NEED_BASIS, rng.randint(1, 2))]
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
            other = v.CITIES[self.city()]
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

    def results(self) -> None:
        """The results, by field in the target proportions, from institutions in that field."""
        for org, topic in self.makers_and_topics(self.sizes.results, ("university", "institute"),
                                                 0.9):
            self.result(org, topic)

    def result(self, org: Item, topic: Topic) -> None:
        """One result of ``org`` on ``topic``."""
        rng = self.rng
        key = f"result-{len(self.world.results) + 1:04d}"
        ctx = self.context(topic)
        title = self.title("result", org["key"], topic, topic.result_titles, ctx)
        lead, _ = self.person()
        rank = self.pick(v.RANKS[org["kind"]])
        form = self.pick(topic.forms)
        trl = self.weighted(_TRL_WEIGHTS)
        if form is ResultForm.SOFTWARE:
            trl = max(trl, 4)
        ip = self.ip_list(form)
        modes = self.sample_modes(_RESULT_MODE_WEIGHTS, 3)
        fill = dict(ctx, org=org["name"], lead=lead, rank=rank, years=str(rng.randint(3, 12)),
                    lab=self.pick(v.LABS))
        methods = rng.sample(topic.methods, 2)
        specs = rng.sample(topic.specs, rng.randint(3, min(4, len(topic.specs))))
        parts = [
            self.pick(v.RESULT_INTROS).format(**fill),
            v.SENTENCES["result_features"].format(first=methods[0].format(**ctx),
                                                 second=methods[1].format(**ctx)),
            v.SENTENCES["result_figures"].format(
                tested=self.pick(v.TESTED_BY),
                figures="，".join(s.render(rng, better=True) for s in specs),
                level=self.pick(v.RESULT_LEVELS)),
            self.stage(trl, ctx),
            _ip_sentence(ip),
            v.SENTENCES["result_modes"].format(
                modes="、".join(MODE_LABELS[CooperationMode(m)] for m in modes)),
        ]
        summary = "".join(parts)
        if len(summary) > 500:
            summary = "".join(parts[:3] + parts[4:])
        team = v.SENTENCES["team"].format(
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
            "contact_name": contact,
            "contact_phone": self.phone(v.CITIES[v.CITY_INDEX[org["city"]]].area_code),
            "status": status, "published_days_ago": published,
        }
        self.world.results.append(result)
        self.world.topic_of[key] = topic.key

    def stage(self, trl: int, ctx: dict[str, str]) -> str:
        """The sentence saying how far a result at ``trl`` has come."""
        rng = self.rng
        stages = v.SENTENCES["stages"]
        if trl <= 3:
            return str(stages["laboratory"])
        if trl <= 5:
            return stages["small_trial"].format(app=ctx["app"])
        if trl <= 7:
            return stages["pilot"].format(firms=rng.randint(2, 9))
        return stages["industrial"].format(clients=rng.randint(10, 200),
                                           output=rng.randint(2, 60) / 10)

    def ip_list(self, form: ResultForm) -> list[dict[str, str]]:
        """The intellectual property a result of ``form`` holds."""
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

    def ip_number(self, kind: IPType) -> str:
        """A new, well-formed number for a right of ``kind``."""
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

    def solutions(self) -> None:
        """Solutions to open needs, from institutions with results on the topic, then any."""
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
        """One solution from ``org_key`` to ``need``, citing some of ``own`` results."""
        rng = self.rng
        topic = TOPIC_BY_KEY[self.world.topic_of[need["key"]]]
        key = f"solution-{len(self.world.solutions) + 1:04d}"
        submitted = rng.randint(0, need["published_days_ago"])
        usable = [r for r in own if r["published_days_ago"] >= submitted]
        cited = rng.sample(usable, min(len(usable), rng.choices((0, 1, 2), (20, 60, 20))[0]))
        ctx = self.context(topic)
        method = self.pick(topic.methods).format(**ctx).split("，")[0]
        spec = self.pick(topic.specs).render(rng, better=True)
        texts = v.SENTENCES["solution"]
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
        steps = [v.STEPS[i].format(**ctx) for i in sorted(rng.sample(range(len(v.STEPS)), 3))]
        approach = texts["approach"].format(
            first=methods[0].format(**ctx), second=methods[1].format(**ctx), steps=steps,
            acceptance=self.pick(v.ACCEPTANCE).format(n=rng.randint(1, 6)))
        months = self.pick((6, 8, 10, 12, 12, 18, 24))
        a = max(1, months // 4)
        b = max(a + 1, months * 2 // 3)
        middle = self.pick(v.MIDDLES.get(topic.forms[0], v.DEFAULT_MIDDLES))
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

    def context(self, topic: Topic) -> dict[str, str]:
        """Two objects, terms and applications of ``topic`` for a listing's templates."""
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
                text = v.SENTENCES["phase"].format(title=fallback or topic.name, phase=phase)
                n += 1
        seen.add(text)
        self.org_titles.add((org_key, text))
        return text

    def keywords(self, topic: Topic, ctx: dict[str, str]) -> list[str]:
        """Up to six keywords: the context's terms, more of the topic's, maybe the object."""
        words = [w for w in (ctx["term"], ctx["term2"]) if " " not in w]
        others = [t for t in topic.terms if t not in words and " " not in t]
        words += self.rng.sample(others, min(len(others), self.rng.randint(1, 3)))
        if self.rng.random() < 0.4 and " " not in ctx["obj"] and len(ctx["obj"]) <= 12:
            words.append(ctx["obj"])
        return words[:6]

    def sample_modes(self, weights: dict[CooperationMode, int], most: int) -> list[str]:
        """One to ``most`` different cooperation modes, by ``weights``."""
        k = self.rng.choices((1, 2, 3), weights=(45, 40, 15))[0]
        pool = dict(weights)
        chosen: list[CooperationMode] = []
        while pool and len(chosen) < min(k, most):
            mode = self.weighted(pool)
            chosen.append(mode)
            del pool[mode]
        return [m.value for m in chosen]

    def money(self, tiers: Sequence[tuple[float, float, float]]) -> Decimal:
        """An amount in 万元 from one of the ``(low, high, weight)`` tiers, written plainly."""
        lo, hi = self.rng.choices([(t[0], t[1]) for t in tiers], weights=[t[2] for t in tiers])[0]
        return _nice(self.rng.uniform(lo, hi))


def _patent_check(digits: str) -> str:
    """The check digit after the dot of a Chinese patent application number."""
    weights = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
    total = sum(int(d) * w for d, w in zip(digits, weights, strict=True))
    check = total % 11
    return "X" if check == 10 else str(check)


def _ip_sentence(ip: list[dict[str, str]]) -> str:
    texts = v.SENTENCES["ip"]
    if not ip:
        return str(texts["pending"])
    counts = Counter(item["type"] for item in ip)  # in the order the rights are listed
    listed = [texts["counts"][t].format(n=n) for t, n in counts.items() if t in texts["counts"]]
    sentence = texts["held"].format(rights="、".join(listed)) if listed else ""
    if IPType.TRADE_SECRET.value in counts:
        sentence += texts["secret"]
    return str(sentence)
