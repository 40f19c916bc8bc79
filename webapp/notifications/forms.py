"""The notification settings form: two check boxes per kind, and the e-mails' language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, SelectField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs lag 3.3

from models import Language, NotificationKind


class PreferencesForm(FlaskForm):
    """Which kinds of notification a user receives in the app and by e-mail."""

    @classmethod
    def build(cls) -> type[PreferencesForm]:
        """A form class with ``in_app_<kind>`` and ``email_<kind>`` boxes for every kind."""
        attrs: dict[str, Field] = {}
        for kind in NotificationKind:
            attrs[f"in_app_{kind.value}"] = BooleanField(
                _l("%(kind)s · 站内通知", kind=_l(kind.label)))
            attrs[f"email_{kind.value}"] = BooleanField(
                _l("%(kind)s · 邮件", kind=_l(kind.label)))
        # Each language named in itself, marked as such for screen readers.
        attrs["language"] = SelectField(_l("邮件语言"), choices=[
            SelectChoice(language.value, language.label,
                         render_kw={"lang": language.value.replace("_", "-")})
            for language in Language])
        return type("BoundPreferencesForm", (cls,), attrs)
