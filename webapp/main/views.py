"""Home page, the help, terms and privacy pages, the favicon and the health check."""

from __future__ import annotations

from flask import current_app, jsonify, render_template, send_from_directory
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from models import Need, Result, ResultStatus

from ..db import get_session
from ..reports.services import FIGURE_LABELS, OPEN_NEED_STATUSES, ReportFilters, headline
from . import bp


@bp.route("/")
def index() -> str:
    """The front page: headline figures and the newest needs and results."""
    db = get_session()
    # The same figures, by the same function, as /figures and the report without filters.
    figures = headline(db, ReportFilters())
    needs = db.scalars(select(Need).where(Need.status.in_(OPEN_NEED_STATUSES))
                       .order_by(Need.published_at.desc(), Need.id.desc()).limit(6)).all()
    results = db.scalars(select(Result).where(Result.status == ResultStatus.PUBLISHED)
                         .order_by(Result.published_at.desc(), Result.id.desc()).limit(6)).all()
    return render_template("main/index.html", figures=figures, needs=needs, results=results,
                           labels=FIGURE_LABELS)


@bp.route("/help")
def help_page() -> str:
    """How the platform works, questions users ask, and what the figures mean."""
    return render_template("main/help.html", labels=FIGURE_LABELS)


@bp.route("/terms")
def terms() -> str:
    """The terms of use."""
    return render_template("main/terms.html")


@bp.route("/privacy")
def privacy() -> str:
    """What the platform stores, who sees it, how long it is kept, and its cookies."""
    return render_template("main/privacy.html")


@bp.route("/favicon.ico")
def favicon() -> Response:
    """The site's icon where browsers look for it by default (pages also link it); it is the
    SVG in static/, answered with its own type."""
    return send_from_directory(current_app.static_folder or "static", "favicon.svg",
                               mimetype="image/svg+xml", max_age=86400)


@bp.route("/healthz")
def healthz() -> tuple[Response, int]:
    """200 with ``{"status": "ok", "database": "ok"}`` when the database answers; 503 if not."""
    try:
        get_session().execute(text("SELECT 1"))
    except SQLAlchemyError:
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok"), 200
