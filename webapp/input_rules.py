"""The rules of what people type, written once for the pages' forms (WTForms) and the JSON API's
schemas (marshmallow): the length of each text, the ranges of numbers, amounts in 万元, and the
checks across fields. Each rule carries its message; ``forms_common`` and ``api.v1.fields`` only
adapt the rules to their library, so a form and an API body are refused for the same reasons
with the same words. The choices (fields, provinces, modes...) come from the models' enums.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from models.listing import MAX_KEYWORDS, split_keywords
from models.taxonomy import SUBFIELDS
from models.taxonomy import Field as TechField

Message = Any  # a lazily translated string (flask_babel's LazyString) or a plain one


@dataclass(frozen=True)
class Text:
    """A text's length in characters: at most ``max``, at least ``min`` when given.

    ``required`` is the message for a text that must be given and is missing; ``message`` the
    one for a wrong length (the library's own wording when ``None``).
    """

    max: int
    min: int = 0
    message: Message = None
    required: Message = None


@dataclass(frozen=True)
class Whole:
    """A whole number between ``min`` and ``max``."""

    min: int
    max: int
    message: Message = None
    required: Message = None


# --- listings ---------------------------------------------------------------------------------

NEED_TITLE = Text(120, 4, _l("需求名称需 4–120 个字"), _l("请填写需求名称"))
NEED_PROBLEM = Text(5000, 10, _l("技术难题需 10–5000 个字"), _l("请描述拟解决的技术难题"))
RESULT_TITLE = Text(120, 4, _l("成果名称需 4–120 个字"), _l("请填写成果名称"))
RESULT_SUMMARY = Text(8000, 20, _l("成果简介需 20–8000 个字"), _l("请填写成果简介"))
INDICATORS = Text(3000)
BASIS = Text(3000)
TEAM = Text(3000)
KEYWORDS = Text(300)
KEYWORD = Text(60)
CITY = Text(40)
CONTACT_NAME = Text(60)
CONTACT_PHONE = Text(40)
IP_NUMBER = Text(60)
MAX_IP_NUMBERS = 20
TRL = Whole(1, 9, _l("成熟度为 TRL 1–9"), _l("请选择技术成熟度"))
FIELD_REQUIRED = _l("请选择技术领域")
PROVINCE_REQUIRED = _l("请选择所属地区")
NEED_MODES_REQUIRED = _l("请至少选择一种合作方式")
RESULT_MODES_REQUIRED = _l("请至少选择一种转化方式")
FORM_REQUIRED = _l("请选择成果形式")

# --- solutions, dockings, deals, tokens -------------------------------------------------------

SOLUTION_SUMMARY = Text(2000, 10, _l("方案概述需 10–2000 个字"), _l("请填写方案概述"))
SOLUTION_APPROACH = Text(8000, 10, _l("技术路线需 10–8000 个字"), _l("请填写技术路线"))
TIMELINE = Text(2000)
MAX_LINKED_RESULTS = 50
NOTE = Text(500)
INTEREST_MESSAGE = Text(500)
MESSAGE_BODY = Text(4000, 1, None, _l("请填写消息内容"))
CONTRACT_NUMBER = Text(60)
CONTRACT_TYPE_REQUIRED = _l("请选择合同类型")
AMOUNT_REQUIRED = _l("请填写合同金额")
SIGNED_ON_REQUIRED = _l("请填写签约日期")
TOKEN_NAME = Text(60, 1, _l("令牌名称最多 60 个字"), _l("请填写令牌名称"))
# An API token's life in days: a year at most, so that a forgotten token does not work for ever.
TOKEN_DAYS = Whole(1, 365, _l("令牌有效期为 1–365 天"), _l("请填写令牌有效期"))

# Ids are 32-bit on every database; larger numbers cannot name a record, and PostgreSQL would
# refuse to compare them with an integer column (SQLite cannot even bind past 2^63).
MAX_ID = 2**31 - 1

# Lone surrogates cannot be stored (or even encoded as UTF-8); the bidirectional embeddings,
# overrides and isolates make a text read differently from what it holds ("Trojan source").
_SURROGATES = re.compile("[\ud800-\udfff]")
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def control_problem(text: str) -> str | None:
    """Why a text cannot be taken as typed: a NUL character (which no database column can
    hold), a lone surrogate, or a bidirectional-override character; ``None`` when it can."""
    if "\x00" in text:
        return _("不能包含空字符（NUL）")
    if _SURROGATES.search(text):
        return _("含有无效的字符（孤立的代理项），请重新输入")
    if _BIDI_CONTROLS.search(text):
        return _("不能包含双向文本控制字符（如 U+202E）")
    return None


# --- amounts in 万元 --------------------------------------------------------------------------

MAX_WAN = Decimal("1000000")
WAN_DECIMALS = 4  # one yuan
MAX_AMOUNT_TEXT = 24


def parse_wan(raw: Any) -> Decimal | None:
    """An amount as typed or sent (full-width digits and thousands separators allowed); ``None``
    when blank. Raises ``ValueError`` with the message to show when it is not a number."""
    if raw is None:
        return None
    text = unicodedata.normalize("NFKC", str(raw)).replace(",", "").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("请输入数字金额（万元）")) from None
    if not value.is_finite():
        raise ValueError(_("请输入数字金额（万元）"))
    return value


def wan_problem(value: Decimal | None) -> str | None:
    """What is wrong with an amount in 万元: negative, 10 billion or more, finer than one yuan."""
    if value is None:
        return None
    if value < 0:
        return _("金额不能为负数")
    if value >= MAX_WAN:
        return _("金额过大（单位为万元）")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -WAN_DECIMALS:
        return _("金额最多保留四位小数（精确到元）")
    return None


def budget_problem(low: Decimal | None, high: Decimal | None) -> str | None:
    """A budget range whose upper end is below its lower end."""
    if low is not None and high is not None and high < low:
        return _("预算上限不能低于下限")
    return None


# --- checks across fields ---------------------------------------------------------------------

def subfield_problem(field: str | None, subfield: str | None) -> str | None:
    """A sub-field that does not belong to the chosen field."""
    if not subfield or field not in {f.value for f in TechField}:
        return None
    if subfield not in SUBFIELDS[TechField(field)]:
        return _("该子领域不属于所选技术领域")
    return None


def valid_until_problem(day: dt.date | None) -> str | None:
    """A need must stay valid for a while: not before today."""
    if day is not None and day < dt.date.today():
        return _("有效期不能早于今天")
    return None


def keywords_problem(keywords: str | list[str] | None) -> str | None:
    """Too many keywords."""
    if len(split_keywords(keywords or "")) > MAX_KEYWORDS:
        return _("关键词最多 %(n)s 个", n=MAX_KEYWORDS)
    return None


def ip_numbers_problem(ip_type: str | None, numbers: list[str]) -> str | None:
    """Patent or registration numbers need a type; not too many, none too long."""
    if numbers and not ip_type:
        return _("请先选择知识产权类型")
    if len(numbers) > MAX_IP_NUMBERS:
        return _("最多填写 %(n)s 个号码", n=MAX_IP_NUMBERS)
    if any(len(n) > IP_NUMBER.max for n in numbers):
        return _("单个号码不能超过 60 个字符")
    return None
