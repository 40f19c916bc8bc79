"""Where the browser may be sent after an action: one rule for every ``next`` followed."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from flask import url_for

# C0 controls, DEL and the C1 controls: browsers drop tabs and newlines anywhere in a URL
# (so ``/\t/evil.example`` becomes ``//evil.example``), and a CR/LF must never reach a header.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _local_path(target: str) -> str | None:
    """``target`` cleaned as a browser would read it, if it is a path on this host."""
    cleaned = _CONTROLS.sub("", target).replace("\\", "/").strip()
    parts = urlsplit(cleaned)
    if parts.scheme or parts.netloc or not cleaned.startswith("/") or cleaned.startswith("//"):
        return None
    return cleaned


def safe_next(target: str | None, fallback: str | None = None) -> str:
    """The ``next`` target to follow, when it is a path on this host (no scheme, no host, not
    ``//``, also once percent-decoded, since some servers and browsers decode again); else
    ``fallback`` (the home page unless given)."""
    default = fallback if fallback is not None else url_for("main.index")
    if not target or len(target) > 2000:
        return default
    cleaned = _local_path(target)
    if cleaned is None:
        return default
    decoded = target
    for _ in range(3):  # %2F%2F, %252F%252F...: every decoded form must still be local
        again = unquote(decoded)
        if again == decoded:
            return cleaned
        decoded = again
        if _local_path(decoded) is None:
            return default
    return default  # still encoded after three decodings: not worth following
