"""The API's bodies and answers as marshmallow schemas: request bodies are loaded and checked by
them (with the rules the forms use, from ``webapp.input_rules``), answers are written by them,
and the OpenAPI document is generated from them. A schema's class name is its name in the
document.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from flask import g, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError, fields, pre_dump, validate, validates_schema

from models import (
    ContractType,
    CooperationMode,
    DockingState,
    DropReason,
    IPType,
    Language,
    NeedStatus,
    OrgKind,
    ResultForm,
    ResultStatus,
    Role,
    SolutionStatus,
)
from models import Field as TechField
from models.docking import Side
from models.i18n import N_
from models.taxonomy import PROVINCES

from ... import input_rules as rules
from ...attachments.services import attachments_of, attachments_of_each
from ...contacts import listing_contacts_visible
from ...db import get_session
from ...dockings.services import moves_for
from ...matching.advice import Advice as AdviceRecord
from ...permissions import acting_user, can_change
from ...solutions.services import SOLUTION_TRANSITIONS, can_decide
from .fields import (
    MAX_ID,
    Answer,
    Body,
    Bool,
    Choice,
    Computed,
    Day,
    Free,
    Int,
    Items,
    Keywords,
    Number,
    Obj,
    OpenAnswer,
    PageQuery,
    Query,
    Shown,
    ShownText,
    Str,
    Timestamp,
    Wan,
    WanText,
    WeakMark,
    one_of,
    record_id,
    text,
    whole,
)
from .texts import doc_text

PROVINCE = one_of(list(PROVINCES))
ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
MODES_AT_MOST = validate.Length(max=len(CooperationMode))
ADVICE_CODES = ["short_problem", "no_indicators", "no_budget", "no_modes", "no_field",
                "field_mismatch"]
PREVIEW_SIZE = 5
MAX_MATCHES = 50


def _values(enum_cls: Any) -> list[str]:
    return [str(m.value) for m in enum_cls]


class RequiredBody(Body):
    """A body whose ``required_fields`` must be sent (a create; its update sends any)."""

    required_fields: ClassVar[tuple[str, ...]] = ()

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        """Mark the create's required fields."""
        if field_name in self.required_fields:
            field_obj.required = True


# --- answers ----------------------------------------------------------------------------------

class Error(OpenAnswer):
    """Every refusal: a stable code, a message, and a message per field at fault."""

    error = Str()
    message = Str()
    field_messages = Free(keys=Str(), values=Str(), data_key="fields")


class OrgBrief(Answer):
    """An organisation's id, name and kind."""

    id = record_id()
    name = Str()
    kind = Choice(OrgKind)


class AttachmentBrief(Answer):
    """A file attached to a need, a result or a solution: what it is, and where its bytes are
    (``GET /api/v1/attachments/{attachment_id}``, with the same access rule)."""

    id = record_id()
    filename = Str()
    media_type = Str()
    size = Int(validate=validate.Range(min=0))
    sha256 = Str()
    confidential = Bool()
    created_at = Timestamp()
    download_url = Computed("url", {"type": "string"})

    def url(self, attachment: Any) -> str:
        """The API's download of the file."""
        return url_for("api_v1.attachments_download", attachment_id=attachment.id)


