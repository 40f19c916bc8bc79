"""Result pages."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.wrappers import Response

from models import CooperationMode, Field, Result, ResultStatus

from ..db import get_session
from ..listing_views import apply_transition, enum_arg, province_arg, text_arg, wants_publish
from ..matching.services import matches_for_result, rematch_result
from ..pagination import page_number
from ..permissions import acting_user, can_change, can_view_result, require_change
from . import bp
from .forms import ResultForm
from .services import (
    ResultFilters,
    ResultStateError,
    create_result,
    publish_result,
    search_results,
    update_result,
    withdraw_result,
)


def _load(result_id: int) -> Result:
    result = get_session().get(Result, result_id)
    if result is None or not can_view_result(acting_user(), result):
        abort(404)
    return result


def _rematch(result: Result) -> None:
    rematch_result(get_session(), result)


@bp.route("")
def index() -> str:
    """List published results with keyword search, filters and pages."""
    user = acting_user()
    mine = text_arg("mine") == "1" and user is not None
    trl = text_arg("min_trl")
    filters = ResultFilters(
        q=text_arg("q"), field=enum_arg("field", Field), province=province_arg(),
        status=enum_arg("status", ResultStatus), mode=enum_arg("mode", CooperationMode),
        min_trl=int(trl) if trl in {str(n) for n in range(1, 10)} else None,
        organization_id=user.organization_id if mine and user else None)
    page = search_results(get_session(), filters, user, page_number(text_arg("page")),
                          current_app.config["PAGE_SIZE"])
    return render_template("results/index.html", page=page, filters=filters, mine=mine,
                           modes=list(CooperationMode), statuses=list(ResultStatus))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> Response | str:
    """Post a result."""
    user = acting_user()
    assert user is not None
    if not (user.organization.can_post_results or user.is_operator):
        abort(403)
    form = ResultForm()
    if not form.is_submitted():
        form.province.data = user.organization.province
        form.city.data = user.organization.city
    if form.validate_on_submit():
        db = get_session()
        result = create_result(db, user, form.to_input(), publish=wants_publish())
        rematch_result(db, result)
        db.commit()
        flash(_("成果已发布。") if result.status is ResultStatus.PUBLISHED else _("成果已保存为草稿。"),
              "success")
        return redirect(url_for("results.detail", result_id=result.id))
    return render_template("results/form.html", form=form, result=None)


@bp.route("/<int:result_id>")
def detail(result_id: int) -> str:
    """A result's page."""
    result = _load(result_id)
    return render_template("results/detail.html", result=result,
                           can_edit=can_change(acting_user(), result),
                           matches=matches_for_result(get_session(), result.id))


@bp.route("/<int:result_id>/edit", methods=["GET", "POST"])
@login_required
def edit(result_id: int) -> Response | str:
    """Edit a result of one's own institution."""
    result = _load(result_id)
    require_change(result)
    form = ResultForm(obj=result)
    if not form.is_submitted():
        form.field.data = result.field.value
        form.form.data = result.form.value
        form.modes.data = [m.value for m in result.modes]
        form.keywords.data = "，".join(result.keyword_list)
        form.price.data = result.price_wan
        if result.ip_rights:
            form.ip_type.data = result.ip_rights[0].ip_type.value
            form.ip_numbers.data = "\n".join(ip.number for ip in result.ip_rights if ip.number)
    if form.validate_on_submit():
        db = get_session()
        update_result(db, result, form.to_input())
        if wants_publish() and result.status is not ResultStatus.PUBLISHED:
            publish_result(result)
        rematch_result(db, result)
        db.commit()
        flash(_("成果已更新。"), "success")
        return redirect(url_for("results.detail", result_id=result.id))
    return render_template("results/form.html", form=form, result=result)


@bp.route("/<int:result_id>/publish", methods=["POST"])
@login_required
def publish(result_id: int) -> Response:
    """Publish a draft or withdrawn result."""
    return apply_transition(_load(result_id), publish_result, ResultStateError, _("成果已发布。"),
                            url_for("results.detail", result_id=result_id),
                            after=_rematch)


@bp.route("/<int:result_id>/withdraw", methods=["POST"])
@login_required
def withdraw(result_id: int) -> Response:
    """Withdraw a published result."""
    return apply_transition(_load(result_id), withdraw_result, ResultStateError, _("成果已撤回。"),
                            url_for("results.detail", result_id=result_id),
                            after=_rematch)
