"""Form fields and choices shared by every area."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, Field, SelectMultipleField, widgets
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs lag 3.3
from wtforms.validators import StopValidation, ValidationError

from models.taxonomy import FIELD_LABELS, MODE_LABELS, PROVINCES, SUBFIELDS
from models.taxonomy import Field as TechField


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
FIELD_VALUES = frozenset(f.value for f in TechField)
MODE_CHOICES = choices((m.value, _l(label)) for m, label in MODE_LABELS.items())
PROVINCE_CHOICES = choices(((p, _l(p)) for p in PROVINCES), _l("请选择所属地区"))


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a list of check boxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class WanField(DecimalField):
    """An amount in 万元: non-negative, at most four decimals (one yuan), below 10 billion."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        """Parse the typed amount, accepting full-width digits and thousands separators."""
        if not valuelist or str(valuelist[0]).strip() == "":
            self.data = None
            return
        import unicodedata

        raw = unicodedata.normalize("NFKC", str(valuelist[0])).replace(",", "").strip()
        try:
            self.data = Decimal(raw)
        except InvalidOperation:
            self.data = None
            raise ValueError(_("请输入数字金额（万元）")) from None
        if not self.data.is_finite():
            self.data = None
            raise ValueError(_("请输入数字金额（万元）"))


def check_wan_amount(form: Any, field: Field) -> None:
    """Validator for ``WanField`` values."""
    value = field.data
    if value is None:
        return
    if value < 0:
        raise ValidationError(_("金额不能为负数"))
    if value >= Decimal("1000000"):
        raise ValidationError(_("金额过大（单位为万元）"))
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -4:
        raise ValidationError(_("金额最多保留四位小数（精确到元）"))


def check_subfield(form: Any, field: Field) -> None:
    """The chosen sub-field must belong to the chosen field."""
    if not field.data or form.field.data not in FIELD_VALUES:
        return
    if field.data not in SUBFIELDS[TechField(form.field.data)]:
        raise ValidationError(_("该子领域不属于所选技术领域"))


class AtLeastOne:
    """Require at least one ticked box, without marking every box ``required`` in the HTML."""

    def __init__(self, message: str) -> None:
        self.message = message

    def __call__(self, form: Any, field: Field) -> None:
        """Refuse an empty selection."""
        if not field.data:
            raise StopValidation(self.message)
