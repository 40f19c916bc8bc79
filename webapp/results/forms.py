"""The result form."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from models import CooperationMode, Field, IPType
from models import ResultForm as ResultKind
from models.taxonomy import FORM_LABELS, IP_LABELS

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
    choices,
)
from .services import ResultInput

FORM_CHOICES = choices(((f.value, _l(label)) for f, label in FORM_LABELS.items()),
                       _l("请选择成果形式"))
IP_CHOICES = choices(((t.value, _l(label)) for t, label in IP_LABELS.items()), _l("无"))
MAX_IP_NUMBERS = 20


class ResultForm(FlaskForm):
    """Everything an institution tells about a result."""

    title = StringField(_l("成果名称"), validators=[
        InputRequired(_l("请填写成果名称")), Length(min=4, max=120, message=_l("成果名称需 4–120 个字"))])
    field = SelectField(_l("技术领域"), choices=FIELD_CHOICES,
                        validators=[InputRequired(_l("请选择技术领域"))])
    subfield = SelectField(_l("子领域"), choices=SUBFIELD_CHOICES,
                           validators=[Optional(), check_subfield])
    summary = TextAreaField(_l("成果简介"), validators=[
        InputRequired(_l("请填写成果简介")), Length(min=20, max=8000, message=_l("成果简介需 20–8000 个字"))])
    keywords = StringField(_l("关键词"), description=_l("用逗号或空格分隔，最多 10 个"),
                           validators=[Optional(), Length(max=300)])
    form = SelectField(_l("成果形式"), choices=FORM_CHOICES,
                       validators=[InputRequired(_l("请选择成果形式"))])
    trl = IntegerField(_l("技术成熟度（TRL）"), default=4, validators=[
        InputRequired(_l("请选择技术成熟度")), NumberRange(1, 9, _l("成熟度为 TRL 1–9"))])
    ip_type = SelectField(_l("知识产权类型"), choices=IP_CHOICES, validators=[Optional()])
    ip_numbers = TextAreaField(_l("专利号 / 登记号"), description=_l("每行一个"),
                               validators=[Optional(), Length(max=2000)])
    modes = MultiCheckboxField(_l("转化方式"), choices=MODE_CHOICES,
                               validators=[AtLeastOne(_l("请至少选择一种转化方式"))])
    price = WanField(_l("意向价格（万元，留空为面议）"), validators=[Optional(), check_wan_amount])
    team = TextAreaField(_l("团队介绍"), validators=[Optional(), Length(max=3000)])
    contact_name = StringField(_l("联系人"), validators=[Optional(), Length(max=60)])
    contact_phone = StringField(_l("联系电话"), validators=[Optional(), Length(max=40)])
    province = SelectField(_l("所属地区"), choices=PROVINCE_CHOICES,
                           validators=[InputRequired(_l("请选择所属地区"))])
    city = StringField(_l("城市"), validators=[Optional(), Length(max=40)])

    def validate_ip_numbers(self, field: TextAreaField) -> None:
        """Numbers need a type; not too many."""
        numbers = [line.strip() for line in (field.data or "").splitlines() if line.strip()]
        if numbers and not self.ip_type.data:
            raise ValidationError(_("请先选择知识产权类型"))
        if len(numbers) > MAX_IP_NUMBERS:
            raise ValidationError(_("最多填写 %(n)s 个号码", n=MAX_IP_NUMBERS))
        if any(len(n) > 60 for n in numbers):
            raise ValidationError(_("单个号码不能超过 60 个字符"))

    def to_input(self) -> ResultInput:
        """The validated fields as the services take them."""
        numbers = [n.strip() for n in (self.ip_numbers.data or "").splitlines() if n.strip()]
        ip_type = IPType(self.ip_type.data) if self.ip_type.data else None
        ip = [(ip_type, n) for n in numbers] if ip_type else []
        if ip_type and not numbers:
            ip = [(ip_type, "")]
        return ResultInput(
            title=self.title.data or "", field=Field(self.field.data),
            subfield=self.subfield.data or "", summary=self.summary.data or "",
            keywords=self.keywords.data or "", form=ResultKind(self.form.data),
            trl=int(self.trl.data or 1), ip=ip,
            modes=[CooperationMode(m) for m in self.modes.data or []], price_wan=self.price.data,
            team=self.team.data or "", contact_name=self.contact_name.data or "",
            contact_phone=self.contact_phone.data or "", province=self.province.data or "",
            city=self.city.data or "")
