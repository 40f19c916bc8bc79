"""Docking pages and their small JSON API.

Pages answer a refused action with a message and a redirect back, and a stale form with the
conflict message next to the current state (409). The API answers with the same codes in JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter import RateLimitExceeded
from flask_login import login_required
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.wrappers import Response

from models import (
    ContractType,
    Docking,
    DockingState,
    DropReason,
    Need,
    Result,
    User,
)
from models.taxonomy import Field

from ..db import get_session
from ..errors import handle_http_error, wants_json
from ..form_tokens import remember, replayed
from ..forms_common import choices
from ..listings.args import choice_arg, enum_arg
from ..listings.revisions import history_for
from ..matching.services import matches_for_need
from ..needs.services import REVISED_FIELDS as NEED_FIELDS
from ..page_changes import change_and_go_back
from ..pagination import page_number, paginate
from ..permissions import acting_user, can_view_need, can_view_result
from ..results.services import REVISED_FIELDS as RESULT_FIELDS
from ..security.limiter import breach_message
from . import bp
from .forms import (
    BrokerForm,
    DealCorrectionForm,
    DealForm,
    InterestForm,
    IntroduceForm,
    MessageForm,
    MoveForm,
)
from .services import (
    DOCKING_SORTS,
    DealValueRefused,
    DockingFilters,
    StaleVersion,
    agree,
    assign_broker,
    brokers,
    can_add_note,
    can_agree,
    can_assign_broker,
    can_correct_deal,
    can_introduce,
    can_sign,
    can_view,
    contacts,
    contacts_visible,
    correct_deal,
    docking_query,
    dockings_of,
    interest_candidates_for_need,
    interest_candidates_for_result,
    introduce,
    is_waiting_on,
    last_message_sides,
    message_page,
    moves_for,
    pair_docking,
    post_message,
    record_deal,
    show_interest,
    transition,
    whose_move,
)

CONFLICT_MESSAGE = _l("该对接已被他人更新，请查看最新状态后再操作。")


@bp.app_context_processor
def _panels() -> dict[str, Any]:
    """The function the need and result pages call to show their docking panel."""
    def panel(listing: Need | Result) -> dict[str, Any]:
        user = acting_user()
        db = get_session()
        if isinstance(listing, Need):
            candidates: list[Any] = interest_candidates_for_need(db, user, listing)
            side, other, offer = "need", "result", _("以本机构成果对接")
        else:
            candidates = interest_candidates_for_result(db, user, listing)
            side, other, offer = "result", "need", _("为本机构需求对接")
        introductions: list[Result] = []
        if isinstance(listing, Need) and listing.status.is_open and can_introduce(user):
            introductions = [m.result for m in matches_for_need(db, listing.id)]
        # Coming from a suggestion's explanation (?result= on a need, ?need= on a result),
        # the form offers that listing first.
        selected = request.args.get(other, type=int)
        return {"dockings": dockings_of(db, user, listing), "candidates": candidates,
                "side": side, "other": other, "offer": offer, "introductions": introductions,
                "selected": selected}

    def pair(need: Need, result: Result) -> dict[str, Any]:
        """What the viewer can do next with a suggested need–result pair: go on in the docking
        the two already have (and whose move it is there), or show interest."""
        user = acting_user()
        db = get_session()
        docking = pair_docking(db, user, need, result)
        if docking is not None:
            side = docking.side_of(user.organization_id) if user else None
            turns = whose_move(docking, last_message_sides(db, [docking])[docking.id])
            return {"docking": docking, "turns": turns, "side": side, "interest": None}
        interest = None
        if result in interest_candidates_for_need(db, user, need):
            interest = "need"  # the viewer's result, offered to the need: back to the need
        elif need in interest_candidates_for_result(db, user, result):
            interest = "result"
        return {"docking": None, "turns": [], "side": None, "interest": interest}

    return {"docking_panel": panel, "pair_actions": pair}


def _user() -> User:
    user = acting_user()
    if user is None:
        abort(401)
    return user


def _load(docking_id: int, user: User) -> Docking:
    """The docking, or 404 for anyone not involved: outsiders learn nothing, not even that it
    exists."""
    docking = get_session().get(Docking, docking_id)
    if docking is None or not can_view(user, docking):
        abort(404)
    return docking


def _detail_url(docking: Docking) -> str:
    return url_for("dockings.detail", docking_id=docking.id)


def _conflict(docking_id: int, user: User) -> Response | tuple[Response | str, int]:
    """Answer a lost race: the conflict message with the docking as it now stands."""
    db = get_session()
    db.rollback()
    db.expire_all()
    docking = _load(docking_id, user)
    return _render_detail(docking, user, conflict=str(CONFLICT_MESSAGE)), 409


def _act(docking_id: int, action: Callable[[User, Docking], str],
         back: Callable[[Docking], str] = _detail_url,
         passes: tuple[type[Exception], ...] = ()) -> Any:
    """Run ``action`` on a docking the user may see, then commit, refuse or report a conflict.

    ``action`` returns the success message; refusals roll everything back.
    """
    user = _user()
    docking = _load(docking_id, user)
    try:
        return change_and_go_back(lambda: action(user, docking), back(docking),
                                  passes=(StaleVersion, *passes))
    except (StaleVersion, StaleDataError):
        return _conflict(docking_id, user)


def _act_on_form(docking_id: int, action: Callable[[User, Docking], str], form: Any,
                 slot: str) -> Any:
    """``_act`` for a form whose values a refusal must not lose: a refused amount or date is
    shown beside its field on the page again."""
    try:
        return _act(docking_id, action, passes=(DealValueRefused,))
    except DealValueRefused as exc:
        db = get_session()
        db.rollback()
        db.expire_all()
        getattr(form, exc.field).errors = [*getattr(form, exc.field).errors, str(exc)]
        return _invalid(form, _load(docking_id, _user()), slot)


def _invalid(form: Any, docking: Docking, slot: str) -> Any:
    """A form that did not validate: the docking page again, with everything the user typed
    in ``form`` kept and each error beside its field (422)."""
    return _render_detail(docking, _user(), forms={slot: form}), 422


# --- pages -----------------------------------------------------------------------------------

@bp.route("/dockings")
@login_required
def index() -> str:
    """我的对接: the organisation's dockings (all for operators), waiting-on-me first."""
    user = _user()
    filters = DockingFilters(state=enum_arg("state", DockingState),
                             field=enum_arg("field", Field) if user.is_operator else None,
                             sort=choice_arg("sort", DOCKING_SORTS) or "todo")
    page = paginate(get_session(), docking_query(user, filters),
                    page_number(request.args.get("page")), current_app.config["PAGE_SIZE"])
    return render_template("dockings/index.html", page=page, filters=filters,
                           states=list(DockingState), waiting=lambda d: is_waiting_on(user, d),
                           sorts=[("todo", _("待我处理优先"))] + [
                               (name, _(label)) for name, (label, _o) in DOCKING_SORTS.items()])


