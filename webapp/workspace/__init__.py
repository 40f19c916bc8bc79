"""我的 (my workspace): one page with an organisation's needs, results, solutions and dockings,
their states and counts, and what waits for the user."""

from flask import Blueprint

bp = Blueprint("workspace", __name__)

from . import views  # noqa: E402,F401
