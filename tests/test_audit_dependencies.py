"""tools/audit_dependencies.py without the network: pip-audit and PyPI's project JSON are stubbed."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import urllib.error
from email.message import Message
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load() -> ModuleType:
    # tools/ is not a package: load the script from its file, registered in sys.modules first
    # as an import would (its dataclasses look their module up there).
    path = ROOT / "tools" / "audit_dependencies.py"
    spec = importlib.util.spec_from_file_location("audit_dependencies", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


tool = _load()

LOCK = "# locked\nalpha==1.0\nBeta_Pkg[extra]==2.1 ; python_version >= '3.11'\n"


def _project(version: str, *vulns: dict[str, Any]) -> dict[str, Any]:
    return {"info": {"version": version}, "vulnerabilities": list(vulns)}


def _vuln(vuln_id: str, *fixed_in: str, withdrawn: str | None = None) -> dict[str, Any]:
    return {"id": vuln_id, "fixed_in": list(fixed_in), "aliases": [], "withdrawn": withdrawn}


@pytest.fixture
def lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("AUDIT_REQUIRED", raising=False)
    path = tmp_path / "requirements.lock"
    path.write_text(LOCK, encoding="utf-8")
    return path


def _pip_audit(monkeypatch: pytest.MonkeyPatch, stdout: str, stderr: str = "") -> None:
    """Stub pip-audit's run with this output."""
    result = subprocess.CompletedProcess[str]([], 1, stdout, stderr)
    monkeypatch.setattr(tool, "run_pip_audit", lambda lock: result)


def _pip_audit_not_found(monkeypatch: pytest.MonkeyPatch) -> None:
    """pip-audit as behind the mirror: 'not found' for every pinned version."""
    deps = [{"name": name, "skip_reason": f"Dependency not found on PyPI and could not be audited: "
                                          f"{name} ({version})"}
            for name, version in (("alpha", "1.0"), ("beta-pkg", "2.1"))]
    _pip_audit(monkeypatch, json.dumps({"dependencies": deps}))


def _projects(monkeypatch: pytest.MonkeyPatch, answers: dict[str, dict[str, Any]]) -> list[str]:
    """Stub the project JSON with ``answers`` by PEP 503 name; returns the names asked for."""
    asked: list[str] = []

    def fetch(name: str) -> dict[str, Any]:
        asked.append(name)
        return answers[tool.normalise(name)]

    monkeypatch.setattr(tool, "fetch_project", fetch)
    return asked


def _no_answer(monkeypatch: pytest.MonkeyPatch, errors: dict[str, Exception]) -> None:
    """Stub the project JSON to raise ``errors[name]`` for each lock name."""

    def fetch(name: str) -> dict[str, Any]:
        raise errors[name]

    monkeypatch.setattr(tool, "fetch_project", fetch)


def _audit_says(lock: Path, status: int, *texts: str) -> str:
    """Audit ``lock``: the exit status must be ``status`` and the message contain ``texts``."""
    got, message = tool.audit(lock)
    assert got == status, message
    for text in texts:
        assert text in message
    return message


def test_all_pins_latest_and_clean_pass(lock: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _pip_audit_not_found(monkeypatch)
    asked = _projects(monkeypatch, {"alpha": _project("1.0"),
                                    "beta-pkg": _project("2.1", _vuln("OLD-1", withdrawn="2025-01-01"))})
    message = _audit_says(lock, 0,
                          "pip-audit (per-version PyPI JSON): audited 0",
                          "PyPI project JSON (vulnerabilities of the latest release): audited 2",
                          "no known vulnerabilities in 2 pinned packages")
    assert "NOT audited" not in message
    assert sorted(asked) == ["Beta_Pkg", "alpha"]


def test_vulnerability_in_a_latest_pin_fails(lock: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _pip_audit_not_found(monkeypatch)
    _projects(monkeypatch, {"alpha": _project("1.0", _vuln("GHSA-xxxx", "1.0.1", "0.9.9")),
                            "beta-pkg": _project("2.1")})
    message = _audit_says(lock, 1, "alpha 1.0: GHSA-xxxx (fixed in: 1.0.1, 0.9.9)")
    assert "beta" not in message.split("known vulnerabilities:")[1]


def test_older_pin_is_not_audited(lock: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _pip_audit_not_found(monkeypatch)
    _projects(monkeypatch, {"alpha": _project("1.0.0"),  # PEP 440: the same release as 1.0
                            "beta-pkg": {**_project("3.0", _vuln("PYSEC-1", "3.1")),
                                         "info": {"version": "3.0",
                                                  "requires_python": ">=3.12"}}})
    message = _audit_says(lock, 0,
                          "audited 1 (the pins that are the latest release), 0 vulnerable",
                          "NOT audited by any source: 1",
                          "Beta_Pkg 2.1: pinned 2.1, the service only describes 3.0 (Python >=3.12)",
                          "*** 1 of 2 requirements were NOT audited")
    assert "known vulnerabilities" not in message

    monkeypatch.setenv("AUDIT_REQUIRED", "1")
    _audit_says(lock, 1, "NOT audited by any source: 1")


def test_no_connection_anywhere_audits_nothing(lock: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _pip_audit(monkeypatch, "", "requests ConnectionError: Max retries exceeded")
    down = urllib.error.URLError("Temporary failure in name resolution")
    _no_answer(monkeypatch, {"alpha": down, "Beta_Pkg": down})
    message = _audit_says(lock, 0, "PyPI's project JSON could not be reached either")
    assert message.startswith("*** pip-audit DID NOT AUDIT ANYTHING")

    monkeypatch.setenv("AUDIT_REQUIRED", "1")
    _audit_says(lock, 1, "DID NOT AUDIT ANYTHING")


def test_pip_audit_answers_are_used_without_the_fallback(lock: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    deps = [{"name": "alpha", "version": "1.0", "vulns": [{"id": "PYSEC-9"}]},
            {"name": "beta-pkg", "version": "2.1", "vulns": []}]
    _pip_audit(monkeypatch, json.dumps({"dependencies": deps}))
    asked = _projects(monkeypatch, {})
    assert tool.audit(lock) == (1, "known vulnerabilities:\nalpha 1.0: PYSEC-9")
    assert asked == []


def test_a_pin_without_an_answer_is_not_audited(lock: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _pip_audit_not_found(monkeypatch)
    not_found = urllib.error.HTTPError("https://pypi.org/pypi/alpha/json", 404, "Not Found", Message(), None)
    _no_answer(monkeypatch, {"alpha": not_found, "Beta_Pkg": TimeoutError("timed out")})
    _audit_says(lock, 0,
                "audited 0 (the pins that are the latest release)",
                "alpha 1.0: the project JSON answered HTTP 404",
                "Beta_Pkg 2.1: no answer from the project JSON: timed out",
                "*** 2 of 2 requirements were NOT audited")
