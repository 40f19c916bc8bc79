"""我的收藏: bookmarks of needs and results (sorted as the URL says), saved searches with their
alerts, and the digest's frequency; the bookmark button and "save this search"."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from flask import abort, current_app, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.wrappers import Response

from models import Bookmark, DigestFrequency, Need, Result, SavedSearch, SearchKind, User

from ..db import get_session
from ..listings.args import choice_arg, text_arg
from ..needs.kind import NEEDS
from ..page_changes import change_and_go_back
from ..pagination import Page, page_number
from ..permissions import acting_user
from ..results.kind import RESULTS
from . import bp
from .forms import DigestForm, SaveSearchForm
from .services import (
    bookmark_of,
    bookmarked,
    digest_of,
    save_search,
    saved_searches,
    search_args,
    set_digest,
    toggle_bookmark,
)

TABS = ("needs", "results", "searches")
BOOKMARKED = "bookmarked"


@bp.app_context_processor
def _bookmark_state() -> dict[str, Any]:
    """``is_bookmarked(listing)`` for the bookmark button on need and result pages."""
    def is_bookmarked(listing: Need | Result) -> bool:
        user = acting_user()
        return user is not None and bookmark_of(get_session(), user.id, listing) is not None
    return {"is_bookmarked": is_bookmarked}


def _user() -> User:
    user = acting_user()
    if user is None:
        abort(401)
    return user


def _sorts(kind: Any) -> list[tuple[str, str]]:
    return [(BOOKMARKED, _("最近收藏"))] + [(name, _(label)) for name, (label, _o)
                                            in kind.search.sorts.items()]


@bp.route("/saved")
@login_required
def index() -> str:
    """The user's bookmarks of one kind (``tab``), sorted by ``sort``, or saved searches."""
    user = _user()
    db = get_session()
    tab = choice_arg("tab", TABS) or "needs"
    context: dict[str, Any] = {"tab": tab, "digest": digest_of(db, user.id)}
    form = DigestForm(digest=context["digest"].value)
    if tab == "searches":
        searches = saved_searches(db, user.id)
        return render_template("saved/index.html", searches=searches, form=form,
                               run_url=_run_url, **context)
    kind = NEEDS if tab == "needs" else RESULTS
    sorts = _sorts(kind)
    sort = choice_arg("sort", [name for name, _label in sorts]) or BOOKMARKED
    order = (Bookmark.created_at.desc(),) if sort == BOOKMARKED else kind.search.sorts[sort][1]()
    # Who may see each one is the kind's rule: a bookmarked need may have become a draft
    # again for nobody, a result may have been withdrawn.
    items = [x for x in bookmarked(db, user.id, kind.model, order) if kind.can_view(user, x)]
    per_page = current_app.config["PAGE_SIZE"]
    pages = max(1, -(-len(items) // per_page))
    page = min(page_number(text_arg("page")), pages)
    return render_template(
        "saved/index.html", form=form, sorts=sorts, sort=sort,
        page=Page(items=items[(page - 1) * per_page: page * per_page], page=page,
                  per_page=per_page, total=len(items)), **context)


def _run_url(saved: SavedSearch) -> str:
    args: dict[str, Any] = search_args(saved)
    return url_for(f"{saved.kind.value}.index", **args)


@bp.route("/bookmarks/<any(needs, results):kind>/<int:listing_id>", methods=["POST"])
@login_required
def toggle(kind: str, listing_id: int) -> Response:
    """收藏 / 取消收藏 a need or result, and back to its page."""
    user = _user()
    db = get_session()
    listing_kind = NEEDS if kind == "needs" else RESULTS
    listing = db.get(listing_kind.model, listing_id)
    if listing is None or not listing_kind.can_view(user, listing):
        abort(404)
    back = url_for(f"{kind}.detail", **{listing_kind.id_arg: listing.id})
    return change_and_go_back(
        lambda: _("已收藏。") if toggle_bookmark(db, user, listing) else _("已取消收藏。"), back)


@bp.route("/saved/searches", methods=["POST"])
@login_required
def save() -> Response:
    """Save the list's search and alert on new listings it finds."""
    user = _user()
    form = SaveSearchForm()
    kind = form.search_kind()
    if not form.validate_on_submit() or kind is None:
        abort(400)
    args: dict[str, Any] = dict(parse_qsl(form.params.data or ""))
    db = get_session()
    back = url_for(f"{kind.value}.index", **args)
    return change_and_go_back(
        lambda: _("已保存搜索“%(name)s”：有新的%(noun)s时会提醒您。",
                  name=save_search(db, user, kind, args, form.name.data or "").name,
                  noun=_(NEEDS.noun if kind is SearchKind.NEEDS else RESULTS.noun)), back)


def _own_search(search_id: int, user: User) -> SavedSearch:
    saved = get_session().get(SavedSearch, search_id)
    if saved is None or saved.user_id != user.id:
        abort(404)
    return saved


@bp.route("/saved/searches/<int:search_id>/<any(alerts, delete):action>", methods=["POST"])
@login_required
def change(search_id: int, action: str) -> Response:
    """Switch a saved search's alerts on or off, or delete it."""
    user = _user()
    saved = _own_search(search_id, user)
    db = get_session()

    def apply() -> str:
        if action == "delete":
            db.delete(saved)
            db.flush()
            return _("已删除保存的搜索。")
        saved.alerts = not saved.alerts
        db.flush()
        return _("已开启提醒。") if saved.alerts else _("已关闭提醒。")
    return change_and_go_back(apply, url_for("saved.index", tab="searches"))


@bp.route("/saved/digest", methods=["POST"])
@login_required
def digest() -> Response | str:
    """Choose how often alerts are e-mailed."""
    user = _user()
    form = DigestForm()
    if not form.validate_on_submit():
        abort(400)
    db = get_session()

    def apply() -> str:
        set_digest(db, user.id, DigestFrequency(form.digest.data))
        return _("提醒邮件设置已保存。")
    return change_and_go_back(apply, url_for("saved.index", tab="searches"))
