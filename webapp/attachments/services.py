"""Attachment services: checking an upload, attaching it to a need, a result or a solution,
who may download it (``can_download``, the one rule) and deleting it. They flush, the views
commit; the files follow the transaction (written before the flush, removed again when it
rolls back; a deleted attachment's file goes once the deletion is committed)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from flask import Flask, current_app
from flask_babel import gettext as _
from sqlalchemy import event, select
from sqlalchemy.orm import Session, SessionTransaction

from models import Attachment, Need, Result, Solution, User

from ..contacts import party_to_docking
from ..errors import Refused
from ..permissions import can_change, can_view_need, can_view_result
from . import storage
from .sniff import BY_MEDIA_TYPE, Kind, detect

Owner = Need | Result | Solution

MAX_NAME = 120  # characters of a file name's stem kept for display
_ALIASES = {".jpeg": ".jpg", ".jpe": ".jpg"}


class UploadRefused(Refused):
    """A file the platform does not take: too big, or not one of the accepted kinds."""


@dataclass(frozen=True)
class Upload:
    """A checked upload, ready to be attached."""

    filename: str  # cleaned, with the extension of its detected kind
    kind: Kind
    stream: IO[bytes]


def max_bytes() -> int:
    """The largest file accepted (``ATTACHMENT_MAX_BYTES``)."""
    return int(current_app.config["ATTACHMENT_MAX_BYTES"])


def size_text(size: int) -> str:
    """A size as people read it: "812 KB", "3.4 MB"."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0") + " MB"


def _split_name(name: str) -> tuple[str, str]:
    """(stem, lower-case extension with its dot) of the last path part of ``name``, without
    control or formatting characters (bidirectional overrides that would disguise the
    extension), the stem at most ``MAX_NAME`` characters."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] not in "CZ" or c == " ")
    stem, dot, extension = name.strip().rpartition(".")
    if not dot:
        stem, extension = name.strip(), ""
    return stem.strip(" .")[:MAX_NAME].strip() or _("附件"), "." + extension.lower()


def clean_filename(name: str, kind: Kind) -> str:
    """The name shown and offered on download: the cleaned name with an extension that matches
    the content's kind (``report.pdf`` holding a PNG becomes ``report.png``)."""
    stem, extension = _split_name(name)
    if _ALIASES.get(extension, extension) != kind.extension:
        extension = kind.extension
    return stem + extension


def check_upload(filename: str, stream: IO[bytes]) -> Upload:
    """The upload if the platform takes it; ``UploadRefused`` with the reason otherwise."""
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    shown = "".join(_split_name(filename)).removesuffix(".")
    if size > max_bytes():
        raise UploadRefused(_("“%(name)s”有 %(size)s，超过了 %(limit)s 的上限。", name=shown,
                              size=size_text(size), limit=size_text(max_bytes())))
    if size == 0:
        raise UploadRefused(_("“%(name)s”是空文件。", name=shown))
    kind = detect(stream)
    if kind is None:
        raise UploadRefused(_("“%(name)s”不是可接受的文件类型：只接受 PDF、图片（PNG、JPEG、GIF、"
                              "WebP）和 Office 文档（Word、Excel、PowerPoint），按文件内容判断。",
                              name=shown))
    return Upload(clean_filename(filename, kind), kind, stream)


def attach(session: Session, owner: Owner, uploader: User, uploads: Iterable[Upload], *,
           confidential: bool) -> list[Attachment]:
    """Store the uploads and attach them to ``owner`` (flushed)."""
    made = []
    for upload in uploads:
        stored = storage.store(upload.stream)
        _files(session, "new").append(storage.path_of(stored.key))
        attachment = Attachment(
            organization_id=owner.organization_id, uploader_id=uploader.id,
            filename=upload.filename, media_type=upload.kind.media_type, size=stored.size,
            sha256=stored.sha256, storage_key=stored.key, confidential=confidential,
            **{_owner_column(owner): owner.id})
        session.add(attachment)
        made.append(attachment)
    session.flush()
    return made


