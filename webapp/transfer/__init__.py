"""Bulk import and export of needs and results for operators (page and CLI)."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("transfer", __name__, url_prefix="/transfer")


def init_app(app: Flask) -> None:
    """Register the operators' import and export pages."""
    from . import views  # noqa: F401 - importing registers the routes

    app.register_blueprint(bp)
