"""The pages every kind of listing has — list, post, read, edit, and its changes of state —
registered on the kind's blueprint by :func:`register_pages`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import login_required
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from models import CooperationMode, Field

from ..attachments import save_uploads
from ..contacts import listing_contacts_visible
from ..db import get_session
from ..form_tokens import commit_once, replayed
from ..page_changes import change_and_go_back
from ..pagination import page_number
from ..permissions import acting_user, can_change, require_change
from ..search import BAND_VALUES, STAGES, clean_query, order_of, search, sort_names
from .args import Args, choice_arg, enum_arg, province_arg, text_arg, wants_draft, wants_publish
from .kind import ListingKind, Transition
from .revisions import has_signed_deal, history_for
from .services import ListingFilters, announce, missing


@dataclass(frozen=True, kw_only=True)
class ListingPages:
    """What a kind's pages need beyond its kind: its form (with ``fill(listing)`` and
    ``to_input()``), its own list filters, and what its pages show besides the listing."""

    kind: ListingKind
    form: type[FlaskForm]
    filters: Callable[..., ListingFilters]  # (args, **common filters) -> the kind's filters
    index_context: Callable[[], dict[str, Any]]
    detail_context: Callable[[Session, Any], dict[str, Any]] = lambda db, listing: {}
    after_create: Callable[[Any], None] = lambda listing: None


#: The pages registered, by kind name: a saved search's query string is read by its kind's.
_REGISTERED: dict[str, ListingPages] = {}


def read_filters(pages: ListingPages, args: Args,
                 organization_id: int | None = None) -> tuple[ListingFilters, str]:
    """A list's filters as its query string ``args`` gives them (unknown values ignored), with
    the notice to show when the query was cut."""
    q, cut = clean_query(args.get("q", ""))
    filters = pages.filters(
        args, q=q, field=enum_arg("field", Field, args), province=province_arg(args),
        mode=enum_arg("mode", CooperationMode, args), band=choice_arg("band", BAND_VALUES, args),
        maturity=choice_arg("maturity", STAGES, args) if pages.kind.search.trl else None,
        organization_id=organization_id)
    return filters, cut


def saved_filters(kind_name: str, args: Args) -> tuple[ListingKind, ListingFilters]:
    """The kind and the filters of a saved search: its list's query string read as the list
    reads it (one reading, so a saved search finds what its list shows)."""
    pages = _REGISTERED[kind_name]
    return pages.kind, read_filters(pages, args)[0]


def register_pages(bp: Blueprint, pages: ListingPages) -> None:
    """Register the kind's pages on its blueprint: ``index``, ``new``, ``detail``, ``edit`` and
    one endpoint per transition, at the URLs they always had."""
    kind = pages.kind
    _REGISTERED[kind.name] = pages
    item = f"/<int:{kind.id_arg}>"

    def template(page: str) -> str:
        return f"{kind.name}/{page}.html"

    def load(ids: dict[str, int]) -> Any:
        listing = get_session().get(kind.model, ids[kind.id_arg])
        if listing is None or not kind.can_view(acting_user(), listing):
            abort(404)
        return listing

    def back(listing: Any) -> str:
        return url_for(f"{kind.name}.detail", **{kind.id_arg: listing.id})

    def index() -> Response | str:
        user = acting_user()
        if text_arg("mine") == "1" and user is None:
            # "Mine" without a log-in would silently show everyone's: ask to log in instead.
            return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
        mine = text_arg("mine") == "1" and user is not None
        filters, cut = read_filters(pages, request.args,
                                    user.organization_id if mine and user else None)
        q = filters.q
        sort, order = order_of(kind, text_arg("sort"), bool(q))
        found = search(get_session(), kind, filters, user, order=order, sort=sort,
                       page=page_number(text_arg("page")),
                       per_page=current_app.config["PAGE_SIZE"])
        return render_template(template("index"), page=found.page, found=found, filters=filters,
                               mine=mine, sorts=sort_names(kind, bool(q)),
                               notices=[n for n in (cut, found.notice) if n],
                               **pages.index_context())

    def new() -> Response | str:
        user = acting_user()
        assert user is not None
        if not (kind.may_post(user.organization) or user.is_operator):
            abort(403)
        form = pages.form()
        form.drafting = wants_draft()
        if not form.is_submitted():
            form.province.data = user.organization.province
            form.city.data = user.organization.city
        elif (again := replayed(f"{kind.name}.new")) is not None:
            return again  # back-then-resubmit: the listing the first submission made
        if form.validate_on_submit():
            db = get_session()
            listing = kind.create(db, user, form.to_input(), publish=wants_publish())
            save_uploads(listing, user, form)
            announce(db, listing)
            pages.after_create(listing)
            if (again := commit_once(f"{kind.name}.new", lambda: back(listing))) is not None:
                return again
            done = kind.published if listing.published_at is not None else kind.drafted
            flash(_(done), "success")
            return redirect(back(listing))
        return render_template(template("form"), form=form, publishable=True,
                               **{kind.singular: None})

    def detail(**ids: int) -> str:
        listing = load(ids)
        user = acting_user()
        db = get_session()
        history = history_for(db, user, listing, kind.revised)
        can_edit = can_change(user, listing)
        unfilled = [_(label) for label in missing(listing, kind.required)] \
            if can_edit and listing.status == "draft" else []
        return render_template(template("detail"), can_edit=can_edit, user=user, unfilled=unfilled,
                               show_contacts=listing_contacts_visible(db, user, listing),
                               matches=kind.matches(db, listing.id), history=history,
                               **pages.detail_context(db, listing), **{kind.singular: listing})

    def changed(listing: Any, change: Callable[[], Any], done: str) -> Response:
        def apply() -> str:
            before = listing.status
            change()
            announce(get_session(), listing, before)
            return _(done)
        return change_and_go_back(apply, back(listing))

    def edit(**ids: int) -> Response | str:
        listing = load(ids)
        user = require_change(listing)
        form = pages.form(obj=listing)
        # A draft saved as a draft needs only its title; publishing or saving a published
        # listing checks everything.
        form.drafting = listing.status == "draft" and wants_draft()
        if not form.is_submitted():
            form.fill(listing)
        if form.validate_on_submit():
            def save() -> None:
                kind.update(get_session(), listing, form.to_input(), actor=user)
                save_uploads(listing, user, form)
                if wants_publish() and kind.publishable(listing):
                    kind.publish(listing)
            publishing = wants_publish() and kind.publishable(listing)
            return changed(listing, save, kind.published if publishing else kind.updated)
        return render_template(template("form"), form=form,
                               publishable=kind.publishable(listing),
                               under_deal=has_signed_deal(get_session(), listing),
                               noun=_(kind.noun),
                               **{kind.singular: listing})

    def transition(change: Transition) -> Callable[..., Response]:
        def view(**ids: int) -> Response:
            listing = load(ids)
            require_change(listing)
            return changed(listing, lambda: change.action(listing), change.done)
        return view

    bp.add_url_rule("", "index", index)
    bp.add_url_rule("/new", "new", login_required(new), methods=["GET", "POST"])
    bp.add_url_rule(item, "detail", detail)
    bp.add_url_rule(f"{item}/edit", "edit", login_required(edit), methods=["GET", "POST"])
    for change in kind.transitions:
        bp.add_url_rule(f"{item}/{change.name}", change.name,
                        login_required(transition(change)), methods=["POST"])
