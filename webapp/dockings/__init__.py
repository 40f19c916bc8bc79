"""Dockings (对接): showing interest, agreeing, brokers, messages and signed deals."""

from flask import Blueprint

bp = Blueprint("dockings", __name__)

from . import views  # noqa: E402,F401
