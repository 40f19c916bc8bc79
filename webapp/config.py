"""Configuration defaults; the environment and ``create_app(config)`` override them."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path
from typing import Any


def _secret_key(instance_path: Path) -> str:
    """Read SECRET_KEY from the environment, or keep a random one in the instance folder.

    A key kept on disk survives restarts, so sessions stay valid and every gunicorn worker
    signs cookies with the same key.
    """
    if key := os.environ.get("SECRET_KEY"):
        return key
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32), encoding="ascii")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="ascii").strip()


def default_config(instance_path: Path, with_secret: bool = True) -> dict[str, Any]:
    """The settings an app starts from before ``config`` is applied."""
    sqlite_path = instance_path / "innomatch.db"
    return {
        "SECRET_KEY": _secret_key(instance_path) if with_secret else None,
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{sqlite_path}"),
        "SQLALCHEMY_ECHO": False,
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "LANGUAGES": {"zh_CN": "中文", "en": "English"},
        "PAGE_SIZE": 20,
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        # Attachments (webapp/attachments, docs/operations.md "Attachments"): kept outside
        # static/, each file at most ATTACHMENT_MAX_BYTES, ATTACHMENT_MAX_FILES per form; the
        # forms that take files accept bodies up to ATTACHMENT_REQUEST_MAX_BYTES (by default
        # enough for that many files of the largest size, so that a file too big is an error on
        # its field and the rest of the form is kept).
        "ATTACHMENT_DIR": os.environ.get("ATTACHMENT_DIR", str(instance_path / "attachments")),
        "ATTACHMENT_MAX_BYTES": int(os.environ.get("ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024))),
        "ATTACHMENT_MAX_FILES": 5,
        "ATTACHMENT_REQUEST_MAX_BYTES": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("INNOMATCH_ENV") == "production",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        # Argon2id parameters; tests lower them so that the suite stays quick.
        "PASSWORD_HASH_PARAMS": {},
        # Outgoing e-mail; without MAIL_SERVER the outbox is written to the log instead.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USE_TLS": os.environ.get("MAIL_USE_TLS", "") in ("1", "true", "yes"),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "noreply@innomatch.local"),
        # Matching (docs/matching.md, "Suggestions as users see them"): the matcher ranks;
        # structured compatibility (the parts' relative weights) breaks ties and may move a
        # suggestion by at most the factor 1/(1 + MATCH_PRIOR) (0: on the dev sets any prior
        # cost relevant cross-field results, see docs/matching.md); hits below
        # MATCH_MIN_STRENGTH of the need's own score are not shown; below MATCH_STRONG
        # coverage they are shown marked as weak, and only strong ones notify, name the best
        # institutions and count in the report.
        "MATCH_WEIGHTS": {"field": 0.10, "modes": 0.08, "maturity": 0.05, "price": 0.05,
                          "region": 0.02},
        "MATCH_TOP_K": 10,
        "MATCH_PRIOR": 0.0,
        "MATCH_MIN_STRENGTH": 0.03,
        "MATCH_STRONG": 0.12,
        "DUPLICATE_THRESHOLD": 0.8,
        "MATCHER_PARAMS": None,
        # Security (webapp/security). "production" turns on Secure cookies and HSTS.
        "INNOMATCH_ENV": os.environ.get("INNOMATCH_ENV", "development"),
        # How many reverse proxies in front of the app set X-Forwarded-For (0: none, trust
        # nothing), so that the security log and the rate limits see the client's address.
        "PROXY_HOPS": int(os.environ.get("INNOMATCH_PROXY_HOPS", "0")),
        # Rate limits: shared by every gunicorn worker (and host) through Redis. REDIS_URL names
        # it; without it the app tries REDIS_DETECT_URL (the local Redis) at start with a short
        # time-out and uses it when it answers, else memory per worker with a logged warning
        # (webapp/security/limiter.py, choose_storage). Tests use memory unless told otherwise.
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": os.environ.get("REDIS_URL", ""),
        "REDIS_DETECT_URL": os.environ.get("INNOMATCH_REDIS_DETECT_URL", "redis://127.0.0.1:6379/0"),
        # A Redis that stops answering must not hold requests: half a second, then the limiter
        # falls back to memory for a while.
        "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        "RATELIMIT_HEADERS_ENABLED": True,
        # Without Redis the limits still hold per worker rather than not at all.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_KEY_PREFIX": "innomatch",
        "RATE_LIMIT_LOGIN": "20 per minute;200 per hour",  # every attempt per client address
        # Failed log-ins from one address at one account: that address is refused (429).
        "RATE_LIMIT_LOGIN_ADDRESS_ACCOUNT": "5 per 15 minutes",
        # Failed log-ins at one account from anywhere slow it down, never lock it: after
        # LOGIN_BACKOFF_AFTER failures within LOGIN_BACKOFF_WINDOW_SECONDS each further failure
        # makes the next attempt wait BASE, 2 x BASE, 4 x BASE... up to MAX seconds. A device the
        # account logged in from before (a signed cookie, KNOWN_DEVICE_DAYS) does not wait.
        "LOGIN_BACKOFF_AFTER": 5,
        "LOGIN_BACKOFF_BASE_SECONDS": 2,
        "LOGIN_BACKOFF_MAX_SECONDS": 120,
        "LOGIN_BACKOFF_WINDOW_SECONDS": 3600,
        "KNOWN_DEVICE_DAYS": 180,
        "RATE_LIMIT_SIGNUP": "20 per hour",
        "RATE_LIMIT_PASSWORD_RESET": "10 per hour",  # per client address
        "RATE_LIMIT_PASSWORD_RESET_ACCOUNT": "3 per hour",  # reset e-mails per address
        "RATE_LIMIT_API_TOKEN": "10 per hour",
        "RATE_LIMIT_CONFIRMATION": "5 per hour",  # confirmation e-mails sent again, per user
        # The link e-mailed at sign-up confirms the address for this long.
        "EMAIL_CONFIRM_TTL_HOURS": 48,
        # Sessions end after this long without a request; "remember me" logs in again for
        # REMEMBER_COOKIE_DURATION (Flask-Login's default, 365 days, is far too long).
        "PERMANENT_SESSION_LIFETIME": dt.timedelta(hours=2),
        "REMEMBER_COOKIE_DURATION": dt.timedelta(days=14),
        "PASSWORD_RESET_TTL_MINUTES": 30,
        # Messages in a docking: per user and docking (the page and the API count together),
        # and e-mailed as a digest, at most one e-mail per docking and recipient this often.
        "RATE_LIMIT_MESSAGE": "6 per minute;100 per day",
        "MESSAGE_DIGEST_MINUTES": 10,
        "MESSAGES_PER_PAGE": 20,
        # A new API token's life in days unless its owner chooses another (at most 365).
        "API_TOKEN_DAYS": 90,
        # No deal is signed before the platform started, nor before its docking began.
        "PLATFORM_START_DATE": os.environ.get("INNOMATCH_START_DATE", "2020-01-01"),
        # The report's monthly series shows at most this many months (the latest ones).
        "REPORT_MAX_MONTHS": 120,
    }