class VisibleAttachments(Items):
    """The record's attachments the caller may see (``attachments.services.can_download``):
    confidential ones only for its organisation, operators and the other side of a docking."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(Obj(AttachmentBrief), **kwargs)

    def get_value(self, obj: Any, attr: str, accessor: Any = None, default: Any = None) -> Any:
        """The visible attachments, oldest first (a page's, read for the whole page by
        :func:`read_attachments`)."""
        read: dict[Any, list[Any]] = g.get("visible_attachments", {})
        if obj in read:
            return read[obj]
        return attachments_of(get_session(), obj, acting_user())


def read_attachments(records: list[Any]) -> None:
    """Read the visible attachments of a page's records in one statement, for
    :class:`VisibleAttachments` to answer from (instead of one statement per record)."""
    read = g.setdefault("visible_attachments", {})
    read.update(attachments_of_each(get_session(), records, acting_user()))


class Listing(Answer):
    """What needs and results both show."""

    id = record_id()
    title = Str()
    # null only in a draft saved on a page with its title alone (issue 17.3)
    field = Choice(TechField, allow_none=True)
    field_label = Computed("label", {"type": "string"})
    subfield = Str()
    keywords = Items(Str(), attribute="keyword_list")
    modes = Items(Choice(CooperationMode), validate=MODES_AT_MOST)
    province = Str(validate=PROVINCE)
    city = Str()
    external_id = Str(allow_none=True)
    created_at = Timestamp()
    updated_at = Timestamp()
    published_at = Timestamp(allow_none=True)
    can_edit = Computed("may_change", {"type": "boolean"})
    attachments = VisibleAttachments()

    def label(self, listing: Any) -> str:
        """The field's name in the reader's language."""
        return _(listing.field.label) if listing.field is not None else ""

    def may_change(self, listing: Any) -> bool:
        """Whether the viewer may edit the listing."""
        return can_change(acting_user(), listing)


class Need(Listing):
    """A need; the organisation is hidden from outsiders when the enterprise asked so."""

    problem = Str()
    indicators = Str()
    basis = Str()
    budget_min_wan = WanText(allow_none=True)
    budget_max_wan = WanText(allow_none=True)
    budget_negotiable = Bool()
    valid_until = Day(allow_none=True)
    status = Choice(NeedStatus)
    show_org_name = Bool()
    organization = Shown(OrgBrief, lambda need: need.show_org_name
                         or can_change(acting_user(), need))
    closed_at = Timestamp(allow_none=True)


class IPRight(Answer):
    """A patent, software copyright or other right of a result."""

    type = Choice(IPType, attribute="ip_type")
    number = Str()


def contacts_shown(result: Any) -> bool:
    """Whether the caller sees the result's contact person and phone (webapp/contacts.py); asked
    once per result and request."""
    seen: dict[int, bool] = g.setdefault("contacts_shown", {})
    if result.id not in seen:
        seen[result.id] = listing_contacts_visible(get_session(), acting_user(), result)
    return seen[result.id]


class Result(Listing):
    """A result."""

    summary = Str()
    form = Choice(ResultForm, allow_none=True)  # null only in a draft, as ``field``
    trl = Int(validate=validate.Range(1, 9), allow_none=True)
    maturity = Str()
    ip = Items(Obj(IPRight), attribute="ip_rights")
    price_wan = WanText(allow_none=True)
    team = Str()
    # Only for those who may reach the result's people (webapp/contacts.py).
    contact_name = ShownText(lambda result: contacts_shown(result))
    contact_phone = ShownText(lambda result: contacts_shown(result))
    status = Choice(ResultStatus)
    organization = Obj(OrgBrief)


class Term(Answer):
    """A term both listings use as written and its share of the text score (0: a shared word
    the score did not rest on)."""

    term = Str()
    share = Number()

    @pre_dump
    def _from_pair(self, pair: Any, **kwargs: Any) -> dict[str, Any]:
        return {"term": str(pair[0]), "share": float(pair[1])}


class Match(Answer):
    """A stored suggestion with the score's parts and the shared terms."""

    need_id = record_id()
    result_id = record_id()
    score = Number(validate=validate.Range(min=0))
    text_score = Number(validate=validate.Range(min=0))
    weak = WeakMark()
    parts = Free(keys=Str(), values=Number())
    terms = Items(Obj(Term), attribute="shared_terms")
    related_terms = Items(Str())
    matcher_version = Str()
    created_at = Timestamp()
    need_title = Str(attribute="need.title")
    result_title = Str(attribute="result.title")


class RevisionChange(Answer):
    """One changed field of a listing's revision, its values in words as the pages show them."""

    field = Str(metadata={"description": N_("字段名")})
    label = Str(metadata={"description": N_("字段名称（按读者语言）")})
    old = Str(metadata={"description": N_("原值")})
    new = Str(metadata={"description": N_("新值")})


