"""Account pages."""

from __future__ import annotations

from flask import (
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import login_required, login_user, logout_user
from werkzeug.wrappers import Response

from models import Language, OrgKind, OutboxEmail, SecurityEventKind, User, normalise_email

from ..db import get_session
from ..extensions import LANGUAGES, keep_language, select_locale
from ..permissions import acting_user
from ..security.backoff import account_wait, device_knows, record_failure, remember_device
from ..security.limiter import (
    limit_confirmation,
    limit_login,
    limit_password_reset,
    limit_signup,
)
from ..security.log import record_event
from ..security.redirects import safe_next
from . import bp
from .confirmation import (
    confirm_email,
    refuse_unconfirmed_writes,
    send_confirmation,
    send_existing_account_notice,
    sign_up_notice,
)
from .forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    ResetPasswordForm,
    SignupForm,
)
from .services import (
    NewOrganization,
    SignupError,
    authenticate,
    change_password,
    find_reset_token,
    find_user_by_email,
    request_password_reset,
    reset_password,
    sign_up,
)


@bp.route("/signup", methods=["GET", "POST"])
@limit_signup()
def signup() -> Response | str:
    """Create an account (and an organisation, or join one); its owner confirms the address
    by the link e-mailed, and may log in meanwhile.

    The answer is the same whether or not the address already has an account; its owner is
    e-mailed instead of a second account being made.
    """
    form = SignupForm()
    if form.validate_on_submit():
        db = get_session()
        new_org = None
        if form.org_mode.data == "create":
            new_org = NewOrganization(
                name=form.org_name.data or "", kind=OrgKind(form.org_kind.data),
                province=form.province.data or "", city=form.city.data or "",
                credit_code=(form.credit_code.data or "").strip().upper() or None)
        email = form.email.data or ""
        try:
            user, created = sign_up(db, email=email, name=form.name.data or "",
                                    password=form.password.data or "", organization=new_org,
                                    invite_code=form.invite_code.data,
                                    language=Language(select_locale()))
        except SignupError as exc:
            db.rollback()
            field = getattr(form, exc.field)
            field.errors = [*field.errors, exc.message]
        else:
            if created:
                send_confirmation(db, user)
            else:
                send_existing_account_notice(db, user)
            db.commit()
            flash(sign_up_notice(email), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/signup.html", form=form)


@bp.route("/confirm")
def confirm_email_view() -> Response:
    """Confirm the address with the e-mailed link (a signed token that expires)."""
    db = get_session()
    user, expired = confirm_email(db, request.args.get("token", ""))
    if user is None:
        db.rollback()
        if expired:
            flash(_("确认链接已过期，请登录后在“我的账号”页面重新发送。"), "error")
        else:
            flash(_("确认链接无效。"), "error")
        # The home page, not the log-in form: a bad link is no demand to log in.
        return redirect(url_for("main.index"))
    db.commit()
    flash(_("邮箱已确认，现在可以发布内容了。"), "success")
    return redirect(url_for("main.index") if acting_user() else url_for("auth.login"))


@bp.route("/account/confirm", methods=["POST"])
@login_required
@limit_confirmation()
def resend_confirmation() -> Response:
    """Send the confirmation link again to the logged-in account's address."""
    user = acting_user()
    assert user is not None  # login_required
    db = get_session()
    if user.email_confirmed:
        flash(_("您的邮箱已确认。"), "info")
    else:
        send_confirmation(db, user)
        db.commit()
        flash(_("确认邮件已重新发送到 %(email)s，请查收。", email=user.email), "success")
    return redirect(url_for("auth.account"))


def _fresh_session(user: User, remember: bool) -> None:
    """Log ``user`` in on a new session, keeping only the chosen language (which the
    account then keeps too, for its e-mails)."""
    lang = session.get("lang")
    session.clear()
    # A permanent session is signed anew at every request and refused once older than
    # PERMANENT_SESSION_LIFETIME: the idle timeout (remember-me logs in again after it).
    session.permanent = True
    if lang in LANGUAGES:
        session["lang"] = lang
        keep_language(user, lang)
    login_user(user, remember=remember)


@bp.route("/login", methods=["GET", "POST"])
@limit_login()
def login() -> Response | str | tuple[str, int, dict[str, str]]:
    """Log in with e-mail and password.

    Failed attempts at one account slow it down (``security/backoff.py``): while it waits, an
    attempt from a device that never logged in to it is turned away unchecked; the owner's
    own devices are not.
    """
    form = LoginForm()
    if form.validate_on_submit():
        db = get_session()
        email = normalise_email(form.email.data or "")
        known = find_user_by_email(db, email)
        wait = 0 if device_knows(known.id if known else None) else account_wait(email)
        if wait:
            record_event(SecurityEventKind.RATE_LIMITED, email=email,
                         user_id=known.id if known else None, detail=f"account back-off {wait} s")
            form.password.errors = [*form.password.errors, _(
                "该账号近期登录失败次数过多，为保护账号，请 %(seconds)s 秒后再试"
                "（在您登录过的设备上不受此限制）。", seconds=wait)]
            # Flask-Limiter rewrites Retry-After as int(int(now + value) - now), which drops
            # the fraction of the current second: one second more keeps it at the wait.
            return (render_template("auth/login.html", form=form), 429,
                    {"Retry-After": str(wait + 1)})
        user = authenticate(db, email, form.password.data or "")
        if user is None:
            db.rollback()
            record_failure(email)
            record_event(SecurityEventKind.LOGIN_FAILED, email=email,
                         user_id=known.id if known else None)
            form.password.errors = [*form.password.errors, _("邮箱或密码不正确")]
        else:
            db.commit()
            _fresh_session(user, remember=bool(form.remember.data))
            if not user.email_confirmed:
                flash(_("您的邮箱尚未确认：确认之前可以浏览，但不能发布内容。"), "info")
            return remember_device(redirect(safe_next(request.args.get("next"))), user.id)
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["GET", "POST"])
def logout() -> Response | str:
    """Log out (POST); a GET shows a button, so that a link cannot log anyone out."""
    if request.method == "POST":
        user = acting_user()
        if user is not None:
            # A new session version: copies of this session's cookies (and remember-me
            # cookies on other devices) stop working too.
            user.end_sessions()
            record_event(SecurityEventKind.LOGOUT, user_id=user.id, session=get_session())
            get_session().commit()
        logout_user()
        session.clear()
        flash(_("您已退出登录。"), "info")
        return redirect(url_for("main.index"))
    return render_template("auth/logout.html", user=acting_user())


