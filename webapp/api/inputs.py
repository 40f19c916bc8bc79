"""Needs and results from plain values (an API body, an imported row) through the pages' forms.

The forms hold the rules (lengths, budget range, sub-field of field, dates, keywords) and the
pages' form-to-input functions build the services' inputs, so the API and the importer accept
exactly what the pages accept, with the same messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _

from models import Need, Result

from ..needs.forms import NeedForm
from ..needs.services import NeedInput
from ..results.forms import ResultForm
from ..results.services import ResultInput
from .v1.core import ApiError, formdata, iso

# Form field name → value name, for error messages that point at what the client sent.
NEED_FORM_NAMES = {"budget_min": "budget_min_wan", "budget_max": "budget_max_wan",
                   "budget_negotiable": "budget_min_wan"}
RESULT_FORM_NAMES = {"price": "price_wan"}


def need_values(need: Need) -> dict[str, Any]:
    """A need's editable values, in the API's names (the base a partial update overlays)."""
    return {
        "title": need.title, "field": need.field.value, "subfield": need.subfield,
        "problem": need.problem, "indicators": need.indicators, "basis": need.basis,
        "keywords": need.keyword_list, "budget_min_wan": need.budget_min_wan,
        "budget_max_wan": need.budget_max_wan, "modes": [m.value for m in need.modes],
        "province": need.province, "city": need.city, "valid_until": iso(need.valid_until),
        "show_org_name": need.show_org_name,
    }


def result_values(result: Result) -> dict[str, Any]:
    """A result's editable values, in the API's names."""
    ip_type = result.ip_rights[0].ip_type.value if result.ip_rights else None
    return {
        "title": result.title, "field": result.field.value, "subfield": result.subfield,
        "summary": result.summary, "keywords": result.keyword_list, "form": result.form.value,
        "trl": result.trl, "ip_type": ip_type,
        "ip_numbers": [ip.number for ip in result.ip_rights if ip.number],
        "modes": [m.value for m in result.modes], "price_wan": result.price_wan,
        "team": result.team, "contact_name": result.contact_name,
        "contact_phone": result.contact_phone, "province": result.province, "city": result.city,
    }


def _keywords(value: Any) -> str:
    if isinstance(value, list):
        return "，".join(str(v) for v in value)
    return str(value or "")


def need_form(values: Mapping[str, Any]) -> NeedForm:
    """The need form filled from ``values``; both budget ends empty means 面议."""
    negotiable = values.get("budget_min_wan") is None and values.get("budget_max_wan") is None
    data = formdata({
        "title": values.get("title"), "field": values.get("field"),
        "subfield": values.get("subfield"), "problem": values.get("problem"),
        "indicators": values.get("indicators"), "basis": values.get("basis"),
        "keywords": _keywords(values.get("keywords")), "budget_negotiable": negotiable,
        "budget_min": values.get("budget_min_wan"), "budget_max": values.get("budget_max_wan"),
        "modes": list(values.get("modes") or []), "province": values.get("province"),
        "city": values.get("city"), "valid_until": values.get("valid_until"),
        "show_org_name": bool(values.get("show_org_name", True)),
    })
    return NeedForm(formdata=data, meta={"csrf": False})


def result_form(values: Mapping[str, Any]) -> ResultForm:
    """The result form filled from ``values``."""
    data = formdata({
        "title": values.get("title"), "field": values.get("field"),
        "subfield": values.get("subfield"), "summary": values.get("summary"),
        "keywords": _keywords(values.get("keywords")), "form": values.get("form"),
        "trl": values.get("trl"), "ip_type": values.get("ip_type"),
        "ip_numbers": "\n".join(str(n) for n in values.get("ip_numbers") or []),
        "modes": list(values.get("modes") or []), "price": values.get("price_wan"),
        "team": values.get("team"), "contact_name": values.get("contact_name"),
        "contact_phone": values.get("contact_phone"), "province": values.get("province"),
        "city": values.get("city"),
    })
    return ResultForm(formdata=data, meta={"csrf": False})


def form_problems(form: Any, names: Mapping[str, str]) -> dict[str, str]:
    """The form's first message for each field at fault, under the value's name."""
    problems: dict[str, str] = {}
    for key, errors in form.errors.items():
        if errors and not isinstance(errors[0], list | dict):
            problems.setdefault(names.get(key, key), str(errors[0]))
    return problems


def need_input(values: Mapping[str, Any]) -> NeedInput:
    """A checked ``NeedInput`` from values, or a 422 naming each field at fault."""
    form = need_form(values)
    if not form.validate():
        raise ApiError(422, "validation_failed", _("提交的内容有误。"),
                       form_problems(form, NEED_FORM_NAMES))
    return form.to_input()


def result_input(values: Mapping[str, Any]) -> ResultInput:
    """A checked ``ResultInput`` from values, or a 422 naming each field at fault."""
    form = result_form(values)
    if not form.validate():
        raise ApiError(422, "validation_failed", _("提交的内容有误。"),
                       form_problems(form, RESULT_FORM_NAMES))
    return form.to_input()
