"""What matching does when listings change (``webapp.events``): it replaces the listing's
stored suggestions. Connected for each app that registers the matching blueprint."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.sansio.app import App
from sqlalchemy.orm import Session

from models import Need, Result

from .. import events
from .services import rematch_need, rematch_result


def rematch(_app: Flask, *, session: Session, listing: Need | Result, **_: Any) -> None:
    """A listing was published, changed or closed: its suggestions are recomputed (dropped
    when it is no longer open), and the new ones announced."""
    if isinstance(listing, Need):
        rematch_need(session, listing)
    else:
        rematch_result(session, listing)


def connect(app: App) -> None:
    """Subscribe matching to the signals it reacts to, for ``app``'s emissions only."""
    for signal in (events.listing_published, events.listing_changed, events.listing_closed):
        signal.connect(rematch, sender=app)
