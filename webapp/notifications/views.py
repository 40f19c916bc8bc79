"""Notification pages: the list, opening one, marking all read, and the settings."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.wrappers import Response

from models import Language, Notification, NotificationKind

from ..db import get_session
from ..permissions import acting_user
from . import bp
from .forms import PreferencesForm
from .services import Channels, mark_read, preferences, recent, save_preferences, unread_count


@bp.app_context_processor
def _bell() -> dict[str, Any]:
    """``unread_notifications()`` for the bell in the navigation bar."""
    def unread_notifications() -> int:
        user = acting_user()
        return unread_count(get_session(), user.id) if user is not None else 0
    return {"unread_notifications": unread_notifications}


@bp.route("")
@login_required
def index() -> str:
    """The user's notifications, unread first."""
    user = acting_user()
    assert user is not None
    return render_template("notifications/index.html", items=recent(get_session(), user.id))


@bp.route("/<int:notification_id>/open", methods=["POST"])
@login_required
def open_one(notification_id: int) -> Response:
    """Mark a notification read and go to what it is about."""
    user = acting_user()
    assert user is not None
    db = get_session()
    note = db.get(Notification, notification_id)
    if note is None or note.user_id != user.id:
        abort(404)
    mark_read(db, user.id, note.id)
    db.commit()
    # Links are written by the platform itself, but only same-site paths are followed anyway.
    target = note.link if note.link.startswith("/") and not note.link.startswith("//") else None
    return redirect(target or url_for("notifications.index"))


@bp.route("/read-all", methods=["POST"])
@login_required
def read_all() -> Response:
    """Mark every notification read."""
    user = acting_user()
    assert user is not None
    db = get_session()
    mark_read(db, user.id)
    db.commit()
    flash(_("全部通知已标为已读。"), "success")
    return redirect(url_for("notifications.index"))


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings() -> Response | str:
    """Choose which notifications arrive in the app and by e-mail, and the e-mails' language."""
    user = acting_user()
    assert user is not None
    db = get_session()
    form = PreferencesForm.build()()
    if not form.is_submitted():
        for kind, channels in preferences(db, user.id).items():
            form[f"in_app_{kind.value}"].data = channels.in_app
            form[f"email_{kind.value}"].data = channels.email
        form["language"].data = user.language.value
    if form.validate_on_submit():
        save_preferences(db, user.id, {
            kind: Channels(in_app=bool(form[f"in_app_{kind.value}"].data),
                           email=bool(form[f"email_{kind.value}"].data))
            for kind in NotificationKind})
        user.language = Language(form["language"].data)
        db.commit()
        flash(_("通知设置已保存。"), "success")
        return redirect(url_for("notifications.settings"))
    return render_template("notifications/settings.html", form=form, kinds=list(NotificationKind))
