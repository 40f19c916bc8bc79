"""Live suggestions for a need being written: the best published results and advice, for a
draft that is never stored.

The need form calls this while its author types (debounced); an API client may call it before
creating a need. The draft becomes an unsaved :class:`models.Need` that goes through the same
scoring as a published need (``matching.services.suggest_results``) and the same advice as the
need's page (``matching.advice.advise``); nothing is added to the session or written.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask import url_for
from flask_babel import gettext as _

from models import Need, Result, User
from models.listing import MAX_KEYWORDS, split_keywords

from ...db import get_session
from ...matching.advice import advise, best_field, draft_need, field_scores
from ...matching.services import Suggestion, suggest_results
from .core import ApiError, checked_body, require_user, route
from .schemas import SCHEMAS
from .serializers import org_brief

PREVIEW_SIZE = 5
MAX_WAN = Decimal("1000000")


def _wan(value: Any, name: str, problems: dict[str, str]) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        problems[name] = _("请输入数字金额（万元）")
        return None
    if not amount.is_finite() or amount < 0 or amount >= MAX_WAN:
        problems[name] = _("金额应在 0 到 1000000 万元之间")
        return None
    return amount


def _draft(body: dict[str, Any], user: User) -> Need:
    """The unsaved need a checked preview body describes, for ``user``'s organisation."""
    problems: dict[str, str] = {}
    low = _wan(body.get("budget_min_wan"), "budget_min_wan", problems)
    high = _wan(body.get("budget_max_wan"), "budget_max_wan", problems)
    if len(split_keywords(body.get("keywords") or "")) > MAX_KEYWORDS:
        problems["keywords"] = _("关键词最多 %(n)s 个", n=MAX_KEYWORDS)
    if problems:
        raise ApiError(422, "validation_failed", _("提交的内容有误。"), problems)
    need = draft_need({**body, "budget_min_wan": low, "budget_max_wan": high},
                      user.organization_id, user.organization.province)
    need.author_id = user.id
    return need


def _item(suggestion: Suggestion, result: Result) -> dict[str, Any]:
    return {
        "id": result.id, "title": result.title, "organization": org_brief(result.organization),
        "field": result.field.value, "field_label": _(result.field.label), "trl": result.trl,
        "score": suggestion.score, "text_score": suggestion.text_score,
        "parts": dict(suggestion.parts),
        "terms": [{"term": t, "share": float(s)} for t, s in suggestion.terms],
        "url": url_for("results.detail", result_id=result.id),
    }


@route("/suggestions/preview", "POST", tag="suggestions", body="SuggestionPreview",
       response="SuggestionPreviewResult", errors=(400, 401, 413, 422))
def preview() -> dict[str, Any]:
    """The five best published results and advice for a need being written; nothing is stored.

    Send the draft's fields as they stand (all optional). Results of the caller's own
    organisation are left out, as for a saved need. Without a field, the results are scored
    for the field the text fits best (field_used), or none when the text says too little.
    """
    user = require_user()
    body = checked_body(SCHEMAS["SuggestionPreview"])
    need = _draft(body, user)
    db = get_session()
    with db.no_autoflush:
        advice = advise(need, db)
        field_used = need.field
        if field_used is None:
            field_used = best_field(field_scores(db, need))
        items: list[dict[str, Any]] = []
        if field_used is not None:
            need.field = field_used
            found = suggest_results(db, need, k=PREVIEW_SIZE)
            results = {r.id: r for r in (db.get(Result, s.other_id) for s in found) if r}
            items = [_item(s, results[s.other_id]) for s in found if s.other_id in results]
    if need in db:  # never: the draft is not added; guard against a cascade adding it
        db.expunge(need)
    return {"items": items, "advice": [a.as_dict() for a in advice],
            "field_used": field_used.value if field_used is not None else None}
