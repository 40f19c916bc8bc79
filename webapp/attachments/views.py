"""Downloading and deleting attachments; the forms that upload them (a need, a result, a
solution) call ``save_uploads`` and are marked with ``takes_files``."""

from __future__ import annotations

from typing import Any

import flask
from flask import Flask, abort, current_app, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response as WerkzeugResponse

from models import Attachment, Need, Result, User

from ..db import get_session
from ..errors import error_response, handle_http_error, wants_json
from ..page_changes import change_and_go_back
from ..permissions import acting_user
from . import bp, services, storage
from .services import Owner

# The download is a file, never a page: nothing in it runs, is framed or is sniffed into HTML.
DOWNLOAD_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'"


def save_uploads(owner: Owner, user: User, form: Any) -> None:
    """Attach the files a validated form (``AttachmentFields``) checked (flushed)."""
    uploads = getattr(form, "uploads", [])
    if uploads:
        services.attach(get_session(), owner, user, uploads,
                        confidential=bool(form.attachments_confidential.data))


def _record_url(owner: Owner) -> str:
    if isinstance(owner, Need):
        return url_for("needs.detail", need_id=owner.id)
    if isinstance(owner, Result):
        return url_for("results.detail", result_id=owner.id)
    return url_for("solutions.detail", solution_id=owner.id)


def _load(attachment_id: int) -> Attachment:
    attachment = get_session().get(Attachment, attachment_id)
    # Not allowed and not there look the same: a confidential file's existence is not told.
    if attachment is None or not services.can_download(get_session(), acting_user(), attachment):
        abort(404)
    return attachment


@bp.route("/<int:attachment_id>")
def download(attachment_id: int) -> WerkzeugResponse:
    """The file, as a download, to those ``can_download`` allows."""
    return file_response(_load(attachment_id))


def file_response(attachment: Attachment) -> WerkzeugResponse:
    """The answer that hands over an attachment the caller may have (``can_download``,
    checked by the caller): a download, never a page; a 404 when its file is missing."""
    path = storage.path_of(attachment.storage_key)
    if not path.is_file():
        current_app.logger.error("attachment %s: file %s is missing", attachment.id, path.name)
        abort(404)
    response = send_file(path, mimetype=attachment.media_type, as_attachment=True,
                         download_name=attachment.filename, conditional=True,
                         etag=attachment.sha256, max_age=0)
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


@bp.route("/<int:attachment_id>/delete", methods=["POST"])
@login_required
def delete(attachment_id: int) -> WerkzeugResponse:
    """The owning organisation (or an operator) deletes an attachment."""
    attachment = _load(attachment_id)
    if not services.can_delete(acting_user(), attachment):
        abort(403)
    back = _record_url(attachment.owner)

    def remove() -> str:
        name = attachment.filename
        services.delete(get_session(), attachment)
        return _("已删除附件“%(name)s”。", name=name)
    return change_and_go_back(remove, back)


# --- the forms that take files -------------------------------------------------------------

class UploadRequest(flask.Request):
    """A request whose size limit is ``ATTACHMENT_REQUEST_MAX_BYTES`` on the endpoints that
    take files (``takes_files``) and ``MAX_CONTENT_LENGTH`` elsewhere. The limit is raised
    before anything reads the body (the CSRF check and the input check read the form first)."""

    @property
    def max_content_length(self) -> int | None:
        """The limit of this request's body."""
        if self._max_content_length is None and flask.current_app \
                and self.endpoint in flask.current_app.extensions.get("upload_endpoints", ()):
            return int(flask.current_app.config["ATTACHMENT_REQUEST_MAX_BYTES"])
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value


def takes_files(app: Flask, *endpoints: str) -> None:
    """Let these endpoints receive files up to the attachments' limits."""
    app.extensions.setdefault("upload_endpoints", set()).update(endpoints)


def _too_large(exc: RequestEntityTooLarge) -> Any:
    """A body past every limit on a form that takes files: the reason and the limits, as a
    page or as JSON naming the field; other 413s as everywhere."""
    if request.endpoint not in current_app.extensions.get("upload_endpoints", ()):
        return handle_http_error(exc)
    _drain()
    limit = services.size_text(services.max_bytes())
    total = services.size_text(int(current_app.config["ATTACHMENT_REQUEST_MAX_BYTES"]))
    message = _("附件过大：每个文件不超过 %(limit)s，一次提交合计不超过 %(total)s。"
                "请返回上一页，换用较小的文件后再提交。", limit=limit, total=total)
    if wants_json():
        return error_response(413, message, fields={"attachments": message},
                              error="payload_too_large")
    return error_response(413, message)


def _drain(chunk: int = 64 * 1024) -> None:
    """Read what the client still sends (up to a bound), so that it receives the answer
    rather than a reset connection."""
    stream = request.environ.get("wsgi.input")
    left = min(request.content_length or 0,
               int(current_app.config["ATTACHMENT_REQUEST_MAX_BYTES"]) * 4)
    try:
        while stream is not None and left > 0 and (data := stream.read(min(chunk, left))):
            left -= len(data)
    except (OSError, ValueError):
        pass


def init_app(app: Flask) -> None:
    """Register the blueprint, the request class and the 413 answer; files follow the
    database transaction (``services.init_app``). Without ``ATTACHMENT_REQUEST_MAX_BYTES`` a
    form that takes files may carry ``ATTACHMENT_MAX_FILES`` files of the largest size and
    1 MB of other fields: a file too big by less than that is an error on its field, with the
    rest of the form kept."""
    if not app.config.get("ATTACHMENT_REQUEST_MAX_BYTES"):
        app.config["ATTACHMENT_REQUEST_MAX_BYTES"] = (
            int(app.config["ATTACHMENT_MAX_FILES"]) * int(app.config["ATTACHMENT_MAX_BYTES"])
            + 1024 * 1024)
    app.request_class = UploadRequest
    app.register_blueprint(bp)
    app.register_error_handler(RequestEntityTooLarge, _too_large)
    services.init_app(app)
    app.jinja_env.globals.update(attachments_of=_visible, attachment_size=services.size_text,
                                 attachment_limit=services.max_bytes,
                                 can_delete_attachment=_deletable)


def _visible(owner: Owner) -> list[Attachment]:
    return services.attachments_of(get_session(), owner, acting_user())


def _deletable(attachment: Attachment) -> bool:
    return services.can_delete(acting_user(), attachment)

