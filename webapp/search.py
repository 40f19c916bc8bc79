"""Ranked search over a kind of listing: the one search of the need list, the result list and the
API's list operations.

A query runs through the matcher's tokeniser and the worker's index of the kind
(:func:`matcher.search.search`: the query's own terms, no pseudo-relevance feedback): the docs
scoring at least :data:`MIN_SHARE` of the best one, at most :data:`MAX_HITS`, are the matches.
They are intersected in SQL with the kind's list statement — what the viewer may see, narrowed
by the filters — so drafts and whatever the list would not show never appear. Listings the index
does not hold (closed or expired needs, one's own drafts and withdrawn results, which only
appear when a status or one's own list asks for them) match when every word of the query,
as the tokeniser cuts it, occurs in their text; they rank after the index's matches.

Facets count the matches by field, region, cooperation mode, budget or price band, maturity and
status; each facet counts with every other filter applied but its own, so that its choices can
be switched. Sorting is by relevance (the default with a query) or by the kind's orders
(``SearchSpec.sorts``: newest, deadline, budget, price); pages are cut after sorting.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import ARRAY, ColumnElement, Integer, Select, and_, any_, bindparam, case, func, or_, select
from sqlalchemy import false as sql_false
from sqlalchemy.orm import Session

from matcher import Matcher
from matcher.search import search as search_index
from models import CooperationMode, Field, User
from models.taxonomy import PROVINCES, maturity_stage

from .matching.highlight import highlight
from .pagination import Page

if TYPE_CHECKING:
    from .listings.kind import ListingKind

#: The longest query read (longer ones are cut, and the page says so).
MAX_QUERY = 100
#: Index matches scoring under this share of the best one are left out: a long query matches
#: nearly everything through its common words, and those tails are not what was asked for.
MIN_SHARE = 0.05
#: At most this many index matches are ranked, filtered and counted (the best ones).
MAX_HITS = 5000
#: At most this many words of a query are looked for in listings the index does not hold.
MAX_WORDS = 8

RELEVANCE = "relevance"


@dataclass(frozen=True)
class Band:
    """A band of amounts in 万元 (budget or price): ``low`` ≤ amount < ``high``; neither bound
    means negotiable (no amount)."""

    value: str
    label: Any  # a lazy string
    low: Decimal | None
    high: Decimal | None


BANDS: tuple[Band, ...] = (
    Band("negotiable", _l("面议"), None, None),
    Band("lt10", _l("10 万元以下"), None, Decimal(10)),
    Band("10-50", _l("10–50 万元"), Decimal(10), Decimal(50)),
    Band("50-200", _l("50–200 万元"), Decimal(50), Decimal(200)),
    Band("200-1000", _l("200–1000 万元"), Decimal(200), Decimal(1000)),
    Band("gte1000", _l("1000 万元及以上"), Decimal(1000), None),
)
BAND_VALUES = frozenset(b.value for b in BANDS)
#: Maturity stages (``models.taxonomy.maturity_stage``) and their TRLs.
STAGES: dict[str, tuple[int, ...]] = {}
for _trl in range(1, 10):
    STAGES.setdefault(maturity_stage(_trl), ())
    STAGES[maturity_stage(_trl)] += (_trl,)


@dataclass(frozen=True, kw_only=True)
class SearchSpec:
    """What search needs to know of a kind of listing (``ListingKind.search``)."""

    index: Callable[[Session], Matcher]  # the worker's index of the kind, brought up to date
    index_statuses: tuple[Any, ...]  # the statuses of the listings that index holds
    text: Callable[[], tuple[Any, ...]]  # the columns its text is read from
    modes: Callable[[], tuple[Any, Any]]  # the modes table's listing-id and mode columns
    amount: Callable[[], Any]  # the amount banded by the band facet (budget or price)
    amount_label: str  # the band facet's name (marked with N_)
    statuses: type[Any]  # the status enum
    trl: Callable[[], Any] | None = None  # the maturity column, for kinds that have one
    #: The orders a list can be sorted by besides relevance, by name; the first is the default
    #: without a query.
    sorts: Mapping[str, tuple[str, Callable[[], tuple[Any, ...]]]] = dataclasses.field(
        default_factory=dict)


@dataclass(frozen=True)
class FacetValue:
    """One choice of a facet."""

    value: str
    label: str
    count: int
    selected: bool


@dataclass(frozen=True)
class Facet:
    """A facet: the filter's name (its query argument) and its choices with their counts."""

    name: str
    label: str
    values: list[FacetValue]

    @property
    def selected(self) -> FacetValue | None:
        """The chosen value, if any."""
        return next((v for v in self.values if v.selected), None)


