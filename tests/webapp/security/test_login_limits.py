"""Issue 18.6: log-in limits per address, per address and account, and per account as a
back-off that slows and never locks, with the owner's known devices exempt; the limits' storage
is the local Redis when it answers (tests/reliability/test_shared_rate_limits.py runs two
workers on it), memory otherwise with a warning."""

from __future__ import annotations

import importlib
import logging
import time
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import SecurityEvent, SecurityEventKind, User
from webapp import create_app, gunicorn_conf
from webapp.security.backoff import DEVICE_COOKIE, backoff_delay
from webapp.security.limiter import choose_storage

from support import CHEAP_ARGON2, PASSWORD, login, page_text

# The module, not the Limiter object that webapp.security exports under the same name.
limiter_module = importlib.import_module("webapp.security.limiter")


def _attempt(app: Flask, email: str, password: str, address: str,
             client: FlaskClient | None = None) -> int:
    client = client or app.test_client()
    response = client.post("/login", data={"email": email, "password": password},
                           environ_base={"REMOTE_ADDR": address})
    return response.status_code


def _checked_passwords(db: Session) -> int:
    db.expire_all()
    return len(db.scalars(select(SecurityEvent)
                          .where(SecurityEvent.kind == SecurityEventKind.LOGIN_FAILED)).all())


@pytest.fixture
def slow_down(app: Flask) -> Flask:
    """Back-off after 3 failures; address limits out of the way."""
    app.config.update(LOGIN_BACKOFF_AFTER=3, LOGIN_BACKOFF_BASE_SECONDS=1,
                      LOGIN_BACKOFF_MAX_SECONDS=2, RATE_LIMIT_LOGIN="1000 per minute",
                      RATE_LIMIT_LOGIN_ADDRESS_ACCOUNT="1000 per minute")
    return app


def test_rate_limits_login_back_off_doubles_up_to_the_ceiling(app: Flask) -> None:
    with app.app_context():
        assert [backoff_delay(n) for n in range(1, 14)] == [0, 0, 0, 0, 0, 2, 4, 8, 16, 32,
                                                            64, 120, 120]


def test_rate_limits_login_per_address_and_account(app: Flask, enterprise_user: User,
                                                   other_enterprise_user: User) -> None:
    app.config["RATE_LIMIT_LOGIN_ADDRESS_ACCOUNT"] = "3 per 15 minutes"
    email = enterprise_user.email
    assert [_attempt(app, email, "bad-guess", "10.1.1.1") for _ in range(3)] == [200, 200, 200]
    # That address may no longer try that account, not even with the right password...
    assert _attempt(app, email, PASSWORD, "10.1.1.1") == 429
    # ...but it may try another account, and the owner elsewhere is not refused.
    assert _attempt(app, other_enterprise_user.email, "bad-guess", "10.1.1.1") == 200
    assert _attempt(app, email, PASSWORD, "10.2.2.2") == 302


def test_rate_limits_login_successes_do_not_count(app: Flask, enterprise_user: User) -> None:
    app.config.update(RATE_LIMIT_LOGIN_ADDRESS_ACCOUNT="2 per minute", LOGIN_BACKOFF_AFTER=1)
    for _ in range(4):
        login(app.test_client(), enterprise_user)


def test_rate_limits_login_account_spray_slows(slow_down: Flask, db: Session,
                                               enterprise_user: User) -> None:
    app, email = slow_down, enterprise_user.email
    app.config.update(LOGIN_BACKOFF_BASE_SECONDS=60, LOGIN_BACKOFF_MAX_SECONDS=60)
    # 40 addresses, one guess each: the fourth failure (the first past the free three) sets a
    # wait, and every later guess is turned away unchecked.
    codes = [_attempt(app, email, f"guess-{n}-x", f"198.51.100.{n}") for n in range(40)]
    assert codes == [200] * 4 + [429] * 36
    assert _checked_passwords(db) == 4
    events = db.scalars(select(SecurityEvent).where(
        SecurityEvent.kind == SecurityEventKind.RATE_LIMITED)).all()
    assert len(events) == 36 and all(e.detail.startswith("account back-off") for e in events)


def test_rate_limits_login_account_back_off_never_locks(slow_down: Flask,
                                                        enterprise_user: User) -> None:
    app, email = slow_down, enterprise_user.email
    app.config.update(LOGIN_BACKOFF_AFTER=1, LOGIN_BACKOFF_BASE_SECONDS=2,
                      LOGIN_BACKOFF_MAX_SECONDS=2)
    assert [_attempt(app, email, "guess-x-1", "198.51.100.1") for _ in range(2)] == [200, 200]
    # The owner on a device never used before is slowed too, and told for how long...
    late = app.test_client().post("/login", data={"email": email, "password": PASSWORD},
                                  environ_base={"REMOTE_ADDR": "203.0.113.5"})
    assert late.status_code == 429
    wait = int(late.headers["Retry-After"])
    assert 1 <= wait <= 2
    assert "秒后再试" in page_text(late)
    # ...and never locked out: after the wait the right password works.
    time.sleep(wait + 0.3)
    assert _attempt(app, email, PASSWORD, "203.0.113.5") == 302