@bp.route("/account")
@login_required
def account() -> str:
    """The user's account and organisation, with the invitation code for colleagues."""
    return render_template("auth/account.html", user=acting_user())


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password_view() -> Response | str:
    """Change the password; every other session of the account ends, this one goes on."""
    user = acting_user()
    assert user is not None  # login_required
    form = ChangePasswordForm()
    if form.validate_on_submit():
        db = get_session()
        if change_password(db, user, form.current.data or "", form.password.data or ""):
            record_event(SecurityEventKind.PASSWORD_CHANGED, user_id=user.id, session=db)
            db.commit()
            remember_cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
            _fresh_session(user, remember=remember_cookie in request.cookies)
            flash(_("密码已修改，其他设备上的登录已失效。"), "success")
            return redirect(url_for("auth.account"))
        db.rollback()
        record_event(SecurityEventKind.LOGIN_FAILED, user_id=user.id, email=user.email,
                     detail="wrong current password at password change")
        form.current.errors = [*form.current.errors, _("当前密码不正确")]
    return render_template("auth/password.html", form=form)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limit_password_reset()
def forgot_password() -> Response | str:
    """Send a reset link; the answer is the same whether or not the address has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        db = get_session()
        email = form.email.data or ""
        issued = request_password_reset(db, email, int(current_app.config["PASSWORD_RESET_TTL_MINUTES"]))
        if issued is not None:
            user, token = issued
            link = url_for("auth.reset_password_view", token=token, _external=True)
            db.add(OutboxEmail(to_address=user.email, subject=_("[InnoMatch] 重置密码"),
                               body=_reset_email(user, link)))
        record_event(SecurityEventKind.PASSWORD_RESET_REQUESTED, email=email,
                     user_id=issued[0].id if issued else None,
                     detail="" if issued else "no active account", session=db)
        db.commit()
        flash(_("如果该邮箱已注册，重置密码的链接已发送，请在 %(minutes)s 分钟内使用。",
                minutes=current_app.config["PASSWORD_RESET_TTL_MINUTES"]), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form)


def _reset_email(user: User, link: str) -> str:
    minutes = current_app.config["PASSWORD_RESET_TTL_MINUTES"]
    return _("%(name)s，您好：\n\n有人（希望是您）请求重置 InnoMatch 账号的密码。"
             "请在 %(minutes)s 分钟内打开下面的链接设置新密码，链接只能使用一次：\n\n%(link)s\n\n"
             "如果不是您本人操作，请忽略本邮件，您的密码不会改变。\n",
             name=user.name, minutes=minutes, link=link)


@bp.route("/password/reset", methods=["GET", "POST"])
@limit_password_reset(per_account=False)
def reset_password_view() -> Response | str:
    """Set a new password with the e-mailed token (in the link, then in a hidden field)."""
    form = ResetPasswordForm()
    db = get_session()
    if request.method == "GET":
        form.token.data = request.args.get("token", "")
        if find_reset_token(db, form.token.data) is None:
            flash(_("重置链接无效或已过期，请重新申请。"), "error")
            return redirect(url_for("auth.forgot_password"))
    elif form.validate_on_submit():
        user = reset_password(db, form.token.data or "", form.password.data or "")
        if user is None:
            db.rollback()
            record_event(SecurityEventKind.PASSWORD_RESET_REFUSED, detail="unknown, used or expired token")
            flash(_("重置链接无效或已过期，请重新申请。"), "error")
            return redirect(url_for("auth.forgot_password"))
        record_event(SecurityEventKind.PASSWORD_RESET_DONE, user_id=user.id, email=user.email,
                     session=db)
        db.commit()
        flash(_("密码已重置，请用新密码登录。"), "success")
        return redirect(url_for("auth.login"))
    response = make_response(render_template("auth/reset.html", form=form))
    # The token is in this page's address: no Referer may carry it anywhere, not even to
    # this site's own access log; and no cache may keep the page that holds it.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


bp.before_app_request(refuse_unconfirmed_writes)
