"""Topic banks for the demo corpus: per technology field, the topics a listing can be about.

Each :class:`Topic` carries its own technical vocabulary (terms, objects, applications),
title templates for needs and results, problem sentences, solution approaches and numeric
indicators. A need and a result drawn from the same topic share this vocabulary while being
phrased differently, which gives the TF-IDF matcher real pairs to find.

The topics are data, in ``data/topics.toml`` (one ``[[topics]]`` table each, in the order the
generator draws from). Templates use the placeholders ``{obj}``, ``{obj2}``, ``{term}``,
``{term2}``, ``{app}`` and ``{app2}``. An indicator is written as ``"检测精度≤0.01~0.05mm"``: a
label, an operator, a range the value is drawn from, and a unit. This is invented data,
written for the demo; nothing is copied from any listing or data set.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any

from models.taxonomy import SUBFIELDS, Field, ResultForm

from .data_files import load

_SPEC = re.compile(r"^(?P<label>.+?)(?P<op>≤|≥|<|>|±)(?P<lo>-?[\d.]+)~(?P<hi>-?[\d.]+)(?P<unit>.*)$")


@dataclass(frozen=True)
class Spec:
    """A technical indicator such as 检测精度≤0.02mm, drawn from a range of plausible values."""

    label: str
    op: str
    lo: float
    hi: float
    unit: str
    digits: int

    @classmethod
    def parse(cls, text: str) -> Spec:
        """Parse ``"检测精度≤0.01~0.05mm"`` into a spec."""
        m = _SPEC.match(text.strip())
        if m is None:
            raise ValueError(f"bad indicator spec: {text!r}")
        lo, hi = m["lo"], m["hi"]
        digits = max(len(s.split(".")[1]) if "." in s else 0 for s in (lo, hi))
        return cls(m["label"], m["op"], float(lo), float(hi), m["unit"], digits)

    def value(self, rng: random.Random, better: bool = False) -> str:
        """Draw a value; ``better`` favours the demanding end (what a mature result reports)."""
        lo, hi = self.lo, self.hi
        if better:
            span = hi - lo
            if self.op in ("≤", "<", "±"):
                hi = lo + span * 0.6
            else:
                lo = lo + span * 0.4
        v = rng.uniform(lo, hi)
        if self.digits == 0:
            n = round(v)
            if abs(n) >= 100:
                step = 10 ** (len(str(abs(n))) - 2)
                n = round(n / step) * step
            return str(n)
        return f"{v:.{self.digits}f}"

    def render(self, rng: random.Random, better: bool = False) -> str:
        """Render as ``label op value unit``, e.g. ``检测速度≥60m/min``."""
        return f"{self.label}{self.op}{self.value(rng, better)}{self.unit}"


@dataclass(frozen=True)
class Topic:
    """A technical topic inside one field, with the vocabulary its listings are written from."""

    key: str
    field: Field
    subfield: str
    name: str
    firms: tuple[str, ...]
    terms: tuple[str, ...]
    objects: tuple[str, ...]
    apps: tuple[str, ...]
    need_titles: tuple[str, ...]
    result_titles: tuple[str, ...]
    pains: tuple[str, ...]
    methods: tuple[str, ...]
    specs: tuple[Spec, ...]
    reqs: tuple[str, ...]
    forms: tuple[ResultForm, ...]


def _topic(item: dict[str, Any]) -> Topic:
    """A topic from its table in ``data/topics.toml``."""
    return Topic(
        key=item["key"], field=Field(item["field"]), subfield=item["subfield"], name=item["name"],
        firms=tuple(item["firms"]), terms=tuple(item["terms"]), objects=tuple(item["objects"]),
        apps=tuple(item["apps"]), need_titles=tuple(item["need_titles"]),
        result_titles=tuple(item["result_titles"]), pains=tuple(item["pains"]),
        methods=tuple(item["methods"]), specs=tuple(Spec.parse(text) for text in item["specs"]),
        reqs=tuple(item["reqs"]), forms=tuple(ResultForm(form) for form in item["forms"]),
    )


TOPICS: tuple[Topic, ...] = tuple(_topic(item) for item in load("topics")["topics"])
TOPICS_BY_FIELD: dict[Field, tuple[Topic, ...]] = {
    f: tuple(t for t in TOPICS if t.field is f) for f in Field
}
TOPIC_BY_KEY: dict[str, Topic] = {t.key: t for t in TOPICS}

# The placeholders a template may use.
PLACEHOLDERS = ("obj", "obj2", "term", "term2", "app", "app2")


def _check() -> None:
    assert len(TOPIC_BY_KEY) == len(TOPICS), "duplicate topic key"
    for t in TOPICS:
        assert t.subfield in SUBFIELDS[t.field], (t.key, t.subfield)


_check()
