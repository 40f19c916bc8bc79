"""Attachments: the file of one, to those who may have it. Their metadata is listed with their
need, result or solution (``attachments`` in those answers)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from models import Attachment

from ...attachments import file_response
from ...attachments.services import can_download
from ...db import get_session
from ...permissions import acting_user
from .core import load, not_found, operation

FILE = {"type": "string", "format": "binary"}


@operation("/attachments/<int:attachment_id>", tag="attachments", auth="optional",
           response=FILE, media_type="application/octet-stream", errors=(404,))
def download(attachment_id: int) -> Any:
    """The file, as a download (``Content-Disposition: attachment``, its detected type), for
    whoever sees its record; a confidential one only for the record's organisation, operators
    and the other side of a docking past the exchange of contacts. Anyone else gets a 404, as
    for a file that does not exist."""
    attachment = load(Attachment, attachment_id)
    if attachment is None or not can_download(get_session(), acting_user(), attachment):
        raise not_found(_("附件"))
    return file_response(attachment)
