"""Model invariants: constraints the database enforces and checks the ORM makes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from models import (
    CooperationMode,
    Language,
    Need,
    NeedStatus,
    Organization,
    OrgKind,
    Result,
    ResultStatus,
    User,
)
from models.taxonomy import SUBFIELDS, Field, maturity_stage
from models.validators import credit_code_check_char, is_valid_credit_code

from support import CHEAP_ARGON2


def test_credit_code_check_character() -> None:
    body = "91310000MA1FL0000"
    code = body + credit_code_check_char(body)
    assert is_valid_credit_code(code)
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    assert not is_valid_credit_code(wrong)
    assert not is_valid_credit_code("91310000MA1FL000")  # 17 characters
    assert not is_valid_credit_code("I1310000MA1FL0000X")  # I is not in the alphabet


def test_organization_refuses_malformed_credit_code() -> None:
    with pytest.raises(ValueError, match="统一社会信用代码"):
        Organization(name="某公司", kind=OrgKind.ENTERPRISE, province="上海市",
                     credit_code="91310000MA1FL00001")


def test_organization_name_and_credit_code_are_unique(db: Session) -> None:
    body = "91310000MA1FL0000"
    code = body + credit_code_check_char(body)
    db.add(Organization(name="甲公司", kind=OrgKind.ENTERPRISE, province="上海市",
                        credit_code=code.lower()))
    db.commit()
    stored = db.scalar(select(Organization.credit_code))
    assert stored == code  # normalised to upper case
    db.add(Organization(name="甲公司", kind=OrgKind.ENTERPRISE, province="上海市"))
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()
    db.add(Organization(name="乙公司", kind=OrgKind.ENTERPRISE, province="上海市",
                        credit_code=code))
    with pytest.raises(IntegrityError):
        db.commit()


def test_unknown_province_is_refused() -> None:
    with pytest.raises(ValueError, match="province"):
        Organization(name="某公司", kind=OrgKind.ENTERPRISE, province="火星")


def test_password_is_hashed_with_argon2id(make_user: Callable[..., User]) -> None:
    user = make_user()
    assert user.password_hash.startswith("$argon2id$")
    assert user.check_password("correct-horse-42")
    assert not user.check_password("wrong-password")


def test_passwords_use_owasp_argon2id_and_older_hashes_are_upgraded() -> None:
    from argon2 import PasswordHasher

    from models import user as user_module

    try:
        user_module.configure_password_hasher()
        user = User(email="a@example.cn", name="甲", password_hash="")
        user.set_password("correct-horse-42")
        assert user.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
        # A hash made with argon2-cffi's own default (RFC 9106 low-memory) still verifies and
        # is replaced by one with the current parameters.
        old = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4).hash("correct-horse-42")
        user.password_hash = old
        assert not user.check_password("wrong-password")
        assert user.password_hash == old
        assert user.check_password("correct-horse-42")
        assert user.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    finally:
        user_module.configure_password_hasher(**CHEAP_ARGON2)


def test_email_is_normalised_and_unique(db: Session, make_user: Callable[..., User]) -> None:
    user = make_user(email="  Zhang.Wei@Example.CN ")
    assert user.email == "zhang.wei@example.cn"
    with pytest.raises(IntegrityError):
        make_user(email="ZHANG.WEI@example.cn")


def test_need_budget_must_be_a_range(db: Session, enterprise_user: User,
                                     make_need: Callable[..., Need]) -> None:
    with pytest.raises(IntegrityError):
        make_need(enterprise_user, budget_min_wan=Decimal("100"), budget_max_wan=Decimal("10"))
    db.rollback()
    with pytest.raises(IntegrityError):
        make_need(enterprise_user, budget_min_wan=Decimal("10"), budget_max_wan=None)
    db.rollback()
    need = make_need(enterprise_user, budget_min_wan=None, budget_max_wan=None)
    assert need.budget_negotiable


def test_money_round_trips_exactly(db: Session, enterprise_user: User,
                                   make_need: Callable[..., Need]) -> None:
    need = make_need(enterprise_user, budget_min_wan=Decimal("0.0001"),
                     budget_max_wan=Decimal("123456.7891"))
    db.expire_all()
    fresh = db.get(Need, need.id)
    assert fresh is not None
    assert fresh.budget_min_wan == Decimal("0.0001")
    assert fresh.budget_max_wan == Decimal("123456.7891")
    assert isinstance(fresh.budget_max_wan, Decimal)


def test_amount_finer_than_a_fen_is_refused(db: Session, enterprise_user: User,
                                            make_need: Callable[..., Need]) -> None:
    with pytest.raises(StatementError):
        make_need(enterprise_user, budget_min_wan=Decimal("1.0000001"),
                  budget_max_wan=Decimal("2"))


def test_published_need_needs_a_publication_time(db: Session, enterprise_user: User,
                                                 make_need: Callable[..., Need]) -> None:
    need = make_need(enterprise_user, status=NeedStatus.DRAFT)
    need.status = NeedStatus.PUBLISHED
    with pytest.raises(IntegrityError):
        db.commit()


def test_timestamps_come_back_aware_utc(db: Session, enterprise_user: User,
                                        make_need: Callable[..., Need]) -> None:
    need = make_need(enterprise_user)
    db.expire_all()
    fresh = db.get(Need, need.id)
    assert fresh is not None and fresh.published_at is not None
    assert fresh.published_at.utcoffset() == dt.timedelta(0)


def test_naive_timestamps_are_refused(db: Session, enterprise_user: User,
                                      make_need: Callable[..., Need]) -> None:
    need = make_need(enterprise_user)
    need.published_at = dt.datetime(2025, 1, 1)
    with pytest.raises(StatementError):
        db.commit()


def test_trl_range_is_enforced(db: Session, institution_user: User,
                               make_result: Callable[..., Result]) -> None:
    with pytest.raises(IntegrityError):
        make_result(institution_user, trl=10)


def test_subfield_must_belong_to_field() -> None:
    need = Need(field=Field.NEW_ENERGY)
    need.subfield = SUBFIELDS[Field.NEW_ENERGY][0]
    with pytest.raises(ValueError, match="sub-field"):
        need.subfield = SUBFIELDS[Field.AEROSPACE][0]


def test_keywords_are_split_and_deduplicated() -> None:
    need = Need()
    need.keywords = "锂电池，机器视觉、 锂电池;检测"
    assert need.keyword_list == ["锂电池", "机器视觉", "检测"]
    with pytest.raises(ValueError, match="at most"):
        need.keywords = ",".join(f"词{i}" for i in range(11))


def test_modes_keep_order_and_drop_repeats(db: Session, enterprise_user: User,
                                           make_need: Callable[..., Need]) -> None:
    draft = Need()
    draft.modes = [CooperationMode.TRANSFER, CooperationMode.LICENSE, CooperationMode.TRANSFER]
    assert draft.modes == [CooperationMode.TRANSFER, CooperationMode.LICENSE]
    need = make_need(enterprise_user, modes=[CooperationMode.LICENSE, CooperationMode.TRANSFER,
                                             CooperationMode.LICENSE])
    # Stored, they come back in the relationship's order (by mode), each once.
    assert need.modes == sorted([CooperationMode.LICENSE, CooperationMode.TRANSFER])
    need.modes = [CooperationMode.EQUITY]
    db.commit()
    db.expire_all()
    assert db.get(Need, need.id).modes == [CooperationMode.EQUITY]  # type: ignore[union-attr]


def test_enum_columns_refuse_unknown_values(db: Session, institution_user: User,
                                            make_result: Callable[..., Result]) -> None:
    result = make_result(institution_user)
    result.status = "archived"  # type: ignore[assignment]
    with pytest.raises(StatementError):
        db.commit()


def test_result_maturity_stage(db: Session, institution_user: User,
                               make_result: Callable[..., Result]) -> None:
    assert make_result(institution_user, trl=2).maturity == "实验室"
    assert make_result(institution_user, trl=5, status=ResultStatus.DRAFT).maturity == "小试"
    assert [maturity_stage(n) for n in (6, 7, 8, 9)] == ["中试", "中试", "产业化", "产业化"]
    with pytest.raises(ValueError):
        maturity_stage(0)


def test_user_language_is_checked_by_the_database(db: Session, make_user: Callable[..., User]) -> None:
    user = make_user()
    assert user.language is Language.ZH_CN
    with pytest.raises(IntegrityError):
        db.execute(text("UPDATE users SET language = 'fr' WHERE id = :id"), {"id": user.id})
    db.rollback()
