"""Forms for accounts."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
)
from wtforms.validators import Email, EqualTo, InputRequired, Length, Optional, ValidationError

from models import normalise_email
from models.enums import OrgKind
from models.validators import is_valid_credit_code, normalize_credit_code

from ..forms_common import PROVINCE_CHOICES, choices
from .services import password_problem

ORG_KIND_CHOICES = choices((k.value, _l(k.label)) for k in OrgKind)


def _normal_email(value: str | None) -> str:
    """Every form reads an address in its one normal form (full-width, case, white space)."""
    return normalise_email(value or "")


class LoginForm(FlaskForm):
    """E-mail and password."""

    email = EmailField(_l("邮箱"), filters=[_normal_email],
                       validators=[InputRequired(_l("请输入邮箱")), Length(max=254)])
    password = PasswordField(_l("密码"), validators=[InputRequired(_l("请输入密码")), Length(max=200)])
    remember = BooleanField(_l("记住我"))


class SignupForm(FlaskForm):
    """A new account that creates an organisation or joins one with an invitation code."""

    email = EmailField(_l("邮箱"), filters=[_normal_email], validators=[
        InputRequired(_l("请输入邮箱")), Email(_l("邮箱格式不正确"), check_deliverability=False),
        Length(max=254)])
    name = StringField(_l("姓名"), validators=[InputRequired(_l("请输入姓名")), Length(max=60)])
    password = PasswordField(_l("密码"), validators=[InputRequired(_l("请输入密码")), Length(max=200)])
    confirm = PasswordField(_l("确认密码"), validators=[
        InputRequired(_l("请再次输入密码")), EqualTo("password", _l("两次输入的密码不一致"))])
    org_mode = RadioField(_l("机构"), default="create", validators=[InputRequired(_l("请选择"))],
                          choices=choices([("create", _l("创建新机构")),
                                           ("join", _l("凭邀请码加入已有机构"))]))
    invite_code = StringField(_l("邀请码"), validators=[Length(max=24)])
    org_name = StringField(_l("机构名称"), validators=[Length(max=100)])
    org_kind = SelectField(_l("机构类型"), choices=ORG_KIND_CHOICES, validators=[Optional()])
    province = SelectField(_l("所属地区"), choices=PROVINCE_CHOICES)
    city = StringField(_l("城市"), validators=[Optional(), Length(max=40)])
    credit_code = StringField(_l("统一社会信用代码（选填）"), validators=[Optional(), Length(max=18)])

    def validate_password(self, field: PasswordField) -> None:
        """Refuse short and common passwords."""
        if problem := password_problem(field.data or ""):
            raise ValidationError(problem)

    def validate_invite_code(self, field: StringField) -> None:
        """Joining needs a code."""
        if self.org_mode.data == "join" and not (field.data or "").strip():
            raise ValidationError(_("请输入机构管理员提供的邀请码"))

    def validate_org_name(self, field: StringField) -> None:
        """Creating needs a name."""
        if self.org_mode.data == "create" and len((field.data or "").strip()) < 2:
            raise ValidationError(_("请输入机构名称（至少 2 个字）"))

    def validate_province(self, field: SelectField) -> None:
        """Creating needs a region."""
        if self.org_mode.data == "create" and not field.data:
            raise ValidationError(_("请选择所属地区"))

    def validate_credit_code(self, field: StringField) -> None:
        """Check the code's format and check character."""
        if field.data and not is_valid_credit_code(normalize_credit_code(field.data)):
            raise ValidationError(_("统一社会信用代码格式不正确（18位，含校验位）"))


class ForgotPasswordForm(FlaskForm):
    """The address to send a reset link to."""

    email = EmailField(_l("邮箱"), filters=[_normal_email],
                       validators=[InputRequired(_l("请输入邮箱")), Length(max=254)])


class _NewPasswordForm(FlaskForm):
    password = PasswordField(_l("新密码"), validators=[InputRequired(_l("请输入新密码")), Length(max=200)])
    confirm = PasswordField(_l("确认新密码"), validators=[
        InputRequired(_l("请再次输入新密码")), EqualTo("password", _l("两次输入的密码不一致"))])

    def validate_password(self, field: PasswordField) -> None:
        """Refuse short and common passwords."""
        if problem := password_problem(field.data or ""):
            raise ValidationError(problem)


class ResetPasswordForm(_NewPasswordForm):
    """A new password, with the token from the e-mail in a hidden field."""

    token = HiddenField(validators=[InputRequired(), Length(max=100)])


class ChangePasswordForm(_NewPasswordForm):
    """The current password and a new one."""

    current = PasswordField(_l("当前密码"), validators=[InputRequired(_l("请输入当前密码")), Length(max=200)])

    def validate_password(self, field: PasswordField) -> None:
        """Refuse weak passwords and the current one."""
        super().validate_password(field)
        if field.data and field.data == self.current.data:
            raise ValidationError(_("新密码不能与当前密码相同"))
