"""Form fields and choices shared by every area."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from wtforms import DecimalField, Field, SelectMultipleField, widgets
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs lag 3.3
from wtforms.validators import InputRequired, Length, NumberRange, StopValidation, ValidationError

from models.taxonomy import FIELD_LABELS, MODE_LABELS, PROVINCES, SUBFIELDS

from .input_rules import Text, Whole, parse_wan, subfield_problem, wan_problem


def choices(pairs: Iterable[tuple[Any, Any]], blank: Any = None) -> list[SelectChoice]:
    """Options for a select or check-box list, with an optional empty first option."""
    options = [SelectChoice("", blank)] if blank is not None else []
    return options + [SelectChoice(value, label) for value, label in pairs]


FIELD_CHOICES = choices(((f.value, _l(label)) for f, label in FIELD_LABELS.items()),
                        _l("请选择技术领域"))
SUBFIELD_CHOICES = [SelectChoice("", _l("（可选）"))] + [
    SelectChoice(sub, _l(sub), optgroup=_l(FIELD_LABELS[field]))
    for field, subs in SUBFIELDS.items() for sub in subs
]
MODE_CHOICES = choices((m.value, _l(label)) for m, label in MODE_LABELS.items())
PROVINCE_CHOICES = choices(((p, _l(p)) for p in PROVINCES), _l("请选择所属地区"))


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a list of check boxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class WanField(DecimalField):
    """An amount in 万元 (``input_rules.parse_wan``: full-width digits and separators allowed)."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        """Parse the typed amount."""
        self.data = None
        if valuelist:
            self.data = parse_wan(valuelist[0])


def check_wan_amount(form: Any, field: Field) -> None:
    """Validator for ``WanField`` values (``input_rules.wan_problem``)."""
    problem = wan_problem(field.data)
    if problem:
        raise ValidationError(problem)


def check_subfield(form: Any, field: Field) -> None:
    """The chosen sub-field must belong to the chosen field."""
    problem = subfield_problem(form.field.data, field.data)
    if problem:
        raise ValidationError(problem)


def required(rule: Text | Whole) -> InputRequired:
    """The form's "must be given" check of a rule, with the rule's message."""
    return InputRequired(rule.required)


def length(rule: Text) -> Length:
    """The form's length check of a text rule, with the rule's message."""
    return Length(min=rule.min or -1, max=rule.max, message=rule.message)


def number_range(rule: Whole) -> NumberRange:
    """The form's range check of a whole-number rule, with the rule's message."""
    return NumberRange(rule.min, rule.max, rule.message)


class AtLeastOne:
    """Require at least one ticked box, without marking every box ``required`` in the HTML."""

    def __init__(self, message: str) -> None:
        self.message = message

    def __call__(self, form: Any, field: Field) -> None:
        """Refuse an empty selection."""
        if not field.data:
            raise StopValidation(self.message)


def as_text(value: Any) -> str:
    """A plain value (from a spreadsheet cell or a JSON document) as a form field receives it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "y" if value else ""
    if isinstance(value, Decimal):
        return f"{value:f}" if value.is_finite() else str(value)
    return str(value)


def keywords_text(value: Any) -> str:
    """Keywords sent as a list or typed as one text, as the keywords field takes them."""
    if isinstance(value, list):
        return "，".join(str(v) for v in value)
    return str(value or "")


def formdata(values: Mapping[str, Any]) -> MultiDict[str, str]:
    """Form data for a form filled from plain values: lists become repeated keys, ``None`` and
    ``False`` vanish."""
    data: MultiDict[str, str] = MultiDict()
    for key, value in values.items():
        if value is None or value is False:
            continue
        for item in value if isinstance(value, list) else [value]:
            data.add(key, as_text(item))
    return data


def form_problems(form: Any, names: Mapping[str, str]) -> dict[str, str]:
    """The form's first message for each field at fault, under the caller's name for it."""
    problems: dict[str, str] = {}
    for key, errors in form.errors.items():
        if errors and not isinstance(errors[0], list | dict):
            problems.setdefault(names.get(key, key), str(errors[0]))
    return problems
