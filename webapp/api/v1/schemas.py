"""JSON Schemas of the API's bodies and answers, built from the models' vocabularies.

Request schemas check shapes and types (and refuse unknown fields); the pages' forms then
apply the business rules, so a rule is written once. The same dicts go into the OpenAPI
document, so the document cannot drift from what the code checks.
"""

from __future__ import annotations

from typing import Any

from models import (
    ContractType,
    CooperationMode,
    DockingState,
    DropReason,
    Field,
    IPType,
    Language,
    NeedStatus,
    OrgKind,
    ResultForm,
    ResultStatus,
    Role,
    SolutionStatus,
)
from models.docking import Side
from models.taxonomy import PROVINCES

from .core import MAX_ID

Schema = dict[str, Any]


def values(enum_cls: Any) -> list[str]:
    """The stored values of an enum, for ``enum`` keywords."""
    return [str(m.value) for m in enum_cls]


def ref(name: str) -> Schema:
    """A reference to a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: Schema) -> Schema:
    """``schema`` or null."""
    kind = schema.get("type")
    if isinstance(kind, str):
        return {**schema, "type": [kind, "null"]}
    return {"anyOf": [schema, {"type": "null"}]}


def text(max_length: int, **extra: Any) -> Schema:
    """A string of at most ``max_length`` characters."""
    return {"type": "string", "maxLength": max_length, **extra}


ID: Schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
DATE: Schema = {"type": "string", "format": "date"}
TIMESTAMP: Schema = {"type": "string", "format": "date-time"}
# Money travels as a decimal string in answers; requests may send a number or a string.
MONEY_OUT: Schema = {"type": "string", "pattern": r"^\d+(\.\d+)?$", "description": "万元"}
MONEY_IN: Schema = {"type": ["string", "number", "null"], "maxLength": 24,
                    "description": "万元；数字或十进制字符串，null 表示面议"}
FIELD: Schema = {"type": "string", "enum": values(Field)}
PROVINCE: Schema = {"type": "string", "enum": list(PROVINCES)}
MODES: Schema = {"type": "array", "items": {"type": "string", "enum": values(CooperationMode)},
                 "maxItems": len(CooperationMode)}
KEYWORDS_IN: Schema = {"type": ["string", "array"], "maxLength": 300,
                       "items": text(60), "maxItems": 10}
ORG_BRIEF: Schema = {"type": "object", "properties": {
    "id": ID, "name": {"type": "string"}, "kind": {"type": "string", "enum": values(OrgKind)}},
    "required": ["id", "name", "kind"]}


def obj(properties: dict[str, Schema], required: list[str] | None = None,
        closed: bool = True) -> Schema:
    """An object schema; closed objects refuse unknown properties."""
    schema: Schema = {"type": "object", "properties": properties,
                      "required": required if required is not None else list(properties)}
    if closed:
        schema["additionalProperties"] = False
    return schema


def page_of(item: str) -> Schema:
    """A page of ``item`` records."""
    return obj({"items": {"type": "array", "items": ref(item)},
                "page": {"type": "integer", "minimum": 1},
                "per_page": {"type": "integer", "minimum": 1},
                "total": {"type": "integer", "minimum": 0},
                "pages": {"type": "integer", "minimum": 1}}, closed=False)


NEED_FIELDS: dict[str, Schema] = {
    "title": text(120), "field": FIELD, "subfield": text(40), "problem": text(5000),
    "indicators": text(3000), "basis": text(3000), "keywords": KEYWORDS_IN,
    "budget_min_wan": MONEY_IN, "budget_max_wan": MONEY_IN, "modes": MODES,
    "province": PROVINCE, "city": text(40), "valid_until": nullable(DATE),
    "show_org_name": {"type": "boolean"},
}
RESULT_FIELDS: dict[str, Schema] = {
    "title": text(120), "field": FIELD, "subfield": text(40), "summary": text(8000),
    "keywords": KEYWORDS_IN, "form": {"type": "string", "enum": values(ResultForm)},
    "trl": {"type": "integer", "minimum": 1, "maximum": 9},
    "ip_type": nullable({"type": "string", "enum": values(IPType)}),
    "ip_numbers": {"type": "array", "items": text(60), "maxItems": 20},
    "modes": MODES, "price_wan": MONEY_IN, "team": text(3000), "contact_name": text(60),
    "contact_phone": text(40), "province": PROVINCE, "city": text(40),
}
PUBLISH: Schema = {"type": "boolean", "description": "true 时创建后立即发布"}

SCHEMAS: dict[str, Schema] = {
    "Error": obj({"error": {"type": "string"}, "message": {"type": "string"},
                  "fields": {"type": "object", "additionalProperties": {"type": "string"}}},
                 closed=False),
    "Need": obj({
        "id": ID, "title": {"type": "string"}, "field": FIELD, "field_label": {"type": "string"},
        "subfield": {"type": "string"}, "problem": {"type": "string"},
        "indicators": {"type": "string"}, "basis": {"type": "string"},
        "keywords": {"type": "array", "items": {"type": "string"}},
        "budget_min_wan": nullable(MONEY_OUT), "budget_max_wan": nullable(MONEY_OUT),
        "budget_negotiable": {"type": "boolean"}, "modes": MODES, "province": PROVINCE,
        "city": {"type": "string"}, "valid_until": nullable(DATE),
        "status": {"type": "string", "enum": values(NeedStatus)},
        "show_org_name": {"type": "boolean"}, "organization": nullable(ORG_BRIEF),
        "external_id": nullable({"type": "string"}), "created_at": TIMESTAMP,
        "updated_at": TIMESTAMP, "published_at": nullable(TIMESTAMP),
        "closed_at": nullable(TIMESTAMP), "can_edit": {"type": "boolean"}}),
    "NeedPage": page_of("Need"),
    "NeedCreate": obj({**NEED_FIELDS, "publish": PUBLISH},
                      required=["title", "field", "problem", "modes", "province"]),
    "NeedUpdate": obj(NEED_FIELDS, required=[]),
    "Result": obj({
        "id": ID, "title": {"type": "string"}, "field": FIELD, "field_label": {"type": "string"},
        "subfield": {"type": "string"}, "summary": {"type": "string"},
        "keywords": {"type": "array", "items": {"type": "string"}},
        "form": {"type": "string", "enum": values(ResultForm)},
        "trl": {"type": "integer", "minimum": 1, "maximum": 9}, "maturity": {"type": "string"},
        "ip": {"type": "array", "items": obj({
            "type": {"type": "string", "enum": values(IPType)}, "number": {"type": "string"}})},
        "modes": MODES, "price_wan": nullable(MONEY_OUT), "team": {"type": "string"},
        "contact_name": {"type": "string"}, "contact_phone": {"type": "string"},
        "province": PROVINCE, "city": {"type": "string"},
        "status": {"type": "string", "enum": values(ResultStatus)},
        "organization": ORG_BRIEF, "external_id": nullable({"type": "string"}),
        "created_at": TIMESTAMP, "updated_at": TIMESTAMP, "published_at": nullable(TIMESTAMP),
        "can_edit": {"type": "boolean"}}),
    "ResultPage": page_of("Result"),
    "ResultCreate": obj({**RESULT_FIELDS, "publish": PUBLISH},
                        required=["title", "field", "summary", "form", "trl", "modes",
                                  "province"]),
    "ResultUpdate": obj(RESULT_FIELDS, required=[]),
    "Match": obj({
        "need_id": ID, "result_id": ID, "score": {"type": "number", "minimum": 0},
        "text_score": {"type": "number", "minimum": 0},
        "parts": {"type": "object", "additionalProperties": {"type": "number"}},
        "terms": {"type": "array", "items": obj({"term": {"type": "string"},
                                                 "share": {"type": "number"}})},
        "matcher_version": {"type": "string"}, "created_at": TIMESTAMP,
        "need_title": {"type": "string"}, "result_title": {"type": "string"}}),
    "MatchList": obj({"items": {"type": "array", "items": ref("Match")}}),
    "Solution": obj({
        "id": ID, "need_id": ID, "organization": ORG_BRIEF, "summary": {"type": "string"},
        "approach": {"type": "string"}, "result_ids": {"type": "array", "items": ID},
        "price_wan": nullable(MONEY_OUT), "timeline": {"type": "string"},
        "status": {"type": "string", "enum": values(SolutionStatus)},
        "created_at": TIMESTAMP, "updated_at": TIMESTAMP,
        "allowed": {"type": "array", "items": {"type": "string",
                                               "enum": values(SolutionStatus)}}}),
    "SolutionPage": page_of("Solution"),
    "SolutionCreate": obj({
        "summary": text(2000), "approach": text(8000),
        "result_ids": {"type": "array", "items": ID, "maxItems": 50},
        "price_wan": MONEY_IN, "timeline": text(2000)}, required=["summary", "approach"]),
    "SolutionDecision": obj({"to": {"type": "string", "enum": [
        s.value for s in SolutionStatus if s is not SolutionStatus.SUBMITTED]}}),
    "Deal": obj({
        "id": ID, "docking_id": ID,
        "contract_type": {"type": "string", "enum": values(ContractType)},
        "amount_wan": MONEY_OUT, "signed_on": DATE,
        "contract_number": nullable({"type": "string"}), "version": {"type": "integer"},
        "need_id": ID, "need_title": {"type": "string"},
        "corrections": {"type": "array", "items": obj({
            "field": {"type": "string"}, "old_value": {"type": "string"},
            "new_value": {"type": "string"}, "created_at": TIMESTAMP})}}),
    "DealPage": page_of("Deal"),
    "DealCreate": obj({
        "contract_type": {"type": "string", "enum": values(ContractType)},
        "amount_wan": {"type": ["string", "number"], "maxLength": 24}, "signed_on": DATE,
        "contract_number": nullable(text(60)), "version": ID},
        required=["contract_type", "amount_wan", "signed_on", "version"]),
    "DealCorrection": obj({
        "amount_wan": {"type": ["string", "number"], "maxLength": 24}, "signed_on": DATE,
        "version": ID}),
    "Docking": obj({
        "id": ID, "title": {"type": "string"},
        "state": {"type": "string", "enum": values(DockingState)},
        "version": {"type": "integer"}, "need_id": ID, "result_id": nullable(ID),
        "solution_id": nullable(ID), "broker_id": nullable(ID),
        "need_org_id": ID, "supply_org_id": ID,
        "interest_side": nullable({"type": "string", "enum": values(Side)}),
        "side": nullable({"type": "string", "enum": values(Side)}),
        "drop_reason": nullable({"type": "string", "enum": values(DropReason)}),
        "allowed": {"type": "array", "items": {"type": "string", "enum": values(DockingState)}},
        "deal": nullable(ref("Deal")), "created_at": TIMESTAMP, "updated_at": TIMESTAMP}),
    "DockingPage": page_of("Docking"),
    "DockingDetail": obj({
        "docking": ref("Docking"),
        "events": {"type": "array", "items": obj({
            "from_state": nullable({"type": "string"}), "to_state": {"type": "string"},
            "note": {"type": "string"}, "actor_id": nullable(ID), "created_at": TIMESTAMP})},
        "messages": {"type": "array", "items": ref("Message")},
        "contacts": nullable({"type": "object"})}),
    "Interest": obj({"need_id": ID, "result_id": ID, "message": text(500)},
                    required=["need_id", "result_id"]),
    "Transition": obj({
        # Every state is a well-formed target; the workflow refuses the ones it does not
        # allow from the current state with a 409, as the pages do.
        "to": {"type": "string", "enum": values(DockingState)},
        "version": ID, "note": text(500),
        "drop_reason": nullable({"type": "string", "enum": values(DropReason)})},
        required=["to", "version"]),
    "Message": obj({"id": ID, "author_id": nullable(ID), "body": {"type": "string"},
                    "is_note": {"type": "boolean"}, "created_at": TIMESTAMP}),
    "MessageCreate": obj({"body": text(4000, minLength=1), "is_note": {"type": "boolean"}},
                         required=["body"]),
    "Me": obj({
        "id": ID, "email": {"type": "string"}, "name": {"type": "string"},
        "role": {"type": "string", "enum": values(Role)},
        "language": {"type": "string", "enum": values(Language),
                     "description": "e-mails are written in this language"},
        "organization": obj({
            **ORG_BRIEF["properties"], "province": {"type": "string"},
            "city": {"type": "string"}, "verified": {"type": "boolean"}}),
        "auth": {"type": "string", "enum": ["session", "token"]}}),
    "Token": obj({"id": ID, "name": {"type": "string"}, "hint": {"type": "string"},
                  "created_at": TIMESTAMP, "last_used_at": nullable(TIMESTAMP),
                  "revoked_at": nullable(TIMESTAMP)}),
    "TokenList": obj({"items": {"type": "array", "items": ref("Token")}}),
    "TokenCreate": obj({"name": text(60, minLength=1)}),
    "TokenCreated": obj({"token": {"type": "string", "description": "只显示这一次"},
                         "record": ref("Token")}),
    "SuggestionPreview": obj({
        "title": text(120), "field": nullable(FIELD), "problem": text(5000),
        "indicators": text(3000), "basis": text(3000), "keywords": KEYWORDS_IN,
        "budget_min_wan": MONEY_IN, "budget_max_wan": MONEY_IN, "modes": MODES,
        "province": nullable(PROVINCE)}, required=[]),
    "SuggestedResult": obj({
        "id": ID, "title": {"type": "string"}, "organization": ORG_BRIEF, "field": FIELD,
        "field_label": {"type": "string"}, "trl": {"type": "integer", "minimum": 1, "maximum": 9},
        "score": {"type": "number", "minimum": 0}, "text_score": {"type": "number", "minimum": 0},
        "parts": {"type": "object", "additionalProperties": {"type": "number"}},
        "terms": {"type": "array", "items": obj({"term": {"type": "string"},
                                                 "share": {"type": "number"}})},
        "url": {"type": "string"}}),
    "Advice": obj({
        "code": {"type": "string", "enum": ["short_problem", "no_indicators", "no_budget",
                                            "no_modes", "no_field", "field_mismatch"]},
        "message": {"type": "string"}, "field": nullable({"type": "string"}),
        "suggested_field": nullable(FIELD), "suggested_field_label": nullable({"type": "string"})}),
    "SuggestionPreviewResult": obj({
        "items": {"type": "array", "items": ref("SuggestedResult"), "maxItems": 5},
        "advice": {"type": "array", "items": ref("Advice")}, "field_used": nullable(FIELD)}),
    "Report": {"type": "object", "description": "与 /reports.json 相同的报表"},
    "Figures": {"type": "object", "description": "公开的核心指标"},
    "OpenAPI": {"type": "object"},
}
