"""The need form, on the shared input rules (``webapp.input_rules``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, StringField, TextAreaField
from wtforms.validators import Optional, ValidationError

from models import CooperationMode, Field

from .. import input_rules as rules
from ..forms_common import (
    MODE_CHOICES,
    AtLeastOne,
    MultiCheckboxField,
    WanField,
    check_wan_amount,
    formdata,
    keywords_text,
    length,
    required,
)
from ..listings.forms import ListingForm
from .services import NeedInput

# Form field name → the name a plain value goes by (API bodies, spreadsheet columns), for
# messages that point at what was sent.
NEED_FORM_NAMES = {"budget_min": "budget_min_wan", "budget_max": "budget_max_wan",
                   "budget_negotiable": "budget_min_wan"}


class NeedForm(ListingForm):
    """Everything an enterprise tells about a need."""

    title = StringField(_l("需求名称"), validators=[
        required(rules.NEED_TITLE), length(rules.NEED_TITLE)])
    problem = TextAreaField(_l("拟解决的技术难题"), validators=[
        required(rules.NEED_PROBLEM), length(rules.NEED_PROBLEM)])
    indicators = TextAreaField(_l("技术指标"), validators=[Optional(), length(rules.INDICATORS)])
    basis = TextAreaField(_l("现有基础"), validators=[Optional(), length(rules.BASIS)])
    budget_negotiable = BooleanField(_l("预算面议"))
    budget_min = WanField(_l("预算下限（万元）"), validators=[Optional(), check_wan_amount])
    budget_max = WanField(_l("预算上限（万元）"), validators=[Optional(), check_wan_amount])
    modes = MultiCheckboxField(_l("合作方式"), choices=MODE_CHOICES,
                               validators=[AtLeastOne(rules.NEED_MODES_REQUIRED)])
    valid_until = DateField(_l("有效期至"), validators=[Optional()])
    show_org_name = BooleanField(_l("公开显示机构名称"), default=True)

    def validate(self, extra_validators: Mapping[str, Sequence[Any]] | None = None) -> bool:
        """Check each field, then the budget range across its two fields."""
        valid = super().validate(extra_validators)
        if self.budget_negotiable.data or self.budget_min.errors or self.budget_max.errors:
            return valid
        low, high = self.budget_min.data, self.budget_max.data
        if low is None and high is None and self.drafting:
            return valid
        if low is None and high is None:
            self.budget_max.errors = [*self.budget_max.errors, _("请填写预算范围，或勾选“预算面议”")]
            return False
        problem = rules.budget_problem(low, high)
        if problem:
            self.budget_max.errors = [*self.budget_max.errors, problem]
            return False
        return valid

    def validate_valid_until(self, field: DateField) -> None:
        """The need must stay valid for a while."""
        problem = rules.valid_until_problem(field.data)
        if problem:
            raise ValidationError(problem)

    def fill(self, listing: Any) -> None:
        """Show a need being edited, its budget too."""
        super().fill(listing)
        self.budget_negotiable.data = listing.budget_negotiable
        self.budget_min.data = listing.budget_min_wan
        self.budget_max.data = listing.budget_max_wan

    def to_input(self) -> NeedInput:
        """The validated fields as the services take them."""
        negotiable = bool(self.budget_negotiable.data)
        return NeedInput(
            title=self.title.data or "",
            field=Field(self.field.data) if self.field.data else None,
            subfield=self.subfield.data or "",
            problem=self.problem.data or "", indicators=self.indicators.data or "",
            basis=self.basis.data or "", keywords=self.keywords.data or "",
            budget_min_wan=None if negotiable else self.budget_min.data,
            budget_max_wan=None if negotiable else self.budget_max.data,
            modes=[CooperationMode(m) for m in self.modes.data or []],
            province=self.province.data or "", city=self.city.data or "",
            valid_until=self.valid_until.data, show_org_name=bool(self.show_org_name.data))


def need_form(values: Mapping[str, Any]) -> NeedForm:
    """The need form filled from plain values (an imported row), named as the API names them;
    both budget ends empty means 面议."""
    negotiable = values.get("budget_min_wan") is None and values.get("budget_max_wan") is None
    data = formdata({
        "title": values.get("title"), "field": values.get("field"),
        "subfield": values.get("subfield"), "problem": values.get("problem"),
        "indicators": values.get("indicators"), "basis": values.get("basis"),
        "keywords": keywords_text(values.get("keywords")), "budget_negotiable": negotiable,
        "budget_min": values.get("budget_min_wan"), "budget_max": values.get("budget_max_wan"),
        "modes": list(values.get("modes") or []), "province": values.get("province"),
        "city": values.get("city"), "valid_until": values.get("valid_until"),
        "show_org_name": bool(values.get("show_org_name", True)),
    })
    return NeedForm(formdata=data, meta={"csrf": False})