def test_rate_limits_login_known_device_is_not_blocked_by_others_failures(
        slow_down: Flask, enterprise_user: User, other_enterprise_user: User) -> None:
    app, email = slow_down, enterprise_user.email
    laptop = login(app.test_client(), enterprise_user)
    laptop.post("/logout")
    assert laptop.get_cookie(DEVICE_COOKIE) is not None
    # A colleague's computer knows another account only.
    shared = login(app.test_client(), other_enterprise_user)
    app.config.update(LOGIN_BACKOFF_BASE_SECONDS=60, LOGIN_BACKOFF_MAX_SECONDS=60)
    for n in range(10):
        _attempt(app, email, f"guess-{n}-x", f"192.0.2.{n}")
    assert _attempt(app, email, PASSWORD, "10.0.0.7") == 429
    assert _attempt(app, email, PASSWORD, "10.0.0.8", client=shared) == 429
    # A forged or altered device cookie is worth nothing.
    forged = app.test_client()
    forged.set_cookie(DEVICE_COOKIE, laptop.get_cookie(DEVICE_COOKIE).value[:-2] + "xx")  # type: ignore[union-attr]
    assert _attempt(app, email, PASSWORD, "10.0.0.9", client=forged) == 429
    # The owner's laptop logs in at once, whatever strangers did meanwhile.
    assert _attempt(app, email, PASSWORD, "10.0.0.10", client=laptop) == 302
    assert laptop.get("/account").status_code == 200


def test_rate_limits_storage_is_the_local_redis_when_it_answers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    def app_with(**config: object) -> Flask:
        made = create_app({"SECRET_KEY": "x", "PASSWORD_HASH_PARAMS": CHEAP_ARGON2,
                           "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", **config})
        made.extensions["db_engine"].dispose()
        return made

    probed: list[str] = []
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setattr(limiter_module, "redis_answers", lambda url: probed.append(url) or True)
    with caplog.at_level(logging.INFO, logger="innomatch.security"):
        shared = app_with(REDIS_DETECT_URL="redis://127.0.0.1:6379/0")
    assert shared.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
    assert probed == ["redis://127.0.0.1:6379/0"]
    assert "shared by every worker in redis://127.0.0.1:6379/0" in caplog.text
    # An explicit REDIS_URL (its password kept out of the log) is used as it is.
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="innomatch.security"):
        named = app_with(RATELIMIT_STORAGE_URI="redis://:s3cret@10.0.0.3:6380/2")
    assert named.config["RATELIMIT_STORAGE_URI"] == "redis://:s3cret@10.0.0.3:6380/2"
    assert "s3cret" not in caplog.text and "10.0.0.3:6380" in caplog.text
    # Test apps never probe.
    probed.clear()
    testing = app_with(TESTING=True, REDIS_DETECT_URL="redis://127.0.0.1:6379/0")
    assert testing.config["RATELIMIT_STORAGE_URI"] == "memory://" and probed == []


def test_rate_limits_storage_falls_back_to_memory_with_a_warning(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    app = Flask("probe")
    # A port nobody listens on: refused at once.
    app.config.update(RATELIMIT_STORAGE_URI="", REDIS_DETECT_URL="redis://127.0.0.1:9/0")
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="innomatch.security"):
        assert choose_storage(app) == "memory://"
    assert time.monotonic() - started < 2
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert "no Redis answers at redis://127.0.0.1:9/0" in caplog.text


def test_rate_limits_each_worker_says_where_it_counts(app: Flask,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    class Worker:
        wsgi = app
        log = logging.getLogger("test.gunicorn")

    app.config["RATELIMIT_STORAGE_URI"] = "redis://:pw@127.0.0.1:6379/0"
    with caplog.at_level(logging.INFO, logger="test.gunicorn"):
        gunicorn_conf.post_worker_init(Worker()).join(timeout=30)
    assert "rate limits shared by every worker in redis://:***@127.0.0.1:6379/0" in caplog.text
    caplog.clear()
    app.config["RATELIMIT_STORAGE_URI"] = "memory://"
    with caplog.at_level(logging.INFO, logger="test.gunicorn"):
        gunicorn_conf.post_worker_init(Worker()).join(timeout=30)
    assert any(r.levelno == logging.WARNING and "in memory, per worker" in r.getMessage()
               for r in caplog.records)
