"""Fixtures: the app on a migrated database (SQLite, or PostgreSQL via TEST_DATABASE_URL),
a client, records of every kind and a logged-in client for each role."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import shutil
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from models import (
    CooperationMode,
    Field,
    Need,
    NeedStatus,
    Organization,
    OrgKind,
    Result,
    ResultForm,
    ResultStatus,
    Role,
    User,
    utcnow,
)
from webapp.testbed import empty_tables, fresh_database, make_app

from support import PASSWORD, Heard, listen, login


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database migrated to head once per test session; returns its URL."""
    url = (os.environ.get("TEST_DATABASE_URL")
           or f"sqlite:///{tmp_path_factory.mktemp('db') / 'template.db'}")
    fresh_database(url)
    return url


@pytest.fixture
def database_url(database_template: str, tmp_path: Path) -> Iterator[str]:
    """An empty, migrated database for one test."""
    if database_template.startswith("sqlite"):
        source = Path(database_template.removeprefix("sqlite:///"))
        target = tmp_path / "test.db"
        shutil.copyfile(source, target)
        yield f"sqlite:///{target}"
        return
    yield database_template
    empty_tables(database_template)


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The application on a fresh database and attachment folder, CSRF off (one test switches
    it on)."""
    app = make_app(database_url, TESTING=True, SECRET_KEY="test-secret",
                   ATTACHMENT_DIR=str(tmp_path / "attachments"))
    yield app
    app.extensions["db_engine"].dispose()


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    """A session of the app's database, outside any request.

    No app context is pushed here: requests in the test would otherwise share its ``g``.
    """
    session: Session = app.extensions["db_sessionmaker"]()
    yield session
    session.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A client with nobody logged in."""
    return app.test_client()


_counter = itertools.count(1)
DOCKINGS_BEGAN = dt.datetime(2025, 1, 2, tzinfo=dt.UTC)


@pytest.fixture
def make_org(db: Session) -> Callable[..., Organization]:
    """Create an organisation (an enterprise unless told otherwise)."""
    def make(kind: OrgKind = OrgKind.ENTERPRISE, **fields: Any) -> Organization:
        n = next(_counter)
        org = Organization(name=fields.pop("name", f"测试机构{n}"), kind=kind,
                           province=fields.pop("province", "上海市"),
                           city=fields.pop("city", "上海市"), **fields)
        db.add(org)
        db.commit()
        return org
    return make


@pytest.fixture
def make_user(db: Session, make_org: Callable[..., Organization]) -> Callable[..., User]:
    """Create a user in ``org`` (a new enterprise by default) with the test password, its
    address confirmed unless told otherwise (``email_confirmed_at=None``)."""
    def make(org: Organization | None = None, role: Role = Role.MEMBER, **fields: Any) -> User:
        n = next(_counter)
        fields.setdefault("email_confirmed_at", utcnow())
        user = User(email=fields.pop("email", f"user{n}@example.cn"), name=f"用户{n}", role=role,
                    organization=org or make_org(), **fields)
        user.set_password(PASSWORD)
        db.add(user)
        db.commit()
        return user
    return make


@pytest.fixture
def make_need(db: Session) -> Callable[..., Need]:
    """Create a need for ``author``'s organisation; published unless told otherwise."""
    def make(author: User, status: NeedStatus = NeedStatus.PUBLISHED, **fields: Any) -> Need:
        need = Need(organization_id=author.organization_id, author_id=author.id, status=status,
                    field=fields.pop("field", Field.NEW_ENERGY),
                    published_at=None if status is NeedStatus.DRAFT else utcnow())
        need.title = fields.pop("title", "动力电池极片涂布厚度在线检测")
        need.problem = fields.pop("problem", "涂布厚度波动导致电池一致性差，需要在线检测方案。")
        need.province = fields.pop("province", "江苏省")
        need.modes = fields.pop("modes", [CooperationMode.JOINT_DEVELOPMENT])
        need.budget_min_wan = fields.pop("budget_min_wan", Decimal("50"))
        need.budget_max_wan = fields.pop("budget_max_wan", Decimal("120"))
        for key, value in fields.items():
            setattr(need, key, value)
        db.add(need)
        db.commit()
        return need
    return make


@pytest.fixture
def make_result(db: Session) -> Callable[..., Result]:
    """Create a result for ``author``'s institution; published unless told otherwise."""
    def make(author: User, status: ResultStatus = ResultStatus.PUBLISHED,
             **fields: Any) -> Result:
        result = Result(organization_id=author.organization_id, author_id=author.id,
                        status=status, field=fields.pop("field", Field.NEW_ENERGY),
                        form=fields.pop("form", ResultForm.DEVICE), trl=fields.pop("trl", 6),
                        published_at=None if status is ResultStatus.DRAFT else utcnow())
        result.title = fields.pop("title", "基于机器视觉的锂离子电池极片缺陷检测系统")
        result.summary = fields.pop("summary", "采用高速线阵相机与深度学习算法，在线检测极片涂布缺陷。")
        result.province = fields.pop("province", "上海市")
        result.modes = fields.pop("modes", [CooperationMode.LICENSE])
        for key, value in fields.items():
            setattr(result, key, value)
        db.add(result)
        db.commit()
        return result
    return make


