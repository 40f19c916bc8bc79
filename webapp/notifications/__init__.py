"""Notifications: the bell, the list, per-user preferences and the e-mail outbox."""

from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

from . import views  # noqa: E402,F401
