"""The list endpoints' cost in SQL statements: the attachments of a page of needs or results are
read in one statement for the page, not one per listing, with the same answer and the same
access rule (``attachments.services.can_download``)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from models import Attachment, Need, Result, User

ApiFor = Callable[[User | None], Any]

_keys = itertools.count(1)


def _attach(db: Session, owner: Need | Result, uploader: User, *, confidential: bool) -> None:
    """An attachment row (metadata only: listing it does not read its file)."""
    n = next(_keys)
    column = "need_id" if isinstance(owner, Need) else "result_id"
    db.add(Attachment(organization_id=owner.organization_id, uploader_id=uploader.id,
                      filename=f"资料{n}.pdf", media_type="application/pdf", size=100 + n,
                      sha256=f"{n:064x}", storage_key=f"k{n:063d}", confidential=confidential,
                      **{column: owner.id}))


@pytest.fixture
def statements(app: Flask) -> Iterator[list[str]]:
    """The SQL statements the app's engine runs while the test lasts."""
    run: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        run.append(statement)

    engine = app.extensions["db_engine"]
    event.listen(engine, "before_cursor_execute", count)
    yield run
    event.remove(engine, "before_cursor_execute", count)


@pytest.mark.parametrize("kind", ["needs", "results"])
def test_a_list_reads_its_pages_attachments_in_one_statement(
        kind: str, api_as: ApiFor, db: Session, statements: list[str],
        make_need: Callable[..., Need], make_result: Callable[..., Result],
        enterprise_user: User, institution_user: User) -> None:
    owner = enterprise_user if kind == "needs" else institution_user
    make = make_need if kind == "needs" else make_result
    column = Attachment.need_id if kind == "needs" else Attachment.result_id
    clients = {"owner": api_as(owner), "anonymous": api_as(None)}
    counts: dict[str, list[int]] = {viewer: [] for viewer in clients}
    made = 0
    for size in (2, 8):
        while made < size:
            made += 1
            listing = make(owner, title=f"极片缺陷在线检测 {made}")
            for confidential in (False, True, False):
                _attach(db, listing, owner, confidential=confidential)
            db.commit()
        for viewer, api in clients.items():
            # Warm up: a token's use is written at most once a while, not on every request.
            api.get(f"/{kind}?per_page=20")
            statements.clear()
            response = api.get(f"/{kind}?per_page=20")
            counts[viewer].append(len(statements))
            assert response.status_code == 200, response.get_json()
            items = response.get_json()["items"]
            assert len(items) == size
            for item in items:
                files = db.scalars(select(Attachment).where(column == item["id"])
                                   .order_by(Attachment.id)).all()
                # The same answer as before: every file in order for the owner, the public
                # ones for anyone else.
                shown = [a for a in files if viewer == "owner" or not a.confidential]
                assert [(a["id"], a["confidential"]) for a in item["attachments"]] == \
                    [(a.id, a.confidential) for a in shown]
    # 2 listings or 8: the same statements (before, one more per listing).
    assert counts["owner"][0] == counts["owner"][1], counts
    assert counts["anonymous"][0] == counts["anonymous"][1], counts