class Revision(Answer):
    """A saved edit of a published listing: who, when, and what changed."""

    id = record_id()
    created_at = Timestamp()
    actor = Str(allow_none=True, attribute="actor_name")
    under_deal = Bool(metadata={"description": N_("修改时是否已有签约")})
    changes = Items(Obj(RevisionChange))


class RevisionList(Answer):
    """A listing's revisions, newest first."""

    items = Items(Obj(Revision))


class MatchList(Answer):
    """Suggestions, best first."""

    items = Items(Obj(Match))


class Solution(Answer):
    """A solution, with the decisions the viewer may take on it."""

    id = record_id()
    need_id = record_id()
    organization = Obj(OrgBrief)
    summary = Str()
    approach = Str()
    result_ids = Computed("linked", {"type": "array", "items": ID_SCHEMA})
    price_wan = WanText(allow_none=True)
    timeline = Str()
    status = Choice(SolutionStatus)
    created_at = Timestamp()
    updated_at = Timestamp()
    allowed = Computed("decisions", {"type": "array", "items": {
        "type": "string", "enum": _values(SolutionStatus)}})
    attachments = VisibleAttachments()

    def linked(self, solution: Any) -> list[int]:
        """The ids of the results the solution links."""
        return [r.id for r in solution.results]

    def decisions(self, solution: Any) -> list[str]:
        """The statuses the viewer may move the solution to."""
        allowed = SOLUTION_TRANSITIONS.get(solution.status, frozenset())
        viewer = acting_user()
        return sorted(s.value for s in allowed if can_decide(viewer, solution, s))


class Correction(Answer):
    """One change to a deal."""

    field = Str()
    old_value = Str()
    new_value = Str()
    created_at = Timestamp()


class Deal(Answer):
    """A deal with its corrections log."""

    id = record_id()
    docking_id = record_id()
    contract_type = Choice(ContractType)
    amount_wan = WanText()
    signed_on = Day()
    contract_number = Str(allow_none=True)
    version = Int()
    need_id = record_id(attribute="docking.need_id")
    need_title = Str(attribute="docking.need.title")
    corrections = Items(Obj(Correction))


class Docking(Answer):
    """A docking as its parties see it, with the moves the viewer may make."""

    id = record_id()
    title = Str()
    state = Choice(DockingState)
    version = Int()
    need_id = record_id()
    result_id = record_id(allow_none=True)
    solution_id = record_id(allow_none=True)
    broker_id = record_id(allow_none=True)
    need_org_id = record_id()
    supply_org_id = record_id()
    interest_side = Choice(Side, allow_none=True)
    side = Computed("viewer_side", {"type": ["string", "null"], "enum": [*_values(Side), None]})
    drop_reason = Choice(DropReason, allow_none=True)
    allowed = Computed("moves", {"type": "array", "items": {
        "type": "string", "enum": _values(DockingState)}})
    deal = Obj(Deal, allow_none=True)
    created_at = Timestamp()
    updated_at = Timestamp()

    def viewer_side(self, docking: Any) -> str | None:
        """The viewer's side of the docking, if any."""
        user = acting_user()
        side = docking.side_of(user.organization_id) if user is not None else None
        return side.value if side else None

    def moves(self, docking: Any) -> list[str]:
        """The states the viewer may move the docking to."""
        user = acting_user()
        return [s.value for s in moves_for(user, docking)] if user is not None else []


class Event(Answer):
    """A step in a docking's history."""

    from_state = Str(allow_none=True)
    to_state = Str()
    note = Str()
    actor_id = record_id(allow_none=True)
    created_at = Timestamp()


class Message(Answer):
    """A message or note in a docking's thread."""

    id = record_id()
    author_id = record_id(allow_none=True)
    body = Str()
    is_note = Bool()
    created_at = Timestamp()


class DockingDetail(Answer):
    """A docking with its history, its thread and, once agreed, the contacts."""

    docking = Obj(Docking)
    events = Items(Obj(Event))
    messages = Items(Obj(Message))
    contacts = Free(allow_none=True)


class MeOrganization(Answer):
    """The organisation of the current user."""

    id = record_id()
    name = Str()
    kind = Choice(OrgKind)
    province = Str()
    city = Str()
    verified = Bool()


