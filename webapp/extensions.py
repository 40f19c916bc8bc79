"""Flask extensions: log-in, CSRF protection and translations."""

from __future__ import annotations

from flask import Flask, has_request_context, request, session
from flask_babel import Babel, gettext
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect

from models import Language, User
from models.i18n import N_
from models.user import configure_password_hasher

from .db import get_session

login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    # "<id>:<session version>" (User.get_id): a cookie from before the last log-out or
    # password change names an old version and no longer logs anyone in.
    number, _, version = user_id.partition(":")
    if not number.isdigit() or not version.isdigit():
        return None
    user = get_session().get(User, int(number))
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    return user


LANGUAGES = tuple(language.value for language in Language)


def select_locale() -> str:
    """Chinese unless the visitor chose English (``?lang=en``, kept in the session), or,
    without a choice in this session, the language of the logged-in account.

    The same holds for the JSON API: ``?lang=en`` on a request (or a session that chose
    English) answers in English. Outside a request (commands) the language is Chinese.
    """
    if not has_request_context():
        return "zh_CN"
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        session["lang"] = chosen
        return chosen
    stored = session.get("lang")
    if stored in LANGUAGES:
        return str(stored)
    if current_user.is_authenticated:
        return str(current_user.language.value)
    return "zh_CN"


def keep_language(user: User, chosen: object) -> None:
    """Keep a language the user chose on the site (``?lang=``, or before logging in) on the
    account, so that the e-mails the user is sent, and the site on other devices, use it."""
    if chosen in LANGUAGES and user.language != chosen:
        user.language = Language(str(chosen))
        get_session().commit()


def remember_language() -> None:
    """:func:`keep_language` for a logged-in user's ``?lang=`` (the user is loaded only then)."""
    chosen = request.args.get("lang")
    if chosen in LANGUAGES and current_user.is_authenticated:
        keep_language(current_user, chosen)


def init_app(app: Flask) -> None:
    """Attach the extensions to ``app``."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = N_("请先登录。")
    login_manager.localize_callback = gettext
    login_manager.login_message_category = "info"
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    app.before_request(remember_language)
    # Always set, so that an app never inherits the parameters of one made before it.
    configure_password_hasher(**(app.config["PASSWORD_HASH_PARAMS"] or {}))
