"""The API's marshmallow fields: each refuses bad input with a message in the reader's language,
adapts a shared input rule (``webapp.input_rules``), or writes a value as the API shows it
(amounts as decimal strings, times to the second). apispec documents them from the same
declarations; where a field's JSON types are wider than one (an amount may be a number or a
string), its ``metadata`` says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal
from enum import Enum as PyEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, pre_load, validate

from models.i18n import N_

from ...input_rules import (
    KEYWORD,
    KEYWORDS,
    MAX_AMOUNT_TEXT,
    MAX_ID,
    Text,
    Whole,
    control_problem,
    keywords_problem,
    parse_wan,
    wan_problem,
)
from .texts import doc_text

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_PAGE = 10**12 - 1
MAX_QUERY_NUMBER = 20  # characters of a number in a query string


class Translated:
    """Makes a field's own messages (lazily translated) readable with their placeholders filled,
    which marshmallow only does for plain strings."""

    error_messages: dict[str, Any]

    def make_error(self, key: str, **kwargs: Any) -> ValidationError:
        """The ``ValidationError`` for ``key``, in the request's language."""
        message = self.error_messages[key]
        return ValidationError(str(message).format(**kwargs))


BASE_MESSAGES = {"required": _l("必填"), "null": _l("不能为 null")}


class Str(Translated, fields.String):
    """A string (without NUL characters, which no column can hold)."""

    default_error_messages = {**BASE_MESSAGES, "invalid": _l("应为字符串"),
                              "invalid_utf8": _l("应为字符串")}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        problem = control_problem(text)
        if problem:
            raise ValidationError(problem)
        return text


class Int(Translated, fields.Integer):
    """A whole number; ``true``, ``1.5`` and ``"1"`` in a JSON body are refused."""

    default_error_messages = {**BASE_MESSAGES, "invalid": _l("应为整数"),
                              "too_large": _l("数值过大")}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("strict", True)
        super().__init__(**kwargs)


class Bool(Translated, fields.Boolean):
    """``true`` or ``false`` (in a query string also 1/0, yes/no)."""

    default_error_messages = {**BASE_MESSAGES, "invalid": _l("应为 true 或 false")}


class Day(Translated, fields.Date):
    """A calendar date, YYYY-MM-DD."""

    default_error_messages = {**BASE_MESSAGES, "invalid": _l("不是有效的日期"),
                              "format": _l("日期格式应为 YYYY-MM-DD")}


class Timestamp(Translated, fields.DateTime):
    """A time, written to the second."""

    default_error_messages = {**BASE_MESSAGES}

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return value.isoformat(timespec="seconds") if isinstance(value, dt.datetime) else None


class Items(Translated, fields.List):
    """A list."""

    default_error_messages = {**BASE_MESSAGES, "invalid": _l("应为数组")}


class Obj(Translated, fields.Nested):
    """An object of another schema."""

    default_error_messages = {**BASE_MESSAGES, "type": _l("应为对象")}


class Choice(Translated, fields.Enum):
    """One of an enum's stored values (the enum member once loaded)."""

    default_error_messages = {**BASE_MESSAGES, "unknown": _l("取值应为：{choices}")}

    def __init__(self, enum: type[PyEnum], **kwargs: Any) -> None:
        super().__init__(enum, by_value=Str, **kwargs)


class Number(Translated, fields.Float):
    """A number (answers only)."""

    default_error_messages = {**BASE_MESSAGES}


class Free(Translated, fields.Dict):
    """An object whose keys the schema does not list."""

    default_error_messages = {**BASE_MESSAGES, "invalid": _l("应为对象")}


class Shown(fields.Nested):
    """A nested record shown only when ``shown(parent record)`` holds; ``null`` otherwise."""

    def __init__(self, nested: Any, shown: Callable[[Any], bool], **kwargs: Any) -> None:
        super().__init__(nested, allow_none=True, **kwargs)
        self.shown = shown

    def serialize(self, attr: str, obj: Any, accessor: Any = None, **kwargs: Any) -> Any:
        """The nested record, or ``None`` where it is not shown."""
        if not self.shown(obj):
            return None
        return super().serialize(attr, obj, accessor, **kwargs)