@bp.route("/dockings/interest", methods=["POST"])
@login_required
def interest() -> Response:
    """感兴趣: open (or answer) the docking of a need and a result."""
    user = _user()
    db = get_session()
    form = InterestForm()
    if not form.validate_on_submit():
        abort(400)
    need = db.get(Need, form.need_id.data)
    result = db.get(Result, form.result_id.data)
    if need is None or result is None or not can_view_need(user, need) \
            or not can_view_result(user, result):
        abort(404)
    back = request.form.get("back", "")
    back_url = (url_for("results.detail", result_id=result.id) if back == "result"
                else url_for("needs.detail", need_id=need.id))
    made: list[Docking] = []

    def interest() -> str:
        made.append(show_interest(db, user, need, result=result,
                                  message=form.message.data or ""))
        return (_("已确认对接，双方可查看联系方式。") if made[0].state is DockingState.DOCKED
                else _("已表达对接意向，等待对方确认。"))
    try:
        return change_and_go_back(interest, back_url, passes=(StaleVersion,),
                                  forward=lambda: _detail_url(made[0]))
    except (StaleVersion, StaleDataError):
        db.rollback()
        flash(str(CONFLICT_MESSAGE), "error")
        return redirect(back_url)


@bp.route("/needs/<int:need_id>/introduce", methods=["POST"])
@login_required
def introduce_view(need_id: int) -> Response:
    """技术经理人引荐: a broker or operator pairs a need with a result."""
    user = _user()
    db = get_session()
    if not can_introduce(user):
        abort(403)
    form = IntroduceForm()
    if not form.validate_on_submit():
        abort(400)
    need = db.get(Need, need_id)
    result = db.get(Result, form.result_id.data)
    if need is None or result is None or not can_view_need(user, need) \
            or not can_view_result(user, result):
        abort(404)
    made: list[Docking] = []

    def run() -> str:
        made.append(introduce(db, user, need, result, note=form.note.data or ""))
        return _("已引荐，双方会收到通知。")
    return change_and_go_back(run, url_for("needs.detail", need_id=need.id),
                              forward=lambda: _detail_url(made[0]))


