"""Failed log-ins at one account slow it down and never lock it; its owner's devices go on.

A limit per account that refuses (429) lets any stranger lock the owner out by failing on
purpose. Here failures at one account, from any address, only make the next attempt wait:
after ``LOGIN_BACKOFF_AFTER`` failures within ``LOGIN_BACKOFF_WINDOW_SECONDS`` each further
failure sets a wait of ``BASE``, ``2 x BASE``, ``4 x BASE``... seconds, at most ``MAX``, during
which attempts are turned away unchecked (no password is tried). A device the account logged
in from before carries a signed cookie naming it (:func:`remember_device`) and never waits, so
the owner is not blocked by someone else's failures.

The counts live where the rate limits do (Redis shared by every worker, see
:func:`.limiter.choose_storage`); if that storage fails, in this worker's memory meanwhile.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable
from typing import TypeVar

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits.storage import MemoryStorage, Storage
from werkzeug.wrappers import Response

from .limiter import limiter

log = logging.getLogger("innomatch.security")

DEVICE_COOKIE = "innomatch_device"
#: Accounts one device remembers (several people may share a computer).
DEVICE_ACCOUNTS = 5
_DEVICE_SALT = "innomatch-known-device"

_fallback = MemoryStorage()
T = TypeVar("T")


def _on_storage(operation: Callable[[Storage], T]) -> T:
    """Run ``operation`` on the limiter's storage, or on this worker's memory if it fails."""
    try:
        return operation(limiter.limiter.storage)
    except Exception as exc:  # Redis gone: slow down per worker rather than not at all
        log.warning("log-in back-off: rate limit storage failed (%r); counting in memory", exc)
        return operation(_fallback)


def _keys(email: str) -> tuple[str, str]:
    digest = hashlib.sha256(email.encode("utf-8")).hexdigest()[:32]
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or "innomatch"
    return f"{prefix}/login-backoff/failures/{digest}", f"{prefix}/login-backoff/wait/{digest}"


def _enabled() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED", True))


def backoff_delay(failures: int) -> int:
    """The wait in seconds after the ``failures``-th failure in the window (0: none yet)."""
    config = current_app.config
    over = failures - int(config["LOGIN_BACKOFF_AFTER"])
    if over <= 0:
        return 0
    base, most = int(config["LOGIN_BACKOFF_BASE_SECONDS"]), int(config["LOGIN_BACKOFF_MAX_SECONDS"])
    # min() before the power would overflow nothing, but keeps the number small.
    return max(1, min(most, base * 2 ** min(over - 1, 30)))


def account_wait(email: str) -> int:
    """Seconds before ``email``'s account may be tried again from an unknown device (0: now)."""
    if not _enabled() or not email:
        return 0
    _, wait_key = _keys(email)

    def remaining(storage: Storage) -> int:
        if storage.get(wait_key) <= 0:
            return 0
        return max(1, math.ceil(storage.get_expiry(wait_key) - time.time()))
    return _on_storage(remaining)


def record_failure(email: str) -> int:
    """Count a failed log-in at ``email``'s account; returns the wait it now imposes."""
    if not _enabled() or not email:
        return 0
    failures_key, wait_key = _keys(email)
    window = int(current_app.config["LOGIN_BACKOFF_WINDOW_SECONDS"])

    def count(storage: Storage) -> int:
        delay = backoff_delay(storage.incr(failures_key, window))
        if delay:
            # A fresh key, so that its expiry is this delay (incr sets it only on creation).
            storage.clear(wait_key)
            storage.incr(wait_key, delay)
        return delay
    return _on_storage(count)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt=_DEVICE_SALT)


def known_accounts() -> list[int]:
    """The accounts that logged in from this device (its signed cookie), newest first."""
    value = request.cookies.get(DEVICE_COOKIE)
    if not value or len(value) > 500:
        return []
    max_age = int(current_app.config["KNOWN_DEVICE_DAYS"]) * 86400
    try:
        ids = _serializer().loads(value, max_age=max_age)
    except BadSignature:  # also an expired one (SignatureExpired)
        return []
    if not isinstance(ids, list):
        return []
    return [i for i in ids if isinstance(i, int) and not isinstance(i, bool)][:DEVICE_ACCOUNTS]


def device_knows(user_id: int | None) -> bool:
    """Whether this device logged in to account ``user_id`` before."""
    return user_id is not None and user_id in known_accounts()


def remember_device(response: Response, user_id: int) -> Response:
    """Mark this device as one ``user_id`` logs in from (a signed, HttpOnly cookie)."""
    ids = [user_id, *(i for i in known_accounts() if i != user_id)][:DEVICE_ACCOUNTS]
    config = current_app.config
    response.set_cookie(DEVICE_COOKIE, _serializer().dumps(ids),
                        max_age=int(config["KNOWN_DEVICE_DAYS"]) * 86400, httponly=True,
                        secure=bool(config.get("SESSION_COOKIE_SECURE")), samesite="Lax")
    return response
