"""The attachment fields of the forms that take files (a need, a result, a solution): mixed into
each form, checked with the rest of it, so that a refused file is an error on its field and
every other value typed stays in the form shown again."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from werkzeug.datastructures import FileStorage
from wtforms import BooleanField
from wtforms.validators import ValidationError

from .services import Upload, UploadRefused, check_upload, max_bytes, size_text
from .sniff import ACCEPT


class AttachmentFields:
    """Mixed into a FlaskForm: ``attachments`` (files) and ``attachments_confidential``; after
    validation ``uploads`` holds the checked files."""

    attachments = MultipleFileField(_l("附件"), render_kw={"accept": ACCEPT, "multiple": True})
    attachments_confidential = BooleanField(_l("保密附件：仅本机构、平台运营方和已对接的对方可见"))

    uploads: list[Upload]

    def validate_attachments(self, field: MultipleFileField) -> None:
        """Every chosen file is checked by its content and size; the first refusal is the
        field's error."""
        files = [f for f in (field.data or []) if isinstance(f, FileStorage) and f.filename]
        limit = int(current_app.config["ATTACHMENT_MAX_FILES"])
        self.uploads = []
        if len(files) > limit:
            raise ValidationError(_("一次最多上传 %(n)s 个文件。", n=limit))
        try:
            self.uploads = [check_upload(f.filename or "", f.stream) for f in files]
        except UploadRefused as exc:
            raise ValidationError(str(exc)) from None

    def attachment_hint(self) -> str:
        """What the field takes, under it."""
        return _("PDF、图片或 Office 文档，每个不超过 %(limit)s，一次最多 %(n)s 个；"
                 "类型按文件内容判断。", limit=size_text(max_bytes()),
                 n=current_app.config["ATTACHMENT_MAX_FILES"])

