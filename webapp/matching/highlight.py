"""Marking the terms a suggestion rests on inside a listing's text.

Terms are found in the text as written, and the text is escaped piece by piece around the
marks: marking escaped text would find ``lt`` inside ``&lt;`` and break the entity. English
terms mark every inflected form of the word (a need's "coatings" marks the result's "coating").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from markupsafe import Markup, escape

from matcher.tokenizer import LATIN_WORD, english_stem

# The tokenizer's Latin token, matched on the text as written (any case).
_LATIN = re.compile(LATIN_WORD.pattern, re.IGNORECASE)


def _spans(text: str, terms: Iterable[str]) -> list[tuple[int, int]]:
    """Non-overlapping (start, end) of the terms in ``text``, longest first at each place."""
    latin: set[str] = set()
    other: set[str] = set()
    for t in terms:
        t = unicodedata.normalize("NFKC", t or "").strip().casefold()
        if not t:
            continue
        if _LATIN.fullmatch(t):
            latin.add(t)
            latin.add(english_stem(t))
        else:
            other.add(t)
    found: list[tuple[int, int]] = []
    if other:
        pattern = re.compile("|".join(re.escape(w) for w in sorted(other, key=len, reverse=True)),
                             re.IGNORECASE)
        found += [m.span() for m in pattern.finditer(text)]
    if latin:
        for m in _LATIN.finditer(text):
            word = unicodedata.normalize("NFKC", m.group(0)).casefold()
            if word in latin or english_stem(word) in latin:
                found.append(m.span())
    found.sort(key=lambda s: (s[0], -s[1]))
    out: list[tuple[int, int]] = []
    for start, end in found:
        if not out or start >= out[-1][1]:
            out.append((start, end))
    return out


def highlight(text: str, terms: Iterable[str]) -> Markup:
    """``text`` escaped, each occurrence of ``terms`` wrapped in ``<mark>``."""
    text = text or ""
    parts: list[str] = []
    pos = 0
    for start, end in _spans(text, terms):
        parts.append(str(escape(text[pos:start])))
        parts.append(f"<mark>{escape(text[start:end])}</mark>")
        pos = end
    parts.append(str(escape(text[pos:])))
    return Markup("".join(parts))  # noqa: S704 - every piece escaped above
