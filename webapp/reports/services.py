"""The report's figures, each computed in SQL; definitions in docs/metrics.md.

Services take a Session and never commit. Every figure obeys the same ``ReportFilters``:
a period of Asia/Shanghai calendar days, a technology field and a province.

Two kinds of figure are kept apart on purpose:

* cohort figures (docking rate, funnel, times, suggestion quality) follow the needs
  *published* in the period, whatever happened to them afterwards;
* activity figures (deals signed, amounts, dockings, monthly series) count what *happened*
  in the period: a deal signed in March counts in March whenever its need was published.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    SQLColumnExpression,
    and_,
    case,
    exists,
    func,
    or_,
    select,
    type_coerce,
    union,
)
from sqlalchemy.orm import Session

from models import (
    ContractType,
    Deal,
    Docking,
    DockingEvent,
    DockingState,
    Match,
    Need,
    NeedStatus,
    Organization,
    OrgKind,
    Result,
    ResultStatus,
    Solution,
    SolutionStatus,
    User,
)
from models.i18n import N_
from models.taxonomy import FIELD_LABELS, PROVINCES, Field
from models.types import fen_to_wan

from .sql_dates import date_day, date_month, local_day, local_month

PLATFORM_TZ = ZoneInfo("Asia/Shanghai")

# Past interest: the other side has agreed, so the pair is really talking (对接成功).
PAST_INTEREST = (DockingState.DOCKED, DockingState.NEGOTIATING, DockingState.SIGNED)
INTEREST_STATES = (DockingState.INTEREST, *PAST_INTEREST)

DEFAULT_MAX_MONTHS = 120  # the monthly series's length at most (REPORT_MAX_MONTHS)
# Upper edges of the bands of a suggestion's coverage (Match.text_score); the last is [0.8, 1].
SCORE_BAND_EDGES = (0.2, 0.4, 0.6, 0.8)
TOP_INSTITUTIONS = 10
WAN_PER_YI = Decimal(10_000)
RATE_DIGITS = 4
# The raw fen column: summing the mapped 万元 attribute would convert every sum twice.
DEAL_FEN = type_coerce(Deal.__table__.c.amount_fen, BigInteger)


class ReportFilterError(ValueError):
    """A filter value that cannot be understood (shown to the user, 400 on the web)."""


# --- filters ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReportFilters:
    """Period (inclusive Asia/Shanghai days), technology field and province of every figure."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    field: Field | None = None
    province: str | None = None

    def utc_bounds(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        """The period as a half-open UTC interval [start, end): midnight in Shanghai of the
        first day, and of the day after the last.

        The first and last representable days leave that end open: their bound would lie
        outside the calendar (0001-01-01 in Shanghai is still year 0 in UTC), and nothing is
        earlier or later anyway.
        """
        start = end = None
        if self.date_from is not None and self.date_from > dt.date.min:
            start = dt.datetime.combine(self.date_from, dt.time(), PLATFORM_TZ).astimezone(dt.UTC)
        if self.date_to is not None and self.date_to < dt.date.max:
            end = dt.datetime.combine(self.date_to + dt.timedelta(days=1), dt.time(),
                                      PLATFORM_TZ).astimezone(dt.UTC)
        return start, end

    def as_args(self) -> dict[str, str]:
        """The filters as query arguments (``from``, ``to``, ``field``, ``region``)."""
        args = {"from": self.date_from.isoformat() if self.date_from else "",
                "to": self.date_to.isoformat() if self.date_to else "",
                "field": self.field.value if self.field else "",
                "region": self.province or ""}
        return {k: v for k, v in args.items() if v}

    def as_dict(self) -> dict[str, str | None]:
        """The filters for JSON output."""
        return {"from": self.date_from.isoformat() if self.date_from else None,
                "to": self.date_to.isoformat() if self.date_to else None,
                "field": self.field.value if self.field else None,
                "region": self.province}


def check_period(date_from: dt.date | None, date_to: dt.date | None) -> None:
    """A period must not end before it starts (``ReportFilterError``)."""
    if date_from and date_to and date_from > date_to:
        raise ReportFilterError(_("开始日期不能晚于结束日期。"))


def parse_filters(args: Mapping[str, str | None]) -> ReportFilters:
    """Read ``from``, ``to`` (YYYY-MM-DD), ``field`` (a Field value) and ``region`` (a province).

    Blank values mean "no filter"; anything else that cannot be read raises ReportFilterError.
    """
    def day(name: str) -> dt.date | None:
        raw = (args.get(name) or "").strip()
        if not raw:
            return None
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            raise ReportFilterError(_("日期格式应为 YYYY-MM-DD：%(raw)s", raw=raw)) from None

    date_from, date_to = day("from"), day("to")
    check_period(date_from, date_to)
    raw_field = (args.get("field") or "").strip()
    try:
        tech_field = Field(raw_field) if raw_field else None
    except ValueError:
        raise ReportFilterError(_("未知的技术领域：%(raw)s", raw=raw_field)) from None
    province = (args.get("region") or "").strip() or None
    if province is not None and province not in PROVINCES:
        raise ReportFilterError(_("未知的地区：%(raw)s", raw=province))
    return ReportFilters(date_from, date_to, tech_field, province)


def _in_period(column: SQLColumnExpression[Any], filters: ReportFilters) -> list[ColumnElement[bool]]:
    start, end = filters.utc_bounds()
    conditions: list[ColumnElement[bool]] = []
    if start is not None:
        conditions.append(column >= start)
    if end is not None:
        conditions.append(column < end)
    return conditions


def _dates_in_period(column: SQLColumnExpression[Any],
                     filters: ReportFilters) -> list[ColumnElement[bool]]:
    # Deal dates are already calendar dates on the platform's calendar: compare them directly.
    conditions: list[ColumnElement[bool]] = []
    if filters.date_from is not None:
        conditions.append(column >= filters.date_from)
    if filters.date_to is not None:
        conditions.append(column <= filters.date_to)
    return conditions


def need_scope(filters: ReportFilters) -> list[ColumnElement[bool]]:
    """Conditions on ``needs`` for the field and region filters (not the period)."""
    conditions: list[ColumnElement[bool]] = []
    if filters.field is not None:
        conditions.append(Need.field == filters.field)
    if filters.province is not None:
        conditions.append(Need.province == filters.province)
    return conditions


def cohort(filters: ReportFilters) -> list[ColumnElement[bool]]:
    """Conditions selecting the needs published in the period, in the field and region."""
    return [Need.status != NeedStatus.DRAFT, Need.published_at.is_not(None),
            *_in_period(Need.published_at, filters), *need_scope(filters)]


# --- per-need conditions ---------------------------------------------------------------------
#
# Apart from the suggestion step, each condition is the set of need ids it holds for, read from
# the small table (dockings, solutions, deals) and joined to the cohort by primary key: much
# cheaper than probing every need of the cohort with EXISTS when there are 100,000 of them.

def report_max_months() -> int:
    """How many months the monthly series shows at most (``REPORT_MAX_MONTHS``)."""
    if not has_app_context():
        return DEFAULT_MAX_MONTHS
    return int(current_app.config.get("REPORT_MAX_MONTHS", DEFAULT_MAX_MONTHS))


def suggestion_threshold() -> float:
    """The coverage from which a stored suggestion counts as strong (the funnel's 有高分推荐):
    matching's one definition, ``matching.services.strong_threshold`` (its default outside
    an app, for scripts such as the report benchmark)."""
    from ..matching.services import DEFAULT_STRONG, strong_threshold

    if not has_app_context():
        return DEFAULT_STRONG
    return strong_threshold()


def has_suggestion(threshold: float) -> ColumnElement[bool]:
    """The need has a stored suggestion whose text match covers at least ``threshold``
    (``Match.text_score``; the strong threshold, ``matching.services.strong_threshold``)."""
    # Matches are ten times more numerous than needs: probing the (need_id, score) index once
    # per need beats reading every match.
    return exists().where(Match.need_id == Need.id, Match.text_score >= threshold)


def interest_needs() -> Select[Any]:
    """Needs where someone said 感兴趣: a docking got past 系统推荐, even if dropped later."""
    return select(Docking.need_id).where(or_(
        Docking.interest_side.is_not(None), Docking.state.in_(INTEREST_STATES)))


def solution_needs() -> Select[Any]:
    """Needs that received at least one solution (any status)."""
    return select(Solution.need_id)


def interest_or_solution_needs() -> Any:
    """Needs where someone said 感兴趣 or that received a solution."""
    return union(select(interest_needs().subquery().c.need_id.label("need_id")),
                 select(solution_needs().subquery().c.need_id.label("need_id")))


def docked_needs() -> Any:
    """Needs with a docking past interest (docked, negotiating, signed) or an accepted solution."""
    return union(
        select(Docking.need_id.label("need_id")).where(Docking.state.in_(PAST_INTEREST)),
        select(Solution.need_id.label("need_id"))
        .where(Solution.status == SolutionStatus.ACCEPTED))


def signed_needs() -> Select[Any]:
    """Needs with a recorded deal (signed at any date)."""
    return select(Docking.need_id).join(Deal, Deal.docking_id == Docking.id)


def count_cohort_in(session: Session, filters: ReportFilters, need_ids: Any) -> int:
    """How many needs of the cohort are among ``need_ids`` (a select of one need id column)."""
    ids = need_ids.subquery("ids")
    column = next(iter(ids.c))
    distinct_ids = select(column.label("need_id")).distinct().subquery("distinct_ids")
    return int(session.scalar(select(func.count()).select_from(distinct_ids)
                              .join(Need, Need.id == distinct_ids.c.need_id)
                              .where(*cohort(filters))) or 0)


def _docked_events() -> Any:
    return (select(DockingEvent.docking_id, func.min(DockingEvent.created_at).label("at"))
            .where(DockingEvent.to_state == DockingState.DOCKED)
            .group_by(DockingEvent.docking_id).subquery("docked_events"))


# --- results ---------------------------------------------------------------------------------

def rate(part: int, whole: int) -> float | None:
    """``part / whole`` rounded to four places, or ``None`` when there is nothing to divide."""
    return round(part / whole, RATE_DIGITS) if whole else None


@dataclass
class FunnelStep:
    """One step of the funnel with its rates against the first and the previous step."""

    key: str
    label: str
    count: int
    of_first: float | None
    of_previous: float | None


@dataclass
class Report:
    """Every figure of the report for one set of filters."""

    filters: ReportFilters
    threshold: float
    headline: dict[str, Any]
    funnel: list[FunnelStep]
    deals_by: dict[str, list[dict[str, Any]]]
    top_institutions: list[dict[str, Any]]
    monthly: list[dict[str, Any]]
    times: list[dict[str, Any]]
    quality: list[dict[str, Any]]
    generated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @property
    def docking_rate(self) -> float | None:
        """Needs docked over needs published in the period."""
        value: float | None = self.headline["docking_rate"]
        return value


def _plain(amount: Decimal) -> Decimal:
    # normalize() turns 200 into 2E+2, which JSON and CSV would then print as such.
    return amount.quantize(Decimal(1)) if amount.as_tuple().exponent > 0 else amount  # type: ignore[operator]


def _wan(fen: Any) -> Decimal:
    return _plain(fen_to_wan(int(fen or 0)))


def _yi(wan: Decimal) -> Decimal:
    return _plain((wan / WAN_PER_YI).normalize())


# The funnel's steps, in order: each counts the needs of the step before that reached it.
FUNNEL_STEPS: tuple[tuple[str, str], ...] = (
    ("published", N_("已发布需求")),
    ("suggested", N_("有高分推荐")),
    ("interest_or_solution", N_("有意向或方案")),
    ("docked", N_("已对接")),
    ("signed", N_("已签约")),
)


def funnel_conditions(threshold: float) -> list[ColumnElement[bool]]:
    """What a need of the cohort must meet to reach each step after the first, in order."""
    return [has_suggestion(threshold),
            Need.id.in_(select(interest_or_solution_needs().subquery().c.need_id)),
            Need.id.in_(select(docked_needs().subquery().c.need_id)),
            Need.id.in_(signed_needs())]


def funnel(session: Session, filters: ReportFilters, threshold: float) -> list[FunnelStep]:
    """The nested funnel over the needs published in the period (docs/metrics.md): it starts
    at needs_published and each step counts the needs of the step before that reached it, so
    no step exceeds the one before."""
    conditions = funnel_conditions(threshold)
    counts = [int(session.scalar(select(func.count(Need.id))
                                 .where(*cohort(filters), *conditions[:i])) or 0)
              for i in range(len(FUNNEL_STEPS))]
    out: list[FunnelStep] = []
    for i, ((key, label), count) in enumerate(zip(FUNNEL_STEPS, counts, strict=True)):
        out.append(FunnelStep(key, label, count, rate(count, counts[0]),
                              rate(count, counts[i - 1]) if i else None))
    return out


# Every headline figure: its key, its one name and how it is shown, in the order the pages, the
# report's headline table and its downloads list them (definitions in docs/metrics.md).
FIGURES: tuple[tuple[str, str, str], ...] = (
    ("users", N_("注册用户"), "int"),
    ("organizations", N_("入驻机构"), "int"),
    ("needs_published", N_("征集技术需求"), "int"),
    ("needs_open", N_("征集中的需求"), "int"),
    ("results_published", N_("征集科技成果"), "int"),
    ("results_open", N_("在架科技成果"), "int"),
    ("solutions_received", N_("收到解决方案"), "int"),
    ("dockings", N_("对接次数"), "int"),
    ("needs_docked", N_("已对接需求"), "int"),
    ("deals_signed", N_("签约项目"), "int"),
    ("amount_signed_wan", N_("签约金额（万元）"), "wan"),
    ("amount_signed_yi", N_("签约金额（亿元）"), "yi"),
    ("docking_rate", N_("对接率"), "rate"),
)
FIGURE_LABELS = {key: label for key, label, _kind in FIGURES}
# What /needs lists by default: the needs that are open (NeedStatus.is_open).
OPEN_NEED_STATUSES = tuple(s for s in NeedStatus if s.is_open)


def headline(session: Session, filters: ReportFilters) -> dict[str, Any]:
    """The figures the platform publishes, with the docking rate (see docs/metrics.md)."""
    def count(stmt: Select[Any]) -> int:
        return int(session.scalar(stmt) or 0)

    org_region = [Organization.province == filters.province] if filters.province else []
    users = count(select(func.count(User.id)).join(Organization, User.organization_id ==
                                                   Organization.id)
                  .where(*_in_period(User.created_at, filters), *org_region))
    organizations = count(select(func.count(Organization.id))
                          .where(*_in_period(Organization.created_at, filters), *org_region))
    result_scope = [Result.status != ResultStatus.DRAFT, Result.published_at.is_not(None),
                    *_in_period(Result.published_at, filters)]
    if filters.field is not None:
        result_scope.append(Result.field == filters.field)
    if filters.province is not None:
        result_scope.append(Result.province == filters.province)
    results = count(select(func.count(Result.id)).where(*result_scope))
    results_open = count(select(func.count(Result.id)).where(
        *result_scope, Result.status == ResultStatus.PUBLISHED))
    solutions = count(select(func.count(Solution.id)).join(Need, Solution.need_id == Need.id)
                      .where(*_in_period(Solution.created_at, filters), *need_scope(filters)))
    needs_published = count(select(func.count(Need.id)).where(*cohort(filters)))
    needs_open = count(select(func.count(Need.id)).where(
        *cohort(filters), Need.status.in_(OPEN_NEED_STATUSES)))
    needs_docked = count_cohort_in(session, filters, docked_needs())
    events = _docked_events()
    docked_at = func.coalesce(events.c.at, Docking.created_at)
    dockings = count(select(func.count(Docking.id)).join(Need, Docking.need_id == Need.id)
                     .outerjoin(events, events.c.docking_id == Docking.id)
                     .where(Docking.state.in_(PAST_INTEREST), *_in_period(docked_at, filters),
                            *need_scope(filters)))
    deal_row = session.execute(
        select(func.count(Deal.id), func.sum(DEAL_FEN))
        .join(Docking, Deal.docking_id == Docking.id).join(Need, Docking.need_id == Need.id)
        .where(*_dates_in_period(Deal.signed_on, filters), *need_scope(filters))).one()
    amount = _wan(deal_row[1])
    return {
        "users": users,
        "organizations": organizations,
        "needs_published": needs_published,
        "needs_open": needs_open,
        "results_published": results,
        "results_open": results_open,
        "solutions_received": solutions,
        "dockings": dockings,
        "needs_docked": needs_docked,
        "deals_signed": int(deal_row[0]),
        "amount_signed_wan": amount,
        "amount_signed_yi": _yi(amount),
        "docking_rate": rate(needs_docked, needs_published),
    }


def _deal_base(filters: ReportFilters, *columns: Any) -> Select[Any]:
    return (select(*columns, func.count(Deal.id).label("deals"),
                   func.sum(DEAL_FEN).label("fen"))
            .select_from(Deal).join(Docking, Deal.docking_id == Docking.id)
            .join(Need, Docking.need_id == Need.id)
            .where(*_dates_in_period(Deal.signed_on, filters), *need_scope(filters)))


def deals_by(session: Session, filters: ReportFilters) -> dict[str, list[dict[str, Any]]]:
    """Signed deals (count and amount) by contract type, field, region, month and organisation.

    Rows are ordered by amount, largest first, except months, which run in time order.
    """
    def rows(stmt: Select[Any]) -> list[dict[str, Any]]:
        return [{**{k: v for k, v in row._mapping.items() if k not in ("deals", "fen")},
                 "deals": int(row.deals), "amount_wan": _wan(row.fen)}
                for row in session.execute(stmt)]

    fen = func.sum(DEAL_FEN)
    by_type = rows(_deal_base(filters, Deal.contract_type.label("contract_type"))
                   .group_by(Deal.contract_type).order_by(fen.desc(), Deal.contract_type))
    for row in by_type:
        row["label"] = ContractType(row["contract_type"]).label
    by_field = rows(_deal_base(filters, Need.field.label("field"))
                    .group_by(Need.field).order_by(fen.desc(), Need.field))
    for row in by_field:
        row["label"] = FIELD_LABELS[Field(row["field"])]
    by_region = rows(_deal_base(filters, Need.province.label("region"))
                     .group_by(Need.province).order_by(fen.desc(), Need.province))
    month = date_month(Deal.signed_on)
    by_month = rows(_deal_base(filters, month.label("month")).group_by(month).order_by(month))
    by_org = rows(_deal_base(filters, Organization.id.label("organization_id"),
                             Organization.name.label("organization"),
                             Organization.kind.label("kind"))
                  .join(Organization, Docking.supply_org_id == Organization.id)
                  .group_by(Organization.id, Organization.name, Organization.kind)
                  .order_by(fen.desc(), Organization.name))
    for row in by_org:
        row["kind_label"] = OrgKind(row["kind"]).label
    return {"contract_type": by_type, "field": by_field, "region": by_region,
            "month": by_month, "organization": by_org}


def top_institutions(by_org: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The universities and institutes with the largest signed amounts, ranked."""
    institutions = [row for row in by_org if OrgKind(row["kind"]).is_institution]
    return [{"rank": i, **row} for i, row in enumerate(institutions[:TOP_INSTITUTIONS], start=1)]


def _month_range(first: str, last: str, at_most: int) -> list[str]:
    """The months from ``first`` to ``last``, only the last ``at_most`` of them."""
    end = tuple(map(int, last.split("-")))
    year, month = map(int, first.split("-"))
    if (end[0] - year) * 12 + end[1] - month >= at_most:
        index = end[0] * 12 + end[1] - 1 - (at_most - 1)
        year, month = index // 12, index % 12 + 1
    out = []
    while (year, month) <= end:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def monthly(session: Session, filters: ReportFilters,
            max_months: int = DEFAULT_MAX_MONTHS) -> list[dict[str, Any]]:
    """Per Asia/Shanghai month: needs published, dockings made, deals signed and their amount.

    Months without activity between the first and the last active month are filled with zeros
    so that the line chart's x axis is regular; the series covers the data's range within the
    period, at most ``max_months`` months (the latest), whatever dates the data holds.
    """
    month = local_month(Need.published_at)
    needs = dict(session.execute(select(month, func.count(Need.id)).where(*cohort(filters))
                                 .group_by(month)).all())
    events = _docked_events()
    docked_at = func.coalesce(events.c.at, Docking.created_at)
    dmonth = local_month(docked_at)
    dockings = dict(session.execute(
        select(dmonth, func.count(Docking.id)).join(Need, Docking.need_id == Need.id)
        .outerjoin(events, events.c.docking_id == Docking.id)
        .where(Docking.state.in_(PAST_INTEREST), *_in_period(docked_at, filters),
               *need_scope(filters)).group_by(dmonth)).all())
    smonth = date_month(Deal.signed_on)
    deals = {row.month: (int(row.deals), _wan(row.fen)) for row in session.execute(
        _deal_base(filters, smonth.label("month")).group_by(smonth))}
    months = sorted(set(needs) | set(dockings) | set(deals))
    if not months:
        return []
    return [{"month": m, "needs": int(needs.get(m, 0)), "dockings": int(dockings.get(m, 0)),
             "deals": deals.get(m, (0, Decimal(0)))[0],
             "amount_wan": deals.get(m, (0, Decimal(0)))[1]}
            for m in _month_range(months[0], months[-1], max_months)]


def _median(session: Session, per_need: Select[Any, Any]) -> tuple[float | None, int]:
    """The median and count of the ``days`` column of ``per_need``, by window functions."""
    sub = per_need.subquery("per_need")
    ranked = select(sub.c.days, func.row_number().over(order_by=sub.c.days).label("rn"),
                    func.count().over().label("n")).subquery("ranked")
    # The middle row for an odd count, the two middle rows for an even one.
    row = session.execute(select(func.avg(ranked.c.days), func.max(ranked.c.n)).where(
        or_(ranked.c.rn == (ranked.c.n + 1) // 2, ranked.c.rn == (ranked.c.n + 2) // 2))).one()
    if row[1] is None:
        return None, 0
    return round(float(row[0]), 1), int(row[1])


def times(session: Session, filters: ReportFilters) -> list[dict[str, Any]]:
    """Median Asia/Shanghai calendar days from publication to first solution, docking, signing."""
    published = local_day(Need.published_at)
    first_solution = (select(Need.id, (local_day(func.min(Solution.created_at)) - published)
                             .label("days"))
                      .join(Solution, Solution.need_id == Need.id).where(*cohort(filters))
                      .group_by(Need.id, Need.published_at))
    events = _docked_events()
    docked_at = func.coalesce(events.c.at, Docking.created_at)
    first_docking = (select(Need.id, (local_day(func.min(docked_at)) - published).label("days"))
                     .join(Docking, Docking.need_id == Need.id)
                     .outerjoin(events, events.c.docking_id == Docking.id)
                     .where(Docking.state.in_(PAST_INTEREST), *cohort(filters))
                     .group_by(Need.id, Need.published_at))
    first_deal = (select(Need.id, (date_day(func.min(Deal.signed_on)) - published).label("days"))
                  .join(Docking, Docking.need_id == Need.id)
                  .join(Deal, Deal.docking_id == Docking.id).where(*cohort(filters))
                  .group_by(Need.id, Need.published_at))
    out = []
    for key, label, stmt in (("to_first_solution", N_("发布至首个解决方案"), first_solution),
                             ("to_docking", N_("发布至对接成功"), first_docking),
                             ("to_signing", N_("发布至签约"), first_deal)):
        median, n = _median(session, stmt)
        out.append({"key": key, "label": label, "median_days": median, "needs": n})
    return out


def score_bands() -> list[tuple[float, float | None]]:
    """The score bands as (low, high) pairs; the last band has no upper edge."""
    lows = (0.0, *SCORE_BAND_EDGES)
    highs: tuple[float | None, ...] = (*SCORE_BAND_EDGES, None)
    return list(zip(lows, highs, strict=True))


def quality(session: Session, filters: ReportFilters) -> list[dict[str, Any]]:
    """For the stored suggestions of needs in the cohort, per score band: how many there are,
    how many led to a docking past interest on the same need↔result pair, and the share."""
    band = case(*[(Match.text_score < edge, i) for i, edge in enumerate(SCORE_BAND_EDGES)],
                else_=len(SCORE_BAND_EDGES))
    base = select(band.label("band"), func.count(Match.id))

    def per_band(stmt: Select[Any]) -> dict[int, int]:
        return {int(b): int(n) for b, n in session.execute(stmt.group_by(band))}

    if filters == ReportFilters():
        # Unfiltered, the cohort is every need but the drafts: counting all matches and taking
        # away the drafts' ones avoids joining a million matches to their needs (half the time
        # of the whole report on SQLite). The result is the same set of matches.
        totals = per_band(base.select_from(Match))
        outside = per_band(base.join(Need, Match.need_id == Need.id).where(or_(
            Need.status == NeedStatus.DRAFT, Need.published_at.is_(None))))
        totals = {b: n - outside.get(b, 0) for b, n in totals.items()}
    else:
        totals = per_band(base.join(Need, Match.need_id == Need.id).where(*cohort(filters)))
    docked = per_band(base.join(Need, Match.need_id == Need.id).join(
        Docking, and_(Docking.need_id == Match.need_id, Docking.result_id == Match.result_id))
        .where(Docking.state.in_(PAST_INTEREST), *cohort(filters)))
    out = []
    for i, (low, high) in enumerate(score_bands()):
        label = f"{low:.1f}–{high:.1f}" if high is not None else f"≥ {low:.1f}"
        total, hits = totals.get(i, 0), docked.get(i, 0)
        out.append({"band": label, "low": low, "high": high, "suggestions": total,
                    "docked": hits, "share": rate(hits, total)})
    return out


def build_report(session: Session, filters: ReportFilters,
                 threshold: float | None = None, max_months: int | None = None) -> Report:
    """Every figure of the report for ``filters``: the one function the page, its charts, the
    CSV and XLSX files, ``/reports.json``, the API and ``innomatch report`` all call.

    ``threshold`` defaults to ``suggestion_threshold()``; the monthly series has at most
    ``max_months`` months (``REPORT_MAX_MONTHS``)."""
    if threshold is None:
        threshold = suggestion_threshold()
    if max_months is None:
        max_months = report_max_months()
    by = deals_by(session, filters)
    return Report(filters=filters, threshold=threshold, headline=headline(session, filters),
                  funnel=funnel(session, filters, threshold), deals_by=by,
                  top_institutions=top_institutions(by["organization"]),
                  monthly=monthly(session, filters, max_months), times=times(session, filters),
                  quality=quality(session, filters))


def report_dict(report: Report) -> dict[str, Any]:
    """The report as one JSON-ready object (amounts stay Decimal; the encoder writes strings)."""
    h = report.headline
    return {
        "filters": report.filters.as_dict(),
        "suggestion_threshold": report.threshold,
        "docking_rate": h["docking_rate"],
        "needs_published": h["needs_published"],
        "needs_docked": h["needs_docked"],
        "deals_signed": h["deals_signed"],
        "amount_signed_wan": h["amount_signed_wan"],
        "amount_signed_yi": h["amount_signed_yi"],
        "headline": h,
        "funnel": [vars(step) for step in report.funnel],
        "deals_by": report.deals_by,
        "top_institutions": report.top_institutions,
        "monthly": report.monthly,
        "times": report.times,
        "suggestion_quality": report.quality,
        "generated_at": report.generated_at.isoformat(timespec="seconds"),
    }