@dataclass(frozen=True)
class Found:
    """A page of a search, with what the page shows around it."""

    page: Page[Any]
    terms: tuple[str, ...]  # the query's words, to mark in the listings
    sort: str  # the order applied: "relevance" or one of the kind's sorts
    facets: list[Facet]
    notice: str = ""  # said above the list: the query was cut, or holds nothing to look for
    scores: Mapping[int, float] = dataclasses.field(default_factory=dict)


def clean_query(raw: str) -> tuple[str, str]:
    """A query as read from a page: trimmed and cut to :data:`MAX_QUERY` characters (a lone
    surrogate or another unprintable character becomes a space); with the notice to show when
    it was cut."""
    text = "".join(c if c.isprintable() and not 0xD800 <= ord(c) <= 0xDFFF else " "
                   for c in raw).strip()
    if len(text) <= MAX_QUERY:
        return text, ""
    return text[:MAX_QUERY].strip(), _("关键词过长，只按前 %(n)s 个字检索。", n=MAX_QUERY)


def sort_names(kind: ListingKind, query: bool) -> list[tuple[str, str]]:
    """(value, label) of the orders a list offers; relevance only with a query."""
    own = [(name, _(label)) for name, (label, _order) in kind.search.sorts.items()]
    return ([(RELEVANCE, _("相关度"))] if query else []) + own


def order_of(kind: ListingKind, name: str | None, query: bool) -> tuple[str, tuple[Any, ...] | None]:
    """The order a list is sorted by: a sort's name and its clauses (``None``: relevance).
    Unknown names, and relevance without a query, give the default."""
    sorts = kind.search.sorts
    if name is not None and name in sorts:
        return name, sorts[name][1]()
    if query:
        return RELEVANCE, None
    first = next(iter(sorts))
    return first, sorts[first][1]()


def search(session: Session, kind: ListingKind, filters: Any, viewer: User | None, *,
           order: tuple[Any, ...] | None, sort: str, page: int, per_page: int,
           facets: bool = True) -> Found:
    """One page of the kind's list for ``viewer``: the listings matching ``filters`` (their
    ``q`` searched), ordered by ``order`` (``None``: relevance, falling back to the kind's list
    order without a query), with the facets' counts when ``facets``."""
    model = kind.model
    query = _Query.of(session, kind, filters)
    terms, scores, notice = query.terms, query.scores, query.notice
    if not filters.q and order is None:
        order = _default_order(kind)

    def statement(skip: str | None = None) -> Select[Any]:
        return query.statement(kind, filters, viewer, skip)

    stmt = statement()
    if order is None:
        result = _by_relevance(session, model, stmt, scores, page, per_page)
    else:
        result = _by_order(session, model, stmt, order, page, per_page)
    counted = _facets(session, kind, filters, statement) if facets else []
    return Found(page=result, terms=terms, sort=sort, facets=counted, notice=notice,
                 scores={i: scores.get(i, 0.0) for i in (x.id for x in result.items)})


def contains(session: Session, kind: ListingKind, filters: Any, viewer: User | None,
             listing_id: int, hits: dict[str, Any] | None = None) -> bool:
    """Whether the listing ``listing_id`` is on the kind's list for ``viewer`` with ``filters``
    (the list a saved search runs): the same query, index matches and filters as
    :func:`search`. ``hits`` keeps the index's answers by query across calls (many saved
    searches ask the same)."""
    query = _Query.of(session, kind, filters, hits)
    stmt = query.statement(kind, filters, viewer).where(kind.model.id == listing_id)
    return session.scalar(select(stmt.exists())) or False