class ShownText(Str):
    """A text shown only when ``shown(parent record)`` holds; ``""`` otherwise (the type stays a
    string, as the document has always said)."""

    def __init__(self, shown: Callable[[Any], bool], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.shown = shown

    def serialize(self, attr: str, obj: Any, accessor: Any = None, **kwargs: Any) -> Any:
        """The text, or ``""`` where it is not shown."""
        if not self.shown(obj):
            return ""
        return super().serialize(attr, obj, accessor, **kwargs)


class Computed(fields.Method):
    """A value computed by a method of the schema; ``kind`` is its JSON Schema for the document."""

    def __init__(self, method: str, kind: Mapping[str, Any], **kwargs: Any) -> None:
        super().__init__(method, metadata=dict(kind), **kwargs)


def one_of(values: list[str]) -> validate.OneOf:
    """The value must be one of ``values``."""
    return validate.OneOf(values, error=_l("取值应为：{choices}"))


class Length(validate.Length):
    """A length check with messages in the reader's language."""

    message_min = _l("至少 {min} 个字符")
    message_max = _l("最多 {max} 个字符")
    message_all = _l("长度应为 {min}–{max} 个字符")
    message_equal = _l("长度应为 {equal} 个字符")


def _length(rule: Text) -> validate.Length:
    return Length(min=rule.min or None, max=rule.max, error=rule.message)


def text(rule: Text, **kwargs: Any) -> Str:
    """A string field obeying a text rule (its length, and its message when required)."""
    messages = {"required": rule.required} if rule.required is not None else {}
    return Str(validate=_length(rule), error_messages=messages, **kwargs)


def whole(rule: Whole, **kwargs: Any) -> Int:
    """A whole-number field obeying a range rule."""
    messages = {"required": rule.required} if rule.required is not None else {}
    return Int(validate=validate.Range(rule.min, rule.max, error=rule.message),
               error_messages=messages, **kwargs)


def record_id(**kwargs: Any) -> Int:
    """The id of a record."""
    return Int(validate=validate.Range(1, MAX_ID, error=_l("应为 1 到 {max} 之间的整数")),
               **kwargs)


class Wan(Translated, fields.Field):
    """An amount in 万元: a number or a decimal string (``null`` for 面议 where allowed), checked by
    ``input_rules`` as the forms check it; loaded as a Decimal, every digit kept."""

    default_error_messages = {**BASE_MESSAGES, "invalid": _l("请输入数字金额（万元）"),
                              "too_long": _l("最多 {max} 个字符")}

    def __init__(self, **kwargs: Any) -> None:
        metadata = {"type": ["string", "number"], "maxLength": MAX_AMOUNT_TEXT,
                    "description": N_("万元；数字或十进制字符串，null 表示面议")
                    if kwargs.get("allow_none") else N_("万元；数字或十进制字符串")}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal | None:
        if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
            raise self.make_error("invalid")
        if isinstance(value, str) and len(value) > MAX_AMOUNT_TEXT:
            raise self.make_error("too_long", max=MAX_AMOUNT_TEXT)
        try:
            amount = parse_wan(value)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
        if amount is None and not self.allow_none:
            raise self.make_error("required")  # a blank amount where one must be given
        problem = wan_problem(amount)
        if problem:
            raise ValidationError(problem)
        return amount


class WanText(fields.Field):
    """An amount in 万元 in an answer: a decimal string without float rounding."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(metadata={"type": "string", "pattern": r"^\d+(\.\d+)?$",
                                   "description": N_("万元")}, **kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else f"{Decimal(value).normalize():f}"


class Keywords(Translated, fields.Field):
    """Keywords: one text separated by commas or spaces, or a list of words; at most ten."""

    default_error_messages = {**BASE_MESSAGES, "invalid": _l("应为字符串或数组")}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(metadata={"type": ["string", "array"], "maxLength": KEYWORDS.max,
                                   "items": {"type": "string", "maxLength": KEYWORD.max},
                                   "maxItems": 10}, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str | list[str]:
        texts = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        for word in texts:
            problem = control_problem(word) if isinstance(word, str) else None
            if problem:
                raise ValidationError(problem)
        if isinstance(value, str):
            _length(KEYWORDS)(value)
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            for word in value:
                _length(KEYWORD)(word)
        else:
            raise self.make_error("invalid")
        problem = keywords_problem(value)
        if problem:
            raise ValidationError(problem)
        return value


# --- schemas ----------------------------------------------------------------------------------

class Body(Schema):
    """A request body: unknown properties are refused, so that nobody sets ``role``,
    ``organization_id`` or ``status`` by adding them."""

    error_messages = {"unknown": _l("未知字段"), "type": _l("应为对象")}


class Answer(Schema):
    """An answer's record: every property is always present (``null`` where empty)."""

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        """Document every property as required: the answer always has it."""
        field_obj.required = True


class OpenAnswer(Answer):
    """An answer that may gain properties (pages, errors)."""

    class Meta:
        unknown = EXCLUDE


class Query(Schema):
    """Query arguments: blank ones count as absent; others than the declared ones are ignored
    (``lang`` for instance)."""

    error_messages = {"type": _l("应为对象")}

    @pre_load
    def _drop_blanks(self, data: Mapping[str, Any], **kwargs: Any) -> dict[str, Any]:
        return {key: value.strip() if isinstance(value, str) else value
                for key, value in data.items() if not (isinstance(value, str) and not value.strip())}


class QueryNumber(Translated, fields.Decimal):
    """A decimal number in a query string (kept exact; at most 20 characters)."""

    default_error_messages = {**BASE_MESSAGES, "invalid": _l("应为数字"),
                              "special": _l("应为数字"), "too_large": _l("应为数字")}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, str) and len(value) > MAX_QUERY_NUMBER:
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class PageQuery(Query):
    """``page`` and ``per_page`` (more than the maximum is capped, not refused)."""

    page = Int(strict=False, load_default=1,
               validate=validate.Range(1, MAX_PAGE, error=_l("应为正整数")),
               metadata={"description": N_("页码，从 1 开始")})
    per_page = Int(strict=False, load_default=DEFAULT_PER_PAGE,
                   validate=validate.Range(min=1, error=_l("应为正整数")),
                   metadata={"maximum": MAX_PER_PAGE,
                             "description": doc_text(N_("每页条数，最多 %(n)s（超出按上限）"),
                                                    n=MAX_PER_PAGE)})

    @post_load
    def _cap(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        data["per_page"] = min(data["per_page"], MAX_PER_PAGE)
        return data


def sort_field(keys: Mapping[str, Any], default: str, relevance: bool = False) -> Str:
    """The ``sort`` argument over ``keys``; a leading ``-`` sorts descending. With
    ``relevance`` (a searched list), ``relevance`` is a choice too and the default with a query
    (``default`` applies without one)."""
    values = [v for k in keys for v in (k, f"-{k}")]
    if not relevance:
        return Str(load_default=default, validate=one_of(values),
                   metadata={"description": N_("排序字段，前加 - 为倒序")})
    return Str(load_default=None, validate=one_of(["relevance", *values]), metadata={
        "description": doc_text(N_("排序字段，前加 - 为倒序；relevance 按与 q 的相关度。默认：有 q 时 "
                                   "relevance，否则 %(default)s"), default=default)})


class WeakMark(fields.Boolean):
    """Whether a suggestion's text match is below the strong threshold (read-only: computed
    from ``text_score`` by ``matching.services.is_strong``, the rule the pages use)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(dump_only=True, attribute="text_score", **kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> bool:
        from ...matching.services import is_strong

        return not is_strong(float(value))
