"""Organisations' public pages: who they are and what they have published."""

from flask import Blueprint

bp = Blueprint("orgs", __name__, url_prefix="/orgs")

from . import views  # noqa: E402,F401
