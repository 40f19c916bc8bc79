"""Advice on a need before it is published: what makes it hard to match or to answer.

``advise(need)`` reads a need (saved or not; nothing is stored) and returns the points worth
fixing: a very short problem statement, no technical indicators, no budget, no cooperation
mode, and a field that disagrees with the text, with the field the text fits best. The field
is judged by the fields of the published results whose text is closest to the need's, each
weighted by its similarity. The live preview on the need form (``POST
/api/v1/suggestions/preview``) and the need's page after it is saved both show this list.
Advice only: the author may publish anyway.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from matcher import Hit
from models import CooperationMode, Field, Need, Result
from models.listing import MAX_KEYWORDS, split_keywords
from models.taxonomy import PROVINCES

from .engine import is_matchable_result
from .services import engine, text_similarities

# Below this many characters a problem statement rarely says what is wrong, how far the
# enterprise got and what would count as solved (CJK text: one character is about one word).
SHORT_PROBLEM = 40
# The field judgement: the closest published results (by text alone), at least this similar.
FIELD_NEIGHBOURS = 15
FIELD_MIN_SIMILARITY = 0.08
# How much evidence a different field needs: several close results, most of their weight,
# and clearly more than the chosen field gets.
FIELD_MIN_HITS = 3
FIELD_MIN_SHARE = 0.5
FIELD_MARGIN = 2.0
FIELD_VALUES = frozenset(f.value for f in Field)
MODE_VALUES = frozenset(m.value for m in CooperationMode)


@dataclass(frozen=True)
class Advice:
    """One point to fix: a stable code, the message shown, the form field it concerns and,
    for the field advice, the field the text fits best."""

    code: str
    message: str
    field: str | None = None
    suggested_field: Field | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, as the preview endpoint answers it."""
        suggested = self.suggested_field
        return {"code": self.code, "message": self.message, "field": self.field,
                "suggested_field": suggested.value if suggested else None,
                "suggested_field_label": suggested.label if suggested else None}


def draft_need(values: Mapping[str, Any], organization_id: int | None,
               default_province: str = "") -> Need:
    """An unsaved need from a draft's values (``title``, ``field``, ``problem``,
    ``indicators``, ``basis``, ``keywords``, ``budget_min_wan``, ``budget_max_wan`` as
    Decimals, ``modes``, ``province``); anything missing stays empty. Never added to a session.
    """
    low, high = values.get("budget_min_wan"), values.get("budget_max_wan")
    if low is None or high is None:  # one end given means a fixed figure, as when saved
        low = high = low if low is not None else high
    if low is not None and high is not None and high < low:
        low, high = high, low
    need = Need(organization_id=organization_id)
    if values.get("field") in FIELD_VALUES:
        need.field = Field(values["field"])
    need.title = str(values.get("title") or "").strip()
    need.problem = str(values.get("problem") or "").strip()
    need.indicators = str(values.get("indicators") or "").strip()
    need.basis = str(values.get("basis") or "").strip()
    keywords = split_keywords(values.get("keywords") or "")
    need.keywords = ",".join(keywords[:MAX_KEYWORDS])
    need.budget_min_wan, need.budget_max_wan = low, high
    need.modes = [CooperationMode(m) for m in values.get("modes") or [] if m in MODE_VALUES]
    province = values.get("province") or default_province
    need.province = province if province in PROVINCES else PROVINCES[0]
    return need


def _text(need: Need) -> str:
    return "\n".join(p for p in (need.title, need.problem, need.indicators, need.basis,
                                 need.keywords) if p)


def query_doc(need: Need) -> dict[str, Any]:
    """The need's text as the matcher reads it, whether or not a field is chosen yet."""
    return {"id": need.id, "title": need.title or "",
            "text": "\n".join(p for p in (need.problem, need.indicators, need.basis) if p),
            "keywords": need.keyword_list}


def field_scores(session: Session, need: Need) -> dict[Field, float]:
    """Each field's weight among the published results closest to the need's text (empty when
    too few results are close enough to judge by)."""
    if not _text(need).strip():
        return {}
    hits: Sequence[Hit] = engine().results_index(session).query(query_doc(need),
                                                               k=FIELD_NEIGHBOURS)
    similar = {int(h.id): s for h, s in zip(hits, text_similarities(hits), strict=True)
               if s >= FIELD_MIN_SIMILARITY}
    if len(similar) < FIELD_MIN_HITS:
        return {}
    scores: dict[Field, float] = defaultdict(float)
    for result in session.scalars(select(Result).where(Result.id.in_(list(similar)))):
        if is_matchable_result(result) and result.field is not None:
            scores[result.field] += similar[result.id]
    return dict(scores)


def best_field(scores: dict[Field, float]) -> Field | None:
    """The field holding most of the weight, when it holds at least ``FIELD_MIN_SHARE``."""
    if not scores:
        return None
    best, weight = max(scores.items(), key=lambda kv: (kv[1], kv[0].value))
    return best if weight / sum(scores.values()) >= FIELD_MIN_SHARE else None


def _field_advice(session: Session, need: Need) -> Advice | None:
    scores = field_scores(session, need)
    best = best_field(scores)
    chosen = need.field
    if best is None or best == chosen:
        return None
    if chosen is None:
        return Advice("no_field", _("尚未选择技术领域：从描述看，最接近“%(label)s”领域。",
                                    label=_(best.label)), "field", best)
    if scores[best] < FIELD_MARGIN * scores.get(chosen, 0.0):
        return None
    return Advice("field_mismatch",
                  _("所选领域“%(chosen)s”与描述不太一致：内容更接近“%(label)s”领域，"
                    "选对领域的需求更容易匹配到成果。", chosen=_(chosen.label), label=_(best.label)),
                  "field", best)


def advise(need: Need, session: Session | None = None) -> list[Advice]:
    """What makes ``need`` hard to match or to answer, in the form's order (may be empty).

    ``need`` may be unsaved: nothing is written. The field judgement needs the matcher's index
    of published results, read through ``session`` (the request's session by default).
    """
    if session is None:
        from ..db import get_session

        session = get_session()
    advice: list[Advice] = []
    problem = (need.problem or "").strip()
    if len(problem) < SHORT_PROBLEM:
        advice.append(Advice("short_problem", _(
            "技术难题只写了 %(n)s 个字：请写清现状、卡在哪里、希望达到什么效果"
            "（建议 %(min)s 字以上），机构才能判断能否解决。", n=len(problem), min=SHORT_PROBLEM),
            "problem"))
    if not (need.indicators or "").strip():
        advice.append(Advice("no_indicators", _(
            "未填写技术指标：列出可量化的目标（如精度、温度、寿命、产能、成本），"
            "便于机构对照自己的成果作答。"), "indicators"))
    if need.budget_min_wan is None and need.budget_max_wan is None:
        advice.append(Advice("no_budget", _(
            "未给出预算（面议）：给出大致的预算范围，机构更愿意投入时间响应。"), "budget_min"))
    if not need.modes:
        advice.append(Advice("no_modes", _(
            "未选择合作方式：说明希望技术转让、许可、合作开发还是委托开发，"
            "推荐会优先考虑成熟度合适的成果。"), "modes"))
    found = _field_advice(session, need)
    if found is not None:
        advice.append(found)
    return advice
