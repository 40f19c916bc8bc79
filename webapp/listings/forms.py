"""What the need and result forms share: the fields every listing has, on the shared input
rules, and filling them from a listing being edited."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Optional, ValidationError

from .. import input_rules as rules
from ..attachments.forms import AttachmentFields
from ..forms_common import (
    FIELD_CHOICES,
    PROVINCE_CHOICES,
    SUBFIELD_CHOICES,
    check_subfield,
    length,
)


class ListingForm(AttachmentFields, FlaskForm):
    """The fields every listing has (files attached included); each kind's form adds its title,
    text and modes."""

    field = SelectField(_l("技术领域"), choices=FIELD_CHOICES,
                        validators=[InputRequired(rules.FIELD_REQUIRED)])
    subfield = SelectField(_l("子领域"), choices=SUBFIELD_CHOICES,
                           validators=[Optional(), check_subfield])
    keywords = StringField(_l("关键词"), description=_l("用逗号或空格分隔，最多 10 个"),
                           validators=[Optional(), length(rules.KEYWORDS)])
    province = SelectField(_l("所属地区"), choices=PROVINCE_CHOICES,
                           validators=[InputRequired(rules.PROVINCE_REQUIRED)])
    city = StringField(_l("城市"), validators=[Optional(), length(rules.CITY)])

    def validate_keywords(self, field: StringField) -> None:
        """At most ten keywords."""
        problem = rules.keywords_problem(field.data)
        if problem:
            raise ValidationError(problem)

    def fill(self, listing: Any) -> None:
        """Show a listing being edited: the values the fields cannot read from it by name."""
        self.field.data = listing.field.value
        self["modes"].data = [m.value for m in listing.modes]
        self.keywords.data = "，".join(listing.keyword_list)
