"""What every API operation shares, on flask-smorest: the blueprint, authentication, the one
place that runs an operation in a transaction and turns refusals into the error body
``{"error", "message", "fields"}``, idempotent creates, and paging.

An operation is declared once with :func:`operation`: its marshmallow schemas load and check
the body and the query (``webapp.api.v1.schemas``), write the answer, and document both in the
OpenAPI document; the same declaration says who may call it and which errors it answers.
Operations never commit nor roll back: :func:`operation` commits when they return and rolls back
when they raise, whatever they raise.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from functools import wraps
from typing import Any, NoReturn

from flask import current_app, g, jsonify, make_response, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint
from flask_wtf.csrf import CSRFError
from marshmallow import Schema, ValidationError
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from models import IdempotencyKey, User
from models.i18n import N_

from ...auth.confirmation import unconfirmed_api_write, unconfirmed_message
from ...db import get_session
from ...dockings.services import StaleVersion
from ...errors import ERROR_MESSAGES, INTEGRITY_CONFLICT, Refused, error_response
from ...extensions import csrf
from ...filters import local_time
from ...pagination import Page, paginate
from ...permissions import acting_user
from ..services import TokenExpired, user_for_token
from .fields import MAX_ID

MAX_IDEMPOTENCY_KEY = 200
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# What a write with a body may be refused with, besides the 401 and 400 of every write.
WRITE_ERRORS = (400, 401, 403, 404, 409, 413, 422)
STALE = N_("该对接已被他人更新，请查看最新状态后再操作。")

STATUS_TEXT = {200: N_("成功"), 201: N_("已创建"), 204: N_("已完成，无内容"), **ERROR_MESSAGES}
# Who may call an operation, and how the document says so.
SECURITY: dict[str, list[dict[str, list[str]]]] = {
    "none": [],
    "optional": [{}, {"bearer": []}, {"session": []}],
    "required": [{"bearer": []}, {"session": []}],
    "operator": [{"bearer": []}, {"session": []}],
    "session": [{"session": []}],
}
ERROR_SCHEMA = {"$ref": "#/components/schemas/Error"}


class ApiError(Exception):
    """A refusal with its HTTP status, a stable code, a message and per-field messages."""

    def __init__(self, status: int, code: str, message: str,
                 fields: Mapping[str, str] | None = None,
                 current: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = dict(fields or {})
        # On a conflict, the record as it now stands, so the client can redo its change.
        self.current = dict(current) if current is not None else None


def field_messages(messages: Any, path: str = "") -> dict[str, str]:
    """marshmallow's nested messages as ``{field path: first message}``; ``body`` for the whole."""
    if isinstance(messages, list):
        return {path or "body": str(messages[0])} if messages else {}
    if not isinstance(messages, Mapping):
        return {path or "body": str(messages)}
    found: dict[str, str] = {}
    for key, value in messages.items():
        if key == "_schema":
            name = path or "body"
        elif isinstance(key, int):
            name = f"{path}[{key}]"
        else:
            name = f"{path}.{str(key)[:60]}" if path else str(key)[:60]
        for where, message in field_messages(value, name).items():
            found.setdefault(where, message)
    return found


def invalid(fields: Mapping[str, str]) -> ApiError:
    """The 422 for a body whose fields are wrong."""
    return ApiError(422, "validation_failed", _("提交的内容有误。"), fields)


class Parser(FlaskParser):
    """webargs reading bodies as the API always has: JSON only, numbers as Decimal so that
    amounts keep every digit, and refusals in the API's error body."""

    def load_json(self, req: Any, schema: Schema) -> Any:
        """The request's JSON document, or a 400 for anything that is not JSON."""
        if not req.is_json:
            raise ApiError(400, "invalid_json",
                           _("请求体须为 JSON（Content-Type: application/json）。"))
        try:
            return json.loads(req.get_data(cache=True), parse_float=Decimal)
        except (ValueError, RecursionError):
            # Deep nesting exhausts the parser's recursion and a number of thousands of digits
            # is refused by int(): both are bad input, not a crash.
            raise ApiError(400, "invalid_json", _("请求体不是有效的 JSON。")) from None

    def handle_error(self, error: ValidationError, req: Any, schema: Schema, *,
                     error_status_code: int | None,
                     error_headers: Mapping[str, str] | None) -> NoReturn:
        """A 400 naming the query arguments at fault, or a 422 naming the body's fields."""
        messages = error.messages if isinstance(error.messages, Mapping) else {}
        if "query" in messages:
            raise ApiError(400, "bad_query", _("查询参数有误。"),
                           field_messages(messages["query"]))
        raise invalid(field_messages(messages.get("json", messages)))