class Me(Answer):
    """Who the request acts as, and how it authenticated."""

    id = record_id()
    email = Str()
    name = Str()
    role = Choice(Role)
    language = Choice(Language, metadata={"description": "e-mails are written in this language"})
    organization = Obj(MeOrganization)
    auth = Computed("how", {"type": "string", "enum": ["session", "token"]})

    def how(self, user: Any) -> str | None:
        """``session`` or ``token``."""
        method: str | None = g.get("api_auth")
        return method


class Token(Answer):
    """A token's record; the token itself is never stored, so never shown again."""

    id = record_id()
    name = Str()
    hint = Str()
    created_at = Timestamp()
    expires_at = Timestamp()
    last_used_at = Timestamp(allow_none=True)
    revoked_at = Timestamp(allow_none=True)


class TokenList(Answer):
    """One's tokens, newest first."""

    items = Items(Obj(Token))


class TokenCreated(Answer):
    """A new token, shown this once, and its record."""

    token = Str(metadata={"description": N_("只显示这一次")})
    record = Obj(Token)


class SuggestedResult(Answer):
    """A published result suggested for a draft need."""

    id = record_id()
    title = Str()
    organization = Obj(OrgBrief)
    field = Choice(TechField)
    field_label = Str()
    trl = Int(validate=validate.Range(1, 9))
    score = Number(validate=validate.Range(min=0))
    text_score = Number(validate=validate.Range(min=0))
    weak = WeakMark()
    parts = Free(keys=Str(), values=Number())
    terms = Items(Obj(Term))
    related_terms = Items(Str())
    url = Str()


class Advice(Answer):
    """One point that makes a need hard to match."""

    code = Str(validate=one_of(ADVICE_CODES))
    message = Str()
    field = Str(allow_none=True)
    suggested_field = Choice(TechField, allow_none=True)
    suggested_field_label = Str(allow_none=True)

    @pre_dump
    def _as_shown(self, advice: AdviceRecord, **kwargs: Any) -> dict[str, Any]:
        return {**advice.as_dict(), "suggested_field": advice.suggested_field}


class SuggestionPreviewResult(Answer):
    """The best results and the advice for a draft."""

    items = Items(Obj(SuggestedResult), validate=validate.Length(max=PREVIEW_SIZE))
    advice = Items(Obj(Advice))
    field_used = Choice(TechField, allow_none=True)


def page_of(item: type[Answer]) -> type[OpenAnswer]:
    """The schema of a page of ``item`` records, named ``<item>Page``; the attachments of the
    page's records, if the item lists them, are read in one statement for the page."""
    hooks: dict[str, Any] = {}
    if any(isinstance(f, VisibleAttachments) for f in item._declared_fields.values()):
        @pre_dump
        def _read_attachments(self: Any, page: Any, **kwargs: Any) -> Any:
            read_attachments(page.items)
            return page
        hooks["_read_attachments"] = _read_attachments
    return type(f"{item.__name__}Page", (OpenAnswer,), {
        **hooks,
        "__doc__": f"A page of {item.__name__} records.",
        "items": Items(Obj(item)),
        "page": Int(validate=validate.Range(min=1)),
        "per_page": Int(validate=validate.Range(min=1)),
        "total": Int(validate=validate.Range(min=0)),
        "pages": Int(validate=validate.Range(min=1)),
    })


NeedPage = page_of(Need)
ResultPage = page_of(Result)
SolutionPage = page_of(Solution)
DealPage = page_of(Deal)
DockingPage = page_of(Docking)

# Answers whose shape the document does not spell out (the report is the reports page's JSON).
FREE_FORM = {"Report": {"type": "object", "description": N_("与 /reports.json 相同的报表")},
             "Figures": {"type": "object", "description": N_("公开的核心指标")},
             "OpenAPI": {"type": "object"}}


# --- query arguments --------------------------------------------------------------------------

class ListingQuery(PageQuery):
    """What the need and the result lists can both be narrowed by."""

    q = Str(validate=validate.Length(max=100), metadata={
        "description": N_("关键词：按匹配引擎的分词与索引检索（中英文、缩写如 PCB、5G），默认按相关度排序")})
    field = Choice(TechField, metadata={"description": N_("技术领域")})
    province = Str(validate=PROVINCE, metadata={"description": N_("所属地区")})


