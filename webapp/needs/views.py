"""Need pages."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.wrappers import Response

from models import CooperationMode, Field, Need, NeedStatus

from ..db import get_session
from ..listing_views import (
    apply_transition,
    decimal_arg,
    enum_arg,
    province_arg,
    text_arg,
    wants_publish,
)
from ..matching.services import best_institutions, matches_for_need, near_duplicates, rematch_need
from ..pagination import page_number
from ..permissions import acting_user, can_change, can_view_need, require_change
from . import bp
from .forms import NeedForm
from .services import (
    NeedFilters,
    NeedStateError,
    close_need,
    create_need,
    publish_need,
    search_needs,
    update_need,
)


def _load(need_id: int) -> Need:
    need = get_session().get(Need, need_id)
    if need is None or not can_view_need(acting_user(), need):
        abort(404)
    return need


def _warn_duplicates(need: Need) -> None:
    """Tell the author when an open need already says nearly the same thing."""
    for other in near_duplicates(get_session(), need)[:3]:
        flash(_("提示：与已发布的需求“%(title)s”（编号 %(id)s）内容高度相似，请确认是否重复发布。",
                title=other.title, id=other.id),
              "warning")


def _rematch(need: Need) -> None:
    rematch_need(get_session(), need)


@bp.route("")
def index() -> str:
    """List open needs with keyword search, filters and pages."""
    user = acting_user()
    mine = text_arg("mine") == "1" and user is not None
    filters = NeedFilters(
        q=text_arg("q"), field=enum_arg("field", Field), province=province_arg(),
        status=enum_arg("status", NeedStatus), mode=enum_arg("mode", CooperationMode),
        min_budget_wan=decimal_arg("min_budget"),
        organization_id=user.organization_id if mine and user else None)
    page = search_needs(get_session(), filters, user, page_number(text_arg("page")),
                        current_app.config["PAGE_SIZE"])
    return render_template("needs/index.html", page=page, filters=filters, mine=mine,
                           statuses=list(NeedStatus), modes=list(CooperationMode))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> Response | str:
    """Post a need, as a draft or published at once."""
    user = acting_user()
    assert user is not None
    if not (user.organization.can_post_needs or user.is_operator):
        abort(403)
    form = NeedForm()
    if not form.is_submitted():
        form.province.data = user.organization.province
        form.city.data = user.organization.city
    if form.validate_on_submit():
        db = get_session()
        need = create_need(db, user, form.to_input(), publish=wants_publish())
        rematch_need(db, need)
        _warn_duplicates(need)
        db.commit()
        flash(_("需求已发布。") if need.status is NeedStatus.PUBLISHED else _("需求已保存为草稿。"),
              "success")
        return redirect(url_for("needs.detail", need_id=need.id))
    return render_template("needs/form.html", form=form, need=None)


@bp.route("/<int:need_id>")
def detail(need_id: int) -> str:
    """A need's page."""
    need = _load(need_id)
    user = acting_user()
    db = get_session()
    return render_template("needs/detail.html", need=need, can_edit=can_change(user, need),
                           user=user, matches=matches_for_need(db, need.id),
                           institutions=best_institutions(db, need.id))


@bp.route("/<int:need_id>/edit", methods=["GET", "POST"])
@login_required
def edit(need_id: int) -> Response | str:
    """Edit a need of one's own organisation."""
    need = _load(need_id)
    require_change(need)
    form = NeedForm(obj=need)
    if not form.is_submitted():
        form.field.data = need.field.value
        form.modes.data = [m.value for m in need.modes]
        form.keywords.data = "，".join(need.keyword_list)
        form.budget_negotiable.data = need.budget_negotiable
        form.budget_min.data = need.budget_min_wan
        form.budget_max.data = need.budget_max_wan
    if form.validate_on_submit():
        db = get_session()
        try:
            update_need(db, need, form.to_input())
            if wants_publish() and need.status is NeedStatus.DRAFT:
                publish_need(need)
            rematch_need(db, need)
        except NeedStateError as exc:
            db.rollback()
            flash(str(exc), "error")
            return redirect(url_for("needs.detail", need_id=need_id))
        db.commit()
        flash(_("需求已更新。"), "success")
        return redirect(url_for("needs.detail", need_id=need.id))
    return render_template("needs/form.html", form=form, need=need)


@bp.route("/<int:need_id>/publish", methods=["POST"])
@login_required
def publish(need_id: int) -> Response:
    """Publish a draft."""
    return apply_transition(_load(need_id), publish_need, NeedStateError, _("需求已发布。"),
                            url_for("needs.detail", need_id=need_id),
                            after=_rematch)


@bp.route("/<int:need_id>/close", methods=["POST"])
@login_required
def close(need_id: int) -> Response:
    """Close a need."""
    return apply_transition(_load(need_id), close_need, NeedStateError, _("需求已关闭。"),
                            url_for("needs.detail", need_id=need_id),
                            after=_rematch)
