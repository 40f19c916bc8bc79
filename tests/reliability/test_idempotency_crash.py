"""An idempotent create that dies after its view has run but before its answer is stored leaves
nothing behind: the retry with the same key creates the record, once.

Before the record and the stored answer were committed together, such a crash left the record
committed and its key reserved "in progress", so every retry got 409 for ever.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import IdempotencyKey, Need, User
from webapp.api.services import create_token
from webapp.api.v1 import core


class Killed(Exception):
    """Stands for the process dying at that point."""


def test_crash_between_view_and_stored_answer(app: Flask, db: Session, enterprise_user: User,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    _, token = create_token(db, db.merge(enterprise_user), "crash")
    db.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "crash-once"}
    body = {"title": "幂等崩溃测试需求", "field": "new_energy",
            "problem": "动力电池极片涂布厚度需要在线检测。", "modes": ["joint_development"],
            "province": "上海市", "publish": True}
    real = core.make_response

    def dies_after_the_view(*args: Any) -> Any:
        real(*args)
        raise Killed

    monkeypatch.setattr(core, "make_response", dies_after_the_view)
    died = client.post("/api/v1/needs", json=body, headers=headers)
    assert died.status_code == 500  # the app's handler answers; a real crash answers nothing
    monkeypatch.setattr(core, "make_response", real)

    count = select(func.count()).select_from(Need).where(Need.title == body["title"])
    assert db.scalar(count) == 0
    assert db.scalar(select(func.count()).select_from(IdempotencyKey)) == 0

    retried = client.post("/api/v1/needs", json=body, headers=headers)
    assert retried.status_code == 201, retried.get_json()
    again = client.post("/api/v1/needs", json=body, headers=headers)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["id"] == retried.get_json()["id"]
    assert db.scalar(count) == 1
