"""The demo-data generator: determinism, counts, vocabularies, formats and referential integrity."""

from __future__ import annotations

import random
import re
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

from models.taxonomy import PROVINCES, SUBFIELDS, CooperationMode, Field, IPType, ResultForm
from models.validators import is_valid_credit_code
from webapp.demo.corpus import build_world
from webapp.demo.topics import PLACEHOLDERS, TOPIC_BY_KEY, TOPICS, TOPICS_BY_FIELD
from webapp.demo.world import (
    DEMO_PASSWORD,
    FIXED_ACCOUNTS,
    INNOMATCH_SIZES,
    OPERATIONS_CENTER,
    Sizes,
    World,
)

FIELDS = {f.value for f in Field}
MODES = {m.value for m in CooperationMode}
FORMS = {f.value for f in ResultForm}
IP_TYPES = {t.value for t in IPType}


@pytest.fixture(scope="module")
def world() -> World:
    return build_world()


@pytest.fixture(scope="module")
def big_worlds() -> list[World]:
    return [build_world(scale=30), build_world(sizes=INNOMATCH_SIZES)]


def by_key(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["key"]: item for item in items}


# ------------------------------------------------------------------ determinism and counts

def test_same_seed_same_world() -> None:
    assert build_world(7) == build_world(7)
    assert build_world(7, scale=0.5) == build_world(7, scale=0.5)


def test_different_seed_different_world() -> None:
    a, b = build_world(1), build_world(2)
    assert [n["title"] for n in a.needs] != [n["title"] for n in b.needs]


def test_generation_leaves_global_random_alone() -> None:
    random.seed(99)
    expected = random.random()
    random.seed(99)
    build_world(3, scale=0.2)
    assert random.random() == expected


def test_counts_at_scale_one(world: World) -> None:
    kinds = Counter(o["kind"] for o in world.organizations)
    assert len(world.organizations) >= 64
    assert kinds["enterprise"] >= 36
    assert kinds["university"] >= 12
    assert kinds["institute"] >= 10
    assert kinds["agency"] >= 4
    assert len(world.needs) >= 320
    assert len(world.results) >= 320
    assert 50 <= len(world.solutions) <= 70
    assert world.counts()["users"] == len(world.users)


def test_every_field_has_needs_and_results(world: World) -> None:
    needs = Counter(n["field"] for n in world.needs)
    results = Counter(r["field"] for r in world.results)
    for f in FIELDS:
        assert needs[f] >= 25, f
        assert results[f] >= 25, f


def test_topic_banks_cover_every_field() -> None:
    assert len({t.key for t in TOPICS}) == len(TOPICS)
    for f in Field:
        assert 6 <= len(TOPICS_BY_FIELD[f]) <= 10, f
        assert all(t.subfield in SUBFIELDS[f] for t in TOPICS_BY_FIELD[f])


def test_most_topics_have_both_needs_and_results(world: World) -> None:
    need_topics = {world.topic_of[n["key"]] for n in world.needs}
    result_topics = {world.topic_of[r["key"]] for r in world.results}
    assert len(need_topics & result_topics) >= 0.8 * len(TOPICS)


def test_scale_three_roughly_triples(world: World) -> None:
    big = build_world(scale=3)
    for name, n in world.counts().items():
        assert 2.6 * n <= big.counts()[name] <= 3.4 * n, name


def test_big_worlds_are_sized(big_worlds: list[World]) -> None:
    big, platform = big_worlds
    assert len(big.needs) >= 30 * 320
    counts = platform.counts()
    assert counts["needs"] == 6600
    assert counts["results"] == 4600
    assert counts["solutions"] == 3000
    assert 18_000 <= counts["users"] <= 22_000


def test_sizes_keep_the_essentials_at_tiny_scales() -> None:
    tiny = build_world(scale=0.01)
    kinds = Counter(o["kind"] for o in tiny.organizations)
    assert kinds["enterprise"] and kinds["university"] and kinds["institute"]
    assert Counter(u["role"] for u in tiny.users)["broker"] >= 5
    with pytest.raises(ValueError, match="positive"):
        Sizes().scaled(0)


# ------------------------------------------------------------------ users

