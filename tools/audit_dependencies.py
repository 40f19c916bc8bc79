"""Audit the pins of requirements.lock for known vulnerabilities, and say honestly what was audited.

First source: pip-audit, which asks PyPI's per-version JSON API
(``https://pypi.org/pypi/<name>/<version>/json``) about every exact pin. Any known vulnerability
fails (exit 1); a partial answer (some pins audited, some skipped) fails too.

Second source, only when pip-audit cannot be used from this machine at all (no connection, or
"not found" for every single pinned version, as behind a registry mirror whose versions PyPI's
per-version API does not serve): PyPI's project JSON (``https://pypi.org/pypi/<name>/json``).
Its top-level ``vulnerabilities`` list describes only the release named in ``info.version``
(the latest), so it is an exact audit of a pin only when the pin IS that release. A pin older
than the latest release is NOT audited by it and is listed with the reason.

Exit status and output:

- a known vulnerability in any audited pin: 1, naming the pin, the ids and the fixed versions;
- every pin audited, none vulnerable: 0;
- some pins not audited (by either source): 0 with a loud notice naming them and saying how
  many pins each source audited; 1 when AUDIT_REQUIRED=1 (``make audit``);
- neither source reachable: nothing was audited; said loudly, 0 (so that an offline build still
  runs the rest of the suite), 1 when AUDIT_REQUIRED=1. Never reported as a pass.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parent.parent
NOT_FOUND = "Dependency not found on PyPI"
OFFLINE_MARKERS = ("ConnectionError", "Max retries exceeded", "Name or service not known",
                   "Temporary failure in name resolution", "Failed to resolve")
PROJECT_URL = "https://pypi.org/pypi/{name}/json"
FETCH_TIMEOUT = 20.0  # seconds per request: the same order as pip-audit's own timeout
FETCH_WORKERS = 8  # ~100 small requests: a few seconds, without hammering the service
# "name==version" with optional extras; markers (";") and hashes ("\", "--hash") may follow.
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*==\s*([^\s;\\]+)")


@dataclass(frozen=True)
class Pin:
    """One exact pin of the lock file."""

    name: str
    version: str


@dataclass(frozen=True)
class Verdict:
    """What the project JSON says about one pin: ``state`` is clean, vulnerable, unaudited or
    unreachable (a network failure, as opposed to an answer that does not cover the pin)."""

    pin: Pin
    state: str
    detail: str = ""


def normalise(name: str) -> str:
    """The PEP 503 normal form of a project name (the form PyPI's URLs are keyed by)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_lock(lock: Path) -> tuple[list[Pin], list[str]]:
    """The exact pins of ``lock`` and the requirement lines that are not exact pins."""
    pins: list[Pin] = []
    other: list[str] = []
    for raw in lock.read_text(encoding="utf-8").splitlines():
        line = raw.split(" #", 1)[0].strip()
        # Comments, options (-r, -c, --index-url) and hash continuation lines name no package.
        if not line or line.startswith(("#", "-")):
            continue
        match = PIN.match(line)
        if match:
            pins.append(Pin(match.group(1), match.group(2)))
        else:
            other.append(line)
    return pins, other


def run_pip_audit(lock: Path) -> subprocess.CompletedProcess[str]:
    """pip-audit's JSON report on ``lock`` (exact pins only, no resolution)."""
    pip_audit = Path(sys.executable).with_name("pip-audit")
    command = [str(pip_audit), "--format", "json", "--progress-spinner", "off", "--disable-pip",
               "--no-deps", "-r", str(lock)]
    return subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603


def fetch_project(name: str) -> dict[str, Any]:
    """PyPI's project JSON for ``name``; raises urllib's errors (HTTPError for an answer such
    as 404, URLError or OSError for no answer)."""
    url = PROJECT_URL.format(name=normalise(name))
    request = urllib.request.Request(url, headers={"Accept": "application/json",  # noqa: S310
                                                   "User-Agent": "innomatch-audit"})
    with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT) as response:  # noqa: S310
        data = json.load(response)
    if not isinstance(data, dict):
        raise ValueError(f"{url} did not answer a JSON object")
    return data


def _same_version(a: str, b: str) -> bool:
    # PEP 440 equality: "1.0" and "1.0.0" are one release; fall back to the text when unparsable.
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b


def _describe(vulns: Iterable[dict[str, Any]]) -> str:
    parts = []
    for vuln in vulns:
        fixed = ", ".join(str(v) for v in vuln.get("fixed_in") or []) or "no fixed release listed"
        parts.append(f"{vuln.get('id', '?')} (fixed in: {fixed})")
    return "; ".join(parts)


