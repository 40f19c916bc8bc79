"""E-mail confirmation: a new account reads and logs in at once but posts nothing until its
owner opens the link e-mailed at sign-up (a signed token that expires); and the notice sent
instead when someone signs up with an address that already has an account.

One rule, one place: :func:`refuse_unconfirmed_writes` turns away every write of an unconfirmed
account on the pages, :func:`unconfirmed_api_write` in the API, except the account's own
business (:data:`ALLOWED_ENDPOINTS`).
"""

from __future__ import annotations

from flask import current_app, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from models import OutboxEmail, User, normalise_email, utcnow

from ..errors import error_response, wants_json
from ..permissions import acting_user

_SALT = "innomatch-confirm-email"

#: Writes an unconfirmed account may still make: its own account, tokens, notifications, a
#: preview of suggestions (a read sent as POST), and asking for the link again.
ALLOWED_ENDPOINTS = frozenset({
    "auth.login", "auth.logout", "auth.signup", "auth.change_password_view",
    "auth.forgot_password", "auth.reset_password_view", "auth.resend_confirmation",
    "api_tokens.create", "api_tokens.revoke", "notifications.open_one",
    "notifications.read_all", "notifications.settings",
    "api_v1.tokens_create", "api_v1.tokens_revoke", "api_v1.suggestions_preview",
})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt=_SALT)


def confirmation_token(user: User) -> str:
    """A signed token naming the account and the address it confirms."""
    return _serializer().dumps({"u": user.id, "e": user.email})


def confirm_email(session: Session, token: str) -> tuple[User | None, bool]:
    """Confirm the address the token names: (user, expired). ``(None, False)`` for a token
    that is not ours or names an address the account no longer has; confirming twice is fine."""
    max_age = int(current_app.config["EMAIL_CONFIRM_TTL_HOURS"]) * 3600
    try:
        data = _serializer().loads(token[:500], max_age=max_age)
    except SignatureExpired:
        return None, True
    except BadSignature:
        return None, False
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None, False
    user = session.get(User, data["u"])
    if user is None or user.email != data.get("e"):
        return None, False
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        session.flush()
    return user, False


def send_confirmation(session: Session, user: User) -> OutboxEmail:
    """Put the confirmation e-mail (in the user's language) in the outbox."""
    link = url_for("auth.confirm_email_view", token=confirmation_token(user), _external=True)
    hours = current_app.config["EMAIL_CONFIRM_TTL_HOURS"]
    with force_locale(user.language.value):
        mail = OutboxEmail(
            to_address=user.email, subject=_("[InnoMatch] 请确认您的邮箱"),
            body=_("%(name)s，您好：\n\n欢迎注册 InnoMatch。请在 %(hours)s 小时内打开下面的链接确认邮箱，"
                   "确认后即可发布需求、成果和方案：\n\n%(link)s\n\n"
                   "如果不是您本人注册，请忽略本邮件。\n", name=user.name, hours=hours, link=link))
    session.add(mail)
    session.flush()
    return mail


def send_existing_account_notice(session: Session, user: User) -> OutboxEmail:
    """Tell an address's owner that someone signed up with it (the page says nothing of it)."""
    login = url_for("auth.login", _external=True)
    forgot = url_for("auth.forgot_password", _external=True)
    with force_locale(user.language.value):
        mail = OutboxEmail(
            to_address=user.email, subject=_("[InnoMatch] 有人使用您的邮箱注册"),
            body=_("%(name)s，您好：\n\n有人（也许是您）刚刚使用本邮箱在 InnoMatch 注册，"
                   "但该邮箱已有账号，因此没有新建账号。\n\n如果是您本人，请直接登录：%(login)s\n"
                   "忘记密码可在此重置：%(forgot)s\n\n如果不是您本人操作，请忽略本邮件，"
                   "您的账号不受影响。\n", name=user.name, login=login, forgot=forgot))
    session.add(mail)
    session.flush()
    return mail


def sign_up_notice(email: str) -> str:
    """What sign-up answers, the same whether or not the address already had an account."""
    return _("注册申请已提交。我们已向 %(email)s 发送了一封邮件，请按邮件中的说明确认邮箱后登录。"
             "确认之前可以浏览，但不能发布内容。", email=normalise_email(email))


def unconfirmed_message() -> str:
    """Why a write was refused."""
    return _("请先确认您的邮箱：打开注册时收到的确认邮件中的链接。没有收到？可以在“我的账号”页面重新发送。")


def _needs_confirmation(endpoint: str | None) -> User | None:
    """The acting user if this write must wait for a confirmed address, else ``None``."""
    if request.method in SAFE_METHODS or endpoint in ALLOWED_ENDPOINTS:
        return None
    user = acting_user()
    if user is None or user.email_confirmed:
        return None
    return user


def refuse_unconfirmed_writes() -> Response | tuple[Response | str, int] | None:
    """Before each page request: an unconfirmed account's write is answered 403 with the reason
    and a button that sends the link again (the API checks in its own authentication)."""
    endpoint = request.endpoint
    if endpoint is None or endpoint.startswith("api_v1."):
        return None
    if _needs_confirmation(endpoint) is None:
        return None
    if wants_json():
        return error_response(403, unconfirmed_message(), error="email_unconfirmed")
    return render_template("auth/unconfirmed.html", message=unconfirmed_message()), 403


def unconfirmed_api_write() -> bool:
    """Whether this API request (after its authentication) is a write the acting account may
    not make before it confirms its address."""
    return _needs_confirmation(request.endpoint) is not None