def test_fixed_demo_accounts_come_first(world: World) -> None:
    orgs = by_key(world.organizations)
    first = world.users[:3]
    assert [u["email"] for u in first] == list(FIXED_ACCOUNTS.values())
    assert orgs[first[0]["org_key"]]["kind"] == "enterprise" and first[0]["role"] == "member"
    assert orgs[first[1]["org_key"]]["kind"] == "university" and first[1]["role"] == "member"
    assert orgs[first[2]["org_key"]]["name"] == OPERATIONS_CENTER
    assert first[2]["role"] == "operator"
    assert all(u["password"] == DEMO_PASSWORD for u in world.users)


def test_roles_and_memberships(world: World) -> None:
    orgs = by_key(world.organizations)
    members = Counter(u["org_key"] for u in world.users)
    assert all(1 <= members[o["key"]] <= 3 for o in world.organizations)
    roles = Counter(u["role"] for u in world.users)
    assert roles["member"] and roles["broker"] >= 5 and roles["operator"] >= 2
    for user in world.users:
        org = orgs[user["org_key"]]
        if user["role"] == "broker":
            assert org["kind"] == "agency" and org["name"] != OPERATIONS_CENTER
        if user["role"] == "operator":
            assert org["name"] == OPERATIONS_CENTER


def test_emails_are_unique_lowercase_ascii(world: World) -> None:
    emails = [u["email"] for u in world.users]
    assert len(set(emails)) == len(emails)
    for email in emails:
        assert re.fullmatch(r"[a-z0-9.]+@demo\.innomatch\.cn", email), email
    assert all(re.fullmatch(r"[\u4e00-\u9fff]{2,3}", u["name"]) for u in world.users)


# ------------------------------------------------------------------ organisations

def test_organisations(world: World) -> None:
    names = [o["name"] for o in world.organizations]
    assert len(set(names)) == len(names)
    for org in world.organizations:
        assert org["province"] in PROVINCES
        assert org["city"]
        assert 30 <= len(org["description"]) <= 120, org["description"]
        assert isinstance(org["verified"], bool)
    assert sum(o["name"] == OPERATIONS_CENTER for o in world.organizations) == 1


def test_credit_codes(world: World) -> None:
    codes = [o["credit_code"] for o in world.organizations if o["credit_code"] is not None]
    assert len(set(codes)) == len(codes)
    assert 0.05 <= 1 - len(codes) / len(world.organizations) <= 0.35
    assert 0.65 <= sum(o["verified"] for o in world.organizations) / len(world.organizations) <= 0.95
    first_char = {"enterprise": "9", "university": "1", "institute": "1", "agency": "59"}
    for org in world.organizations:
        code = org["credit_code"]
        if code is None:
            continue
        assert is_valid_credit_code(code), code
        assert code[0] in first_char[org["kind"]]
        assert code[2:8].isdigit()


# ------------------------------------------------------------------ needs

def test_needs(world: World) -> None:
    orgs, users = by_key(world.organizations), by_key(world.users)
    for need in world.needs:
        assert orgs[need["org_key"]]["kind"] == "enterprise"
        assert users[need["author_key"]]["org_key"] == need["org_key"]
        assert need["field"] in FIELDS
        assert need["subfield"] in SUBFIELDS[Field(need["field"])]
        assert TOPIC_BY_KEY[world.topic_of[need["key"]]].field.value == need["field"]
        assert 8 <= len(need["title"]) <= 40, need["title"]
        assert 80 <= len(need["problem"]) <= 300, need["problem"]
        assert 30 <= len(need["basis"]) <= 150, need["basis"]
        assert re.search(r"[≤≥<>±]\d", need["indicators"]), need["indicators"]
        assert 2 <= len(need["keywords"]) <= 6
        assert all(isinstance(k, str) and k and not re.search(r"\s", k) for k in need["keywords"])
        assert need["modes"] and set(need["modes"]) <= MODES
        assert len(set(need["modes"])) == len(need["modes"])
        assert need["province"] in PROVINCES and need["city"]
        assert 90 <= need["valid_days"] <= 720
        assert isinstance(need["show_org_name"], bool)
        if need["status"] == "draft":
            assert need["published_days_ago"] is None
        else:
            assert need["status"] in ("published", "closed")
            assert 0 <= need["published_days_ago"] <= 540


