"""Account pages."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import login_required, login_user, logout_user
from werkzeug.wrappers import Response

from models import OrgKind

from ..db import get_session
from ..permissions import acting_user
from . import bp
from .forms import LoginForm, SignupForm
from .services import NewOrganization, SignupError, authenticate, sign_up


def _safe_next(target: str | None) -> str:
    """Only same-site paths are followed after log-in."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("main.index")


@bp.route("/signup", methods=["GET", "POST"])
def signup() -> Response | str:
    """Create an account (and an organisation, or join one)."""
    form = SignupForm()
    if form.validate_on_submit():
        db = get_session()
        new_org = None
        if form.org_mode.data == "create":
            new_org = NewOrganization(
                name=form.org_name.data or "", kind=OrgKind(form.org_kind.data),
                province=form.province.data or "", city=form.city.data or "",
                credit_code=(form.credit_code.data or "").strip().upper() or None)
        try:
            user = sign_up(db, email=form.email.data or "", name=form.name.data or "",
                           password=form.password.data or "", organization=new_org,
                           invite_code=form.invite_code.data)
        except SignupError as exc:
            db.rollback()
            field = getattr(form, exc.field)
            field.errors = [*field.errors, exc.message]
        else:
            db.commit()
            session.clear()
            login_user(user)
            flash("注册成功，欢迎加入！", "success")
            return redirect(url_for("main.index"))
    return render_template("auth/signup.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str:
    """Log in with e-mail and password."""
    form = LoginForm()
    if form.validate_on_submit():
        db = get_session()
        user = authenticate(db, form.email.data or "", form.password.data or "")
        if user is None:
            form.password.errors = [*form.password.errors, "邮箱或密码不正确"]
        else:
            db.commit()
            lang = session.get("lang")
            session.clear()  # a fresh session at log-in
            if lang:
                session["lang"] = lang
            login_user(user, remember=bool(form.remember.data))
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["GET", "POST"])
def logout() -> Response | str:
    """Log out (POST); a GET shows a button, so that a link cannot log anyone out."""
    if request.method == "POST":
        logout_user()
        session.clear()
        flash("您已退出登录。", "info")
        return redirect(url_for("main.index"))
    return render_template("auth/logout.html", user=acting_user())


@bp.route("/account")
@login_required
def account() -> str:
    """The user's account and organisation, with the invitation code for colleagues."""
    return render_template("auth/account.html", user=acting_user())
