"""The import template: Chinese column headings, how each cell is read into the API's value
names, and how each record is written back, so that an export imports to the same records."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeVar

from models import (
    CooperationMode,
    Field,
    IPType,
    Need,
    NeedStatus,
    OrgKind,
    Result,
    ResultForm,
    ResultStatus,
)
from models.taxonomy import FIELD_LABELS, FORM_LABELS, IP_LABELS, MODE_LABELS

E = TypeVar("E", bound=Enum)
_LIST_SPLIT = re.compile(r"[、,，;；/\s]+")
_RANGE_SPLIT = re.compile(r"\s*(?:-|~|～|—|至|到)\s*")
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
# The export names records it did not import by their platform id, so that exporting and
# importing into the same platform finds them again.
EXPORT_ID_PREFIX = {"needs": "innomatch-need-", "results": "innomatch-result-"}


class CellError(ValueError):
    """A cell cannot be read; the message says what is expected."""


@dataclass(frozen=True)
class Column:
    """A template column: heading, the value it fills, whether it is required, and a note."""

    header: str
    key: str
    required: bool = False
    note: str = ""


NEED_COLUMNS: tuple[Column, ...] = (
    Column("外部编号", "external_id", note="来源系统的编号；不填则按内容识别重复"),
    Column("需求名称", "title", True),
    Column("需求单位", "organization", True, "按名称匹配已有机构，没有则新建"),
    Column("技术领域", "field", True, "、".join(FIELD_LABELS.values())),
    Column("子领域", "subfield"),
    Column("拟解决的技术难题", "problem", True),
    Column("技术指标", "indicators"),
    Column("现有基础", "basis"),
    Column("关键词", "keywords", note="用顿号或逗号分隔，最多 10 个"),
    Column("预算金额(万元)", "budget", note="如 50、50-120；空白或“面议”为面议"),
    Column("合作方式", "modes", True, "、".join(MODE_LABELS.values())),
    Column("所属地区", "province", True, "省级行政区全称，如 上海市、江苏省"),
    Column("城市", "city"),
    Column("有效期", "valid_until", note="YYYY-MM-DD"),
    Column("公开单位名称", "show_org_name", note="是 / 否，默认 是"),
    Column("状态", "status", note="草稿、已发布、已关闭、已过期；默认 已发布"),
)
RESULT_COLUMNS: tuple[Column, ...] = (
    Column("外部编号", "external_id", note="来源系统的编号；不填则按内容识别重复"),
    Column("成果名称", "title", True),
    Column("成果单位", "organization", True, "按名称匹配已有机构，没有则新建"),
    Column("单位类型", "org_kind", note="高校 / 科研院所；新建机构时使用"),
    Column("技术领域", "field", True, "、".join(FIELD_LABELS.values())),
    Column("子领域", "subfield"),
    Column("成果简介", "summary", True),
    Column("关键词", "keywords", note="用顿号或逗号分隔，最多 10 个"),
    Column("成果形式", "form", True, "、".join(FORM_LABELS.values())),
    Column("技术成熟度(TRL)", "trl", True, "1–9"),
    Column("知识产权类型", "ip_type", note="、".join(IP_LABELS.values())),
    Column("专利号", "ip_numbers", note="多个用顿号分隔"),
    Column("转化方式", "modes", True, "、".join(MODE_LABELS.values())),
    Column("意向价格(万元)", "price_wan", note="空白或“面议”为面议"),
    Column("团队介绍", "team"),
    Column("联系人", "contact_name"),
    Column("联系电话", "contact_phone"),
    Column("所属地区", "province", True, "省级行政区全称，如 上海市、江苏省"),
    Column("城市", "city"),
    Column("状态", "status", note="草稿、已发布、已撤回；默认 已发布"),
)
DEAL_COLUMNS: tuple[Column, ...] = (
    Column("合同编号", "id"), Column("对接编号", "docking_id"), Column("需求名称", "need_title"),
    Column("需求单位", "need_org"), Column("供给单位", "supply_org"),
    Column("合同类型", "contract_type"), Column("合同金额(万元)", "amount_wan"),
    Column("签约日期", "signed_on"), Column("技术合同登记号", "contract_number"),
)
COLUMNS = {"needs": NEED_COLUMNS, "results": RESULT_COLUMNS, "deals": DEAL_COLUMNS}


def normalise_header(text: str) -> str:
    """Headings compare after NFKC (full-width brackets become ASCII), without blanks or a
    required-marker star."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).rstrip("*")