def test_budgets(world: World) -> None:
    negotiable = 0
    for need in world.needs:
        lo, hi = need["budget_min_wan"], need["budget_max_wan"]
        if lo is None or hi is None:
            assert lo is None and hi is None
            negotiable += 1
            continue
        assert isinstance(lo, Decimal) and isinstance(hi, Decimal)
        assert Decimal(5) <= lo <= hi <= Decimal(2000)
        for value in (lo, hi):
            exponent = value.as_tuple().exponent
            assert isinstance(exponent, int) and exponent >= -2
    assert 0.15 <= negotiable / len(world.needs) <= 0.35


def test_need_statuses(world: World) -> None:
    statuses = Counter(n["status"] for n in world.needs)
    assert 0.78 <= statuses["published"] / len(world.needs) <= 0.92
    assert statuses["draft"] and statuses["closed"]
    shown = sum(n["show_org_name"] for n in world.needs) / len(world.needs)
    assert 0.75 <= shown <= 0.95


# ------------------------------------------------------------------ results

def test_results(world: World) -> None:
    orgs, users = by_key(world.organizations), by_key(world.users)
    for result in world.results:
        assert orgs[result["org_key"]]["kind"] in ("university", "institute")
        assert users[result["author_key"]]["org_key"] == result["org_key"]
        assert result["field"] in FIELDS
        assert result["subfield"] in SUBFIELDS[Field(result["field"])]
        assert 8 <= len(result["title"]) <= 40, result["title"]
        assert 150 <= len(result["summary"]) <= 500, result["summary"]
        assert result["team"] and result["contact_name"]
        assert re.fullmatch(r"0\d{2,3}-[5-8]\d{7}|1[3-9]\d{9}", result["contact_phone"])
        assert result["form"] in FORMS
        assert 1 <= result["trl"] <= 9
        assert result["modes"] and set(result["modes"]) <= MODES
        assert 2 <= len(result["keywords"]) <= 6
        price = result["price_wan"]
        assert price is None or (isinstance(price, Decimal) and price > 0)
        if result["status"] == "draft":
            assert result["published_days_ago"] is None
        else:
            assert result["status"] in ("published", "withdrawn")
            assert 0 <= result["published_days_ago"] <= 720
    published = sum(r["status"] == "published" for r in world.results) / len(world.results)
    assert 0.84 <= published <= 0.96


def test_intellectual_property(world: World) -> None:
    shapes = {
        "invention_patent": r"ZL20\d{2}1\d{7}\.[\dX]",
        "utility_model": r"ZL20\d{2}2\d{7}\.[\dX]",
        "design_patent": r"ZL20\d{2}3\d{7}\.[\dX]",
        "software_copyright": r"20\d{2}SR\d{7}",
        "plant_variety_right": r"CNA20\d{6}\.\d",
        "trade_secret": r"JM-20\d{2}-\d{3}",
    }
    numbers = []
    for result in world.results:
        for ip in result["ip"]:
            assert ip["type"] in IP_TYPES
            assert re.fullmatch(shapes[ip["type"]], ip["number"]), ip
            numbers.append(ip["number"])
    assert len(set(numbers)) == len(numbers)
    assert {"invention_patent", "software_copyright"} <= {
        ip["type"] for r in world.results for ip in r["ip"]}


# ------------------------------------------------------------------ solutions

def test_solutions(world: World) -> None:
    orgs, users = by_key(world.organizations), by_key(world.users)
    needs, results = by_key(world.needs), by_key(world.results)
    pairs = set()
    accepted: Counter[str] = Counter()
    for sol in world.solutions:
        need = needs[sol["need_key"]]
        assert need["status"] == "published"
        assert orgs[sol["org_key"]]["kind"] in ("university", "institute")
        assert users[sol["author_key"]]["org_key"] == sol["org_key"]
        assert 40 <= len(sol["summary"]) <= 200, sol["summary"]
        assert 80 <= len(sol["approach"]) <= 400, sol["approach"]
        assert re.match(r"\d+个月：", sol["timeline"])
        assert sol["status"] in ("submitted", "shortlisted", "accepted", "declined")
        assert 0 <= sol["submitted_days_ago"] <= need["published_days_ago"]
        assert len(sol["result_keys"]) <= 2
        for key in sol["result_keys"]:
            result = results[key]
            assert result["org_key"] == sol["org_key"]
            assert result["status"] == "published"
            assert result["published_days_ago"] >= sol["submitted_days_ago"]
        pairs.add((sol["need_key"], sol["org_key"]))
        accepted[sol["need_key"]] += sol["status"] == "accepted"
        lo, hi = need["budget_min_wan"], need["budget_max_wan"]
        if lo is not None and sol["price_wan"] is not None:
            assert lo <= sol["price_wan"] <= hi
    assert len(pairs) == len(world.solutions)
    assert max(accepted.values()) <= 1