def can_download(session: Session, user: User | None, attachment: Attachment) -> bool:
    """Who may see (list and download) an attachment: whoever sees its record; for a
    confidential one, only the owning organisation, operators and the other side of a docking
    of the record that has exchanged contacts (``contacts.party_to_docking``)."""
    owner = attachment.owner
    if not _can_view(user, owner):
        return False
    if not attachment.confidential:
        return True
    if user is None:
        return False
    if user.is_operator or user.organization_id == attachment.organization_id:
        return True
    return party_to_docking(session, user, owner)


def can_delete(user: User | None, attachment: Attachment) -> bool:
    """The owning organisation's members and operators delete attachments."""
    return can_change(user, attachment)


def attachments_of(session: Session, owner: Owner, user: User | None) -> list[Attachment]:
    """The attachments of ``owner`` that ``user`` may see, oldest first."""
    return attachments_of_each(session, [owner], user)[owner]


def attachments_of_each(session: Session, owners: Iterable[Owner],
                        user: User | None) -> dict[Owner, list[Attachment]]:
    """The attachments of each of ``owners`` that ``user`` may see, oldest first, by owner:
    one statement for each kind of owner (a page of listings in one, not one per listing)."""
    visible: dict[Owner, list[Attachment]] = {owner: [] for owner in owners}
    by_column: dict[str, dict[int, Owner]] = {}
    for owner in visible:
        by_column.setdefault(_owner_column(owner), {})[owner.id] = owner
    for name, by_id in by_column.items():
        column = getattr(Attachment, name)
        found = session.scalars(select(Attachment).where(column.in_(list(by_id)))
                                .order_by(Attachment.id))
        for attachment in found:
            if can_download(session, user, attachment):
                visible[by_id[getattr(attachment, name)]].append(attachment)
    return visible


def delete(session: Session, attachment: Attachment) -> None:
    """Delete an attachment (flushed); its file goes when the deletion is committed."""
    _files(session, "gone").append(storage.path_of(attachment.storage_key))
    session.delete(attachment)
    session.flush()


def kind_of(attachment: Attachment) -> Kind | None:
    """The kind an attachment was detected as."""
    return BY_MEDIA_TYPE.get(attachment.media_type)


def _can_view(user: User | None, owner: Owner) -> bool:
    if isinstance(owner, Need):
        return can_view_need(user, owner)
    if isinstance(owner, Result):
        return can_view_result(user, owner)
    # Imported here: the solutions area's pages take files, so it imports this module.
    from ..solutions.services import can_view_solution

    return can_view_solution(user, owner)


def _owner_column(owner: Owner) -> str:
    return {Need: "need_id", Result: "result_id", Solution: "solution_id"}[type(owner)]


# --- files follow the transaction --------------------------------------------------------------

def _files(session: Session, which: str) -> list[Path]:
    files: list[Path] = session.info.setdefault(f"attachment_files_{which}", [])
    return files


def _committed(session: Session) -> None:
    """Files of committed deletions go; files of committed uploads stay."""
    session.info.pop("attachment_files_new", None)
    for path in session.info.pop("attachment_files_gone", []):
        path.unlink(missing_ok=True)


def _ended(session: Session, transaction: SessionTransaction) -> None:
    """An outermost transaction that ended without a commit: its uploads' files go, its
    deletions' files stay."""
    if transaction.parent is not None:
        return
    for path in session.info.pop("attachment_files_new", []):
        path.unlink(missing_ok=True)
    session.info.pop("attachment_files_gone", None)


def init_app(app: Flask) -> None:
    """Make the files of the app's sessions follow their transactions."""
    maker: Any = app.extensions["db_sessionmaker"]
    event.listen(maker, "after_commit", _committed)
    event.listen(maker, "after_transaction_end", _ended)
