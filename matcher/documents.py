"""What the matcher reads from a document: its id, field, text and (stored) tokens.

A document is a mapping with ``id`` (str or int), ``title``, ``text`` and optionally
``keywords`` (list of str, or a str), ``field`` (str) and ``tokens`` (``{"title": [...],
"text": [...], "keywords": [...]}``, as :meth:`Matcher.tokenize_docs` returns them).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from .tokenizer import Tokenizer

__all__ = ["Doc", "DocId", "Tokens", "doc_field", "doc_id", "doc_text", "doc_tokens",
           "has_tokens", "tokenize_parts", "tokenizer_params"]

DocId = str | int
Doc = Mapping[str, Any]
#: A doc's (body, title, keywords) tokens.
Tokens = tuple[list[str], list[str], list[str]]


def has_tokens(doc: Doc) -> bool:
    """Whether ``doc`` carries its tokens (then it is not tokenised again)."""
    return isinstance(doc.get("tokens"), Mapping)


def doc_text(doc: Doc) -> tuple[str, str, list[str]]:
    """(body, title, keywords) of a doc as plain strings."""
    kw = doc.get("keywords") or ()
    if isinstance(kw, str):
        kw = [kw]
    return str(doc.get("text") or ""), str(doc.get("title") or ""), [str(k) for k in kw]


def tokenize_parts(
    tok: Callable[[str], list[str]], body: str, title: str, keywords: list[str]
) -> Tokens:
    """Tokens of (body, title, keywords), each keyword tokenised apart."""
    kw_tokens: list[str] = []
    for k in keywords:
        kw_tokens.extend(tok(k))
    return tok(body), tok(title), kw_tokens


def doc_tokens(doc: Doc, tok: Callable[[str], list[str]]) -> Tokens:
    """Tokens of (body, title, keywords): the stored ones, or ``tok``'s of the text."""
    if has_tokens(doc):
        toks = doc["tokens"]
        return (list(toks.get("text") or ()), list(toks.get("title") or ()),
                list(toks.get("keywords") or ()))
    return tokenize_parts(tok, *doc_text(doc))


def doc_id(doc: Doc) -> DocId:
    """The doc's id as a plain ``str`` or ``int`` (so that hits are JSON-ready)."""
    try:
        value = doc["id"]
    except KeyError:
        raise ValueError("every doc needs an 'id'") from None
    # Plain Python types only (numpy scalars, str subclasses...), so hits are JSON-ready.
    if isinstance(value, str):
        return str(value)
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return int(value)
    raise TypeError(f"doc ids must be str or int, not {type(value).__name__}")


def doc_field(doc: Doc) -> str | None:
    """The doc's field (what ``where={"field": ...}`` filters on), or ``None``."""
    f = doc.get("field")
    return None if f is None else str(f)


def tokenizer_params(tok: Callable[[str], list[str]]) -> dict[str, Any] | None:
    """The JSON description of a :class:`Tokenizer`; ``None`` for any other callable."""
    if type(tok) is Tokenizer:
        return tok.get_params()
    return None
