"""The demo's texts and vocabulary are data files that an installed wheel carries too."""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from pathlib import Path

from webapp.demo.data_files import load

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "webapp" / "demo" / "data"


def test_every_data_file_is_in_the_package_data() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    globs = pyproject["tool"]["setuptools"]["package-data"]["webapp"]
    files = sorted(p.relative_to(ROOT / "webapp").as_posix() for p in DATA.iterdir())
    assert files == ["demo/data/texts.toml", "demo/data/topics.toml", "demo/data/vocabulary.toml"]
    assert [f for f in files if not any(fnmatch(f, g) for g in globs)] == []


def test_the_loader_reads_each_file_once() -> None:
    topics = load("topics")
    assert len(topics["topics"]) >= 60 and load("topics") is topics
    assert load("vocabulary")["cities"] and load("texts")["sentences"]
