"""The JSON API (``/api/v1``, on flask-smorest) and the account page's token management."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the API's operations, its OpenAPI document and the token pages."""
    from ..extensions import csrf
    from . import tokens_views
    from .v1 import (  # noqa: F401 - importing a module declares its operations
        attachments,
        deals,
        dockings,
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
    openapi.init_api(app)
    app.register_blueprint(tokens_views.bp)
