"""Home page and health check."""

from __future__ import annotations

from flask import jsonify, render_template
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from models import Need, NeedStatus, Organization, Result, ResultStatus, Solution, User

from ..db import get_session
from . import bp

OPEN_NEED_STATUSES = (NeedStatus.PUBLISHED, NeedStatus.DOCKING)


@bp.route("/")
def index() -> str:
    """The front page: headline figures and the newest needs and results."""
    db = get_session()
    figures = {
        "users": db.scalar(select(func.count(User.id))) or 0,
        "organizations": db.scalar(select(func.count(Organization.id))) or 0,
        "needs": db.scalar(select(func.count(Need.id)).where(Need.status != NeedStatus.DRAFT)) or 0,
        "results": db.scalar(select(func.count(Result.id))
                             .where(Result.status == ResultStatus.PUBLISHED)) or 0,
        "solutions": db.scalar(select(func.count(Solution.id))) or 0,
    }
    needs = db.scalars(select(Need).where(Need.status.in_(OPEN_NEED_STATUSES))
                       .order_by(Need.published_at.desc(), Need.id.desc()).limit(6)).all()
    results = db.scalars(select(Result).where(Result.status == ResultStatus.PUBLISHED)
                         .order_by(Result.published_at.desc(), Result.id.desc()).limit(6)).all()
    return render_template("main/index.html", figures=figures, needs=needs, results=results)


@bp.route("/healthz")
def healthz() -> tuple[Response, int]:
    """200 with ``{"status": "ok", "database": "ok"}`` when the database answers; 503 if not."""
    try:
        get_session().execute(text("SELECT 1"))
    except SQLAlchemyError:
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok"), 200
