"""Solutions institutions submit to needs."""

from flask import Blueprint

bp = Blueprint("solutions", __name__)

from . import views  # noqa: E402,F401
