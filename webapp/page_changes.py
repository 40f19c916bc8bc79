"""How a page applies a change: commit it, or roll it back and say why, then go back."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect
from werkzeug.wrappers import Response

from .db import get_session
from .errors import Refused


def change_and_go_back(change: Callable[[], str], back: str,
                       passes: tuple[type[Exception], ...] = (),
                       forward: Callable[[], str] | None = None) -> Response:
    """Run ``change`` (it returns the message to show) and commit. A service's refusal rolls
    everything back and is shown as the error; an actor who may not act gets a 403; the
    refusals in ``passes`` are left to the caller. The browser goes back to ``back``, or once
    done to ``forward()`` when given."""
    db = get_session()
    try:
        done = change()
        db.commit()
    except Refused as exc:
        if isinstance(exc, passes):
            raise
        db.rollback()
        flash(str(exc), "error")
        return redirect(back)
    except PermissionError:
        db.rollback()
        abort(403)
    flash(done, "success")
    return redirect(forward() if forward is not None else back)