class ApiBlueprint(Blueprint):
    """The API's blueprint, reading arguments with :class:`Parser`."""

    ARGUMENTS_PARSER = Parser()


bp = ApiBlueprint("api_v1", __name__, url_prefix="/api/v1")


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError) -> ResponseReturnValue:
    if exc.current is not None:
        return jsonify({"error": exc.code, "message": exc.message, "fields": exc.fields,
                        "current": exc.current}), exc.status
    response, status = error_response(exc.status, exc.message, exc.fields, error=exc.code)
    if status == 401:
        response = make_response(response, status)
        response.headers["WWW-Authenticate"] = 'Bearer realm="innomatch"'
        return response
    return response, status


# --- authentication ---------------------------------------------------------------------------

def auth_method() -> str | None:
    """How the current request authenticated: ``token``, ``session`` or ``None``."""
    return g.get("api_auth")


@bp.before_request
def _authenticate() -> ResponseReturnValue | None:
    """A Bearer token wins over the session; session writes must carry the CSRF token.

    A token is not sent by browsers on their own, so it cannot be forged across sites and needs
    no CSRF token; a session cookie is, so session-authenticated writes are checked as forms are.
    """
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _space, token = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "unauthorized", _("Authorization 头应为 “Bearer 令牌”。"))
        try:
            user = user_for_token(get_session(), token.strip())
        except TokenExpired as exc:
            raise ApiError(401, "token_expired", _(
                "API 令牌已于 %(when)s 过期，请在“我的账号”中创建新的令牌。",
                when=local_time(exc.expires_at))) from None
        if user is None:
            raise ApiError(401, "invalid_token", _("API 令牌无效或已撤销。"))
        get_session().commit()  # keeps the token's last use; nothing else is pending yet
        # Flask-Login reads the user from here; nothing is written to the session.
        g._login_user = user
        g.api_auth = "token"
    else:
        g.api_auth = "session" if current_user.is_authenticated else None
        if (g.api_auth == "session" and request.method not in SAFE_METHODS
                and current_app.config.get("WTF_CSRF_ENABLED", True)):
            try:
                csrf.protect()
            except CSRFError:
                raise ApiError(400, "csrf_failed",
                               _("会话登录的写请求须在 X-CSRFToken 头中携带 CSRF 令牌。")) from None
    if unconfirmed_api_write():
        raise ApiError(403, "email_unconfirmed", unconfirmed_message())
    return None


def require_user() -> User:
    """The acting user, or a 401."""
    user = acting_user()
    if user is None:
        raise ApiError(401, "unauthorized", _("请先登录，或使用 Authorization: Bearer 令牌。"))
    return user


def _authorised(view: Callable[..., Any], level: str,
                guard: Callable[..., Any] | None) -> Callable[..., Any]:
    """Check who calls before anything is read: the level, then the operation's ``guard`` (which
    refuses with 403 or 404 from the path arguments), so that an outsider learns nothing from how
    a body would have been judged."""
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if level in ("required", "operator", "session"):
            require_user()
        if level == "operator" and not require_user().is_operator:
            raise ApiError(403, "forbidden", _("仅平台运营人员可以访问。"))
        if level == "session" and auth_method() != "session":
            raise ApiError(403, "forbidden", _("此操作须在网页登录状态下进行，不能使用 API 令牌。"))
        if guard is not None:
            guard(**kwargs)
        return view(*args, **kwargs)
    return wrapper


# --- one transaction per operation ------------------------------------------------------------

CurrentRecord = Callable[..., Mapping[str, Any] | None]


def _refusal(exc: BaseException, current: CurrentRecord | None,
             kwargs: Mapping[str, Any]) -> ApiError | None:
    """The API's answer to what an operation raised; ``None`` for a fault (a 500)."""
    if isinstance(exc, StaleVersion | StaleDataError):
        record = current(**kwargs) if current is not None else None
        return ApiError(409, "stale_version", _(STALE), current=record)
    if isinstance(exc, Refused):
        return ApiError(409, "conflict", str(exc))
    if isinstance(exc, PermissionError):
        return ApiError(403, "forbidden", _(ERROR_MESSAGES[403]))
    if isinstance(exc, IntegrityError):
        return ApiError(409, "conflict", _(INTEGRITY_CONFLICT))
    if isinstance(exc, ValidationError):
        return invalid(field_messages(exc.messages))
    return None


