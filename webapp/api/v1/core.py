"""The machinery every API module uses: the blueprint, the route registry the OpenAPI document
is generated from, authentication, request parsing and checking, paging, sorting and
idempotent creates.

Business rules live in the area services and forms; this module only turns HTTP into their
calls and their refusals into the one error body ``{"error", "message", "fields"}``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from functools import wraps
from typing import Any

from flask import Blueprint, current_app, g, jsonify, make_response, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from models import IdempotencyKey, User
from models.i18n import N_

from ...db import get_session
from ...errors import error_response
from ...extensions import csrf
from ...pagination import Page, paginate
from ...permissions import acting_user
from ..services import user_for_token

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
# Path and body ids are 32-bit on every database; larger numbers cannot name a record, and
# PostgreSQL would refuse to compare them with an integer column.
MAX_ID = 2**31 - 1
MAX_IDEMPOTENCY_KEY = 200
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


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


# --- the registry -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Param:
    """A query parameter: its name, JSON Schema and description."""

    name: str
    schema: dict[str, Any]
    description: str = ""


@dataclass(frozen=True)
class Operation:
    """One API operation as the OpenAPI document describes it."""

    rule: str
    method: str
    endpoint: str
    tag: str
    summary: str
    description: str
    auth: str
    query: tuple[Param, ...]
    body: str | None
    response: str | None
    status: int
    errors: tuple[int, ...]
    idempotent: bool
    media_type: str = "application/json"


OPERATIONS: list[Operation] = []

AUTH_LEVELS = ("none", "optional", "required", "operator", "session")


def route(rule: str, method: str = "GET", *, tag: str, response: str | None = None,
          body: str | None = None, query: Sequence[Param] = (), auth: str = "required",
          status: int = 200, errors: Sequence[int] = (), idempotent: bool = False,
          media_type: str = "application/json",
          ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a view on the API blueprint and describe it for the OpenAPI document.

    ``auth`` is ``none`` (no user looked at), ``optional``, ``required``, ``operator`` or
    ``session`` (a logged-in browser, not a token); ``response`` and ``body`` name schemas in
    ``schemas.SCHEMAS``; ``media_type`` is the successful answer's when it is not JSON.
    """
    if auth not in AUTH_LEVELS:
        raise ValueError(f"unknown auth level {auth}")

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        endpoint = f"{tag}_{view.__name__}"
        wrapped = _idempotent(view) if idempotent else view
        wrapped = _authorised(wrapped, auth)
        bp.add_url_rule(rule, endpoint=endpoint, view_func=wrapped, methods=[method])
        doc = (view.__doc__ or "").strip()
        summary, _, rest = doc.partition("\n")
        OPERATIONS.append(Operation(
            rule=rule, method=method, endpoint=f"{bp.name}.{endpoint}", tag=tag,
            summary=summary.strip(), description=" ".join(rest.split()), auth=auth,
            query=tuple(query), body=body, response=response, status=status,
            errors=tuple(errors), idempotent=idempotent, media_type=media_type))
        return view
    return decorate


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
        user = user_for_token(get_session(), token.strip())
        if user is None:
            raise ApiError(401, "invalid_token", _("API 令牌无效或已撤销。"))
        get_session().commit()  # keeps the token's last use; nothing else is pending yet
        # Flask-Login reads the user from here; nothing is written to the session.
        g._login_user = user
        g.api_auth = "token"
        return None
    g.api_auth = "session" if current_user.is_authenticated else None
    if (g.api_auth == "session" and request.method not in SAFE_METHODS
            and current_app.config.get("WTF_CSRF_ENABLED", True)):
        try:
            csrf.protect()
        except CSRFError:
            raise ApiError(400, "csrf_failed",
                           _("会话登录的写请求须在 X-CSRFToken 头中携带 CSRF 令牌。")) from None
    return None


def _authorised(view: Callable[..., Any], level: str) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(**kwargs: Any) -> Any:
        if level in ("required", "operator", "session"):
            require_user()
        if level == "operator" and not require_user().is_operator:
            raise ApiError(403, "forbidden", _("仅平台运营人员可以访问。"))
        if level == "session" and auth_method() != "session":
            raise ApiError(403, "forbidden", _("此操作须在网页登录状态下进行，不能使用 API 令牌。"))
        return view(**kwargs)
    return wrapper


def require_user() -> User:
    """The acting user, or a 401."""
    user = acting_user()
    if user is None:
        raise ApiError(401, "unauthorized", _("请先登录，或使用 Authorization: Bearer 令牌。"))
    return user


# --- request bodies ---------------------------------------------------------------------------

def json_body() -> Any:
    """The request's JSON document, or a 400 for anything that is not JSON.

    Numbers are read as Decimal so that money keeps every digit and huge values stay finite
    until a validator refuses them.
    """
    if not request.is_json:
        raise ApiError(400, "invalid_json", _("请求体须为 JSON（Content-Type: application/json）。"))
    raw = request.get_data(cache=True)
    try:
        return json.loads(raw, parse_float=Decimal)
    except (ValueError, RecursionError):
        # Deeply nested arrays exhaust the parser's recursion: that is bad input, not a crash.
        raise ApiError(400, "invalid_json", _("请求体不是有效的 JSON。")) from None