@pytest.fixture
def enterprise_user(make_user: Callable[..., User], make_org: Callable[..., Organization]) -> User:
    """A member of an enterprise."""
    return make_user(make_org(OrgKind.ENTERPRISE, name="苏州精测装备有限公司"))


@pytest.fixture
def other_enterprise_user(make_user: Callable[..., User],
                          make_org: Callable[..., Organization]) -> User:
    """A member of a different enterprise."""
    return make_user(make_org(OrgKind.ENTERPRISE, name="宁波海联新材料有限公司"))


@pytest.fixture
def institution_user(make_user: Callable[..., User],
                     make_org: Callable[..., Organization]) -> User:
    """A member of a university."""
    return make_user(make_org(OrgKind.UNIVERSITY, name="江南工业大学"))


@pytest.fixture
def broker_user(make_user: Callable[..., User], make_org: Callable[..., Organization]) -> User:
    """A technology broker at a service agency."""
    return make_user(make_org(OrgKind.AGENCY, name="长三角技术转移服务中心"), role=Role.BROKER)


@pytest.fixture
def operator_user(make_user: Callable[..., User], make_org: Callable[..., Organization]) -> User:
    """A platform operator."""
    return make_user(make_org(OrgKind.AGENCY, name="InnoMatch 平台运营中心"), role=Role.OPERATOR)


@pytest.fixture
def as_enterprise(app: Flask, enterprise_user: User) -> FlaskClient:
    """A client logged in as an enterprise member."""
    return login(app.test_client(), enterprise_user)


@pytest.fixture
def as_other_enterprise(app: Flask, other_enterprise_user: User) -> FlaskClient:
    """A client logged in as a member of another enterprise."""
    return login(app.test_client(), other_enterprise_user)


@pytest.fixture
def as_institution(app: Flask, institution_user: User) -> FlaskClient:
    """A client logged in as a university member."""
    return login(app.test_client(), institution_user)


@pytest.fixture
def as_broker(app: Flask, broker_user: User) -> FlaskClient:
    """A client logged in as a broker."""
    return login(app.test_client(), broker_user)


@pytest.fixture
def as_operator(app: Flask, operator_user: User) -> FlaskClient:
    """A client logged in as an operator."""
    return login(app.test_client(), operator_user)


# --- dockings (appended for the docking workflow) --------------------------------------------

@pytest.fixture
def other_broker_user(make_user: Callable[..., User],
                      make_org: Callable[..., Organization]) -> User:
    """A broker who is not assigned to anything."""
    return make_user(make_org(OrgKind.AGENCY, name="临港科创服务中心"), role=Role.BROKER)


@pytest.fixture
def as_other_broker(app: Flask, other_broker_user: User) -> FlaskClient:
    """A client logged in as a broker not assigned to the docking."""
    return login(app.test_client(), other_broker_user)


@pytest.fixture
def make_docking(db: Session, make_need: Callable[..., Need],
                 make_result: Callable[..., Result]) -> Callable[..., Any]:
    """Create a need–result docking directly in ``state`` (for transition and permission tests).

    The need belongs to ``enterprise``, the result to ``institution``; interest is shown by the
    institution unless told otherwise; a dropped docking gets a reason.
    """
    from models import Docking, DockingState, DropReason, Side

    def make(enterprise: User, institution: User, state: Any = None, *,
             interest_side: Any = Side.SUPPLY, broker: User | None = None,
             need_status: NeedStatus = NeedStatus.PUBLISHED) -> Docking:
        state = state or DockingState.INTEREST
        need = make_need(enterprise, status=need_status)
        result = make_result(institution, contact_name="王老师", contact_phone="021-55550000")
        docking = Docking(need_id=need.id, result_id=result.id, need_org_id=need.organization_id,
                          supply_org_id=result.organization_id, state=state,
                          interest_side=None if state is DockingState.SUGGESTED else interest_side,
                          broker_id=broker.id if broker else None,
                          drop_reason=DropReason.OTHER if state is DockingState.DROPPED else None,
                          # Begun long ago, so that the tests' deals (signed in 2025) fall after
                          # their docking's start, as every deal must.
                          created_at=DOCKINGS_BEGAN)
        db.add(docking)
        db.commit()
        return docking
    return make


@pytest.fixture
def heard(app: Flask) -> Iterator[Heard]:
    """Every signal of ``webapp.events`` the app sends from now on, in order."""
    found, stop = listen(app)
    yield found
    stop()
