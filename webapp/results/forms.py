"""The result form, on the shared input rules (``webapp.input_rules``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from models import CooperationMode, Field, IPType
from models import ResultForm as ResultKind
from models.taxonomy import FORM_LABELS, IP_LABELS

from .. import input_rules as rules
from ..forms_common import (
    MODE_CHOICES,
    AtLeastOne,
    MultiCheckboxField,
    WanField,
    check_wan_amount,
    choices,
    formdata,
    keywords_text,
    length,
    number_range,
    required,
)
from ..listings.forms import ListingForm
from .services import ResultInput

FORM_CHOICES = choices(((f.value, _l(label)) for f, label in FORM_LABELS.items()),
                       _l("请选择成果形式"))
IP_CHOICES = choices(((t.value, _l(label)) for t, label in IP_LABELS.items()), _l("无"))
# Form field name → the name a plain value goes by (API bodies, spreadsheet columns).
RESULT_FORM_NAMES = {"price": "price_wan"}


def ip_number_lines(text: str | None) -> list[str]:
    """The patent or registration numbers typed one per line."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class ResultForm(ListingForm):
    """Everything an institution tells about a result."""

    title = StringField(_l("成果名称"), validators=[
        required(rules.RESULT_TITLE), length(rules.RESULT_TITLE)])
    summary = TextAreaField(_l("成果简介"), validators=[
        required(rules.RESULT_SUMMARY), length(rules.RESULT_SUMMARY)])
    form = SelectField(_l("成果形式"), choices=FORM_CHOICES,
                       validators=[InputRequired(rules.FORM_REQUIRED)])
    trl = IntegerField(_l("技术成熟度（TRL）"), default=4, validators=[
        required(rules.TRL), number_range(rules.TRL)])
    ip_type = SelectField(_l("知识产权类型"), choices=IP_CHOICES, validators=[Optional()])
    ip_numbers = TextAreaField(_l("专利号 / 登记号"), description=_l("每行一个"),
                               validators=[Optional(), Length(max=2000)])
    modes = MultiCheckboxField(_l("转化方式"), choices=MODE_CHOICES,
                               validators=[AtLeastOne(rules.RESULT_MODES_REQUIRED)])
    price = WanField(_l("意向价格（万元，留空为面议）"), validators=[Optional(), check_wan_amount])
    team = TextAreaField(_l("团队介绍"), validators=[Optional(), length(rules.TEAM)])
    contact_name = StringField(_l("联系人"), validators=[Optional(), length(rules.CONTACT_NAME)])
    contact_phone = StringField(_l("联系电话"), validators=[Optional(), length(rules.CONTACT_PHONE)])

    def validate_ip_numbers(self, field: TextAreaField) -> None:
        """Numbers need a type; not too many."""
        problem = rules.ip_numbers_problem(self.ip_type.data, ip_number_lines(field.data))
        if problem:
            raise ValidationError(problem)

    def fill(self, listing: Any) -> None:
        """Show a result being edited, its form, price and rights too."""
        super().fill(listing)
        self.form.data = listing.form.value if listing.form is not None else ""
        self.price.data = listing.price_wan
        if listing.ip_rights:
            self.ip_type.data = listing.ip_rights[0].ip_type.value
            self.ip_numbers.data = "\n".join(ip.number for ip in listing.ip_rights if ip.number)

    def to_input(self) -> ResultInput:
        """The validated fields as the services take them."""
        numbers = ip_number_lines(self.ip_numbers.data)
        ip_type = IPType(self.ip_type.data) if self.ip_type.data else None
        ip = [(ip_type, n) for n in numbers] if ip_type else []
        if ip_type and not numbers:
            ip = [(ip_type, "")]
        return ResultInput(
            title=self.title.data or "",
            field=Field(self.field.data) if self.field.data else None,
            subfield=self.subfield.data or "", summary=self.summary.data or "",
            keywords=self.keywords.data or "",
            form=ResultKind(self.form.data) if self.form.data else None,
            trl=self.trl.data, ip=ip,
            modes=[CooperationMode(m) for m in self.modes.data or []], price_wan=self.price.data,
            team=self.team.data or "", contact_name=self.contact_name.data or "",
            contact_phone=self.contact_phone.data or "", province=self.province.data or "",
            city=self.city.data or "")


def result_form(values: Mapping[str, Any]) -> ResultForm:
    """The result form filled from plain values (an imported row), named as the API names them."""
    data = formdata({
        "title": values.get("title"), "field": values.get("field"),
        "subfield": values.get("subfield"), "summary": values.get("summary"),
        "keywords": keywords_text(values.get("keywords")),
        "form": values.get("form"), "trl": values.get("trl"), "ip_type": values.get("ip_type"),
        "ip_numbers": "\n".join(str(n) for n in values.get("ip_numbers") or []),
        "modes": list(values.get("modes") or []), "price": values.get("price_wan"),
        "team": values.get("team"), "contact_name": values.get("contact_name"),
        "contact_phone": values.get("contact_phone"), "province": values.get("province"),
        "city": values.get("city"),
    })
    return ResultForm(formdata=data, meta={"csrf": False})
