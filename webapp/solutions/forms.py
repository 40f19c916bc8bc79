"""The solution form, on the shared input rules (``webapp.input_rules``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Optional

from .. import input_rules as rules
from ..attachments.forms import AttachmentFields
from ..forms_common import MultiCheckboxField, WanField, check_wan_amount, length, required


class SolutionForm(AttachmentFields, FlaskForm):
    """An institution's proposal for a need, with its files."""

    summary = TextAreaField(_l("方案概述"), validators=[
        required(rules.SOLUTION_SUMMARY), length(rules.SOLUTION_SUMMARY)])
    approach = TextAreaField(_l("技术路线"), validators=[
        required(rules.SOLUTION_APPROACH), length(rules.SOLUTION_APPROACH)])
    result_ids = MultiCheckboxField(_l("关联成果"), coerce=int, validators=[Optional()])
    price = WanField(_l("报价（万元，留空为面议）"), validators=[Optional(), check_wan_amount])
    timeline = TextAreaField(_l("实施周期"), validators=[Optional(), length(rules.TIMELINE)])