def _in_one_transaction(view: Callable[..., Any],
                        current: CurrentRecord | None) -> Callable[..., Any]:
    """Commit what the operation did when it answers 2xx; roll back on anything else, and turn
    the services' refusals into API errors (``current`` gives the record a stale write missed)."""
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        db = get_session()
        try:
            response = make_response(view(*args, **kwargs))
            if response.status_code < 400:
                db.commit()
            else:
                db.rollback()
            return response
        except Exception as exc:
            db.rollback()
            if isinstance(exc, ApiError | HTTPException):
                raise
            refusal = _refusal(exc, current, kwargs)
            if refusal is None:
                raise
            raise refusal from exc
    return wrapper


# --- idempotent creates -----------------------------------------------------------------------

def _request_digest() -> str:
    """The request's identity: method, path and the JSON body with keys in a fixed order."""
    raw = request.get_data(cache=True)
    try:
        body = json.dumps(json.loads(raw, parse_float=Decimal), sort_keys=True, default=str,
                          ensure_ascii=False).encode("utf-8")
    except (ValueError, RecursionError):
        body = raw
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    digest.update(body)
    return digest.hexdigest()


def _idempotent(view: Callable[..., Any]) -> Callable[..., Any]:
    """Honour ``Idempotency-Key``: the first successful answer is stored and replayed.

    The key is reserved in the operation's transaction, with the record the operation creates
    and the answer it gives, so two concurrent requests with one key cannot both create: the
    second waits on the unique index and gets a 409. A failure rolls the reservation back with
    the rest, so a corrected request may reuse the key.
    """
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return view(*args, **kwargs)
        key = key.strip()
        if not key or len(key) > MAX_IDEMPOTENCY_KEY or not key.isascii() or not key.isprintable():
            raise ApiError(400, "bad_idempotency_key",
                           _("Idempotency-Key 须为 1–%(n)s 个可打印 ASCII 字符。", n=MAX_IDEMPOTENCY_KEY))
        user = require_user()
        endpoint = f"{request.method} {request.path}"[:200]
        digest = _request_digest()
        db = get_session()
        stored = db.scalar(select(IdempotencyKey).where(
            IdempotencyKey.user_id == user.id, IdempotencyKey.endpoint == endpoint,
            IdempotencyKey.key == key))
        if stored is not None:
            return _replay(stored, digest)
        reservation = IdempotencyKey(user_id=user.id, endpoint=endpoint, key=key,
                                     request_hash=digest, status_code=0, response={})
        db.add(reservation)
        try:
            db.flush()
        except IntegrityError:
            raise ApiError(409, "idempotency_in_progress",
                           _("使用该 Idempotency-Key 的请求正在处理，请稍后重试。")) from None
        response = make_response(view(*args, **kwargs))
        if 200 <= response.status_code < 300:
            reservation.status_code = response.status_code
            reservation.response = {"body": response.get_json(silent=True),
                                    "location": response.headers.get("Location")}
        return response
    return wrapper


def _replay(stored: IdempotencyKey, digest: str) -> Response:
    if stored.request_hash != digest:
        raise ApiError(422, "idempotency_key_reused",
                       _("该 Idempotency-Key 已用于内容不同的请求，请换一个新的键。"))
    if stored.status_code == 0:
        raise ApiError(409, "idempotency_in_progress",
                       _("使用该 Idempotency-Key 的请求正在处理，请稍后重试。"))
    saved = stored.response or {}
    response = jsonify(saved.get("body"))
    response.status_code = stored.status_code
    if saved.get("location"):
        response.headers["Location"] = saved["location"]
    response.headers["Idempotent-Replayed"] = "true"
    return response


# --- declaring an operation -------------------------------------------------------------------

def _documented(endpoint: str, method: str, auth: str, errors: Iterable[int],
                idempotent: bool) -> dict[str, Any]:
    """What the document says of an operation beyond its schemas."""
    # Every request with an Authorization header is authenticated first: a malformed, unknown or
    # revoked token gets a 401 on any operation, public ones included; a write through a browser
    # session without its CSRF token gets a 400 (csrf_failed).
    codes = {*errors, 401}
    if method not in SAFE_METHODS and auth != "none":
        codes.add(400)
    doc: dict[str, Any] = {
        "operationId": endpoint, "security": SECURITY[auth], "x-auth": auth,
        "responses": {code: {"description": STATUS_TEXT[code],
                             "content": {"application/json": {"schema": ERROR_SCHEMA}}}
                      for code in sorted(codes)},
    }
    if idempotent:
        doc["parameters"] = [{
            "name": "Idempotency-Key", "in": "header", "required": False,
            "schema": {"type": "string", "maxLength": MAX_IDEMPOTENCY_KEY},
            "description": N_("重发同一请求时不重复创建，返回第一次的响应")}]
    return doc


