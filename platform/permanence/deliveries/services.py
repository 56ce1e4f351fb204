"""Delivering decision records to the council's case record system.

The terms of reference enable destination plugins (``plugins.enabled``, each implementing
``send_decision_record``) and say in their settings when a record goes (``when``), which bodies'
and outcomes' records, what the system files it as, and what a person still records by hand
(``person_steps``; see ``permanence.plugins.delivery``). When a sitting's minutes are approved, or
an item's outcome stands (``core.signals``), each heard item with children gets one
``DecisionDelivery`` row per destination and one job (``jobs.deliver_job``); the row's
idempotency key is what every attempt delivers under, so a retry makes no second copy.

No Flask request objects; nothing commits (the caller's ``core.jobs.commit`` sends the jobs).
"""

from __future__ import annotations

from datetime import date
import logging

from sqlalchemy import select

from ..accounts.models import User
from ..actions.services import ActionError, add_action
from ..cases.people import role_holders
from ..core.clock import london_today, utcnow
from ..core.jobs import enqueue
from ..core.workdays import add_working_days
from ..extensions import db
from ..panels.models import Action, AgendaItem, ItemStatus, Minutes
from ..plugins import delivery as common
from ..tenancy.models import Tenant
from .jobs import deliver_job
from .manifest import destinations, idempotency_key, settings_of, tor_for
from .models import DecisionDelivery, DeliveryStatus

log = logging.getLogger(__name__)

SENT_AGAIN = "sent_again"


def _deliverable(item: AgendaItem) -> bool:
    return item.status == ItemStatus.HEARD and bool(item.children)


def plan(item: AgendaItem, trigger: str, *, by_id: int | None = None) -> list[DecisionDelivery]:
    """The deliveries ``trigger`` (``minutes_approved`` or ``outcome_recorded``) starts for a heard
    item: one row and one job per destination whose ``when`` is the trigger and whose ``bodies`` and
    ``outcomes`` take the item, made once (an existing row is left alone: send it again by hand).
    The destination's person steps become actions for every record of its bodies, whatever the
    outcome (Knowsley: a case note always, the upload to ICS only when permanence is agreed), each
    once. Returns the rows made."""
    if not _deliverable(item):
        return []
    meeting = item.meeting
    tor = tor_for(item.tenant_id, meeting)
    made = []
    for destination in destinations(tor):
        own = settings_of(tor, destination)
        if common.when(own) != trigger or not common.takes_body(own, meeting.body_id):
            continue
        person_steps(item, tor, own)  # every record of the body: "a case note by the social worker"
        if not common.applies_to(own, meeting.body_id, item.outcome_id):
            continue
        exists = db.session.execute(select(DecisionDelivery.id).where(
            DecisionDelivery.agenda_item_id == item.id, DecisionDelivery.destination == destination)).first()
        if exists:
            continue
        tenant = db.session.get(Tenant, item.tenant_id)
        row = DecisionDelivery(agenda_item_id=item.id, destination=destination, trigger=trigger,
                               status=DeliveryStatus.PENDING, generation=1, requested_by_id=by_id,
                               idempotency_key=idempotency_key(tenant.slug, item.id, destination, 1))
        db.session.add(row)
        db.session.flush()
        enqueue_delivery(row)
        made.append(row)
    return made


def enqueue_delivery(row: DecisionDelivery) -> None:
    """One job per record and destination; retried by RQ with its back-off (``core.jobs``)."""
    enqueue(deliver_job, row.id, timeout=120)


def person_steps(item: AgendaItem, tor, own: dict, today: date | None = None) -> list:
    """What the terms of reference say a person records by hand (a case note by the social worker
    within 5 working days) as an action for the child's holder of that role, due that many working
    days from today. A child with no holder of the role gets none (logged, no child named)."""
    today = today or london_today()
    made = []
    for step in common.person_steps(own):
        for child in item.children:
            holders = role_holders(tor, step["role"], child, everyone_if_unallocated=False)
            if not holders:
                log.info("person step %r of item %s: no holder of %s for a child", step["task"][:40], item.id,
                         step["role"])
                continue
            due = add_working_days(today, step["within_working_days"])
            already = db.session.execute(select(Action.id).where(
                Action.agenda_item_id == item.id, Action.description == step["task"].strip(),
                Action.owner_id == holders[0].id)).first()
            if already:
                continue
            try:
                made.append(add_action(item, step["task"], holders[0].id, due, today=today))
            except ActionError as exc:
                log.warning("person step of item %s not made an action: %s", item.id, exc)
    return made


def on_minutes_approved(minutes: Minutes, **_) -> None:
    by_id = minutes.approved_by_id
    for item in minutes.meeting.items:
        plan(item, "minutes_approved", by_id=by_id)


def on_outcome_stands(item: AgendaItem, **_) -> None:
    plan(item, "outcome_recorded", by_id=item.recorded_by_id)


class DeliveryStateError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def send_again(row: DecisionDelivery, by: User) -> DecisionDelivery:
    """Queue the record for its destination again. A record not yet delivered keeps its key (the
    destination makes no second copy if an attempt did get through); a delivered one gets the next
    generation's key, so the destination takes it as a new copy, which is what was asked for."""
    if row.status == DeliveryStatus.SENDING and row.last_attempt_at is not None and \
            (utcnow() - row.last_attempt_at).total_seconds() < 300:
        raise DeliveryStateError("This record is being sent now; wait a few minutes before sending it again")
    if row.status.delivered:
        row.generation += 1
        tenant = db.session.get(Tenant, row.tenant_id)
        row.idempotency_key = idempotency_key(tenant.slug, row.agenda_item_id, row.destination, row.generation)
        row.reference = ""
        row.delivered_at = None
    row.status = DeliveryStatus.PENDING
    row.trigger = SENT_AGAIN
    row.last_error = ""
    row.requested_by_id = by.id
    db.session.flush()
    enqueue_delivery(row)
    return row


def deliveries_of(item: AgendaItem) -> list[DecisionDelivery]:
    return list(db.session.execute(select(DecisionDelivery).where(DecisionDelivery.agenda_item_id == item.id)
                                   .order_by(DecisionDelivery.destination)).scalars())
