"""Suggestions: the matcher's index of listings, scoring, stored matches and their pages."""

from flask import Blueprint

bp = Blueprint("matching", __name__)

from . import views  # noqa: E402,F401
