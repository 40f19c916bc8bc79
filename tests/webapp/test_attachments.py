"""Attachments on needs, results and solutions (issue 17, part 6): the type is read from the
content, the size is limited, the files live outside ``static/`` and are served as downloads
to exactly those who see their record (confidential ones: the owners, operators and the other
side of a docking), and a refused file keeps the rest of the form."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import (
    Attachment,
    Docking,
    DockingState,
    Need,
    NeedStatus,
    Result,
    Solution,
    SolutionStatus,
    User,
)
from webapp.attachments import services, sniff

from support import login, page_text

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17) + b"IEND\xaeB`\x82"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(32) + b"\xff\xd9"
GIF = b"GIF89a" + bytes(20)
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(24)
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def ooxml(folder: str, content_types: bool = True) -> bytes:
    """A minimal Office Open XML package with a part in ``folder``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if content_types:
            archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{folder}/document.xml", "<document/>")
    return buffer.getvalue()


def ole2(stream_name: str) -> bytes:
    """A compound file whose directory names ``stream_name`` (a legacy Office document)."""
    entry = (stream_name.encode("utf-16-le") + b"\x00\x00").ljust(64, b"\x00")
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + b"R\x00o\x00o\x00t" + bytes(58) + entry


@pytest.mark.parametrize(("content", "media_type"), [
    (PDF, "application/pdf"),
    (PNG, "image/png"),
    (JPEG, "image/jpeg"),
    (GIF, "image/gif"),
    (WEBP, "image/webp"),
    (ooxml("word"), sniff.DOCX.media_type),
    (ooxml("xl"), sniff.XLSX.media_type),
    (ooxml("ppt"), sniff.PPTX.media_type),
    (ole2("WordDocument"), "application/msword"),
    (ole2("Workbook"), "application/vnd.ms-excel"),
    (ole2("PowerPoint Document"), "application/vnd.ms-powerpoint"),
])
def test_accepted_kinds_are_recognised_by_content(content: bytes, media_type: str) -> None:
    kind = sniff.detect(io.BytesIO(content))
    assert kind is not None and kind.media_type == media_type


@pytest.mark.parametrize("content", [
    HTML, SVG, b"plain text, renamed .pdf", b"MZ\x90\x00 an executable", b"",
    ooxml("word", content_types=False),  # a zip, but not an Office document
    ooxml("java"),  # a jar-like zip with content types but no Office part
    b"PK\x03\x04 broken zip",
    ole2("__substg1.0_0037001F"),  # an Outlook message, not Word/Excel/PowerPoint
    b" %PDF-1.4 not at the start",
])
def test_other_content_is_refused(content: bytes) -> None:
    assert sniff.detect(io.BytesIO(content)) is None


@pytest.mark.parametrize(("sent", "kind", "shown"), [
    ("报告.pdf", sniff.PDF, "报告.pdf"),
    ("报告.pdf", sniff.PNG, "报告.png"),  # the name follows the content
    ("照片.JPEG", sniff.JPEG, "照片.jpeg"),
    (r"C:\Users\me\Desktop\方案.docx", sniff.DOCX, "方案.docx"),
    ("../../etc/passwd", sniff.PDF, "passwd.pdf"),
    ("invoice\u202egpj.exe", sniff.PDF, "invoicegpj.pdf"),  # no right-to-left override
    ("a\x00b\r\n.pdf", sniff.PDF, "ab.pdf"),
    ("...", sniff.PDF, "附件.pdf"),
    ("长" * 300 + ".pdf", sniff.PDF, "长" * services.MAX_NAME + ".pdf"),
])
def test_file_names_are_cleaned(app: Flask, sent: str, kind: sniff.Kind, shown: str) -> None:
    with app.test_request_context():
        assert services.clean_filename(sent, kind) == shown


# --- on the pages ------------------------------------------------------------------------------

NEED_FORM = {
    "title": "高速线阵相机下的极片缺陷检测", "field": "new_energy",
    "problem": "锂离子电池极片涂布速度达 80m/min，现有人工抽检无法发现针孔、划痕和漏涂。",
    "modes": ["joint_development"], "province": "江苏省", "city": "苏州市", "budget_min": "80",
    "budget_max": "150", "action": "publish",
}


