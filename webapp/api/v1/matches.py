"""Suggestions (matches): the stored need↔result pairs of a need or of a result, best first."""

from __future__ import annotations

from typing import Any

from ...db import get_session
from ...matching.services import matches_for_need, matches_for_result
from .core import Param, query_args, route
from .needs import visible_need
from .results import visible_result
from .serializers import match_json

MAX_LIMIT = 50
LIMIT = (Param("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 10},
               f"最多返回多少条（≤{MAX_LIMIT}）"),)


@route("/needs/<int:need_id>/matches", tag="matches", response="MatchList", query=LIMIT,
       auth="optional", errors=(400, 404))
def for_need(need_id: int) -> dict[str, Any]:
    """A need's suggested results (still published), with each score's parts and terms."""
    need = visible_need(need_id)
    args = query_args(LIMIT)
    return {"items": [match_json(m) for m in
                      matches_for_need(get_session(), need.id, limit=args["limit"])]}


@route("/results/<int:result_id>/matches", tag="matches", response="MatchList", query=LIMIT,
       auth="optional", errors=(400, 404))
def for_result(result_id: int) -> dict[str, Any]:
    """A result's suggested needs (still open), with each score's parts and terms."""
    result = visible_result(result_id)
    args = query_args(LIMIT)
    return {"items": [match_json(m) for m in
                      matches_for_result(get_session(), result.id, limit=args["limit"])]}
