"""Template filters and globals: money in 万元, local times, enum labels."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from flask import Flask, request
from flask_babel import format_date, format_datetime, format_decimal, get_locale, gettext

from models.enums import NeedStatus, ResultStatus
from models.taxonomy import FIELD_LABELS, MODE_LABELS, PROVINCES, SUBFIELDS, maturity_stage

from .matching.highlight import highlight
from .search import marked


def _english() -> bool:
    return str(get_locale()) == "en"


def _plain_wan(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal('0.0001')).normalize():f}"


def format_wan(amount: Decimal | None, negotiable: str | None = None) -> str:
    """Show an amount held in 万元: "80 万元" in Chinese (no trailing zeros), "CNY 800,000" in
    English (yuan, grouped per locale); ``None`` reads as negotiable."""
    if amount is None:
        return negotiable if negotiable is not None else gettext("面议")
    if _english():
        return f"CNY {format_decimal(amount * 10000, '#,##0.##')}"
    return f"{_plain_wan(amount)} 万元"


def format_budget(low: Decimal | None, high: Decimal | None) -> str:
    """A need's budget range: "50–120 万元", "CNY 500,000–1,200,000"."""
    if low is None or high is None:
        return gettext("面议")
    if low == high:
        return format_wan(low)
    if _english():
        return f"{format_wan(low)}–{format_decimal(high * 10000, '#,##0.##')}"
    return f"{_plain_wan(low)}–{format_wan(high)}"


def format_number(value: Decimal | int | float | None, pattern: str = "#,##0.####") -> str:
    """A figure grouped per language (the report's tables; amounts there stay in 万元)."""
    if value is None:
        return "—"
    return str(format_decimal(value, pattern))


def local_time(value: dt.datetime | None, fmt: str | None = None) -> str:
    """A UTC timestamp shown in the configured time zone (Asia/Shanghai): "2025-03-05 14:30"
    in Chinese, "5 Mar 2025, 14:30" in English."""
    if value is None:
        return ""
    return str(format_datetime(value, fmt or ("d MMM yyyy, HH:mm" if _english()
                                              else "yyyy-MM-dd HH:mm")))


def local_date(value: dt.date | None) -> str:
    """A calendar date (a contract's signing day): "2025-03-05", "5 Mar 2025"."""
    if value is None:
        return ""
    return str(format_date(value, "d MMM yyyy" if _english() else "yyyy-MM-dd", rebase=False))


def url_with(**changes: Any) -> str:
    """The current URL with some query arguments replaced (for pagination links)."""
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        args[key] = [str(value)]
    from urllib.parse import urlencode

    return f"{request.path}?{urlencode(args, doseq=True)}"


def field_options() -> list[tuple[str, str]]:
    """(value, label) pairs of the eight fields, for filter menus."""
    return [(f.value, gettext(label)) for f, label in FIELD_LABELS.items()]


def province_options() -> list[tuple[str, str]]:
    """(value, label) pairs of provinces."""
    return [(p, gettext(p)) for p in PROVINCES]


def mode_options() -> list[tuple[str, str]]:
    """(value, label) pairs of cooperation modes."""
    return [(m.value, gettext(label)) for m, label in MODE_LABELS.items()]


def trl_options() -> list[tuple[str, str]]:
    """(value, label) pairs of maturity levels."""
    return [(str(n), f"TRL {n} · {gettext(maturity_stage(n))}") for n in range(1, 10)]


def need_status_options(mine: bool = False) -> list[tuple[str, str]]:
    """Statuses one may filter needs by; drafts only on one's own list."""
    return [(s.value, gettext(s.label)) for s in NeedStatus if mine or s is not NeedStatus.DRAFT]


def result_status_options() -> list[tuple[str, str]]:
    """Statuses of results."""
    return [(s.value, gettext(s.label)) for s in ResultStatus]


def init_app(app: Flask) -> None:
    """Register filters and globals on ``app``'s Jinja environment."""
    app.jinja_env.filters["wan"] = format_wan
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["local_date"] = local_date
    app.jinja_env.filters["number"] = format_number
    app.jinja_env.filters["highlight"] = highlight
    app.jinja_env.globals.update(
        format_budget=format_budget,
        url_with=url_with,
        marked=marked,
        FIELD_LABELS=FIELD_LABELS,
        MODE_LABELS=MODE_LABELS,
        SUBFIELDS=SUBFIELDS,
        get_locale=get_locale,
        field_options=field_options,
        province_options=province_options,
        mode_options=mode_options,
        trl_options=trl_options,
        need_status_options=need_status_options,
        result_status_options=result_status_options,
    )
