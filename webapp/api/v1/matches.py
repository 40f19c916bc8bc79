"""Suggestions (matches): the stored need↔result pairs of a need or of a result, best first."""

from __future__ import annotations

from typing import Any

from marshmallow import validate

from ...db import get_session
from ...matching.services import matches_for_need, matches_for_result
from .core import operation
from .fields import Int, Query
from .needs import visible_need
from .results import visible_result
from .schemas import MatchList

MAX_LIMIT = 50


class MatchQuery(Query):
    """How many suggestions to return."""

    limit = Int(strict=False, load_default=10, validate=validate.Range(1, MAX_LIMIT),
                metadata={"description": f"最多返回多少条（≤{MAX_LIMIT}）"})


@operation("/needs/<int:need_id>/matches", tag="matches", query=MatchQuery, response=MatchList,
           auth="optional", errors=(400, 404))
def for_need(args: dict[str, Any], need_id: int) -> dict[str, Any]:
    """A need's suggested results (still published), with each score's parts and terms."""
    need = visible_need(need_id)
    return {"items": matches_for_need(get_session(), need.id, limit=args["limit"])}


@operation("/results/<int:result_id>/matches", tag="matches", query=MatchQuery,
           response=MatchList, auth="optional", errors=(400, 404))
def for_result(args: dict[str, Any], result_id: int) -> dict[str, Any]:
    """A result's suggested needs (still open), with each score's parts and terms."""
    result = visible_result(result_id)
    return {"items": matches_for_result(get_session(), result.id, limit=args["limit"])}
