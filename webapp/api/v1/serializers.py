"""Records as JSON, with what the viewer may see; the shapes are ``schemas.SCHEMAS``."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from models import Deal, Docking, DockingMessage, Match, Need, Organization, Result, Solution, User

from ...dockings.services import moves_for
from ...permissions import can_change
from ...solutions.services import SOLUTION_TRANSITIONS, can_decide
from .core import iso, money


def org_brief(org: Organization) -> dict[str, Any]:
    """An organisation's id, name and kind."""
    return {"id": org.id, "name": org.name, "kind": org.kind.value}


def need_json(need: Need, viewer: User | None) -> dict[str, Any]:
    """A need; the organisation is hidden from outsiders when the enterprise asked so."""
    own = can_change(viewer, need)
    return {
        "id": need.id, "title": need.title, "field": need.field.value,
        "field_label": _(need.field.label), "subfield": need.subfield, "problem": need.problem,
        "indicators": need.indicators, "basis": need.basis, "keywords": need.keyword_list,
        "budget_min_wan": money(need.budget_min_wan), "budget_max_wan": money(need.budget_max_wan),
        "budget_negotiable": need.budget_negotiable, "modes": [m.value for m in need.modes],
        "province": need.province, "city": need.city, "valid_until": iso(need.valid_until),
        "status": need.status.value, "show_org_name": need.show_org_name,
        "organization": org_brief(need.organization) if need.show_org_name or own else None,
        "external_id": need.external_id, "created_at": iso(need.created_at),
        "updated_at": iso(need.updated_at), "published_at": iso(need.published_at),
        "closed_at": iso(need.closed_at), "can_edit": own,
    }


def result_json(result: Result, viewer: User | None) -> dict[str, Any]:
    """A result."""
    return {
        "id": result.id, "title": result.title, "field": result.field.value,
        "field_label": _(result.field.label), "subfield": result.subfield,
        "summary": result.summary, "keywords": result.keyword_list, "form": result.form.value,
        "trl": result.trl, "maturity": result.maturity,
        "ip": [{"type": ip.ip_type.value, "number": ip.number} for ip in result.ip_rights],
        "modes": [m.value for m in result.modes], "price_wan": money(result.price_wan),
        "team": result.team, "contact_name": result.contact_name,
        "contact_phone": result.contact_phone, "province": result.province, "city": result.city,
        "status": result.status.value, "organization": org_brief(result.organization),
        "external_id": result.external_id, "created_at": iso(result.created_at),
        "updated_at": iso(result.updated_at), "published_at": iso(result.published_at),
        "can_edit": can_change(viewer, result),
    }


def match_json(match: Match) -> dict[str, Any]:
    """A stored suggestion with the score's parts and the shared terms."""
    return {
        "need_id": match.need_id, "result_id": match.result_id, "score": match.score,
        "text_score": match.text_score, "parts": dict(match.parts or {}),
        "terms": [{"term": str(t[0]), "share": float(t[1])} for t in match.terms or []],
        "matcher_version": match.matcher_version, "created_at": iso(match.created_at),
        "need_title": match.need.title, "result_title": match.result.title,
    }


def solution_json(solution: Solution, viewer: User | None) -> dict[str, Any]:
    """A solution, with the decisions the viewer may take on it."""
    allowed = SOLUTION_TRANSITIONS.get(solution.status, frozenset())
    return {
        "id": solution.id, "need_id": solution.need_id,
        "organization": org_brief(solution.organization), "summary": solution.summary,
        "approach": solution.approach, "result_ids": [r.id for r in solution.results],
        "price_wan": money(solution.price_wan), "timeline": solution.timeline,
        "status": solution.status.value, "created_at": iso(solution.created_at),
        "updated_at": iso(solution.updated_at),
        "allowed": sorted(s.value for s in allowed if can_decide(viewer, solution, s)),
    }


def deal_json(deal: Deal) -> dict[str, Any]:
    """A deal with its corrections log."""
    return {
        "id": deal.id, "docking_id": deal.docking_id, "contract_type": deal.contract_type.value,
        "amount_wan": money(deal.amount_wan), "signed_on": iso(deal.signed_on),
        "contract_number": deal.contract_number, "version": deal.version,
        "need_id": deal.docking.need_id, "need_title": deal.docking.need.title,
        "corrections": [{"field": c.field, "old_value": c.old_value, "new_value": c.new_value,
                         "created_at": iso(c.created_at)} for c in deal.corrections],
    }


def docking_json(docking: Docking, viewer: User) -> dict[str, Any]:
    """A docking as its parties see it, with the moves the viewer may make."""
    side = docking.side_of(viewer.organization_id)
    return {
        "id": docking.id, "title": docking.title, "state": docking.state.value,
        "version": docking.version, "need_id": docking.need_id, "result_id": docking.result_id,
        "solution_id": docking.solution_id, "broker_id": docking.broker_id,
        "need_org_id": docking.need_org_id, "supply_org_id": docking.supply_org_id,
        "interest_side": docking.interest_side.value if docking.interest_side else None,
        "side": side.value if side else None,
        "drop_reason": docking.drop_reason.value if docking.drop_reason else None,
        "allowed": [s.value for s in moves_for(viewer, docking)],
        "deal": deal_json(docking.deal) if docking.deal is not None else None,
        "created_at": iso(docking.created_at), "updated_at": iso(docking.updated_at),
    }


def message_json(message: DockingMessage) -> dict[str, Any]:
    """A message or note in a docking's thread."""
    return {"id": message.id, "author_id": message.author_id, "body": message.body,
            "is_note": message.is_note, "created_at": iso(message.created_at)}
