"""What the need and result forms share: the fields every listing has, on the shared input
rules, and filling them from a listing being edited."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from .. import input_rules as rules
from ..attachments.forms import AttachmentFields
from ..forms_common import (
    FIELD_CHOICES,
    PROVINCE_CHOICES,
    SUBFIELD_CHOICES,
    check_subfield,
    length,
)


def _draft_check(validator: Any) -> Any:
    """A check as a draft keeps it: a length only as its maximum (a text being written may still
    be short)."""
    if isinstance(validator, Length) and validator.min > 0:
        return Length(max=validator.max, message=validator.message)
    return validator


class ListingForm(AttachmentFields, FlaskForm):
    """The fields every listing has (files attached included); each kind's form adds its title,
    text and modes.

    ``drafting`` (set by the page before validating) checks the form as a draft is saved: the
    title as always, every other field only if it is filled, and then for its format (a budget
    must be a number, a choice one of the choices, a text not too long). Publishing checks
    everything.
    """

    drafting = False

    field = SelectField(_l("技术领域"), choices=FIELD_CHOICES,
                        validators=[InputRequired(rules.FIELD_REQUIRED)])
    subfield = SelectField(_l("子领域"), choices=SUBFIELD_CHOICES,
                           validators=[Optional(), check_subfield])
    keywords = StringField(_l("关键词"), description=_l("用逗号或空格分隔，最多 10 个"),
                           validators=[Optional(), length(rules.KEYWORDS)])
    province = SelectField(_l("所属地区"), choices=PROVINCE_CHOICES,
                           validators=[InputRequired(rules.PROVINCE_REQUIRED)])
    city = StringField(_l("城市"), validators=[Optional(), length(rules.CITY)])

    def validate(self, extra_validators: Mapping[str, Sequence[Any]] | None = None) -> bool:
        """Check the fields; a draft's empty fields (but its title) pass."""
        if self.drafting:
            kept = {"title", getattr(self.meta, "csrf_field_name", "csrf_token")}
            for name, field in self._fields.items():
                if name not in kept:
                    # A new list, not the class's: the next form checks in full again.
                    field.validators = [Optional(), *map(_draft_check, field.validators)]
        return bool(super().validate(extra_validators))

    def validate_keywords(self, field: StringField) -> None:
        """At most ten keywords."""
        problem = rules.keywords_problem(field.data)
        if problem:
            raise ValidationError(problem)

    def fill(self, listing: Any) -> None:
        """Show a listing being edited: the values the fields cannot read from it by name."""
        self.field.data = listing.field.value if listing.field is not None else ""
        self["modes"].data = [m.value for m in listing.modes]
        self.keywords.data = "，".join(listing.keyword_list)
