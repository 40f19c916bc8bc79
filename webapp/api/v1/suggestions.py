"""Live suggestions for a need being written: the best published results and advice, for a
draft that is never stored.

The need form calls this while its author types (debounced); an API client may call it before
creating a need. The draft becomes an unsaved :class:`models.Need` that goes through the same
scoring as a published need (``matching.services.suggest_results``) and the same advice as the
need's page (``matching.advice.advise``); nothing is added to the session or written.
"""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import gettext as _

from models import Result

from ...db import get_session
from ...matching.advice import advise, best_field, draft_need, field_scores
from ...matching.services import Suggestion, suggest_results
from .core import operation, require_user
from .schemas import PREVIEW_SIZE, SuggestionPreview, SuggestionPreviewResult


def _item(suggestion: Suggestion, result: Result) -> dict[str, Any]:
    return {
        "id": result.id, "title": result.title, "organization": result.organization,
        "field": result.field,
        "field_label": _(result.field.label) if result.field else "", "trl": result.trl,
        "score": suggestion.score, "text_score": suggestion.text_score,
        "parts": dict(suggestion.parts), "terms": suggestion.terms,
        "related_terms": suggestion.related,
        "url": url_for("results.detail", result_id=result.id),
    }


@operation("/suggestions/preview", "POST", tag="suggestions", body=SuggestionPreview,
           response=SuggestionPreviewResult, errors=(400, 401, 413, 422))
def preview(body: dict[str, Any]) -> dict[str, Any]:
    """The five best published results and advice for a need being written; nothing is stored.

    Send the draft's fields as they stand (all optional). Results of the caller's own
    organisation are left out, as for a saved need. Without a field, the results are scored
    for the field the text fits best (field_used), or none when the text says too little.
    """
    user = require_user()
    need = draft_need(body, user.organization_id, user.organization.province)
    need.author_id = user.id
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
    return {"items": items, "advice": advice, "field_used": field_used}
