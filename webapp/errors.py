"""One error handler for pages and JSON: the same codes, a body each client can read."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext
from flask_limiter import RateLimitExceeded
from sqlalchemy.exc import IntegrityError, PendingRollbackError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response as WerkzeugResponse

from models.i18n import N_

log = logging.getLogger(__name__)

ERROR_MESSAGES = {
    400: N_("请求有误，请检查后重试。"),
    401: N_("请先登录。"),
    403: N_("您没有权限执行此操作。"),
    404: N_("页面或记录不存在。"),
    405: N_("不支持此请求方法。"),
    409: N_("记录已被修改，请刷新后重试。"),
    413: N_("提交的内容过大。"),
    422: N_("提交的内容无法处理。"),
    429: N_("请求过于频繁，请稍后再试。"),
    500: N_("服务器出错了，请稍后再试。"),
}


class Refused(ValueError):
    """A service's refusal of an action in the record's present state, with a message for the
    user (a 409 in the API); the areas' own refusals derive from it."""


def wants_json() -> bool:
    """API paths and clients that prefer JSON get JSON errors; browsers get a page."""
    if request.path.startswith("/api/") or request.path == "/healthz":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def error_response(code: int, message: str | None = None,
                   fields: dict[str, str] | None = None,
                   error: str | None = None) -> tuple[Response | str, int]:
    """Render an error as JSON or HTML, never with internals; ``error`` names a more precise
    code than the status's (``validation_failed`` rather than ``unprocessable``)."""
    message = message or gettext(ERROR_MESSAGES.get(code, ERROR_MESSAGES[500]))
    if wants_json():
        body = {"error": error or _error_code(code), "message": message, "fields": fields or {}}
        return jsonify(body), code
    return render_template("errors/error.html", code=code, message=message), code


def _error_code(code: int) -> str:
    return {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
            405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
            422: "unprocessable", 429: "rate_limited"}.get(code, "server_error")


def handle_http_error(exc: HTTPException) -> tuple[Response | str, int] | WerkzeugResponse:
    """An HTTP error as JSON or as a page; redirects pass through."""
    if exc.code is None:
        return exc.get_response()
    if exc.code in (301, 302, 303, 307, 308):
        return exc.get_response()
    if isinstance(exc, RateLimitExceeded):
        from .security.limiter import breach_message  # security imports this module

        return error_response(429, breach_message(exc))
    return error_response(exc.code)


INTEGRITY_CONFLICT = N_("提交与已有记录冲突（可能是重复提交，或他人刚刚做了同样的操作），请刷新后重试。")


def handle_integrity_conflict(exc: Exception) -> tuple[Response | str, int] | WerkzeugResponse:
    """The one place where a database integrity conflict (two sign-ups with one e-mail, two
    "interests" in one pair at the same moment...) becomes an answer: the session is rolled
    back, the API gets a 409 in JSON, a page goes back where it came from with a message."""
    from flask import flash, redirect

    from .db import get_session
    from .security.redirects import safe_next

    get_session().rollback()
    log.info("integrity conflict on %s %s: %s", request.method, request.path,
             type(exc).__name__)
    message = gettext(INTEGRITY_CONFLICT)
    if wants_json() or request.method == "GET":
        return error_response(409, message, error="conflict")
    flash(message, "error")
    referrer = urlsplit(request.referrer or "")
    back = referrer.path + (f"?{referrer.query}" if referrer.query else "")
    same_host = not referrer.netloc or referrer.netloc == request.host
    return redirect(safe_next(back if same_host else None, fallback=request.full_path))


def _handle_unexpected(exc: Exception) -> tuple[Response | str, int]:
    if isinstance(exc, HTTPException):
        return error_response(exc.code or 500)
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(InternalServerError.code)


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(IntegrityError, handle_integrity_conflict)
    app.register_error_handler(PendingRollbackError, handle_integrity_conflict)
    app.register_error_handler(Exception, _handle_unexpected)
