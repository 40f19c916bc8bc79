"""Attachments on needs, results and solutions: checked by content (``sniff``), kept outside
``static/`` (``storage``), listed and served by one access rule (``services.can_download``)."""

from flask import Blueprint

bp: Blueprint = Blueprint("attachments", __name__, url_prefix="/attachments")

from . import views  # noqa: E402
from .views import file_response, init_app, save_uploads, takes_files  # noqa: E402

__all__ = ["bp", "file_response", "init_app", "save_uploads", "takes_files", "views"]
