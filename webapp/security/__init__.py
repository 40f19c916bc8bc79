"""Security measures shared by every page: response headers, rate limits and the security log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import headers, inputs, log
from .limiter import choose_storage, limit_api_token, limit_docking_message, limiter

# Endpoints that create API tokens, and that post a docking's messages (the page's and the
# API's), registered by their areas: limited once they exist.
API_TOKEN_ENDPOINTS = ("api_tokens.create", "api_v1.tokens_create")
MESSAGE_ENDPOINTS = ("dockings.message", "api_v1.dockings_message")


def init_app(app: Flask) -> None:
    """Attach the headers, the rate limiter and the security log to ``app``."""
    if app.config.get("INNOMATCH_ENV") == "production":
        # Cookies travel over HTTPS only; set here so that a config passed to create_app
        # counts as much as the environment.
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
        app.config.setdefault("PREFERRED_URL_SCHEME", "https")
    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops:
        # Trust exactly as many X-Forwarded-* hops as there are proxies, never more: a client
        # could otherwise pick the address that rate limits and the log see.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops,  # type: ignore[method-assign]
                                x_host=hops)
    headers.init_app(app)
    inputs.init_app(app)
    choose_storage(app)
    limiter.init_app(app)
    log.init_app(app)


def limit_registered_endpoints(app: Flask) -> None:
    """Rate-limit views that other packages registered (call after every blueprint).

    The view is replaced by its limited wrapper, so the owning package need not know about
    the limiter. Wrappers are made once per view function: the limiter is one object for
    every app, and wrapping again would count each request once more per app created.
    """
    for endpoints, limit in ((API_TOKEN_ENDPOINTS, _api_token_limit),
                             (MESSAGE_ENDPOINTS, _message_limit)):
        for endpoint in endpoints:
            view = app.view_functions.get(endpoint)
            if view is None:
                continue
            if view not in _limited_views:
                _limited_views[view] = limit(view)
            app.view_functions[endpoint] = _limited_views[view]


_api_token_limit = limit_api_token()
_message_limit = limit_docking_message()
_limited_views: dict[Callable[..., Any], Callable[..., Any]] = {}
