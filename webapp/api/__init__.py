"""The JSON API (``/api/v1``) and the account page's token management."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the API's routes and the token pages."""
    from ..extensions import csrf
    from . import tokens_views
    from .v1 import (  # noqa: F401 - importing a module registers its routes
        deals,
        dockings,
        matches,
        me,
        needs,
        openapi,
        reports,
        results,
        solutions,
        suggestions,
        tokens,
    )
    from .v1.core import bp

    # Bearer requests cannot be forged by another site; session writes are checked in
    # core._authenticate, with the header the reference page documents.
    csrf.exempt(bp)
    app.register_blueprint(bp)
    app.register_blueprint(tokens_views.bp)
