"""The solution form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from ..forms_common import MultiCheckboxField, WanField, check_wan_amount


class SolutionForm(FlaskForm):
    """An institution's proposal for a need."""

    summary = TextAreaField("方案概述", validators=[
        InputRequired("请填写方案概述"), Length(min=10, max=2000, message="方案概述需 10–2000 个字")])
    approach = TextAreaField("技术路线", validators=[
        InputRequired("请填写技术路线"), Length(min=10, max=8000, message="技术路线需 10–8000 个字")])
    result_ids = MultiCheckboxField("关联成果", coerce=int, validators=[Optional()])
    price = WanField("报价（万元，留空为面议）", validators=[Optional(), check_wan_amount])
    timeline = TextAreaField("实施周期", validators=[Optional(), Length(max=2000)])
