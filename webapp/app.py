"""The application factory: ``create_app`` builds the InnoMatch web application."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from . import db, errors, extensions, filters, form_tokens, i18n, security


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application; ``config`` overrides the defaults and the environment."""
    # Named after the package, not this module: the app's name is its logger's and the
    # instance folder is found from it.
    app = Flask("webapp", instance_relative_config=True)
    instance_path = Path(app.instance_path)
    instance_path.mkdir(parents=True, exist_ok=True)

    from .config import default_config

    app.config.update(default_config(instance_path, with_secret="SECRET_KEY" not in (config or {})))
    if config:
        app.config.update(config)

    db.init_app(app)
    extensions.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    filters.init_app(app)
    form_tokens.init_app(app)
    i18n.init_app(app)

    from .auth import bp as auth_bp
    from .dockings import bp as dockings_bp
    from .main import bp as main_bp
    from .matching import bp as matching_bp
    from .needs import bp as needs_bp
    from .notifications import bp as notifications_bp
    from .orgs import bp as orgs_bp
    from .reports import bp as reports_bp
    from .results import bp as results_bp
    from .saved import bp as saved_bp
    from .solutions import bp as solutions_bp
    from .workspace import bp as workspace_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(needs_bp)
    app.register_blueprint(results_bp)
    app.register_blueprint(solutions_bp)
    app.register_blueprint(workspace_bp)
    app.register_blueprint(dockings_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(matching_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(orgs_bp)
    app.register_blueprint(saved_bp)

    from . import attachments

    attachments.init_app(app)
    attachments.takes_files(app, "needs.new", "needs.edit", "results.new", "results.edit",
                            "solutions.new")

    from . import api, transfer

    api.init_app(app)
    transfer.init_app(app)

    security.limit_registered_endpoints(app)

    from .cli import register_commands

    register_commands(app)
    return app
