"""Docking forms. Each form that changes a docking or a deal carries the version it was
rendered with, so that a stale submission is refused instead of overwriting."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, NumberRange, Optional
from wtforms.widgets import HiddenInput

from models import ContractType, DockingState, DropReason

from .. import input_rules as rules
from ..forms_common import WanField, check_wan_amount, choices, length, required


class InterestForm(FlaskForm):
    """感兴趣: pair a need with a result, with a short message to the other side."""

    need_id = IntegerField(_l("需求"), validators=[InputRequired()])
    result_id = IntegerField(_l("成果"), validators=[InputRequired()])
    message = TextAreaField(_l("留言（可选）"), validators=[Optional(), length(rules.INTEREST_MESSAGE)])


class IntroduceForm(FlaskForm):
    """技术经理人引荐: a broker pairs a need with one of its suggested results."""

    result_id = IntegerField(_l("成果"), validators=[InputRequired()])
    note = TextAreaField(_l("引荐说明（可选）"), validators=[Optional(), length(rules.NOTE)])


class VersionedForm(FlaskForm):
    """A form tied to the version of the record it was rendered with."""

    version = IntegerField(widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=1)])


class MoveForm(VersionedForm):
    """Move a docking to another state; dropping needs a reason."""

    to = SelectField(_l("目标状态"), choices=choices((s.value, _l(s.label)) for s in DockingState),
                     validators=[InputRequired()])
    drop_reason = SelectField(_l("终止原因"), validators=[Optional()],
                              choices=choices(((r.value, _l(r.label)) for r in DropReason),
                                              _l("请选择")))
    note = TextAreaField(_l("说明（可选）"), validators=[Optional(), length(rules.NOTE)])


class BrokerForm(VersionedForm):
    """Assign a broker (0 removes the assignment)."""

    broker_id = SelectField(_l("技术经理人"), coerce=int, validators=[Optional()])


class MessageForm(FlaskForm):
    """A message in the thread, or a broker's note."""

    body = TextAreaField(_l("消息"), validators=[required(rules.MESSAGE_BODY), length(rules.MESSAGE_BODY)])
    is_note = BooleanField(_l("仅作为经理人备注"))


class DealForm(VersionedForm):
    """The signed contract."""

    contract_type = SelectField(
        _l("合同类型"), choices=choices(((c.value, _l(c.label)) for c in ContractType),
                                 _l("请选择合同类型")),
        validators=[InputRequired(rules.CONTRACT_TYPE_REQUIRED)])
    amount = WanField(_l("合同金额（万元）"), validators=[InputRequired(rules.AMOUNT_REQUIRED),
                                               check_wan_amount])
    signed_on = DateField(_l("签约日期"), validators=[InputRequired(rules.SIGNED_ON_REQUIRED)])
    contract_number = StringField(_l("技术合同登记号（可选）"),
                                  validators=[Optional(), length(rules.CONTRACT_NUMBER)])


class DealCorrectionForm(VersionedForm):
    """Correct a deal's amount and date."""

    amount = WanField(_l("合同金额（万元）"), validators=[InputRequired(rules.AMOUNT_REQUIRED),
                                               check_wan_amount])
    signed_on = DateField(_l("签约日期"), validators=[InputRequired(rules.SIGNED_ON_REQUIRED)])
