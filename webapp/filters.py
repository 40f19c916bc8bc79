"""Template filters and globals: money in 万元, local times, enum labels."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from flask import Flask, request
from flask_babel import format_datetime, get_locale

from models.enums import NeedStatus, ResultStatus
from models.taxonomy import FIELD_LABELS, MODE_LABELS, PROVINCES, SUBFIELDS, maturity_stage

from .matching.highlight import highlight


def format_wan(amount: Decimal | None, negotiable: str = "面议") -> str:
    """Show an amount in 万元, without trailing zeros; ``None`` reads as negotiable."""
    if amount is None:
        return negotiable
    text = f"{amount.quantize(Decimal('0.0001')).normalize():f}"
    return f"{text} 万元"


def format_budget(low: Decimal | None, high: Decimal | None) -> str:
    """A need's budget range in 万元."""
    if low is None or high is None:
        return "面议"
    if low == high:
        return format_wan(low)
    return f"{format_wan(low).removesuffix(' 万元')}–{format_wan(high)}"


def local_time(value: dt.datetime | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    """A UTC timestamp shown in the configured time zone (Asia/Shanghai)."""
    if value is None:
        return ""
    return format_datetime(value, fmt)


def url_with(**changes: Any) -> str:
    """The current URL with some query arguments replaced (for pagination links)."""
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        args[key] = [str(value)]
    from urllib.parse import urlencode

    return f"{request.path}?{urlencode(args, doseq=True)}"


def field_options() -> list[tuple[str, str]]:
    """(value, label) pairs of the eight fields, for filter menus."""
    return [(f.value, label) for f, label in FIELD_LABELS.items()]


def province_options() -> list[tuple[str, str]]:
    """(value, label) pairs of provinces."""
    return [(p, p) for p in PROVINCES]


def mode_options() -> list[tuple[str, str]]:
    """(value, label) pairs of cooperation modes."""
    return [(m.value, label) for m, label in MODE_LABELS.items()]


def trl_options() -> list[tuple[str, str]]:
    """(value, label) pairs of maturity levels."""
    return [(str(n), f"TRL {n} · {maturity_stage(n)}") for n in range(1, 10)]


def need_status_options(mine: bool = False) -> list[tuple[str, str]]:
    """Statuses one may filter needs by; drafts only on one's own list."""
    return [(s.value, s.label) for s in NeedStatus if mine or s is not NeedStatus.DRAFT]


def result_status_options() -> list[tuple[str, str]]:
    """Statuses of results."""
    return [(s.value, s.label) for s in ResultStatus]


def init_app(app: Flask) -> None:
    """Register filters and globals on ``app``'s Jinja environment."""
    app.jinja_env.filters["wan"] = format_wan
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["highlight"] = highlight
    app.jinja_env.globals.update(
        format_budget=format_budget,
        url_with=url_with,
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
