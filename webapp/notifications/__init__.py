"""Notifications: the bell, the list, per-user preferences and the e-mail outbox."""

from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

from . import subscribers, views  # noqa: E402,F401

# Registering the blueprint on an app subscribes notifications to that app's events.
bp.record_once(lambda state: subscribers.connect(state.app))
