"""A marker for words shown to users, kept Flask-free.

``N_`` returns its argument unchanged; it only tells the message extractor (babel.cfg) that the
Chinese text is a message to translate. The web application translates at the presentation
edge (``webapp.i18n.label``), so models keep returning Chinese.
"""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark ``message`` for extraction; return it unchanged."""
    return message