class MatchQuery(Query):
    """How many suggestions to return."""

    limit = Int(strict=False, load_default=10, validate=validate.Range(1, MAX_MATCHES),
                metadata={"description": doc_text(N_("最多返回多少条（≤%(n)s）"), n=MAX_MATCHES)})


# --- request bodies ---------------------------------------------------------------------------

class NeedUpdate(Body):
    """A need's fields, any of them (a partial update)."""

    title = text(rules.NEED_TITLE)
    field = Choice(TechField, error_messages={"required": rules.FIELD_REQUIRED})
    subfield = text(rules.Text(40))
    problem = text(rules.NEED_PROBLEM)
    indicators = text(rules.INDICATORS)
    basis = text(rules.BASIS)
    keywords = Keywords()
    budget_min_wan = Wan(allow_none=True)
    budget_max_wan = Wan(allow_none=True)
    modes = Items(Choice(CooperationMode), validate=validate.Length(
        min=1, max=len(CooperationMode), error=rules.NEED_MODES_REQUIRED))
    province = Str(validate=PROVINCE, error_messages={"required": rules.PROVINCE_REQUIRED})
    city = text(rules.CITY)
    valid_until = Day(allow_none=True)
    show_org_name = Bool()


def need_problems(values: Mapping[str, Any]) -> dict[str, str]:
    """The rules across a need's fields, on its values (a body, or a need with changes)."""
    return {name: problem for name, problem in (
        ("subfield", rules.subfield_problem(values.get("field"), values.get("subfield"))),
        ("budget_max_wan", rules.budget_problem(values.get("budget_min_wan"),
                                                values.get("budget_max_wan"))),
        ("valid_until", rules.valid_until_problem(values.get("valid_until"))),
    ) if problem}


class NeedCreate(NeedUpdate, RequiredBody):
    """A new need; ``publish`` publishes it at once."""

    required_fields = ("title", "field", "problem", "modes", "province")
    publish = Bool(metadata={"description": N_("true 时创建后立即发布")})

    @validates_schema(skip_on_field_errors=False)
    def _across_fields(self, data: dict[str, Any], **kwargs: Any) -> None:
        problems = need_problems(data)
        if problems:
            raise ValidationError(problems)


class ResultUpdate(Body):
    """A result's fields, any of them (a partial update)."""

    title = text(rules.RESULT_TITLE)
    field = Choice(TechField, error_messages={"required": rules.FIELD_REQUIRED})
    subfield = text(rules.Text(40))
    summary = text(rules.RESULT_SUMMARY)
    keywords = Keywords()
    form = Choice(ResultForm, error_messages={"required": rules.FORM_REQUIRED})
    trl = whole(rules.TRL)
    ip_type = Choice(IPType, allow_none=True)
    ip_numbers = Items(text(rules.IP_NUMBER), validate=validate.Length(max=rules.MAX_IP_NUMBERS))
    modes = Items(Choice(CooperationMode), validate=validate.Length(
        min=1, max=len(CooperationMode), error=rules.RESULT_MODES_REQUIRED))
    price_wan = Wan(allow_none=True)
    team = text(rules.TEAM)
    contact_name = text(rules.CONTACT_NAME)
    contact_phone = text(rules.CONTACT_PHONE)
    province = Str(validate=PROVINCE, error_messages={"required": rules.PROVINCE_REQUIRED})
    city = text(rules.CITY)


def result_problems(values: Mapping[str, Any]) -> dict[str, str]:
    """The rules across a result's fields, on its values (a body, or a result with changes)."""
    return {name: problem for name, problem in (
        ("subfield", rules.subfield_problem(values.get("field"), values.get("subfield"))),
        ("ip_numbers", rules.ip_numbers_problem(values.get("ip_type"),
                                                list(values.get("ip_numbers") or []))),
    ) if problem}


