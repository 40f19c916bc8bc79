"""What happens in one area that other areas react to: named signals (blinker).

A service that has done something others care about emits a signal here with :func:`emit`;
the areas that react subscribe to it when their blueprint is registered on an app
(``webapp/matching/subscribers.py``, ``webapp/notifications/subscribers.py``). The emitter
imports neither: listings and dockings do not know that matching rematches or that
notifications notify, and matching does not know that anyone is told of its suggestions.

The rules every subscriber keeps:

- It runs at once, inside the emitter's call and its transaction, with the ``session`` the
  signal carries. It flushes and never commits: the view or API operation that called the
  service commits once, or rolls everything back.
- An exception it raises is not caught: it reaches the emitter's caller like any error of the
  service itself, so the request fails and nothing of it is stored (no listing published
  without its suggestions, no docking moved without its notifications).
- It depends on no other subscriber of the same signal having run: blinker promises no order.
  Where one reaction follows another, the first emits a signal of its own (matching stores
  suggestions, then emits :data:`suggestions_stored`, which notifications subscribes to).

Every signal is sent with the current application as its sender, so subscribers connect per
app (``connect(receiver, sender=app)``) and an app built without an area does not react
as that area would. Payloads are keyword arguments, named in each signal's docstring.
"""

from __future__ import annotations

from typing import Any

from blinker import NamedSignal, Namespace
from flask import current_app

_events = Namespace()

listing_published = _events.signal("listing-published", doc="""\
A need or result became open: created published, or published later (from a draft, or by
editing a draft with "publish"). Payload: ``session``, ``listing`` (a ``Need`` or ``Result``).""")

listing_changed = _events.signal("listing-changed", doc="""\
A need or result was saved without opening or closing: a draft created or edited, an open
listing edited. Payload: ``session``, ``listing``.""")

listing_closed = _events.signal("listing-closed", doc="""\
A need or result stopped being open, or was created already over: a need closed or expired, a
result withdrawn. Payload: ``session``, ``listing``.""")

suggestions_stored = _events.signal("suggestions-stored", doc="""\
Matching replaced an open listing's stored suggestions (one no longer open has them dropped
and sends nothing). Payload: ``session``, ``listing`` (the need or result rematched), ``new``
(the stored ``Match`` rows whose pair was not suggested before, flushed, so they have ids).""")

docking_moved = _events.signal("docking-moved", doc="""\
A docking changed state through the workflow, or was opened directly in a state (a solution
accepted: ``from_state`` is ``None``). Payload: ``session``, ``docking``, ``actor`` (the
``User`` who acted), ``from_state`` and ``to_state`` (``DockingState``).""")

interest_shown = _events.signal("interest-shown", doc="""\
One side said 感兴趣 first on a need–result pair, opening its docking or moving a suggested one
to interest. Payload: ``session``, ``docking``, ``actor``, ``side`` (the actor's ``Side``).""")

docking_introduced = _events.signal("docking-introduced", doc="""\
A broker or operator introduced a need to a result: the introduction joined the open docking
of the need and the result's institution, or suggested the pair. Payload: ``session``,
``docking``, ``actor``.""")

broker_assigned = _events.signal("broker-assigned", doc="""\
A docking's broker was assigned, or removed (``broker`` is ``None``). Payload: ``session``,
``docking``, ``actor``, ``broker``.""")

docking_message_posted = _events.signal("docking-message-posted", doc="""\
A message or a broker's note was added to a docking's thread. Payload: ``session``,
``docking``, ``message`` (a ``DockingMessage``; ``message.is_note`` for notes), ``author``.""")

solution_submitted = _events.signal("solution-submitted", doc="""\
An institution submitted a solution to a need. Payload: ``session``, ``solution``.""")

solution_decided = _events.signal("solution-decided", doc="""\
A solution was shortlisted, accepted, declined or withdrawn (accepting also opens its docking,
which emits :data:`docking_moved` first). Payload: ``session``, ``solution``, ``actor``, ``to``
(the new ``SolutionStatus``).""")


def emit(signal: NamedSignal, **payload: Any) -> None:
    """Send ``signal`` from the current app to its subscribers; their errors propagate."""
    signal.send(current_app._get_current_object(), **payload)  # type: ignore[attr-defined]


def all_signals() -> dict[str, NamedSignal]:
    """Every signal declared here, by name."""
    return {name: signal for name, signal in _events.items()}