def _files(app: Flask) -> list[Path]:
    return sorted(p for p in Path(app.config["ATTACHMENT_DIR"]).rglob("*") if p.is_file())


def _count(db: Session, model: type) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def _post_need(client: FlaskClient, *files: tuple[bytes, str], **extra: Any) -> Any:
    data: dict[str, Any] = {**NEED_FORM, **extra,
                            "attachments": [(io.BytesIO(c), name) for c, name in files]}
    return client.post("/needs/new", data=data, content_type="multipart/form-data")


def test_files_attached_to_a_new_need_are_stored_outside_static(
        app: Flask, as_enterprise: FlaskClient, client: FlaskClient, db: Session) -> None:
    response = _post_need(as_enterprise, (PDF, "技术指标说明.pdf"), (PNG, "现场照片.pdf"))
    assert response.status_code == 302
    need = db.scalar(select(Need))
    assert need is not None
    found = db.scalars(select(Attachment).order_by(Attachment.id)).all()
    assert [(a.filename, a.media_type, a.size, a.need_id) for a in found] == [
        ("技术指标说明.pdf", "application/pdf", len(PDF), need.id),
        ("现场照片.png", "image/png", len(PNG), need.id)]
    files = _files(app)
    assert len(files) == 2 and not any("static" in p.parts for p in files)
    assert all("技术" not in p.name and not p.name.endswith((".pdf", ".png")) for p in files)

    # A visitor sees the public need's files and downloads them as files, never as pages.
    page = client.get(f"/needs/{need.id}")
    assert "技术指标说明.pdf" in page_text(page) and "现场照片.png" in page_text(page)
    download = client.get(f"/attachments/{found[0].id}")
    body = download.get_data()
    download.close()
    assert download.status_code == 200 and body == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E6%8A%80%E6%9C%AF%E6%8C%87%E6%A0%87%E8%AF%B4%E6%98%8E.pdf" in disposition
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download.headers["Content-Security-Policy"]
    assert "default-src 'none'" in download.headers["Content-Security-Policy"]
    assert found[0].sha256 == __import__("hashlib").sha256(PDF).hexdigest()


def test_a_refused_file_keeps_the_rest_of_the_form(app: Flask, as_enterprise: FlaskClient,
                                                   db: Session) -> None:
    token = re.search(r'name="form_token" value="([^"]+)"',
                      as_enterprise.get("/needs/new").get_data(as_text=True))
    assert token is not None
    shown = _post_need(as_enterprise, (HTML, "说明.pdf"), form_token=token.group(1))
    html = shown.get_data(as_text=True)
    assert shown.status_code == 200
    assert "不是可接受的文件类型" in page_text(shown)
    # Everything typed is still there, and the form's one-time token with it.
    assert 'value="高速线阵相机下的极片缺陷检测"' in html and "现有人工抽检无法发现针孔" in html
    assert 'value="苏州市"' in html and f'value="{token.group(1)}"' in html
    assert _count(db, Need) == 0 and _count(db, Attachment) == 0 and _files(app) == []
    # Sent again with a proper file, the same form (same token) makes the need once.
    for _ in range(2):
        _post_need(as_enterprise, (PDF, "说明.pdf"), form_token=token.group(1))
    assert _count(db, Need) == 1 and _count(db, Attachment) == 1


def test_files_over_the_limit_are_an_error_on_their_field(app: Flask, as_enterprise: FlaskClient,
                                                          db: Session) -> None:
    app.config["ATTACHMENT_MAX_BYTES"] = 1000
    shown = _post_need(as_enterprise, (PDF + bytes(3000), "大文件.pdf"))
    assert shown.status_code == 200
    assert "超过了 1000 B" not in page_text(shown)  # sizes are shown as people read them
    assert "“大文件.pdf”有 3 KB，超过了 1 KB 的上限" in page_text(shown)
    assert 'value="高速线阵相机下的极片缺陷检测"' in shown.get_data(as_text=True)
    assert _count(db, Need) == 0 and _files(app) == []
    too_many = _post_need(as_enterprise, *[(PDF, f"{n}.pdf") for n in range(6)])
    assert "一次最多上传 5 个文件" in page_text(too_many) and _count(db, Need) == 0


