"""Security headers on every response, error pages included."""

from __future__ import annotations

from flask import Flask, Response, current_app, request, session

# No inline scripts or styles anywhere: templates use app.css and no script at all; charts are
# inline SVG with presentation attributes, which a CSP does not count as inline style.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
])
HSTS = "max-age=31536000; includeSubDomains"
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


def _logged_in() -> bool:
    """Whether the request carries a log-in, without loading the user from the database."""
    return "_user_id" in session or bool(request.cookies.get(
        current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")))


def set_security_headers(response: Response) -> Response:
    """Add the headers; a view may set a stricter Content-Security-Policy (a download's) or
    Referrer-Policy, or its own Cache-Control."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers["X-Content-Type-Options"] = "nosniff"
    # For browsers that predate frame-ancestors.
    headers["X-Frame-Options"] = "DENY"
    headers.setdefault("Referrer-Policy", "same-origin")
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = PERMISSIONS_POLICY
    if current_app.config.get("INNOMATCH_ENV") == "production":
        headers["Strict-Transport-Security"] = HSTS
    if "Cache-Control" not in headers and request.endpoint != "static" and _logged_in():
        # Pages for a logged-in user may hold unpublished plans: no shared or disk cache.
        headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    """Register the hook; Flask runs after-request hooks for error responses too."""
    app.after_request(set_security_headers)