def test_solutions_fit_the_institution(world: World) -> None:
    """A solution answers a need on a topic the institution has published results on."""
    topics_of_org: dict[str, set[str]] = {}
    for result in world.results:
        topics_of_org.setdefault(result["org_key"], set()).add(world.topic_of[result["key"]])
    fitting = 0
    for sol in world.solutions:
        topic = world.topic_of[sol["need_key"]]
        assert world.topic_of[sol["key"]] == topic
        fitting += topic in topics_of_org.get(sol["org_key"], set())
        for key in sol["result_keys"]:
            assert world.topic_of[key] == topic
    assert fitting >= 0.9 * len(world.solutions)
    assert sum(bool(s["result_keys"]) for s in world.solutions) >= 0.5 * len(world.solutions)


# ------------------------------------------------------------------ texts for the matcher

def test_needs_and_results_on_one_topic_share_vocabulary(world: World) -> None:
    texts: dict[str, dict[str, list[str]]] = {}
    for item, kind in [(n, "need") for n in world.needs] + [(r, "result") for r in world.results]:
        text = "".join([item["title"], item.get("problem", ""), item.get("indicators", ""),
                        item.get("summary", ""), *item["keywords"]])
        texts.setdefault(world.topic_of[item["key"]], {}).setdefault(kind, []).append(text)
    checked = 0
    for topic_key, kinds in texts.items():
        if len(kinds) < 2:
            continue
        topic = TOPIC_BY_KEY[topic_key]
        vocab = topic.terms + topic.objects + topic.apps + tuple(s.label for s in topic.specs)
        need_words = {w for w in vocab if any(w in t for t in kinds["need"])}
        result_words = {w for w in vocab if any(w in t for t in kinds["result"])}
        assert need_words & result_words, topic_key
        checked += 1
    assert checked >= 50


def test_titles_are_distinct_at_scale_one(world: World) -> None:
    for items in (world.needs, world.results):
        titles = [i["title"] for i in items]
        assert len(set(titles)) >= 0.97 * len(titles)


def test_every_template_formats() -> None:
    ctx = {name: f"<{name}>" for name in PLACEHOLDERS}
    rng = random.Random(0)
    for topic in TOPICS:
        for template in topic.need_titles + topic.result_titles + topic.pains + topic.methods:
            assert "{" not in template.format(**ctx), (topic.key, template)
        assert len(topic.specs) >= 4 and all(s.render(rng) for s in topic.specs)
        assert len(topic.objects) >= 2 and len(topic.terms) >= 2 and len(topic.apps) >= 2


# ------------------------------------------------------------------ uniqueness at scale

def test_keys_and_unique_fields_hold_at_scale(big_worlds: list[World]) -> None:
    for big in big_worlds:
        for items in (big.organizations, big.users, big.needs, big.results, big.solutions):
            keys = [i["key"] for i in items]
            assert len(set(keys)) == len(keys)
        emails = [u["email"] for u in big.users]
        assert len(set(emails)) == len(emails)
        names = [o["name"] for o in big.organizations]
        assert len(set(names)) == len(names)
        codes = [o["credit_code"] for o in big.organizations if o["credit_code"]]
        assert len(set(codes)) == len(codes)
        # the loader finds needs and results again by organisation and title
        for items in (big.needs, big.results):
            owned = [(i["org_key"], i["title"]) for i in items]
            assert len(set(owned)) == len(owned)
            assert all(8 <= len(i["title"]) <= 40 for i in items)
        pairs = [(s["need_key"], s["org_key"]) for s in big.solutions]
        assert len(set(pairs)) == len(pairs)
