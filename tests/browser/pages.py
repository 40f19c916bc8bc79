"""What the browser journeys share: where things are, the live server's handle, screenshots,
logging in through the form and axe-core checks."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
AXE_DIR = Path(__file__).resolve().parent / "axe"
AXE_JS = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
AXE_URL = "/__browser-tests__/axe.min.js"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync"]
DEMO_PASSWORD = "demo-pass-2025"
ENTERPRISE = "enterprise@demo.innomatch.cn"
INSTITUTE = "institute@demo.innomatch.cn"
OPERATOR = "operator@demo.innomatch.cn"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}
# Serious and critical axe findings fail a test; the others are kept in the JSON report.
FAILING_IMPACTS = ("serious", "critical")


@dataclass
class LiveServer:
    """The running app: its base URL and what the journeys hand on to each other."""

    url: str
    state: dict[str, Any] = field(default_factory=dict)
    #: The served database, where the journeys read what the app e-mailed (the outbox).
    database_url: str = ""


def emailed_link(live_server: LiveServer, to: str, path: str) -> str:
    """The newest link to ``path`` in the e-mails the app queued for ``to``, on the live server."""
    from sqlalchemy import create_engine, select

    from models import OutboxEmail

    engine = create_engine(live_server.database_url)
    try:
        with engine.connect() as conn:
            bodies = conn.scalars(select(OutboxEmail.body).where(OutboxEmail.to_address == to)
                                  .order_by(OutboxEmail.id.desc())).all()
    finally:
        engine.dispose()
    for body in bodies:
        for word in body.split():
            if path in word:
                return live_server.url + word[word.index(path):]
    raise AssertionError(f"no e-mail to {to} links to {path}")


def shot(page: Any, name: str) -> Path:
    """A full-page screenshot in test-artifacts/<name>.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def login(page: Any, email: str, password: str = DEMO_PASSWORD) -> None:
    """Log in through the log-in form."""
    page.goto("/login")
    page.get_by_label("邮箱").fill(email)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/login" not in url)


class Axe:
    """Runs axe-core on pages and keeps every finding; serious or critical ones fail."""

    def __init__(self, ready: bool) -> None:
        self.ready = ready
        self.failures: list[str] = []
        self.checked: list[str] = []

    def check(self, page: Any, name: str) -> list[dict[str, Any]]:
        """Run axe on ``page`` (WCAG 2.x A/AA and best practices); returns the violations."""
        if not self.ready:
            return []
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.add_script_tag(url=AXE_URL)
        found = page.evaluate("""async () => {
            const r = await axe.run(document, {resultTypes: ['violations'],
              runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
                                              'best-practice']}});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}));
        }""")
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / f"axe-{name}.json").write_text(
            json.dumps({"url": page.url, "violations": found}, ensure_ascii=False, indent=1),
            encoding="utf-8")
        self.checked.append(name)
        for v in found:
            if v["impact"] in FAILING_IMPACTS:
                nodes = "; ".join(n["target"] for n in v["nodes"][:5])
                self.failures.append(f"{name} {page.url}: [{v['impact']}] {v['id']} "
                                     f"({v['help']}) at {nodes}")
        return list(found)