def test_a_body_past_every_limit_is_a_413_that_names_the_field(app: Flask,
                                                               as_enterprise: FlaskClient) -> None:
    app.config["ATTACHMENT_REQUEST_MAX_BYTES"] = 4096
    page = _post_need(as_enterprise, (PDF + bytes(8000), "大文件.pdf"))
    assert page.status_code == 413
    assert "附件过大：每个文件不超过 10 MB" in page_text(page)
    api = as_enterprise.post("/needs/new", data={**NEED_FORM, "attachments": [
        (io.BytesIO(PDF + bytes(8000)), "大文件.pdf")]}, content_type="multipart/form-data",
        headers={"Accept": "application/json"})
    assert api.status_code == 413
    assert api.get_json()["error"] == "payload_too_large"
    assert "attachments" in api.get_json()["fields"]
    # Elsewhere the general limit and answer stay.
    app.config["MAX_CONTENT_LENGTH"] = 2048
    login_page = as_enterprise.post("/login", data={"email": "a@example.cn", "password": "x" * 4096})
    assert login_page.status_code == 413 and "附件过大" not in page_text(login_page)


def test_the_upload_forms_accept_more_than_the_general_limit(app: Flask,
                                                             as_enterprise: FlaskClient,
                                                             db: Session) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 4096
    response = _post_need(as_enterprise, (PDF + bytes(20000), "说明.pdf"))
    assert response.status_code == 302 and _count(db, Attachment) == 1


def test_results_and_their_edits_take_files(app: Flask, as_institution: FlaskClient,
                                            institution_user: User, db: Session,
                                            make_result: Callable[..., Result]) -> None:
    result = make_result(institution_user)
    form = {"title": result.title, "field": "new_energy", "summary": result.summary * 3,
            "form": "device", "trl": "6", "modes": ["license"], "province": "上海市",
            "price_negotiable": "y", "action": "save", "attachments_confidential": "y",
            "attachments": [(io.BytesIO(ooxml("xl")), "测试数据.xlsx")]}
    response = as_institution.post(f"/results/{result.id}/edit", data=form,
                                   content_type="multipart/form-data")
    assert response.status_code == 302, page_text(response)
    attachment = db.scalar(select(Attachment))
    assert attachment is not None and attachment.result_id == result.id
    assert attachment.confidential and attachment.media_type == sniff.XLSX.media_type
    assert attachment.uploader_id == institution_user.id


# --- who may download --------------------------------------------------------------------------

def _status(client: FlaskClient, url: str) -> int:
    response = client.get(url)
    response.close()
    return response.status_code


def _attach(app: Flask, db: Session, owner: Need | Result | Solution, uploader: User, *,
            confidential: bool, name: str) -> Attachment:
    with app.test_request_context():
        upload = services.check_upload(name, io.BytesIO(PDF))
        from webapp.db import get_session

        session = get_session()
        made = services.attach(session, session.merge(owner), session.merge(uploader), [upload],
                               confidential=confidential)[0]
        session.commit()
        return db.get(Attachment, made.id) or made


ACTORS = ("anonymous", "stranger", "owner", "other_side", "broker", "operator")


@pytest.fixture
def matrix(app: Flask, db: Session, make_docking: Callable[..., Docking],
           enterprise_user: User, institution_user: User, other_enterprise_user: User,
           broker_user: User, operator_user: User) -> dict[str, Any]:
    """A need docked with an institution's result (contacts exchanged), a public and a
    confidential file on each, and a client per actor."""
    docking = make_docking(enterprise_user, institution_user, DockingState.DOCKED,
                           broker=broker_user)
    need, result = db.get(Need, docking.need_id), db.get(Result, docking.result_id)
    assert need is not None and result is not None
    files = {
        "need_public": _attach(app, db, need, enterprise_user, confidential=False, name="公开.pdf"),
        "need_secret": _attach(app, db, need, enterprise_user, confidential=True, name="保密.pdf"),
        "result_public": _attach(app, db, result, institution_user, confidential=False,
                                 name="成果公开.pdf"),
        "result_secret": _attach(app, db, result, institution_user, confidential=True,
                                 name="成果保密.pdf"),
    }
    users = {"stranger": other_enterprise_user, "owner": enterprise_user,
             "other_side": institution_user, "broker": broker_user, "operator": operator_user}
    clients = {"anonymous": app.test_client(),
               **{name: login(app.test_client(), user) for name, user in users.items()}}
    return {"docking": docking, "need": need, "result": result, "files": files,
            "clients": clients}


