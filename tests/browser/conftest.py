"""Browser journeys: the app under a real HTTP server on a demo database, driven by Playwright
through Debian's chromium, with screenshots in test-artifacts/ and axe-core checks.

The server gets its own SQLite database seeded by ``innomatch seed-demo``, also when the rest
of the suite runs on PostgreSQL. Without chromium (or Playwright) the journeys are skipped.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from browser.pages import AXE_DIR, AXE_JS, AXE_URL, DESKTOP, LAUNCH_ARGS, Axe, LiveServer


def _chromium() -> str | None:
    found = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    return found if Path(found).exists() else None


def _seed(database_url: str) -> None:
    """``innomatch db upgrade`` and ``innomatch seed-demo`` on the server's database."""
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "browser-tests-seed"}
    env.pop("TEST_DATABASE_URL", None)
    command = Path(sys.executable).with_name("innomatch")
    for args in (["db", "upgrade"], ["seed-demo"]):
        done = subprocess.run([str(command), *args], env=env, capture_output=True, text=True,  # noqa: S603
                              check=False, timeout=300)
        assert done.returncode == 0, f"innomatch {' '.join(args)} failed:\n{done.stderr}"


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's chromium, or a skip that says how to get it."""
    path = _chromium()
    if path is None:
        pytest.skip("chromium is not installed: `apt-get install -y chromium fonts-noto-cjk` "
                    "(or set CHROMIUM=/path/to/chromium) to run the browser journeys")
    return path


@pytest.fixture(scope="session")
def live_server(chromium_path: str, tmp_path_factory: pytest.TempPathFactory,
                ) -> Iterator[LiveServer]:
    """The app on a demo-seeded SQLite database, served by gunicorn (threaded workers, as
    ``make run`` serves it) in a process of its own, so that no server thread shares this
    process with Playwright's greenlets."""
    folder = tmp_path_factory.mktemp("browser")
    database_url = f"sqlite:///{folder / 'browser.db'}"
    _seed(database_url)
    # Rate limits in memory: a local Redis shared with other runs must not count for these.
    config = {"SECRET_KEY": "browser-tests", "DATABASE_URL": database_url,
              "ATTACHMENT_DIR": str(folder / "attachments"),
              "RATELIMIT_STORAGE_URI": "memory://",
              # The journeys log in dozens of times a minute from one address, as no person
              # does; the limits themselves are tested in tests/webapp/security.
              "RATE_LIMIT_LOGIN": "1000 per minute", "RATE_LIMIT_LOGIN_ADDRESS_ACCOUNT": "1000 per minute",
              "PASSWORD_HASH_PARAMS": {"time_cost": 1, "memory_cost": 8, "parallelism": 1}}
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "INNOMATCH_TEST_CONFIG": json.dumps(config), "PYTHONWARNINGS": "ignore"}
    env.pop("DATABASE_URL", None)
    if AXE_JS.exists():
        env.update(INNOMATCH_AXE_JS=str(AXE_JS), INNOMATCH_AXE_URL=AXE_URL)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    log = open(folder / "gunicorn.log", "ab")  # noqa: SIM115 - closed below
    server = subprocess.Popen(  # noqa: S603
        [str(gunicorn), "-c", "python:webapp.gunicorn_conf", "--workers", "2",
         "--threads", "4", "--bind", f"127.0.0.1:{port}", "--no-control-socket",
         "--log-level", "info", "--access-logfile", "/dev/null",
         "--pythonpath", str(Path(__file__).parent), "served_app:app"],
        stdout=log, stderr=subprocess.STDOUT, env=env, cwd=folder)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, (folder / "gunicorn.log").read_text()
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2) as answer:  # noqa: S310
                    if answer.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the browser tests' server did not start"
            time.sleep(0.2)
        # As under `make run`, each worker builds its matcher indexes in a warm-up thread
        # (webapp/gunicorn_conf.py); the journeys start once both are warm, so that a busy
        # machine's index build does not eat the first live preview's time-out.
        while (folder / "gunicorn.log").read_text(errors="replace").count("matcher warm") < 2:
            assert server.poll() is None, (folder / "gunicorn.log").read_text()
            assert time.monotonic() < deadline + 60, "the workers' matcher warm-up did not end"
            time.sleep(0.2)
        yield LiveServer(url=url, database_url=database_url)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Any]:
    """One chromium for the whole session."""
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="Playwright for Python is not installed")
    playwright = sync_api.sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=chromium_path, args=LAUNCH_ARGS,
                                              headless=True)
    except Exception as exc:  # pragma: no cover - a broken browser install
        playwright.stop()
        pytest.fail(f"chromium at {chromium_path} did not start: {exc}")
    try:
        yield chromium
    finally:
        chromium.close()
        playwright.stop()


@pytest.fixture(scope="session")
def axe_ready() -> bool:
    """axe-core is installed under tests/browser/axe (``npm ci --prefix tests/browser/axe``,
    tried here when missing)."""
    if not AXE_JS.exists() and shutil.which("npm"):
        subprocess.run(["npm", "ci", "--prefix", str(AXE_DIR), "--no-audit", "--no-fund"],  # noqa: S603,S607
                       capture_output=True, check=False, timeout=180)
    return AXE_JS.exists()


@pytest.fixture
def new_page(browser: Any, live_server: LiveServer) -> Iterator[Callable[..., Any]]:
    """Open pages in fresh contexts (one per user), with CSP errors and page errors collected;
    the test fails if any page reported one."""
    contexts: list[Any] = []
    problems: list[str] = []

    def open_page(viewport: dict[str, int] | None = None, **options: Any) -> Any:
        context = browser.new_context(base_url=live_server.url, viewport=viewport or DESKTOP,
                                      locale="zh-CN", timezone_id="Asia/Shanghai",
                                      accept_downloads=True, **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()

        def on_console(message: Any) -> None:
            if message.type == "error" and ("Content Security Policy" in message.text
                                            or "Refused to" in message.text):
                problems.append(f"{page.url}: {message.text}")
        page.on("console", on_console)
        page.on("pageerror", lambda exc: problems.append(f"{page.url}: {exc}"))
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert problems == [], "the browser reported errors:\n" + "\n".join(problems)


@pytest.fixture
def axe(axe_ready: bool) -> Iterator[Axe]:
    """An axe runner; the test fails at its end on serious or critical violations."""
    runner = Axe(axe_ready)
    yield runner
    assert runner.failures == [], "accessibility violations:\n" + "\n".join(runner.failures)
