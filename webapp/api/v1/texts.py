"""The API's documentation texts: written in Chinese in the code (marked with ``N_`` for
``make messages``), kept as written in the OpenAPI document, and translated when the reference
page (``/api/v1/docs``) is rendered in the reader's language."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext

# Texts made from a template and values (a limit from the settings), by the text they became.
_FILLED: dict[str, tuple[str, dict[str, Any]]] = {}


def doc_text(template: str, **values: Any) -> str:
    """``template`` filled with ``values``, remembered so that :func:`translate` can translate
    the template and fill it again."""
    text = template % values
    _FILLED[text] = (template, values)
    return text


def translate(text: str) -> str:
    """A documentation text in the reader's language; paragraphs (blank-line separated) one by
    one; a text with no translation as it is."""
    if "\n\n" in text:
        return "\n\n".join(translate(part) for part in text.split("\n\n"))
    if text in _FILLED:
        template, values = _FILLED[text]
        return gettext(template, **values)
    return gettext(text) if text else text


def translate_document(node: Any, key: str = "") -> Any:
    """A copy of an OpenAPI document (or part of one) with its titles, summaries and
    descriptions translated; names, types and values unchanged."""
    if isinstance(node, dict):
        return {k: translate_document(v, k) for k, v in node.items()}
    if isinstance(node, list):
        return [translate_document(v, key) for v in node]
    if isinstance(node, str) and key in ("title", "summary", "description"):
        return translate(node)
    return node