# --- reading cells --------------------------------------------------------------------------

def _choice(raw: str, enum_cls: type[E], labels: dict[Any, str], what: str) -> E:
    by_label = {label: member for member, label in labels.items()}
    if raw in by_label:
        return by_label[raw]
    try:
        return enum_cls(raw)
    except ValueError:
        raise CellError(f"未知的{what}“{raw[:40]}”") from None


def read_field(raw: str) -> str:
    """技术领域: a label or a value."""
    return _choice(raw, Field, FIELD_LABELS, "技术领域").value


def read_modes(raw: str) -> list[str]:
    """合作方式 / 转化方式: labels or values separated by 、 or commas."""
    parts = [p for p in _LIST_SPLIT.split(raw) if p]
    return [_choice(p, CooperationMode, MODE_LABELS, "合作方式").value for p in parts]


def read_list(raw: str) -> list[str]:
    """Keywords or patent numbers."""
    return [p for p in _LIST_SPLIT.split(raw) if p]


def read_budget(raw: str) -> tuple[str | None, str | None]:
    """预算金额: blank or 面议 → negotiable; ``a-b`` → a range; one figure → that figure."""
    if raw in ("", "面议"):
        return None, None
    parts = _RANGE_SPLIT.split(raw)
    if len(parts) == 1:
        return parts[0], parts[0]
    if len(parts) == 2 and all(parts):
        return parts[0], parts[1]
    raise CellError("预算应为一个数字、一个范围（如 50-120）或“面议”")


def read_money(raw: str) -> str | None:
    """A single amount; blank or 面议 is negotiable."""
    return None if raw in ("", "面议") else raw


def read_date(raw: str) -> str | None:
    """A date as YYYY-MM-DD (also 2025/6/30 and 2025年6月30日)."""
    if not raw:
        return None
    match = _DATE.match(raw.split("T")[0].split(" ")[0])
    if not match:
        raise CellError("日期格式应为 YYYY-MM-DD")
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3])).isoformat()
    except ValueError:
        raise CellError(f"不是有效的日期：{raw[:20]}") from None


def read_bool(raw: str) -> bool:
    """是 / 否 (and the usual spellings); blank means yes."""
    if raw in ("", "是", "y", "Y", "yes", "true", "1", "公开"):
        return True
    if raw in ("否", "n", "N", "no", "false", "0", "不公开"):
        return False
    raise CellError("应为“是”或“否”")


def read_trl(raw: str) -> int:
    """技术成熟度: a whole number 1–9 (TRL 6 and 6.0 are read too)."""
    text = raw.upper().removeprefix("TRL").strip()
    if text.endswith(".0"):
        text = text[:-2]
    if not text.isdigit() or not 1 <= int(text) <= 9:
        raise CellError("技术成熟度应为 1–9 的整数")
    return int(text)


NEED_STATUS_LABELS = {s.label: s for s in NeedStatus}
RESULT_STATUS_LABELS = {s.label: s for s in ResultStatus}
ORG_KIND_LABELS = {k.label: k for k in OrgKind}


def read_need_status(raw: str) -> NeedStatus:
    """状态 of a need; 对接中 and 已签约 depend on dockings, which do not travel: published."""
    status = NEED_STATUS_LABELS.get(raw) if raw else NeedStatus.PUBLISHED
    if status is None:
        try:
            status = NeedStatus(raw)
        except ValueError:
            raise CellError("状态应为 草稿、已发布、已关闭 或 已过期") from None
    if status in (NeedStatus.DOCKING, NeedStatus.SIGNED):
        return NeedStatus.PUBLISHED
    return status


