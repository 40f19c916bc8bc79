"""What a file is, from its content: the few kinds of file the platform accepts as attachments.

The name and the type the browser sends are never believed: a file is accepted only when its
first bytes (and, for Office files, its inner structure) say it is one of ``KINDS``. Anything
else — HTML, SVG, scripts, archives, executables, a text file renamed ``.pdf`` — is refused.

Written here rather than taken from a library (``filetype``, ``puremagic``): they guess from a
header among hundreds of types, while this is a whitelist of ten, and an Office file is only
accepted when the zip really holds ``[Content_Types].xml`` and the application's part
(``word/``, ``xl/``, ``ppt/``), which a header alone cannot tell.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from typing import IO


@dataclass(frozen=True)
class Kind:
    """An accepted kind of file: its media type and the extension its name is given."""

    media_type: str
    extension: str
    label: str  # short, for the list of attachments: "PDF", "PNG", "Word"


PDF = Kind("application/pdf", ".pdf", "PDF")
PNG = Kind("image/png", ".png", "PNG")
JPEG = Kind("image/jpeg", ".jpg", "JPEG")
GIF = Kind("image/gif", ".gif", "GIF")
WEBP = Kind("image/webp", ".webp", "WebP")
DOCX = Kind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx",
            "Word")
XLSX = Kind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx", "Excel")
PPTX = Kind("application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx",
            "PowerPoint")
DOC = Kind("application/msword", ".doc", "Word")
XLS = Kind("application/vnd.ms-excel", ".xls", "Excel")
PPT = Kind("application/vnd.ms-powerpoint", ".ppt", "PowerPoint")

KINDS = (PDF, PNG, JPEG, GIF, WEBP, DOCX, XLSX, PPTX, DOC, XLS, PPT)
BY_MEDIA_TYPE = {kind.media_type: kind for kind in KINDS}

# What a file input offers to pick (a convenience for the browser; the server sniffs).
ACCEPT = ",".join(sorted({kind.extension for kind in KINDS} | {".jpeg"}))

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The stream each legacy Office application keeps its document in, as named (UTF-16LE) in the
# compound file's directory.
_OLE2_STREAMS = ((DOC, "WordDocument"), (XLS, "Workbook"), (XLS, "Book"),
                 (PPT, "PowerPoint Document"))
_OOXML_PARTS = ((DOCX, "word/"), (XLSX, "xl/"), (PPTX, "ppt/"))
_HEAD = 64


def detect(stream: IO[bytes]) -> Kind | None:
    """The kind of the file in ``stream`` (seekable; read from its start and left at its
    start), or ``None`` when it is none of the accepted kinds."""
    stream.seek(0)
    head = stream.read(_HEAD)
    stream.seek(0)
    kind = _by_header(head)
    if kind is None and head.startswith(b"PK\x03\x04"):
        kind = _ooxml(stream)
    elif kind is None and head.startswith(_OLE2):
        kind = _ole2(stream)
    stream.seek(0)
    return kind


def _by_header(head: bytes) -> Kind | None:
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    return None


def _ooxml(stream: IO[bytes]) -> Kind | None:
    """A Word, Excel or PowerPoint file (Office Open XML): a zip holding ``[Content_Types].xml``
    and the application's folder. Other zips (and broken ones) are not accepted."""
    try:
        with zipfile.ZipFile(stream) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    found = [kind for kind, folder in _OOXML_PARTS if any(n.startswith(folder) for n in names)]
    return found[0] if len(found) == 1 else None


def _ole2(stream: IO[bytes], limit: int = 1 << 20) -> Kind | None:
    """A legacy Word, Excel or PowerPoint file: a compound file whose directory names the
    application's stream. Other compound files (installers, Outlook messages) are refused."""
    stream.seek(0)
    # The directory usually sits near the start or the end; looking at both ends keeps a
    # large file from being read whole.
    data = stream.read(limit)
    stream.seek(0, 2)
    end = stream.tell()
    if end > limit:
        stream.seek(max(limit, end - limit))
        data += stream.read(limit)
    for kind, name in _OLE2_STREAMS:
        if name.encode("utf-16-le") + b"\x00\x00" in data:
            return kind
    return None