# Who gets each file: public files follow the listing (published: everyone); confidential ones
# the owning organisation, the other side of the docking and operators — not the broker.
EXPECTED = {
    "need_public": set(ACTORS),
    "need_secret": {"owner", "other_side", "operator"},
    "result_public": set(ACTORS),
    "result_secret": {"owner", "other_side", "operator"},
}


def test_the_access_matrix(matrix: dict[str, Any]) -> None:
    got: dict[str, set[str]] = {name: set() for name in EXPECTED}
    listed: dict[str, set[str]] = {name: set() for name in EXPECTED}
    for actor, client in matrix["clients"].items():
        pages = {"need": page_text(client.get(f"/needs/{matrix['need'].id}")),
                 "result": page_text(client.get(f"/results/{matrix['result'].id}"))}
        for name, attachment in matrix["files"].items():
            response = client.get(f"/attachments/{attachment.id}")
            response.close()
            assert response.status_code in (200, 404)
            if response.status_code == 200:
                got[name].add(actor)
            if attachment.filename in pages[name.split("_")[0]]:
                listed[name].add(actor)
    assert got == EXPECTED
    assert listed == EXPECTED


def test_the_api_lists_and_serves_by_the_same_rule(matrix: dict[str, Any]) -> None:
    """The listing's JSON names the files the caller may have (metadata only), and the API's
    download answers exactly those."""
    listed: dict[str, set[str]] = {name: set() for name in EXPECTED}
    got: dict[str, set[str]] = {name: set() for name in EXPECTED}
    for actor, client in matrix["clients"].items():
        answers = {"need": client.get(f"/api/v1/needs/{matrix['need'].id}").get_json(),
                   "result": client.get(f"/api/v1/results/{matrix['result'].id}").get_json()}
        for name, attachment in matrix["files"].items():
            entries = [a for a in answers[name.split("_")[0]]["attachments"]
                       if a["id"] == attachment.id]
            if entries:
                listed[name].add(actor)
                entry = entries[0]
                assert entry["filename"] == attachment.filename
                assert entry["confidential"] is attachment.confidential
                assert entry["media_type"] == "application/pdf" and entry["size"] == len(PDF)
                assert entry["download_url"] == f"/api/v1/attachments/{attachment.id}"
            response = client.get(f"/api/v1/attachments/{attachment.id}")
            body = response.get_data()
            response.close()
            if response.status_code == 200:
                got[name].add(actor)
                assert body == PDF
                assert response.headers["Content-Disposition"].startswith("attachment;")
            else:
                assert response.status_code == 404
                assert response.get_json()["error"] == "not_found"
    assert listed == EXPECTED
    assert got == EXPECTED


def test_the_api_lists_name_the_files_their_records_name(matrix: dict[str, Any]) -> None:
    """A page of needs or results (its files read for the whole page at once) names, for each
    caller, exactly the files the record's own answer names."""
    for actor, client in matrix["clients"].items():
        for kind in ("need", "result"):
            record_id = matrix[kind].id
            detail = client.get(f"/api/v1/{kind}s/{record_id}").get_json()
            page = client.get(f"/api/v1/{kind}s?per_page=100").get_json()
            listed = [item for item in page["items"] if item["id"] == record_id]
            assert len(listed) == 1, (actor, kind)
            assert listed[0]["attachments"] == detail["attachments"], (actor, kind)


def test_confidential_files_need_contacts_exchanged(matrix: dict[str, Any], db: Session) -> None:
    """While the docking is only an interest, or once dropped, the other side is a stranger."""
    docking = db.get(Docking, matrix["docking"].id)
    assert docking is not None
    secret = matrix["files"]["need_secret"]
    other_side = matrix["clients"]["other_side"]
    for state in (DockingState.INTEREST, DockingState.DROPPED):
        docking.state = state
        if state is DockingState.DROPPED:
            from models import DropReason

            docking.drop_reason = DropReason.OTHER
        db.commit()
        assert _status(other_side, f"/attachments/{secret.id}") == 404
    assert _status(other_side, f"/attachments/{matrix['files']['need_public'].id}") == 200


