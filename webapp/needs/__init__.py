"""Technology needs: list, detail, post, edit, publish, close."""

from flask import Blueprint

bp = Blueprint("needs", __name__, url_prefix="/needs")

from . import views  # noqa: E402,F401