def checked_body(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON body checked against ``schema``: a 422 lists every wrong field at once."""
    body = json_body()
    problems = validate(body, schema)
    if problems:
        raise ApiError(422, "validation_failed", _("提交的内容有误。"), problems)
    assert isinstance(body, dict)
    return body


_TYPE_NAMES = {"string": N_("字符串"), "integer": N_("整数"), "number": N_("数字"),
               "boolean": N_("布尔值"), "array": N_("数组"), "object": N_("对象"), "null": "null"}


def _is_type(value: Any, kind: str) -> bool:
    if kind == "null":
        return value is None
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return (isinstance(value, int | float | Decimal) and not isinstance(value, bool))
    if kind == "string":
        return isinstance(value, str)
    if kind == "array":
        return isinstance(value, list)
    if kind == "object":
        return isinstance(value, dict)
    raise ValueError(f"unsupported schema type {kind}")


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def validate(value: Any, schema: Mapping[str, Any], path: str = "") -> dict[str, str]:
    """Check ``value`` against the JSON Schema subset the API's schemas use.

    Returns ``{field path: message}``; an empty dict means valid. Unknown object properties are
    refused when ``additionalProperties`` is false, so that nobody can set ``role``,
    ``organization_id`` or ``status`` by adding them to a body.
    """
    where = path or "body"
    kinds = schema.get("type")
    if kinds is not None:
        options = [kinds] if isinstance(kinds, str) else list(kinds)
        if not any(_is_type(value, k) for k in options):
            names = _(" 或 ").join(_(_TYPE_NAMES[k]) for k in options)
            return {where: _("应为%(types)s", types=names)}
    if value is None:
        return {}
    if "enum" in schema and value not in schema["enum"]:
        shown = "、".join(str(v) for v in schema["enum"][:12])
        return {where: _("取值应为：%(values)s", values=shown)}
    if isinstance(value, str):
        if len(value) > schema.get("maxLength", math.inf):
            return {where: _("最多 %(n)s 个字符", n=schema["maxLength"])}
        if len(value) < schema.get("minLength", 0):
            return {where: _("至少 %(n)s 个字符", n=schema["minLength"])}
        if schema.get("format") == "date":
            if not _DATE.match(value):
                return {where: _("日期格式应为 YYYY-MM-DD")}
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                return {where: _("不是有效的日期")}
    if isinstance(value, int | Decimal | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            return {where: _("不能小于 %(n)s", n=schema["minimum"])}
        if "maximum" in schema and value > schema["maximum"]:
            return {where: _("不能大于 %(n)s", n=schema["maximum"])}
    if isinstance(value, list):
        if len(value) > schema.get("maxItems", math.inf):
            return {where: _("最多 %(n)s 项", n=schema["maxItems"])}
        items = schema.get("items")
        problems: dict[str, str] = {}
        if items:
            for i, item in enumerate(value):
                problems.update(validate(item, items, f"{path}[{i}]" if path else f"[{i}]"))
        return problems
    if isinstance(value, dict):
        problems = {}
        props: Mapping[str, Any] = schema.get("properties", {})
        for name in schema.get("required", ()):
            if name not in value:
                problems[_join(path, name)] = _("必填")
        for name, item in value.items():
            if name in props:
                problems.update(validate(item, props[name], _join(path, name)))
            elif schema.get("additionalProperties", True) is False:
                problems[_join(path, str(name)[:60])] = _("未知字段")
        return problems
    return {}


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def as_text(value: Any) -> str:
    """A JSON scalar as the text a form field would receive."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "y" if value else ""
    if isinstance(value, Decimal):
        return f"{value:f}" if value.is_finite() else str(value)
    return str(value)


def formdata(values: Mapping[str, Any]) -> MultiDict[str, str]:
    """Form data for a WTForms form: lists become repeated keys, ``None`` and ``False`` vanish."""
    data: MultiDict[str, str] = MultiDict()
    for key, value in values.items():
        if value is None or value is False:
            continue
        for item in value if isinstance(value, list) else [value]:
            data.add(key, as_text(item))
    return data


def check_form(form: Any, names: Mapping[str, str] | None = None) -> None:
    """Run a form's validators (the pages' rules) and raise a 422 with its messages."""
    if form.validate():
        return
    names = names or {}
    fields = {names.get(key, key): str(errors[0]) for key, errors in form.errors.items()
              if errors and not isinstance(errors[0], list | dict)}
    raise ApiError(422, "validation_failed", _("提交的内容有误。"), fields)


# --- query arguments --------------------------------------------------------------------------

PAGE_PARAMS = (
    Param("page", {"type": "integer", "minimum": 1, "default": 1}, "页码，从 1 开始"),
    Param("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE,
                       "default": DEFAULT_PER_PAGE}, f"每页条数，最多 {MAX_PER_PAGE}（超出按上限）"),
)