def test_a_draft_listings_files_stay_with_its_owners(app: Flask, db: Session,
                                                     enterprise_user: User,
                                                     make_need: Callable[..., Need],
                                                     as_enterprise: FlaskClient,
                                                     as_other_enterprise: FlaskClient,
                                                     client: FlaskClient) -> None:
    need = make_need(enterprise_user, status=NeedStatus.DRAFT)
    public = _attach(app, db, need, enterprise_user, confidential=False, name="草稿附件.pdf")
    assert _status(as_enterprise, f"/attachments/{public.id}") == 200
    assert _status(as_other_enterprise, f"/attachments/{public.id}") == 404
    assert _status(client, f"/attachments/{public.id}") == 404


def test_solution_files_go_to_the_need_and_confidential_ones_once_docked(
        app: Flask, db: Session, enterprise_user: User, institution_user: User,
        make_need: Callable[..., Need], as_enterprise: FlaskClient,
        as_institution: FlaskClient, as_other_enterprise: FlaskClient) -> None:
    need = make_need(enterprise_user)
    form = {"summary": "以在线视觉检测替代人工抽检，三个月内完成样机。",
            "approach": "线阵相机采集极片图像，分割模型识别涂布缺陷并反馈到涂布机。",
            "attachments_confidential": "y",
            "attachments": [(io.BytesIO(ooxml("word")), "技术方案.docx"),
                            (io.BytesIO(ooxml("ppt")), "汇报.pptx")]}
    response = as_institution.post(f"/needs/{need.id}/solutions/new", data=form,
                                   content_type="multipart/form-data")
    assert response.status_code == 302
    solution = db.scalar(select(Solution))
    assert solution is not None
    files = db.scalars(select(Attachment).where(Attachment.solution_id == solution.id)).all()
    assert [a.filename for a in files] == ["技术方案.docx", "汇报.pptx"]
    assert all(a.confidential for a in files)
    first = f"/attachments/{files[0].id}"
    assert _status(as_institution, first) == 200
    assert _status(as_enterprise, first) == 404  # no docking yet
    assert _status(as_other_enterprise, first) == 404
    decided = as_enterprise.post(f"/solutions/{solution.id}/accept", follow_redirects=True)
    assert decided.status_code == 200
    db.expire_all()
    assert db.get(Solution, solution.id).status is SolutionStatus.ACCEPTED  # type: ignore[union-attr]
    assert _status(as_enterprise, first) == 200
    assert "技术方案.docx" in page_text(as_enterprise.get(f"/solutions/{solution.id}"))
    answer = as_enterprise.get(f"/api/v1/solutions/{solution.id}").get_json()
    assert [a["filename"] for a in answer["attachments"]] == ["技术方案.docx", "汇报.pptx"]
    assert _status(as_other_enterprise, first) == 404


def test_owners_delete_their_files(app: Flask, matrix: dict[str, Any], db: Session) -> None:
    secret = matrix["files"]["need_secret"]
    secret_id = secret.id
    path = Path(app.config["ATTACHMENT_DIR"]) / secret.storage_key[:2] / secret.storage_key
    assert path.is_file()
    for actor in ("anonymous", "stranger", "other_side", "broker"):
        response = matrix["clients"][actor].post(f"/attachments/{secret.id}/delete")
        assert response.status_code in (302, 403, 404)
        assert "/login" in response.headers.get("Location", "/login") or response.status_code != 302
        assert db.get(Attachment, secret.id) is not None and path.is_file()
    done = matrix["clients"]["owner"].post(f"/attachments/{secret.id}/delete",
                                           follow_redirects=True)
    assert "已删除附件“保密.pdf”" in page_text(done)
    db.expire_all()
    assert db.get(Attachment, secret_id) is None and not path.exists()


def test_a_rolled_back_upload_leaves_no_file(app: Flask, db: Session, enterprise_user: User,
                                             make_need: Callable[..., Need]) -> None:
    need = make_need(enterprise_user)
    with app.test_request_context():
        from webapp.db import get_session

        session = get_session()
        upload = services.check_upload("a.pdf", io.BytesIO(PDF))
        services.attach(session, session.merge(need), session.merge(enterprise_user), [upload],
                        confidential=False)
        assert len(_files(app)) == 1
        session.rollback()
    assert _files(app) == [] and _count(db, Attachment) == 0
