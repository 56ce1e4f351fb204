"""Signals a lower layer sends and a higher one listens to (blinker, which Flask already uses): the
way a stage of the cycle says "this happened" without knowing who cares. Senders send inside the
transaction that makes the change, so a listener's writes (and the jobs it queues through
``core.jobs.enqueue``) commit with it or not at all.

- ``minutes_approved``: the chair approved a meeting's minutes (``minutes.services.approve_minutes``);
  sender: the ``Minutes``.
- ``outcome_stands``: an item's outcome took effect, at once or on its decision maker's sign-off
  (``meetings.record``); sender: the ``AgendaItem``.

``deliveries`` listens to both (what the terms of reference say is sent to the case record system).
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

minutes_approved = _signals.signal("minutes-approved")
outcome_stands = _signals.signal("outcome-stands")
