"""The solution form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from ..forms_common import MultiCheckboxField, WanField, check_wan_amount


class SolutionForm(FlaskForm):
    """An institution's proposal for a need."""

    summary = TextAreaField(_l("方案概述"), validators=[
        InputRequired(_l("请填写方案概述")), Length(min=10, max=2000, message=_l("方案概述需 10–2000 个字"))])
    approach = TextAreaField(_l("技术路线"), validators=[
        InputRequired(_l("请填写技术路线")), Length(min=10, max=8000, message=_l("技术路线需 10–8000 个字"))])
    result_ids = MultiCheckboxField(_l("关联成果"), coerce=int, validators=[Optional()])
    price = WanField(_l("报价（万元，留空为面议）"), validators=[Optional(), check_wan_amount])
    timeline = TextAreaField(_l("实施周期"), validators=[Optional(), Length(max=2000)])
