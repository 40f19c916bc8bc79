"""Suggestions: the matcher's index of listings, scoring, stored matches and their pages."""

from flask import Blueprint

bp = Blueprint("matching", __name__)

from . import subscribers, views  # noqa: E402,F401

# Registering the blueprint on an app subscribes matching to that app's listing events.
bp.record_once(lambda state: subscribers.connect(state.app))
