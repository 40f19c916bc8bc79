"""Technology results: list, detail, post, edit, publish, withdraw."""

from flask import Blueprint

bp = Blueprint("results", __name__, url_prefix="/results")

from . import views  # noqa: E402,F401
