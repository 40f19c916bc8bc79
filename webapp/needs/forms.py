"""The need form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from models import CooperationMode, Field

from ..forms_common import (
    FIELD_CHOICES,
    MODE_CHOICES,
    PROVINCE_CHOICES,
    SUBFIELD_CHOICES,
    AtLeastOne,
    MultiCheckboxField,
    WanField,
    check_subfield,
    check_wan_amount,
)
from .services import NeedInput


class NeedForm(FlaskForm):
    """Everything an enterprise tells about a need."""

    title = StringField(_l("需求名称"), validators=[
        InputRequired(_l("请填写需求名称")), Length(min=4, max=120, message=_l("需求名称需 4–120 个字"))])
    field = SelectField(_l("技术领域"), choices=FIELD_CHOICES,
                        validators=[InputRequired(_l("请选择技术领域"))])
    subfield = SelectField(_l("子领域"), choices=SUBFIELD_CHOICES,
                           validators=[Optional(), check_subfield])
    problem = TextAreaField(_l("拟解决的技术难题"), validators=[
        InputRequired(_l("请描述拟解决的技术难题")),
        Length(min=10, max=5000, message=_l("技术难题需 10–5000 个字"))])
    indicators = TextAreaField(_l("技术指标"), validators=[Optional(), Length(max=3000)])
    basis = TextAreaField(_l("现有基础"), validators=[Optional(), Length(max=3000)])
    keywords = StringField(_l("关键词"), description=_l("用逗号或空格分隔，最多 10 个"),
                           validators=[Optional(), Length(max=300)])
    budget_negotiable = BooleanField(_l("预算面议"))
    budget_min = WanField(_l("预算下限（万元）"), validators=[Optional(), check_wan_amount])
    budget_max = WanField(_l("预算上限（万元）"), validators=[Optional(), check_wan_amount])
    modes = MultiCheckboxField(_l("合作方式"), choices=MODE_CHOICES,
                               validators=[AtLeastOne(_l("请至少选择一种合作方式"))])
    province = SelectField(_l("所属地区"), choices=PROVINCE_CHOICES,
                           validators=[InputRequired(_l("请选择所属地区"))])
    city = StringField(_l("城市"), validators=[Optional(), Length(max=40)])
    valid_until = DateField(_l("有效期至"), validators=[Optional()])
    show_org_name = BooleanField(_l("公开显示机构名称"), default=True)

    def validate(self, extra_validators: Mapping[str, Sequence[Any]] | None = None) -> bool:
        """Check each field, then the budget range across its two fields."""
        valid = super().validate(extra_validators)
        if self.budget_negotiable.data or self.budget_min.errors or self.budget_max.errors:
            return valid
        low, high = self.budget_min.data, self.budget_max.data
        if low is None and high is None:
            self.budget_max.errors = [*self.budget_max.errors, _("请填写预算范围，或勾选“预算面议”")]
            return False
        if low is not None and high is not None and high < low:
            self.budget_max.errors = [*self.budget_max.errors, _("预算上限不能低于下限")]
            return False
        return valid

    def validate_valid_until(self, field: DateField) -> None:
        """The need must stay valid for a while."""
        if field.data is not None and field.data < dt.date.today():
            raise ValidationError(_("有效期不能早于今天"))

    def validate_keywords(self, field: StringField) -> None:
        """At most ten keywords."""
        from models.listing import MAX_KEYWORDS, split_keywords

        if len(split_keywords(field.data or "")) > MAX_KEYWORDS:
            raise ValidationError(_("关键词最多 %(n)s 个", n=MAX_KEYWORDS))

    def to_input(self) -> NeedInput:
        """The validated fields as the services take them."""
        negotiable = bool(self.budget_negotiable.data)
        return NeedInput(
            title=self.title.data or "", field=Field(self.field.data), subfield=self.subfield.data or "",
            problem=self.problem.data or "", indicators=self.indicators.data or "",
            basis=self.basis.data or "", keywords=self.keywords.data or "",
            budget_min_wan=None if negotiable else self.budget_min.data,
            budget_max_wan=None if negotiable else self.budget_max.data,
            modes=[CooperationMode(m) for m in self.modes.data or []],
            province=self.province.data or "", city=self.city.data or "",
            valid_until=self.valid_until.data, show_org_name=bool(self.show_org_name.data))
