"""The demo's texts and vocabulary, kept as TOML in ``webapp/demo/data/`` (shipped in the wheel)."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib.resources import files
from typing import Any


@cache
def load(name: str) -> dict[str, Any]:
    """The parsed contents of ``webapp/demo/data/<name>.toml``."""
    text = (files("webapp.demo") / "data" / f"{name}.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)
