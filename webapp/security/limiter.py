"""Rate limits (Flask-Limiter) on log-in, sign-up, password reset and API tokens.

The limits are read from the configuration at request time (``RATE_LIMIT_*``), so tests and
deployments can change them; the counts live in Redis when ``REDIS_URL`` is set, so that every
gunicorn worker shares them, and in memory otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, current_app, request
from flask_limiter import Limiter, RequestLimit
from werkzeug.exceptions import HTTPException


def client_address() -> str:
    """The client's address (after ProxyFix, when proxies are configured)."""
    return request.remote_addr or "unknown"


def posted_email() -> str:
    """The e-mail address in a posted form, so that one account's limit spans many addresses."""
    try:
        email = (request.form.get("email") or "").strip().lower()[:254]
    except HTTPException:
        # An oversized body: the view answers 413 itself. An exception here would make
        # Flask-Limiter take its storage for dead and fall back to memory for a while.
        email = ""
    return f"account:{email}"


def _configured(name: str) -> Callable[[], str]:
    def limit() -> str:
        return str(current_app.config[name])
    return limit


def _on_breach(limit: RequestLimit) -> None:
    from models import SecurityEventKind

    from .log import record_event

    record_event(SecurityEventKind.RATE_LIMITED, email=posted_email().removeprefix("account:"),
                 detail=f"limit {limit.limit}")


def failed_form(response: Response) -> bool:
    """A form that came back (not a redirect) counts as a failed attempt."""
    return response.status_code != 302


limiter = Limiter(key_func=client_address, on_breach=_on_breach)


def limit_login() -> Callable[[Any], Any]:
    """Log-in: every attempt per address, failed attempts per account."""
    by_address = limiter.limit(_configured("RATE_LIMIT_LOGIN"), methods=["POST"])
    by_account = limiter.limit(_configured("RATE_LIMIT_LOGIN_ACCOUNT"), methods=["POST"],
                               key_func=posted_email, deduct_when=failed_form)

    def decorate(view: Any) -> Any:
        return by_address(by_account(view))
    return decorate


def limit_signup() -> Callable[[Any], Any]:
    """Sign-up: posts per address."""
    return limiter.limit(_configured("RATE_LIMIT_SIGNUP"), methods=["POST"])


def limit_password_reset(per_account: bool = True) -> Callable[[Any], Any]:
    """Reset posts per address, and (where an address is posted) reset e-mails per account."""
    by_address = limiter.limit(_configured("RATE_LIMIT_PASSWORD_RESET"), methods=["POST"])
    if not per_account:
        return by_address
    by_account = limiter.limit(_configured("RATE_LIMIT_PASSWORD_RESET_ACCOUNT"), methods=["POST"],
                               key_func=posted_email)

    def decorate(view: Any) -> Any:
        return by_address(by_account(view))
    return decorate


def acting_user_key() -> str:
    """The logged-in user (token creation needs one), else the address."""
    from flask_login import current_user

    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return client_address()


def limit_api_token() -> Callable[[Any], Any]:
    """API token creation per user, one count for the account page and the API."""
    return limiter.shared_limit(_configured("RATE_LIMIT_API_TOKEN"), scope="api_token",
                                methods=["POST"], key_func=acting_user_key)
