"""Home page and health check."""

from __future__ import annotations

from flask import jsonify, render_template
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


@bp.route("/healthz")
def healthz() -> tuple[Response, int]:
    """200 with ``{"status": "ok", "database": "ok"}`` when the database answers; 503 if not."""
    try:
        get_session().execute(text("SELECT 1"))
    except SQLAlchemyError:
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok"), 200
