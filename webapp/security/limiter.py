"""Rate limits (Flask-Limiter) on log-in, sign-up, password reset, API tokens and messages.

The limits are read from the configuration at request time (``RATE_LIMIT_*``), so tests and
deployments can change them; the counts live in Redis (``REDIS_URL``, or the local Redis when
it answers at start, see :func:`choose_storage`), so that every gunicorn worker shares them,
and in memory per worker otherwise.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from flask import Flask, Response, current_app, request
from flask_babel import gettext
from flask_limiter import Limiter, RateLimitExceeded, RequestLimit
from werkzeug.exceptions import HTTPException

from models import normalise_email
from models.i18n import N_

log = logging.getLogger("innomatch.security")

#: How long the start-up probe waits for Redis: a missing Redis must not delay the start.
REDIS_PROBE_TIMEOUT = 0.3


def shown_url(url: str) -> str:
    """``url`` without its password, for the log."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))


def redis_answers(url: str, timeout: float = REDIS_PROBE_TIMEOUT) -> bool:
    """Whether a Redis server answers PING at ``url`` within ``timeout`` seconds."""
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except (redis.RedisError, OSError, ValueError):
        return False


def choose_storage(app: Flask) -> str:
    """Set and return where the rate limits count (``RATELIMIT_STORAGE_URI``), and log it.

    An explicit URI (``REDIS_URL``, or a test's ``memory://``) is kept. Otherwise the local Redis
    (``REDIS_DETECT_URL``) is used when it answers PING at once; if not, memory, with a warning:
    each worker then counts on its own, so a limit of N lets up to N per worker through. A test
    app (``TESTING``) uses memory without probing, so the suite never depends on Redis.
    """
    uri = str(app.config.get("RATELIMIT_STORAGE_URI") or "")
    if not uri:
        detect = str(app.config.get("REDIS_DETECT_URL") or "")
        if app.testing or not detect:
            uri = "memory://"
        elif redis_answers(detect):
            uri = detect
        else:
            log.warning("rate limits: no Redis answers at %s; counting in memory, per worker "
                        "(set REDIS_URL to share the limits between workers)", shown_url(detect))
            app.config["RATELIMIT_STORAGE_URI"] = "memory://"
            return "memory://"
    elif uri.startswith(("redis://", "rediss://")) and not redis_answers(uri):
        log.warning("rate limits: Redis at %s does not answer; counting in memory per worker "
                    "until it does", shown_url(uri))
    app.config["RATELIMIT_STORAGE_URI"] = uri
    if uri.startswith("memory"):
        if not app.testing:
            log.warning("rate limits: counting in memory, per worker")
    else:
        log.info("rate limits: shared by every worker in %s", shown_url(uri))
    return uri


def storage_description(app: Flask) -> str:
    """Where ``app``'s rate limits count, in words for the start-up log."""
    uri = str(app.config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if uri.startswith("memory"):
        return "rate limits in memory, per worker (no Redis)"
    return f"rate limits shared by every worker in {shown_url(uri)}"


def client_address() -> str:
    """The client's address (after ProxyFix, when proxies are configured)."""
    return request.remote_addr or "unknown"


def posted_email() -> str:
    """The e-mail address in a posted form, so that one account's limit spans many addresses."""
    try:
        email = normalise_email(request.form.get("email") or "")[:254]
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
    """A form that came back (not a redirect) counts as a failed attempt; an attempt the
    account's back-off turned away (429) does not, as no password was tried."""
    return response.status_code not in (302, 429)


limiter = Limiter(key_func=client_address, on_breach=_on_breach)


def address_and_account() -> str:
    """The client's address with the posted e-mail address: one address's guesses at one account."""
    return f"{client_address()}|{posted_email()}"


def limit_login() -> Callable[[Any], Any]:
    """Log-in: every attempt per address, failed attempts per address and account.

    Failures per account from anywhere are not refused here: they slow the account down
    (:mod:`.backoff`), so that a stranger cannot lock its owner out.
    """
    by_address = limiter.limit(_configured("RATE_LIMIT_LOGIN"), methods=["POST"])
    by_pair = limiter.limit(_configured("RATE_LIMIT_LOGIN_ADDRESS_ACCOUNT"), methods=["POST"],
                            key_func=address_and_account, deduct_when=failed_form)

    def decorate(view: Any) -> Any:
        return by_address(by_pair(view))
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


def limit_confirmation() -> Callable[[Any], Any]:
    """Confirmation e-mails sent again, per user."""
    return limiter.limit(_configured("RATE_LIMIT_CONFIRMATION"), methods=["POST"],
                         key_func=acting_user_key)


def limit_api_token() -> Callable[[Any], Any]:
    """API token creation per user, one count for the account page and the API."""
    return limiter.shared_limit(_configured("RATE_LIMIT_API_TOKEN"), scope="api_token",
                                methods=["POST"], key_func=acting_user_key)


def docking_message_key() -> str:
    """One count per user and docking: a busy thread does not silence the user elsewhere."""
    docking_id = (request.view_args or {}).get("docking_id")
    return f"{acting_user_key()}:docking:{docking_id}"


def message_posted(response: Response) -> bool:
    """Only a message posted counts (201 from the API, the page's redirect), not a refusal."""
    return response.status_code in (201, 302, 303)


MESSAGE_SCOPE = "docking_message"


def limit_docking_message() -> Callable[[Any], Any]:
    """Messages per user per docking (``RATE_LIMIT_MESSAGE``), one count for the docking page
    and the API."""
    return limiter.shared_limit(_configured("RATE_LIMIT_MESSAGE"), scope=MESSAGE_SCOPE,
                                methods=["POST"], key_func=docking_message_key,
                                deduct_when=message_posted)


# "每分钟" / "每 10 分钟": a limit's period, one entry per granularity of the limits library.
PERIODS = {
    "second": (N_("每秒"), N_("每 %(n)s 秒")),
    "minute": (N_("每分钟"), N_("每 %(n)s 分钟")),
    "hour": (N_("每小时"), N_("每 %(n)s 小时")),
    "day": (N_("每天"), N_("每 %(n)s 天")),
    "month": (N_("每月"), N_("每 %(n)s 个月")),
    "year": (N_("每年"), N_("每 %(n)s 年")),
}


def period_text(granularity: str, multiples: int) -> str:
    """A limit's period in the current language."""
    one, many = PERIODS.get(granularity, PERIODS["second"])
    return gettext(one) if multiples == 1 else gettext(many, n=multiples)


def breach_message(exc: RateLimitExceeded) -> str:
    """What a 429 tells the user: the limit that was reached, in words."""
    item = exc.limit.limit
    period = period_text(item.GRANULARITY.name, int(item.multiples))
    if exc.limit.scope == MESSAGE_SCOPE:
        return gettext("在同一对接中每人%(period)s最多发送 %(n)s 条消息，请稍后再试。",
                       period=period, n=item.amount)
    return gettext("请求过于频繁（%(period)s最多 %(n)s 次），请稍后再试。", period=period,
                   n=item.amount)
