"""Issue 18.6: two gunicorn workers sharing Redis count the log-in limits together.

With the counts in each worker's memory, a limit of N let between N and N x workers attempts
through and a spray over 40 addresses met no refusal. Here one gunicorn with two workers (new
connection per request, so the kernel spreads them over both) counts in the local Redis, under
a key prefix of its own: one address gets exactly its N attempts, one address at one account
exactly its N failures, and a spray from 40 addresses exactly the failures before the
account's back-off; the account's owner still logs in at once from a device she used before.
Skipped, with the reason, when no Redis answers at 127.0.0.1:6379 (CI starts one).
"""

from __future__ import annotations

import http.client
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from urllib.parse import urlencode

import pytest
from argon2 import PasswordHasher
from reliability.harness import (
    Gunicorn,
    backend_url,
    fresh_database,
    plain_engine,
    serving,
)
from sqlalchemy.orm import Session

from models import Organization, OrgKind, User
from webapp.security.limiter import redis_answers
from webapp.testbed import CHEAP_ARGON2

REDIS = "redis://127.0.0.1:6379/0"
PASSWORD = "shared-limits-42"
OWNER = "owner@example.cn"


def _login(server: Gunicorn, email: str, password: str, address: str,
           device: str | None = None) -> tuple[int, dict[str, list[str]]]:
    """POST /login from ``address`` (X-Forwarded-For, one proxy trusted) on a new connection."""
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": address}
    if device:
        headers["Cookie"] = f"innomatch_device={device}"
    with closing(http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)) as conn:
        conn.request("POST", "/login", body=urlencode({"email": email, "password": password}),
                     headers=headers)
        response = conn.getresponse()
        response.read()
        found: dict[str, list[str]] = {}
        for name, value in response.getheaders():
            found.setdefault(name.lower(), []).append(value)
        return response.status, found


def _device_cookie(headers: dict[str, list[str]]) -> str:
    for cookie in headers.get("set-cookie", []):
        name, _, rest = cookie.partition("=")
        if name == "innomatch_device":
            return rest.split(";", 1)[0]
    raise AssertionError(f"no device cookie in {headers}")


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Gunicorn]:
    """Two workers on Redis, with the owner's account; the prefix's keys go afterwards."""
    if not redis_answers(REDIS, timeout=1.0):
        pytest.skip(f"no Redis answers at {REDIS}: the shared-limit test needs one")
    url = backend_url(request.param, tmp_path, "limits")
    fresh_database(url)
    engine = plain_engine(url)
    with Session(engine) as session:
        org = Organization(name="限流测试机构", kind=OrgKind.ENTERPRISE, province="上海市",
                           city="上海市")
        owner = User(email=OWNER, name="主人", organization=org,
                     password_hash=PasswordHasher(**CHEAP_ARGON2).hash(PASSWORD))
        session.add_all([org, owner])
        session.commit()
    engine.dispose()
    prefix = f"innomatch-test-{uuid.uuid4().hex}"
    config = {"RATELIMIT_STORAGE_URI": REDIS, "RATELIMIT_KEY_PREFIX": prefix,
              "PROXY_HOPS": 1, "WTF_CSRF_ENABLED": False,
              "RATE_LIMIT_LOGIN": "10 per minute",
              "RATE_LIMIT_LOGIN_ADDRESS_ACCOUNT": "3 per 15 minutes",
              # After 4 failures the account waits 60 s: longer than the test.
              "LOGIN_BACKOFF_AFTER": 4, "LOGIN_BACKOFF_BASE_SECONDS": 60,
              "LOGIN_BACKOFF_MAX_SECONDS": 60}
    try:
        with serving(url, tmp_path / "gunicorn.log", workers=2, config=config) as running:
            yield running
    finally:
        import redis

        client = redis.Redis.from_url(REDIS)
        for key in client.scan_iter(match=f"*{prefix}*"):
            client.delete(key)
        client.close()


def test_two_workers_share_the_log_in_limits(server: Gunicorn) -> None:
    # One address: exactly its 10 attempts a minute, whichever worker answers.
    codes = [_login(server, f"nobody{n}@example.cn", "wrong-guess", "198.51.100.1")[0]
             for n in range(14)]
    assert codes == [200] * 10 + [429] * 4

    # One address at one account: exactly 3 failures; another address may still try it.
    codes = [_login(server, "target@example.cn", "wrong-guess", "198.51.100.2")[0]
             for _ in range(5)]
    assert codes == [200] * 3 + [429] * 2
    assert _login(server, "target@example.cn", "wrong-guess", "198.51.100.3")[0] == 200

    # The owner logs in once from her laptop: it becomes a known device.
    status, headers = _login(server, OWNER, PASSWORD, "203.0.113.10")
    assert status == 302
    laptop = _device_cookie(headers)

    # A spray from 40 addresses: exactly 4 + 1 passwords checked (the fifth failure sets the
    # wait), every other guess turned away.
    codes = [_login(server, OWNER, f"guess-{n}-x", f"192.0.2.{n + 1}")[0] for n in range(40)]
    assert codes == [200] * 5 + [429] * 35

    # The owner on a new device is slowed, told how long...
    status, headers = _login(server, OWNER, PASSWORD, "203.0.113.11")
    assert status == 429
    assert 1 <= int(headers["retry-after"][0]) <= 60
    # ...and from her laptop she logs in at once, on whichever worker.
    for _ in range(4):
        assert _login(server, OWNER, PASSWORD, "203.0.113.10", device=laptop)[0] == 302