class ResultCreate(ResultUpdate, RequiredBody):
    """A new result; ``publish`` publishes it at once."""

    required_fields = ("title", "field", "summary", "form", "trl", "modes", "province")
    publish = Bool(metadata={"description": N_("true 时创建后立即发布")})

    @validates_schema(skip_on_field_errors=False)
    def _across_fields(self, data: dict[str, Any], **kwargs: Any) -> None:
        problems = result_problems(data)
        if problems:
            raise ValidationError(problems)


class SolutionCreate(RequiredBody):
    """An institution's proposal for a need, linking its own published results."""

    required_fields = ("summary", "approach")
    summary = text(rules.SOLUTION_SUMMARY)
    approach = text(rules.SOLUTION_APPROACH)
    result_ids = Items(record_id(), validate=validate.Length(max=rules.MAX_LINKED_RESULTS))
    price_wan = Wan(allow_none=True)
    timeline = text(rules.TIMELINE)


class SolutionDecision(RequiredBody):
    """The enterprise's decision on a solution, or the institution's withdrawal."""

    required_fields = ("to",)
    to = Str(validate=one_of([s.value for s in SolutionStatus
                              if s is not SolutionStatus.SUBMITTED]))


class Interest(RequiredBody):
    """Interest: a need and a result to pair, with a message to the other side."""

    required_fields = ("need_id", "result_id")
    need_id = record_id()
    result_id = record_id()
    message = text(rules.INTEREST_MESSAGE)


class Transition(RequiredBody):
    """Where to move a docking; every state is well formed, the workflow refuses the moves it
    does not allow from the current state with a 409."""

    required_fields = ("to", "version")
    to = Choice(DockingState)
    version = record_id()
    note = text(rules.NOTE)
    drop_reason = Choice(DropReason, allow_none=True)


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError(_("消息不能为空"))


class MessageCreate(RequiredBody):
    """A message in a docking's thread, or a broker's note."""

    required_fields = ("body",)
    body = Str(validate=[validate.Length(min=rules.MESSAGE_BODY.min, max=rules.MESSAGE_BODY.max),
                         _not_blank])
    is_note = Bool()


class DealCreate(RequiredBody):
    """The signed contract."""

    required_fields = ("contract_type", "amount_wan", "signed_on", "version")
    contract_type = Choice(ContractType,
                           error_messages={"required": rules.CONTRACT_TYPE_REQUIRED})
    amount_wan = Wan(error_messages={"required": rules.AMOUNT_REQUIRED})
    signed_on = Day(error_messages={"required": rules.SIGNED_ON_REQUIRED})
    contract_number = text(rules.CONTRACT_NUMBER, allow_none=True)
    version = record_id()


class DealCorrection(RequiredBody):
    """A corrected amount and signing date."""

    required_fields = ("amount_wan", "signed_on", "version")
    amount_wan = Wan(error_messages={"required": rules.AMOUNT_REQUIRED})
    signed_on = Day(error_messages={"required": rules.SIGNED_ON_REQUIRED})
    version = record_id()


class TokenCreate(RequiredBody):
    """A new token's name."""

    required_fields = ("name",)
    name = text(rules.TOKEN_NAME)
    expires_in_days = whole(rules.TOKEN_DAYS, metadata={
        "description": N_("有效天数，1–365，默认 90（API_TOKEN_DAYS）")})


def _up_to(rule: rules.Text) -> Str:
    """A draft's text: only the upper limit applies while it is being written."""
    return text(rules.Text(rule.max))


class SuggestionPreview(Body):
    """A need being written, as it stands; every field may be missing."""

    title = _up_to(rules.NEED_TITLE)
    field = Str(allow_none=True, validate=one_of(_values(TechField)))
    problem = _up_to(rules.NEED_PROBLEM)
    indicators = _up_to(rules.INDICATORS)
    basis = _up_to(rules.BASIS)
    keywords = Keywords()
    budget_min_wan = Wan(allow_none=True)
    budget_max_wan = Wan(allow_none=True)
    modes = Items(Str(validate=one_of(_values(CooperationMode))), validate=MODES_AT_MOST)
    province = Str(allow_none=True, validate=PROVINCE)