def _render_detail(docking: Docking, user: User, conflict: str | None = None,
                   forms: dict[str, Any] | None = None) -> str:
    """The docking page; ``forms`` replaces blank forms by submitted ones (kept values and
    errors)."""
    db = get_session()
    forms = forms or {}
    broker_form = forms.get("broker_form") or BrokerForm(
        formdata=None, version=docking.version, broker_id=docking.broker_id or 0)
    broker_form.broker_id.choices = choices([(0, _("（不指派）"))] + [
        (b.id, f"{b.name} · {b.organization.name}") for b in brokers(db)])
    deal = docking.deal
    # A deal was signed on what the need and the result said: their edits since are shown here.
    histories = [] if deal is None else [
        (_("需求的修改记录"), history_for(db, user, docking.need, NEED_FIELDS)),
        *([(_("成果的修改记录"), history_for(db, user, docking.result, RESULT_FIELDS))]
          if docking.result is not None else [])]
    side = docking.side_of(user.organization_id)
    turns = whose_move(docking, last_message_sides(db, [docking])[docking.id])
    return render_template(
        "dockings/detail.html", docking=docking, user=user, conflict=conflict, side=side,
        turns=turns, my_steps={t.step.value for t in turns if t.is_for(side)},
        moves=moves_for(user, docking), can_agree=can_agree(user, docking),
        contacts=contacts(db, docking) if contacts_visible(user, docking) else None,
        move_form=forms.get("move_form") or MoveForm(formdata=None, version=docking.version),
        broker_form=broker_form if can_assign_broker(user, docking) else None,
        message_form=forms.get("message_form") or MessageForm(formdata=None),
        can_note=can_add_note(user, docking),
        deal_form=(forms.get("deal_form") or DealForm(formdata=None, version=docking.version))
        if can_sign(user, docking) else None,
        correction_form=(forms.get("correction_form") or DealCorrectionForm(
            formdata=None, version=deal.version, amount=deal.amount_wan,
            signed_on=deal.signed_on))
        if deal is not None and can_correct_deal(user, deal) else None,
        drop_reasons=list(DropReason), histories=histories,
        messages=message_page(db, docking, page_number(request.args.get("page")),
                              int(current_app.config["MESSAGES_PER_PAGE"])))


@bp.route("/dockings/<int:docking_id>")
@login_required
def detail(docking_id: int) -> str:
    """One docking: state, parties, contacts once docked, history, messages and the deal."""
    user = _user()
    return _render_detail(_load(docking_id, user), user)


@bp.route("/dockings/<int:docking_id>/move", methods=["POST"])
@login_required
def move(docking_id: int) -> Any:
    """Move a docking to another state (agree, start negotiating, drop)."""
    user = _user()
    docking = _load(docking_id, user)
    form = MoveForm()  # Flask-WTF reads a JSON body as form data
    if not form.validate_on_submit():
        return _invalid(form, docking, "move_form")
    to = DockingState(form.to.data)
    reason = DropReason(form.drop_reason.data) if form.drop_reason.data else None

    def run(actor: User, d: Docking) -> str:
        if to is DockingState.DOCKED:
            agree(get_session(), actor, d, note=form.note.data or "", version=form.version.data)
        else:
            transition(get_session(), actor, d, to, note=form.note.data or "",
                       version=form.version.data, drop_reason=reason)
        return _("对接已变为“%(state)s”。", state=_(to.label))
    return _act(docking_id, run)


