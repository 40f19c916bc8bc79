"""The InnoMatch web application: ``create_app`` (in :mod:`webapp.app`) builds it."""

from __future__ import annotations

from .app import create_app

__all__ = ["create_app"]
