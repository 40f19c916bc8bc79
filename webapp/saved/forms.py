"""The forms of saved searches and of the digest's frequency."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, StringField
from wtforms.validators import InputRequired, Length

from models import DigestFrequency, SearchKind

from ..forms_common import choices


class SaveSearchForm(FlaskForm):
    """Save the list's present search (its query string) under a name."""

    kind = HiddenField(validators=[InputRequired()])
    params = HiddenField(validators=[Length(max=2000)])
    name = StringField(_l("名称"), validators=[Length(max=100)],
                       description=_l("留空则以关键词命名"))

    def search_kind(self) -> SearchKind | None:
        """The list searched, if it is one."""
        try:
            return SearchKind(self.kind.data or "")
        except ValueError:
            return None


class DigestForm(FlaskForm):
    """How often alerts are e-mailed."""

    digest = RadioField(_l("提醒邮件"), choices=choices(
        (d.value, _l(d.label)) for d in DigestFrequency), validators=[InputRequired()])