@dataclass(frozen=True)
class _Query:
    """A list's query as the index answers it: the words to mark, each match's score, the
    condition the matches meet (``None``: no query), and the notice to show."""

    terms: tuple[str, ...] = ()
    scores: Mapping[Any, float] = dataclasses.field(default_factory=dict)
    matched: ColumnElement[bool] | None = None
    notice: str = ""

    @classmethod
    def of(cls, session: Session, kind: ListingKind, filters: Any,
           cache: dict[str, Any] | None = None) -> _Query:
        """The index's answer to ``filters.q`` for the kind (none without a query)."""
        if not filters.q:
            return cls()
        spec, model = kind.search, kind.model
        key = f"{kind.name}\n{filters.q}"
        if cache is not None and key in cache:
            hits, words = cache[key]
        else:
            index = spec.index(session)
            hits = search_index(index, filters.q, min_share=MIN_SHARE, limit=MAX_HITS)
            words = query_words(index, filters.q)
            if cache is not None:
                cache[key] = hits, words
        matched = _ids_in(session, model.id, hits.ids)
        if _beyond_index(spec, filters):
            outside = model.status.not_in(spec.index_statuses)
            matched = or_(matched, and_(outside, _all_words(words, spec.text())))
        return cls(terms=tuple(dict.fromkeys((*hits.terms, *words))), scores=hits.score_of(),
                   matched=matched,
                   notice="" if words else _("关键词中没有可检索的词（标点和符号不参与检索）。"))

    def statement(self, kind: ListingKind, filters: Any, viewer: User | None,
                  skip: str | None = None) -> Select[Any]:
        """The kind's list statement for ``viewer``, narrowed by the query and the filters
        (without the filter ``skip``, which a facet counts the choices of)."""
        spec = kind.search
        f = _without(filters, skip)
        stmt = kind.query(f, viewer).order_by(None)
        if self.matched is not None:
            stmt = stmt.where(self.matched)
        if f.band in BAND_VALUES:
            stmt = stmt.where(_band(spec.amount()) == f.band)
        if spec.trl is not None and f.maturity in STAGES:
            stmt = stmt.where(spec.trl().in_(STAGES[f.maturity]))
        return stmt


def query_words(index: Matcher, q: str) -> tuple[str, ...]:
    """The words of a query as the index's tokeniser cuts it (phrases split, the dictionary
    sub-words of a longer word left out: 锂离子电池 stands for 电池), at most
    :data:`MAX_WORDS`."""
    tokenize: Callable[[str], list[str]] = index.tokenizer_ if hasattr(index, "tokenizer_") \
        else index._make_tokenizer()
    words = list(dict.fromkeys(w for t in tokenize(q) for w in t.split(" ") if w))
    whole = [w for w in words if not any(w != o and w in o for o in words)]
    return tuple(whole[:MAX_WORDS])


