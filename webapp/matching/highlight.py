"""Marking the terms a suggestion rests on inside a listing's text."""

from __future__ import annotations

import re
from collections.abc import Iterable

from markupsafe import Markup, escape


def highlight(text: str, terms: Iterable[str]) -> Markup:
    """Escape ``text`` and wrap each occurrence of ``terms`` in ``<mark>`` (longest first)."""
    words = sorted({str(escape(t)) for t in terms if t and t.strip()}, key=len, reverse=True)
    escaped = str(escape(text))
    if not words:
        return Markup(escaped)  # noqa: S704 - escaped above
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    return Markup(pattern.sub(lambda m: f"<mark>{m.group(0)}</mark>", escaped))  # noqa: S704