def read_result_status(raw: str) -> ResultStatus:
    """状态 of a result."""
    status = RESULT_STATUS_LABELS.get(raw) if raw else ResultStatus.PUBLISHED
    if status is None:
        try:
            status = ResultStatus(raw)
        except ValueError:
            raise CellError("状态应为 草稿、已发布 或 已撤回") from None
    return status


def read_org_kind(raw: str) -> OrgKind | None:
    """单位类型 of a result's institution."""
    if not raw:
        return None
    kind = ORG_KIND_LABELS.get(raw)
    if kind is None:
        try:
            kind = OrgKind(raw)
        except ValueError:
            raise CellError("单位类型应为 高校 或 科研院所") from None
    return kind


def read_form(raw: str) -> str:
    """成果形式."""
    return _choice(raw, ResultForm, FORM_LABELS, "成果形式").value


def read_ip_type(raw: str) -> str | None:
    """知识产权类型."""
    return _choice(raw, IPType, IP_LABELS, "知识产权类型").value if raw else None


READERS: dict[str, Callable[[str], Any]] = {
    "field": read_field, "modes": read_modes, "keywords": read_list,
    "valid_until": read_date, "show_org_name": read_bool, "trl": read_trl,
    "form": read_form, "ip_type": read_ip_type, "ip_numbers": read_list,
    "price_wan": read_money, "org_kind": read_org_kind,
}


# --- writing records ------------------------------------------------------------------------

def _plain(value: Any) -> str:
    return "" if value is None else f"{value.normalize():f}"


def _export_id(kind: str, record: Need | Result) -> str:
    return record.external_id or f"{EXPORT_ID_PREFIX[kind]}{record.id}"


def need_row(need: Need) -> dict[str, str]:
    """A need in the template's columns."""
    if need.budget_min_wan is None:
        budget = "面议"
    elif need.budget_min_wan == need.budget_max_wan:
        budget = _plain(need.budget_min_wan)
    else:
        budget = f"{_plain(need.budget_min_wan)}-{_plain(need.budget_max_wan)}"
    return {
        "external_id": _export_id("needs", need), "title": need.title,
        "organization": need.organization.name,
        "field": need.field.label if need.field else "",
        "subfield": need.subfield, "problem": need.problem, "indicators": need.indicators,
        "basis": need.basis, "keywords": "、".join(need.keyword_list), "budget": budget,
        "modes": "、".join(m.label for m in need.modes), "province": need.province,
        "city": need.city, "valid_until": need.valid_until.isoformat() if need.valid_until else "",
        "show_org_name": "是" if need.show_org_name else "否", "status": need.status.label,
    }


def result_row(result: Result, contacts: bool) -> dict[str, str]:
    """A result in the template's columns (the contact person and phone only if ``contacts``)."""
    ip = result.ip_rights
    return {
        "external_id": _export_id("results", result), "title": result.title,
        "organization": result.organization.name, "org_kind": result.organization.kind.label,
        "field": result.field.label if result.field else "", "subfield": result.subfield,
        "summary": result.summary,
        "keywords": "、".join(result.keyword_list),
        "form": result.form.label if result.form else "",
        "trl": str(result.trl) if result.trl is not None else "",
        "ip_type": ip[0].ip_type.label if ip else "",
        "ip_numbers": "、".join(i.number for i in ip if i.number),
        "modes": "、".join(m.label for m in result.modes),
        "price_wan": _plain(result.price_wan) if result.price_wan is not None else "面议",
        "team": result.team, "contact_name": result.contact_name if contacts else "",
        "contact_phone": result.contact_phone if contacts else "", "province": result.province,
        "city": result.city,
        "status": result.status.label,
    }
