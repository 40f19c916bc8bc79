"""The notification settings form: two check boxes per kind."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField

from models import NotificationKind


class PreferencesForm(FlaskForm):
    """Which kinds of notification a user receives in the app and by e-mail."""

    @classmethod
    def build(cls) -> type[PreferencesForm]:
        """A form class with ``in_app_<kind>`` and ``email_<kind>`` boxes for every kind."""
        attrs = {}
        for kind in NotificationKind:
            attrs[f"in_app_{kind.value}"] = BooleanField(
                _l("%(kind)s · 站内通知", kind=_l(kind.label)))
            attrs[f"email_{kind.value}"] = BooleanField(
                _l("%(kind)s · 邮件", kind=_l(kind.label)))
        return type("BoundPreferencesForm", (cls,), attrs)