def sort_param(keys: Iterable[str], default: str) -> Param:
    """The ``sort`` parameter over ``keys``; a leading ``-`` sorts descending."""
    values = [v for k in keys for v in (k, f"-{k}")]
    return Param("sort", {"type": "string", "enum": values, "default": default},
                 "排序字段，前加 - 为倒序")


def query_args(params: Sequence[Param]) -> dict[str, Any]:
    """The declared query arguments, parsed and checked (400 with the field at fault)."""
    out: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for param in params:
        raw = request.args.get(param.name)
        if raw is None or raw.strip() == "":
            out[param.name] = param.schema.get("default")
            continue
        raw = raw.strip()
        value: Any = raw
        kind = param.schema.get("type")
        if kind == "integer":
            if not re.fullmatch(r"\d{1,12}", raw):
                problems[param.name] = _("应为正整数")
                continue
            value = int(raw)
            if param.name == "per_page":
                value = min(value, MAX_PER_PAGE)  # capped, not refused
        elif kind == "number":
            try:
                value = Decimal(raw) if len(raw) <= 20 else None
            except ArithmeticError:
                value = None
            if value is None or not value.is_finite():
                problems[param.name] = _("应为数字")
                continue
        elif kind == "boolean":
            if raw.lower() not in ("1", "0", "true", "false"):
                problems[param.name] = _("应为 true 或 false")
                continue
            value = raw.lower() in ("1", "true")
        elif len(raw) > 200:
            problems[param.name] = _("过长")
            continue
        problem = validate(value, param.schema, param.name)
        if problem:
            problems.update(problem)
            continue
        out[param.name] = value
    if problems:
        raise ApiError(400, "bad_query", _("查询参数有误。"), problems)
    return out


def page_json(page: Page[Any], item: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    """A page of items with its position."""
    return {"items": [item(x) for x in page.items], "page": page.page, "per_page": page.per_page,
            "total": page.total, "pages": page.pages}


def paged(stmt: Select[Any], args: Mapping[str, Any]) -> Page[Any]:
    """Run ``stmt`` for the page the arguments ask for."""
    return paginate(get_session(), stmt, int(args.get("page") or 1),
                    int(args.get("per_page") or DEFAULT_PER_PAGE))


def sorted_by(stmt: Select[Any], sort: str | None, columns: Mapping[str, Any],
              tiebreak: Any) -> Select[Any]:
    """Replace ``stmt``'s order with the requested one, ties broken by ``tiebreak``."""
    if not sort:
        return stmt
    column = columns[sort.lstrip("-")]
    ordered = column.desc().nulls_last() if sort.startswith("-") else column.asc().nulls_last()
    return stmt.order_by(None).order_by(ordered, tiebreak)


def load(model: type[Any], record_id: int) -> Any:
    """The record with this id, or ``None`` (ids beyond 32 bits name nothing)."""
    if not 1 <= record_id <= MAX_ID:
        return None
    return get_session().get(model, record_id)


def not_found(what: str | None = None) -> ApiError:
    """The 404 for a record that does not exist or that the user may not see."""
    return ApiError(404, "not_found", _("%(what)s不存在。", what=what or _("记录")))


def iso(value: dt.date | dt.datetime | None) -> str | None:
    """A date or timestamp in ISO 8601, or ``None``."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    return value.isoformat()


def money(value: Decimal | None) -> str | None:
    """An amount in 万元 as a decimal string (no float rounding), or ``None``."""
    return None if value is None else f"{value.normalize():f}"


def created(body: dict[str, Any], location: str) -> Response:
    """A 201 answer with the new record and its address."""
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = location
    return response


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

    The key is reserved in the same transaction as the record the view creates, and the answer
    is stored in it too (the view's own commits only flush), so two concurrent requests with one
    key cannot both create: the second waits on the unique index and gets a 409. Failures are
    not stored, so a corrected request may reuse the key.
    """
    @wraps(view)
    def wrapper(**kwargs: Any) -> Any:
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return view(**kwargs)
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
            db.rollback()
            raise ApiError(409, "idempotency_in_progress",
                           _("使用该 Idempotency-Key 的请求正在处理，请稍后重试。")) from None
        try:
            with _one_transaction(db):
                response = make_response(view(**kwargs))
        except BaseException:
            db.rollback()
            raise
        if 200 <= response.status_code < 300 and reservation in db:
            reservation.status_code = response.status_code
            reservation.response = {"body": response.get_json(silent=True),
                                    "location": response.headers.get("Location")}
            db.commit()
        else:
            db.rollback()
        return response
    return wrapper


@contextmanager
def _one_transaction(db: Session) -> Iterator[None]:
    """Within the block the view's commits only flush, so that its record and the stored answer
    are committed together: a crash between two commits would otherwise leave a record whose key
    answers "in progress" to every retry, for ever."""
    db.commit = db.flush  # type: ignore[method-assign]
    try:
        yield
    finally:
        del db.commit


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