def operation(rule: str, method: str = "GET", *, tag: str, auth: str = "required",
              body: type[Schema] | None = None, query: type[Schema] | None = None,
              response: type[Schema] | str | dict[str, Any] | None = None,
              status: int = 200,
              errors: Sequence[int] = (), idempotent: bool = False,
              media_type: str = "application/json",
              guard: Callable[..., Any] | None = None,
              current: CurrentRecord | None = None,
              name: str | None = None, doc: str | None = None,
              ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare an API operation on the blueprint.

    ``auth``: ``none`` (no user looked at), ``optional``, ``required``, ``operator`` or
    ``session`` (a logged-in browser, not a token). ``body`` and ``query`` are the schemas the
    request is loaded with; the view receives them as ``body`` and ``args``. ``response`` is the
    schema the view's return value is written with (a name for answers the view writes itself);
    ``errors`` the error statuses it documents besides those every operation may answer.
    ``guard`` refuses callers from the path arguments before the body is read; ``current``
    gives, from the same arguments, the record a stale write missed.
    The endpoint is ``api_v1.<tag>_<name>`` (``name`` defaults to the view's), also the
    operation's id; ``doc`` replaces the view's docstring, the operation's summary and
    description, where one view serves several kinds.
    """
    if auth not in SECURITY:
        raise ValueError(f"unknown auth level {auth}")
    codes = {*errors, *([422] if body is not None else []), *([400] if query is not None else [])}
    if idempotent and query is not None:
        raise ValueError("an idempotent create takes no query arguments")

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        endpoint = f"{tag}_{name or view.__name__}"
        if doc is not None:
            view.__doc__ = doc
        wrapped = bp.response(status, response, description=STATUS_TEXT[status],
                              content_type=media_type)(view)
        if query is not None:
            wrapped = bp.arguments(query, location="query", error_status_code=400,
                                   arg_name="args")(wrapped)
        if body is not None:
            wrapped = bp.arguments(body, arg_name="body")(wrapped)
        if idempotent:
            wrapped = _idempotent(wrapped)
        wrapped = _authorised(_in_one_transaction(wrapped, current), auth, guard)
        wrapped = bp.doc(**_documented(endpoint, method, auth, codes, idempotent))(wrapped)
        bp.route(rule, methods=[method], endpoint=endpoint, tags=[tag])(wrapped)
        return view
    return decorate


# --- records and pages ------------------------------------------------------------------------

def load(model: type[Any], record_id: int) -> Any:
    """The record with this id, or ``None`` (ids beyond 32 bits name nothing)."""
    if not 1 <= record_id <= MAX_ID:
        return None
    return get_session().get(model, record_id)


def not_found(what: str | None = None) -> ApiError:
    """The 404 for a record that does not exist or that the user may not see."""
    return ApiError(404, "not_found", _("%(what)s不存在。", what=what or _("记录")))


def paged(stmt: Select[Any], args: Mapping[str, Any]) -> Page[Any]:
    """Run ``stmt`` for the page the arguments ask for."""
    return paginate(get_session(), stmt, args["page"], args["per_page"])


def sorted_by(stmt: Select[Any], sort: str | None, columns: Mapping[str, Any],
              tiebreak: Any) -> Select[Any]:
    """Replace ``stmt``'s order with the requested one, ties broken by ``tiebreak``."""
    if not sort:
        return stmt
    return stmt.order_by(None).order_by(sort_clause(sort, columns), tiebreak)


def sort_clause(sort: str, columns: Mapping[str, Any]) -> Any:
    """The order of a ``sort`` argument: its column, descending with a leading ``-``, empty
    values last."""
    column = columns[sort.lstrip("-")]
    return column.desc().nulls_last() if sort.startswith("-") else column.asc().nulls_last()


def created(record: Any, endpoint: str, **values: Any) -> tuple[Any, int, dict[str, str]]:
    """A 201 answer with the new record and its address."""
    return record, 201, {"Location": url_for(endpoint, **values)}