@bp.route("/dockings/<int:docking_id>/broker", methods=["POST"])
@login_required
def broker(docking_id: int) -> Any:
    """Assign a broker to a docking."""
    user = _user()
    docking = _load(docking_id, user)
    db = get_session()
    form = BrokerForm()
    form.broker_id.choices = choices([(0, "")] + [(b.id, b.name) for b in brokers(db)])
    if not form.validate_on_submit():
        return _invalid(form, docking, "broker_form")

    def run(actor: User, d: Docking) -> str:
        chosen = db.get(User, form.broker_id.data) if form.broker_id.data else None
        assign_broker(db, actor, d, chosen, version=form.version.data)
        return _("技术经理人已更新。")
    return _act(docking_id, run)


@bp.route("/dockings/<int:docking_id>/messages", methods=["POST"])
@login_required
def message(docking_id: int) -> Any:
    """Post a message (or a broker's note) to the docking's thread."""
    user = _user()
    docking = _load(docking_id, user)
    if (again := replayed("dockings.message")) is not None:
        return again
    form = MessageForm()
    if not form.validate_on_submit():
        return _invalid(form, docking, "message_form")

    def run(actor: User, d: Docking) -> str:
        post_message(get_session(), actor, d, form.body.data or "", is_note=bool(form.is_note.data))
        remember("dockings.message", _detail_url(d) + "#messages")
        return _("备注已保存。") if form.is_note.data else _("消息已发送。")
    return _act(docking_id, run, lambda d: _detail_url(d) + "#messages")


@bp.errorhandler(RateLimitExceeded)
def _too_many_messages(exc: RateLimitExceeded) -> Any:
    """A message over the limit (``RATE_LIMIT_MESSAGE``, webapp.security): the docking page
    again with the text as typed and the limit named beside it (429); elsewhere the usual 429."""
    docking_id = (request.view_args or {}).get("docking_id")
    user = acting_user()
    docking = get_session().get(Docking, docking_id) if isinstance(docking_id, int) else None
    if (request.endpoint != "dockings.message" or wants_json() or user is None
            or docking is None or not can_view(user, docking)):
        return handle_http_error(exc)
    form = MessageForm()
    form.body.errors = [breach_message(exc)]
    return _render_detail(docking, user, forms={"message_form": form}), 429


@bp.route("/dockings/<int:docking_id>/deal", methods=["POST"])
@login_required
def deal(docking_id: int) -> Any:
    """Record the signed contract."""
    user = _user()
    docking = _load(docking_id, user)
    if (again := replayed("dockings.deal")) is not None:
        return again  # the deal the first submission recorded
    form = DealForm()
    if not form.validate_on_submit():
        return _invalid(form, docking, "deal_form")
    amount, signed_on = form.amount.data, form.signed_on.data
    assert amount is not None and signed_on is not None  # both InputRequired

    def run(actor: User, d: Docking) -> str:
        record_deal(get_session(), actor, d, contract_type=ContractType(form.contract_type.data),
                    amount_wan=amount, signed_on=signed_on,
                    contract_number=form.contract_number.data, version=form.version.data)
        remember("dockings.deal", _detail_url(d))
        return _("合同已登记，对接已签约。")
    return _act_on_form(docking_id, run, form, "deal_form")


@bp.route("/dockings/<int:docking_id>/deal/correct", methods=["POST"])
@login_required
def correct(docking_id: int) -> Any:
    """Correct the deal's amount or signing date (kept in the audit log)."""
    user = _user()
    docking = _load(docking_id, user)
    if docking.deal is None:
        abort(404)
    form = DealCorrectionForm()
    if not form.validate_on_submit():
        return _invalid(form, docking, "correction_form")
    amount, signed_on = form.amount.data, form.signed_on.data
    assert amount is not None and signed_on is not None  # both InputRequired

    def run(actor: User, d: Docking) -> str:
        assert d.deal is not None
        changes = correct_deal(get_session(), actor, d.deal, amount_wan=amount,
                               signed_on=signed_on, version=form.version.data)
        return _("合同信息已更正。") if changes else _("没有需要更正的内容。")
    return _act_on_form(docking_id, run, form, "correction_form")

