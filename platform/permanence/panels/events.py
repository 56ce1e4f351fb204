"""What meetings tell the tracker: when each child was last discussed at a panel and at a
tracking meeting (the ``last_panel`` and ``last_tracking_meeting`` events of the terms of
reference), and at each tracking body (``held_by``, which meets a meeting held once), from the
items the meetings heard. A change to an item asks for the child's
milestones to be recomputed, as a change to the record does."""

from __future__ import annotations

from datetime import date

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from ..cases.models import Child
from ..core.context import current_tenant_id
from ..core.db import among
from ..extensions import db
from ..tor.services import current_tor
from ..tor.vocabulary import held_by
from ..tracker.pending import touch_children
from ..tracker.services import register_event_source
from .models import REQUEST_ROUTE, AgendaItem, ItemStatus, Meeting

EVENT_OF_KIND = {"panel": "last_panel", "tracking_meeting": "last_tracking_meeting"}
# The repeating events (every date the child was heard, for an anchor on the nth discussion).
EVENTS_OF_KIND = {"panel": "panel", "tracking_meeting": "tracking_meeting"}


def _heard_by_child_and_body(child_ids: list[int], today: date):
    """Every (child, body, date) on which a meeting of the body heard the child (or their siblings)."""
    # A request about a child (funding for their placement) is not a discussion of the child's case.
    held = (AgendaItem.status == ItemStatus.HEARD, Meeting.date <= today, AgendaItem.entry_route != REQUEST_ROUTE)
    single = (select(AgendaItem.child_id, Meeting.body_id, Meeting.date)
              .join(Meeting, Meeting.id == AgendaItem.meeting_id)
              .where(among(AgendaItem.child_id, child_ids), *held)
              .distinct())
    siblings = (select(Child.id, Meeting.body_id, Meeting.date)
                .join(AgendaItem, AgendaItem.sibling_group_id == Child.sibling_group_id)
                .join(Meeting, Meeting.id == AgendaItem.meeting_id)
                .where(among(Child.id, child_ids), Child.sibling_group_id.is_not(None), *held)
                .distinct())
    yield from db.session.execute(single)
    yield from db.session.execute(siblings)


@register_event_source
def meeting_events(child_ids: list[int], today: date) -> dict[int, dict[str, date]]:
    tor = current_tor(current_tenant_id())
    if tor is None or not child_ids:
        return {}
    kinds = {body.id: body.kind for body in tor.bodies}
    heard: dict[int, dict[str, set[date]]] = {}
    by_body: dict[int, dict[str, set[date]]] = {}
    for child_id, body_id, held_on in _heard_by_child_and_body(child_ids, today):
        kind = kinds.get(body_id)
        if kind in EVENTS_OF_KIND:
            heard.setdefault(child_id, {}).setdefault(kind, set()).add(held_on)
        if kind == "tracking_meeting":
            by_body.setdefault(child_id, {}).setdefault(held_by(body_id), set()).add(held_on)
    events: dict[int, dict] = {}
    for child_id, by_kind in heard.items():
        mine = events.setdefault(child_id, {})
        for kind, dates in by_kind.items():
            mine[EVENTS_OF_KIND[kind]] = tuple(sorted(dates))
            mine[EVENT_OF_KIND[kind]] = max(dates)
    for child_id, bodies in by_body.items():
        # Each tracking body's own meetings: what meets a meeting of that body held once after an event.
        events.setdefault(child_id, {}).update({name: tuple(sorted(dates)) for name, dates in bodies.items()})
    return events


def _children_of(item: AgendaItem) -> set[int]:
    ids = {item.child_id}
    if item.sibling_group_id is not None:
        with db.session.no_autoflush:
            ids.update(db.session.scalars(select(Child.id).where(Child.sibling_group_id == item.sibling_group_id)))
    return ids


@event.listens_for(Session, "after_flush")
def _item_heard_or_unheard(session, flush_context):
    for obj in (*session.new, *session.dirty, *session.deleted):
        if not isinstance(obj, AgendaItem):
            continue
        status = inspect(obj).attrs.status.history
        if obj in session.new or obj in session.deleted or status.has_changes():
            if ItemStatus.HEARD in (obj.status, *(status.deleted or ())):
                touch_children(session, obj.tenant_id, _children_of(obj))