def judge(pin: Pin) -> Verdict:
    """The verdict of PyPI's project JSON on ``pin``."""
    try:
        data = fetch_project(pin.name)
    except urllib.error.HTTPError as exc:
        # An answer, not a lost connection: the service does not describe this project.
        return Verdict(pin, "unaudited", f"the project JSON answered HTTP {exc.code}")
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:  # timeouts: OSError
        return Verdict(pin, "unreachable", f"no answer from the project JSON: {exc}")
    except ValueError as exc:  # json.JSONDecodeError included
        return Verdict(pin, "unaudited", f"unreadable project JSON: {exc}")
    info = data.get("info")
    latest = info.get("version") if isinstance(info, dict) else None
    vulns = data.get("vulnerabilities")
    if not isinstance(latest, str) or not isinstance(vulns, list):
        return Verdict(pin, "unaudited", "the project JSON has no info.version or vulnerabilities")
    # Withdrawn advisories are not vulnerabilities (pip-audit leaves them out as well).
    live = [v for v in vulns if isinstance(v, dict) and not v.get("withdrawn")]
    if not _same_version(pin.version, latest):
        # The list describes the latest release only: what was fixed since the pin, or what
        # affects the pin but not the latest, is not in it. So the pin is not audited at all.
        detail = f"pinned {pin.version}, the service only describes {latest}"
        requires = info.get("requires_python")  # info is a dict: it gave ``latest``
        if isinstance(requires, str) and requires:
            # Often why the pin is not the latest: that release needs a newer Python.
            detail += f" (Python {requires})"
        if live:
            detail += f" (which itself has: {_describe(live)})"
        return Verdict(pin, "unaudited", detail)
    if live:
        return Verdict(pin, "vulnerable", _describe(live))
    return Verdict(pin, "clean")


def audit_latest_releases(lock: Path, pip_audit_failure: str) -> tuple[int, str]:
    """(exit status, explanation) of auditing ``lock`` with PyPI's project JSON, after pip-audit
    could not audit anything (``pip_audit_failure`` says why)."""
    pins, other = parse_lock(lock)
    with ThreadPoolExecutor(max_workers=FETCH_WORKERS) as pool:
        verdicts = list(pool.map(judge, pins))
    by_state: dict[str, list[Verdict]] = {"clean": [], "vulnerable": [], "unaudited": [],
                                          "unreachable": []}
    for verdict in verdicts:
        by_state[verdict.state].append(verdict)
    if pins and len(by_state["unreachable"]) == len(pins):
        return _offline(f"{pip_audit_failure}; PyPI's project JSON could not be reached either: "
                        f"{by_state['unreachable'][0].detail}")
    total = len(pins) + len(other)
    audited = len(by_state["clean"]) + len(by_state["vulnerable"])
    lines = [
        f"Dependency audit of {total} requirements in {lock.name}:",
        f"  pip-audit (per-version PyPI JSON): audited 0 ({pip_audit_failure}).",
        f"  PyPI project JSON (vulnerabilities of the latest release): audited {audited} "
        f"(the pins that are the latest release), {len(by_state['vulnerable'])} vulnerable.",
    ]
    not_audited = [f"{v.pin.name} {v.pin.version}: {v.detail}"
                   for v in by_state["unaudited"] + by_state["unreachable"]]
    not_audited += [f"{line}: not an exact name==version pin" for line in other]
    if not_audited:
        lines.append(f"  NOT audited by any source: {len(not_audited)}")
        lines += [f"    {line}" for line in not_audited]
    if by_state["vulnerable"]:
        lines.append("known vulnerabilities:")
        lines += [f"  {v.pin.name} {v.pin.version}: {v.detail}" for v in by_state["vulnerable"]]
        return 1, "\n".join(lines)
    if not_audited:
        lines.append(f"*** {len(not_audited)} of {total} requirements were NOT audited: this is not a "
                     "full pass; run `make audit` where pypi.org serves the pinned versions.")
        return (1 if _required() else 0), "\n".join(lines)
    lines.append(f"no known vulnerabilities in {total} pinned packages")
    return 0, "\n".join(lines)


def audit(lock: Path) -> tuple[int, str]:
    """(exit status, explanation) of auditing ``lock``: pip-audit, and PyPI's project JSON when
    pip-audit cannot audit anything from here."""
    result = run_pip_audit(lock)
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        if any(marker in result.stderr for marker in OFFLINE_MARKERS):
            return audit_latest_releases(lock, "no connection to its vulnerability service")
        return result.returncode or 1, f"pip-audit failed:\n{result.stderr}"
    deps = report.get("dependencies", [])
    vulnerable = [d for d in deps if d.get("vulns")]
    skipped = [d for d in deps if d.get("skip_reason")]
    if vulnerable:
        lines = [f"{d['name']} {d.get('version', '')}: "
                 + ", ".join(v.get("id", "?") for v in d["vulns"]) for d in vulnerable]
        return 1, "known vulnerabilities:\n" + "\n".join(lines)
    if deps and len(skipped) == len(deps) and all(NOT_FOUND in d["skip_reason"] for d in skipped):
        return audit_latest_releases(
            lock, f"it answered 'not found' for all {len(deps)} pinned versions")
    if skipped:
        return 1, "not audited:\n" + "\n".join(d["skip_reason"] for d in skipped)
    return 0, f"pip-audit: no known vulnerabilities in {len(deps)} pinned packages"


def _required() -> bool:
    # `make audit` sets it: there an unaudited pin must fail, not just be announced.
    return os.environ.get("AUDIT_REQUIRED") == "1"


def _offline(why: str) -> tuple[int, str]:
    message = ("*** pip-audit DID NOT AUDIT ANYTHING: PyPI's vulnerability service is not usable "
               f"from this machine ({why}).\n*** This is not a pass; run `make audit` where "
               "pypi.org serves the pinned versions.")
    return (1 if _required() else 0), message


def main() -> int:
    """Audit requirements.lock and print the outcome."""
    status, message = audit(ROOT / "requirements.lock")
    print(message, file=sys.stderr if status else sys.stdout)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
