"""Keyword search over text columns, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, and_, or_

_SPLIT = re.compile(r"[\s,，;；、]+")
MAX_TERMS = 8


def search_terms(q: str) -> list[str]:
    """The words of a query; each must appear somewhere in a listing."""
    return [t for t in _SPLIT.split(q.strip()) if t][:MAX_TERMS]


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def like_any(q: str, *columns: Any) -> ColumnElement[bool]:
    """Every word of ``q`` must appear in at least one of ``columns`` (case-insensitive)."""
    clauses = []
    for term in search_terms(q):
        pattern = f"%{_escape_like(term)}%"
        clauses.append(or_(*(col.ilike(pattern, escape="\\") for col in columns)))
    return and_(*clauses)
