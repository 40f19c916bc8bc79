"""Match-rate reports: docking rate, funnel, signed deals, charts, exports and public figures."""

from flask import Blueprint

bp = Blueprint("reports", __name__)

from . import views  # noqa: E402,F401
