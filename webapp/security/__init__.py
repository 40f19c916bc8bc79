"""Security measures shared by every page: response headers, rate limits and the security log."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import headers, log
from .limiter import limiter


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
    limiter.init_app(app)
    log.init_app(app)