def marked(text: str | None, terms: Sequence[str], width: int | None = None) -> Markup:
    """``text`` with the searched ``terms`` marked; with ``width``, only a window of about that
    many characters around the first term found (an ellipsis where it is cut)."""
    text = text or ""
    if width is not None and len(text) > width:
        lowered = text.casefold()
        first = min((p for p in (lowered.find(t.casefold()) for t in terms if t) if p >= 0),
                    default=0)
        start = max(0, min(first - width // 4, len(text) - width))
        text = ("…" if start else "") + text[start:start + width] + \
            ("…" if start + width < len(text) else "")
    return highlight(text, terms)


# --- the pieces ---------------------------------------------------------------------------------

def _default_order(kind: ListingKind) -> tuple[Any, ...]:
    return order_of(kind, None, False)[1] or ()


def _beyond_index(spec: SearchSpec, filters: Any) -> bool:
    """Whether the list may hold listings the index does not: one's own list, or a status the
    index does not hold (the public list shows only what the index holds; leaving the words'
    test out there spares the database a scan of every other listing's text)."""
    return filters.organization_id is not None or (
        filters.status is not None and filters.status not in spec.index_statuses)


def _without(filters: Any, name: str | None) -> Any:
    """``filters`` with one facet's filter cleared (the facet counts every choice of its own)."""
    return filters if name is None else dataclasses.replace(filters, **{name: None})


def _ids_in(session: Session, column: Any, ids: Sequence[Any]) -> ColumnElement[bool]:
    """``column IN ids`` as one bound value, however many ids: an array on PostgreSQL, a JSON
    list read by ``json_each`` on SQLite (whose bound values are limited in number)."""
    if not ids:
        return sql_false()
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam("search_ids", list(ids), type_=ARRAY(Integer)))
    listed = func.json_each(bindparam("search_ids", json.dumps(list(ids)))).table_valued("value")
    return column.in_(select(listed.c.value))


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _all_words(words: Sequence[str], columns: Sequence[Any]) -> ColumnElement[bool]:
    """Every word occurs in one of ``columns`` (case-insensitive); no words match nothing."""
    if not words:
        return sql_false()
    return and_(*(or_(*(col.ilike(f"%{_escape_like(w)}%", escape="\\") for col in columns))
                  for w in words))


def _band(amount: Any) -> Any:
    """The band of an amount column, as an SQL expression."""
    whens = [(amount.is_(None), "negotiable")]
    for band in BANDS[1:]:
        if band.high is not None:
            whens.append((amount < band.high, band.value))
    return case(*whens, else_=BANDS[-1].value)


def _by_order(session: Session, model: Any, stmt: Select[Any], order: tuple[Any, ...],
              page: int, per_page: int) -> Page[Any]:
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    page = _clamp(page, total, per_page)
    items = list(session.scalars(stmt.order_by(*order, model.id.desc())
                                 .limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, page=page, per_page=per_page, total=total)


def _by_relevance(session: Session, model: Any, stmt: Select[Any], scores: Mapping[Any, float],
                  page: int, per_page: int) -> Page[Any]:
    """The matches by score (listings outside the index after them), newest first among ties."""
    rows = session.execute(stmt.with_only_columns(model.id, model.published_at)).all()
    floor = float("-inf")

    def key(row: Any) -> tuple[float, float, int]:
        stamp = row.published_at.timestamp() if row.published_at is not None else floor
        return (-scores.get(row.id, 0.0), -stamp, -row.id)

    ranked = [row.id for row in sorted(rows, key=key)]
    page = _clamp(page, len(ranked), per_page)
    chosen = ranked[(page - 1) * per_page: page * per_page]
    loaded = {x.id: x for x in session.scalars(select(model).where(model.id.in_(chosen)))}
    return Page(items=[loaded[i] for i in chosen if i in loaded], page=page, per_page=per_page,
                total=len(ranked))


def _clamp(page: int, total: int, per_page: int) -> int:
    pages = max(1, -(-total // per_page))
    return min(max(page, 1), pages)


def _facets(session: Session, kind: ListingKind, filters: Any,
            statement: Callable[[str | None], Select[Any]]) -> list[Facet]:
    spec, model = kind.search, kind.model

    def counts(name: str, expr: Any, join: tuple[Any, Any] | None = None) -> dict[Any, int]:
        ids = statement(name).with_only_columns(model.id).subquery()
        if join is None:
            q = select(expr, func.count()).select_from(model).join(ids, ids.c.id == model.id)
        else:
            owner, _column = join
            q = select(expr, func.count()).select_from(owner.class_).join(
                ids, ids.c.id == owner)
        return {value: n for value, n in session.execute(q.group_by(expr))}

    def facet(name: str, label: str, choices: Sequence[tuple[Any, str]],
              found: Mapping[Any, int], current: Any) -> Facet:
        return Facet(name, label, [
            FacetValue(str(getattr(v, "value", v)), text, found.get(v, 0), v == current)
            for v, text in choices if found.get(v, 0) or v == current])

    from .i18n import label as translated

    out = [
        facet("field", _("技术领域"), [(f, translated(f)) for f in Field],
              counts("field", model.field), filters.field),
        facet("province", _("所属地区"), [(p, translated(p)) for p in PROVINCES],
              counts("province", model.province), filters.province),
    ]
    owner, mode = spec.modes()
    out.append(facet("mode", _("合作方式"), [(m, translated(m)) for m in CooperationMode],
                     counts("mode", mode, (owner, mode)), filters.mode))
    if spec.trl is not None:
        by_trl = counts("maturity", spec.trl())
        stages = {stage: sum(by_trl.get(t, 0) for t in trls) for stage, trls in STAGES.items()}
        out.append(facet("maturity", _("成熟度"), [(s, translated(s)) for s in STAGES],
                         stages, filters.maturity))
    out.append(facet("band", _(spec.amount_label), [(b.value, str(b.label)) for b in BANDS],
                     counts("band", _band(spec.amount())), filters.band))
    out.append(facet("status", _("状态"), [(s, translated(s)) for s in spec.statuses],
                     counts("status", model.status), filters.status))
    return out
