"""The OpenAPI 3.1 document, generated from the route registry and the schemas, and a readable
reference page rendered from the same document on the server (no scripts, no CDN)."""

from __future__ import annotations

import re
from typing import Any

from flask import render_template
from werkzeug.wrappers import Response

from ...errors import ERROR_MESSAGES
from .core import MAX_IDEMPOTENCY_KEY, MAX_PER_PAGE, OPERATIONS, SAFE_METHODS, Operation, route
from .schemas import ID, SCHEMAS, ref

API_VERSION = "1.0.0"
_RULE_ARG = re.compile(r"<(?:(?P<conv>[a-z_]+)(?:\([^)]*\))?:)?(?P<name>\w+)>")

STATUS_TEXT = {200: "成功", 201: "已创建", 204: "已完成，无内容",
               **{code: text for code, text in ERROR_MESSAGES.items()}}

SECURITY: dict[str, list[dict[str, list[str]]]] = {
    "none": [],
    "optional": [{}, {"bearer": []}, {"session": []}],
    "required": [{"bearer": []}, {"session": []}],
    "operator": [{"bearer": []}, {"session": []}],
    "session": [{"session": []}],
}
AUTH_TEXT = {"none": "无需登录", "optional": "可匿名；登录后可见本机构的草稿等",
             "required": "需登录或 API 令牌", "operator": "仅平台运营人员",
             "session": "仅网页登录（不接受 API 令牌）"}

INTRO = "\n\n".join((
    "技术供需对接平台的 JSON 接口。所有请求和响应均为 UTF-8 JSON；金额以万元为单位，"
    "响应中为十进制字符串。",
    "认证：在请求头中携带 Authorization: Bearer <令牌>（在“我的账号”页面创建，只显示一次），"
    "或使用浏览器的登录会话。令牌请求免 CSRF 校验；会话登录的写请求（POST、PATCH、DELETE）"
    "须在 X-CSRFToken 头中携带页面的 CSRF 令牌，否则返回 400 csrf_failed。权限与网页完全相同。",
    '错误：所有错误的响应体均为 {"error": 代码, "message": 说明, "fields": {字段: 说明}}，'
    "状态码为 400、401、403、404、409、413、422 或 429。",
    f"分页：列表接口接受 page 与 per_page（最多 {MAX_PER_PAGE}，超出按上限），返回 items、page、"
    "per_page、total、pages；sort 指定排序字段，前加 - 为倒序。",
    f"幂等：创建类接口接受 Idempotency-Key 头（1–{MAX_IDEMPOTENCY_KEY} 个可打印 ASCII 字符）。"
    "同一用户以同一键重发相同请求时不会重复创建，而是返回第一次的响应"
    "（带 Idempotent-Replayed: true 头）；同一键配不同的请求体返回 422 idempotency_key_reused。",
    "字段：请求中出现未知字段（如 role、organization_id、status）一律以 422 拒绝；"
    "机构、作者和状态由平台设定。",
))


def openapi_path(rule: str) -> tuple[str, list[dict[str, Any]]]:
    """A Flask rule as an OpenAPI path, with its path parameters."""
    params = []
    for match in _RULE_ARG.finditer(rule):
        schema = ID if match["conv"] == "int" else {"type": "string"}
        params.append({"name": match["name"], "in": "path", "required": True, "schema": schema})
    return _RULE_ARG.sub(lambda m: "{" + m["name"] + "}", rule), params


def _operation(op: Operation) -> dict[str, Any]:
    _, path_params = openapi_path(op.rule)
    params = path_params + [
        {"name": p.name, "in": "query", "required": False, "schema": p.schema,
         "description": p.description} for p in op.query]
    if op.idempotent:
        params.append({"name": "Idempotency-Key", "in": "header", "required": False,
                       "schema": {"type": "string", "maxLength": MAX_IDEMPOTENCY_KEY},
                       "description": "重发同一请求时不重复创建，返回第一次的响应"})
    success: dict[str, Any] = {"description": STATUS_TEXT.get(op.status, "成功")}
    if op.response and op.status != 204:
        success["content"] = {op.media_type: {"schema": ref(op.response)}}
    elif op.media_type != "application/json":
        success["content"] = {op.media_type: {"schema": {"type": "string"}}}
    responses: dict[str, Any] = {str(op.status): success}
    # Every API request with an Authorization header is authenticated first (core._authenticate):
    # a malformed, unknown or revoked token gets a 401 on any operation, public ones included;
    # a write through a browser session without its CSRF token gets a 400 (csrf_failed).
    codes = {*op.errors, 401}
    if op.method not in SAFE_METHODS and op.auth != "none":
        codes.add(400)
    for code in sorted(codes):
        responses[str(code)] = {"description": STATUS_TEXT[code],
                                "content": {"application/json": {"schema": ref("Error")}}}
    out: dict[str, Any] = {
        "operationId": op.endpoint.partition(".")[2], "tags": [op.tag], "summary": op.summary,
        "description": op.description, "parameters": params, "responses": responses,
        "security": SECURITY[op.auth], "x-auth": op.auth,
    }
    if op.body:
        out["requestBody"] = {"required": True,
                              "content": {"application/json": {"schema": ref(op.body)}}}
    return out


def build_document(server_url: str = "/api/v1") -> dict[str, Any]:
    """The whole OpenAPI document for the registered operations."""
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        path, _ = openapi_path(op.rule)
        paths.setdefault(path, {})[op.method.lower()] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": {"title": "InnoMatch 技术供需对接平台 API", "version": API_VERSION,
                 "description": INTRO},
        "servers": [{"url": server_url}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "个人 API 令牌（imk_ 开头）"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session",
                            "description": "浏览器登录会话；写请求须带 X-CSRFToken 头"},
            },
        },
    }


def describe(schema: dict[str, Any]) -> str:
    """A schema in a few words, for the reference page."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " | ".join(describe(s) for s in schema["anyOf"])
    kinds = schema.get("type", "any")
    text = " | ".join(kinds) if isinstance(kinds, list) else str(kinds)
    if "items" in schema and ("array" in text):
        text = text.replace("array", f"array<{describe(schema['items'])}>")
    if "enum" in schema:
        shown = ", ".join(str(v) for v in schema["enum"][:8])
        more = " …" if len(schema["enum"]) > 8 else ""
        text += f" ∈ {{{shown}{more}}}"
    if schema.get("format"):
        text += f" ({schema['format']})"
    limits = [f"≤{schema['maxLength']} 字" if "maxLength" in schema else "",
              f"≥{schema['minimum']}" if "minimum" in schema else "",
              f"≤{schema['maximum']}" if "maximum" in schema else ""]
    extra = "，".join(x for x in limits if x)
    return f"{text}（{extra}）" if extra else text


@route("/openapi.json", tag="docs", response="OpenAPI", auth="none")
def document() -> dict[str, Any]:
    """This document: OpenAPI 3.1, generated from the code."""
    return build_document()


@route("/docs", tag="docs", auth="none", media_type="text/html")
def reference() -> Response:
    """The readable API reference (HTML), rendered from the OpenAPI document."""
    doc = build_document()
    tags: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for path, item in doc["paths"].items():
        for method, op in item.items():
            tags.setdefault(op["tags"][0], []).append((method.upper(), path, op))
    html = render_template("api/reference.html", doc=doc, tags=tags, describe=describe,
                           auth_text=AUTH_TEXT)
    return Response(html, mimetype="text/html")
