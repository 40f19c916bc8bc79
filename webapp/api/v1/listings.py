"""The operations every kind of listing has — list, create, read, change, its changes of state
and its stored suggestions — declared for a kind by :func:`declare`.

Each kind's module (``needs``, ``results``) describes only what differs: its schemas, its list
filters and sorts, how its values become the services' input, and the words of its documents.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError

from ...db import get_session
from ...listings.kind import ListingKind
from ...listings.revisions import history_for, history_visible
from ...listings.services import announce
from ...permissions import acting_user, can_change
from ...search import search
from .core import (
    WRITE_ERRORS,
    ApiError,
    created,
    load,
    not_found,
    operation,
    require_user,
    sort_clause,
)
from .schemas import MatchList, MatchQuery, RevisionList


@dataclass(frozen=True, kw_only=True)
class ListingResource:
    """A kind of listing as the API serves it."""

    kind: ListingKind
    query: type[Schema]  # the list's arguments, ``sort`` and ``mine`` among them
    answer: type[Schema]
    page: type[Schema]
    create: type[Schema]
    update: type[Schema]
    filters: Callable[[dict[str, Any], int | None], Any]  # (arguments, organisation) -> filters
    sorts: Mapping[str, Any]
    values: Callable[[Any], dict[str, Any]]  # a listing's editable values, as a body has them
    problems: Callable[[Mapping[str, Any]], dict[str, str]]  # the rules across its fields
    to_input: Callable[[Mapping[str, Any]], Any]  # checked values -> the services' input
    docs: Mapping[str, str]  # each operation's docstring, by the operation's name


REVISIONS_DOC = (
    "The listing's edits since it was published, newest first: who, when, and each changed "
    "field's old and new value in words (docs/operations.md, Security 10). Only its organisation, "
    "both sides of a signed deal on it and operators read them; anyone else who may see the "
    "listing gets an empty list, anyone who may not a 404.")

#: The order of a list without a query and without ``sort``.
DEFAULT_SORT = "-published_at"


def visible(kind: ListingKind, listing_id: int) -> Any:
    """The listing, or a 404 for one that does not exist or that the user may not see."""
    listing = load(kind.model, listing_id)
    if listing is None or not kind.can_view(acting_user(), listing):
        raise not_found(_(kind.noun))
    return listing


def changeable(kind: ListingKind, listing_id: int) -> Any:
    """The listing, or a 404, or a 403 for someone who may not change it."""
    listing = visible(kind, listing_id)
    if not can_change(require_user(), listing):
        raise ApiError(403, "forbidden", _("只有发布机构和平台运营人员可以修改该%(noun)s。",
                                           noun=_(kind.noun)))
    return listing


def declare(resource: ListingResource) -> None:
    """Declare the kind's operations at ``/<kind>``, ``/<kind>/<id>`` and below."""
    kind, docs = resource.kind, resource.docs
    base, item, tag = f"/{kind.name}", f"/{kind.name}/<int:{kind.id_arg}>", kind.name

    def one(**ids: int) -> Any:
        return visible(kind, ids[kind.id_arg])

    def mine(**ids: int) -> Any:
        return changeable(kind, ids[kind.id_arg])

    def may_post() -> None:
        user = require_user()
        if not (kind.may_post(user.organization) or user.is_operator):
            raise ApiError(403, "forbidden", _(kind.post_refused))

    def list_listings(args: dict[str, Any]) -> Any:
        user = acting_user()
        if args["mine"] and user is None:
            raise ApiError(401, "unauthorized", _("mine=true 需要登录或 API 令牌。"))
        organization = user.organization_id if args["mine"] and user else None
        filters = resource.filters(args, organization)
        sort = args.get("sort") or ("relevance" if filters.q else DEFAULT_SORT)
        order = None if sort == "relevance" else (sort_clause(sort, resource.sorts),)
        return search(get_session(), kind, filters, user, order=order, sort=sort,
                      page=args["page"], per_page=args["per_page"], facets=False).page

    def create(body: dict[str, Any]) -> Any:
        db = get_session()
        listing = kind.create(db, require_user(), resource.to_input(body),
                              publish=body.get("publish", False))
        announce(db, listing)
        return created(listing, f".{tag}_detail", **{kind.id_arg: listing.id})

    def detail(**ids: int) -> Any:
        return one(**ids)

    def update(body: dict[str, Any], **ids: int) -> Any:
        listing = mine(**ids)
        actor = require_user()
        values = {**resource.values(listing), **body}
        problems = resource.problems(values)
        if problems:
            raise ValidationError(problems)
        db = get_session()
        before = listing.status
        kind.update(db, listing, resource.to_input(values), actor=actor)
        announce(db, listing, before)
        return listing

    def revisions(**ids: int) -> dict[str, Any]:
        db, user = get_session(), acting_user()
        listing = load(kind.model, ids[kind.id_arg])
        # The other side of a signed deal reads them even once a result is withdrawn.
        if listing is None or not (kind.can_view(user, listing)
                                   or history_visible(db, user, listing)):
            raise not_found(_(kind.noun))
        history = history_for(db, user, listing, kind.revised)
        return {"items": [{"id": revision.id, "created_at": revision.created_at,
                           "actor_name": revision.actor.name if revision.actor else None,
                           "under_deal": revision.under_deal, "changes": changes}
                          for revision, changes in history]}

    def matches(args: dict[str, Any], **ids: int) -> dict[str, Any]:
        return {"items": kind.matches(get_session(), one(**ids).id, limit=args["limit"])}

    read: dict[str, Any] = {"response": resource.answer, "tag": tag}
    operation(base, query=resource.query, response=resource.page, tag=tag, auth="optional",
              errors=(400, 401), name=f"list_{kind.name}", doc=docs["list"])(list_listings)
    operation(base, "POST", body=resource.create, status=201, errors=WRITE_ERRORS,
              idempotent=True, guard=may_post, doc=docs["create"], **read)(create)
    operation(item, auth="optional", errors=(404,), doc=docs["detail"], **read)(detail)
    operation(item, "PATCH", body=resource.update, errors=WRITE_ERRORS, guard=mine,
              doc=docs["update"], **read)(update)
    for change in kind.transitions:
        operation(f"{item}/{change.name}", "POST", errors=(401, 403, 404, 409), name=change.name,
                  doc=change.summary, **read)(_transition(kind, change.action))
    operation(f"{item}/revisions", tag=tag, response=RevisionList, auth="optional",
              errors=(404,), name="revisions", doc=docs.get("revisions", REVISIONS_DOC))(revisions)
    operation(f"{item}/matches", tag="matches", query=MatchQuery, response=MatchList,
              auth="optional", errors=(400, 404), name=f"for_{kind.singular}",
              doc=docs["matches"])(matches)


def _transition(kind: ListingKind, action: Callable[[Any], None]) -> Callable[..., Any]:
    def change(**ids: int) -> Any:
        listing = changeable(kind, ids[kind.id_arg])
        before = listing.status
        action(listing)
        announce(get_session(), listing, before)
        return listing
    return change
