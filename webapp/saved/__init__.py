"""What users keep: bookmarks (收藏), saved searches with their alerts, and the e-mail digest."""

from flask import Blueprint

bp = Blueprint("saved", __name__)

from . import subscribers, views  # noqa: E402,F401

# Registering the blueprint on an app subscribes saved searches and bookmarks to its events.
bp.record_once(lambda state: subscribers.connect(state.app))
