"""Dates a meeting agrees for a child (an outcome's ``sets_dates``: "timescales agreed by the
panel"), measured by the tracker like any other timescale.

Recording the outcome stores one ``AgreedDate`` per date for each child of the item. While the
outcome awaits a decision maker's sign-off the dates are not in force; once it stands they are.
The tracker asks ``agreed_timescales`` (registered as a timescale source, since the tracker is
below the meetings feature) for each child's dates: for each body and date id the latest meeting's
date counts, as a milestone due on that date, due soon and overdue like the council's own
timescales, raising drift when missed, and met by the date's ``met_by`` event once it happens
after the meeting (a panel discussing the child the day the date is set does not meet it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import or_, select

from ..cases.models import Child
from ..core.context import current_tenant_id
from ..core.db import among
from ..core.workdays import Offset
from ..extensions import db
from ..panels.models import AgendaItem, ItemStatus
from ..tor.model import agreed_date_rule_id
from ..tor.services import current_tor
from ..tor.timescales import TimescaleRule
from ..tor.vocabulary import EVENTS
from ..tracker.services import register_timescale_source
from ..tracker.timeline import TimelineEntry, register_timeline_source
from .models import AgreedDate

ORIGIN = "agreed"


@dataclass(frozen=True)
class AgreedTimescale(TimescaleRule):
    """A timescale one meeting set for one child: due on ``due_on``, counted from the day after
    the meeting (``agreed_on``), so only what happens after the meeting meets it."""

    due_on: date | None = None
    agreed_on: date | None = None
    agreed_by: str = ""

    def describe(self) -> str:
        met = EVENTS.get(self.completed_by or "", self.completed_by or "")
        return (f"by {self.due_on:%-d %B %Y}, the date agreed by the {self.agreed_by} on {self.agreed_on:%-d %B %Y}; "
                f"met by {met} after that meeting")


def _event(row: AgreedDate) -> str:
    """The anchor of one agreement: the day after its meeting (short, as the milestone keeps it)."""
    return f"date_agreed:{row.id}"


def _in_force():
    """Items whose outcome stands: heard, and needing no sign-off or agreed by the decision maker."""
    return (AgendaItem.status == ItemStatus.HEARD,
            or_(AgendaItem.sign_off_role.is_(None), AgendaItem.sign_off_agreed.is_(True)))


def latest_dates(child_ids: list[int]) -> dict[tuple[int, str, str], AgreedDate]:
    """The date in force for each (child, body, date id): the latest meeting's (then the latest row)."""
    rows = db.session.execute(
        select(AgreedDate).join(AgendaItem, AgendaItem.id == AgreedDate.agenda_item_id)
        .where(among(AgreedDate.child_id, child_ids), *_in_force())
        .order_by(AgreedDate.agreed_on, AgreedDate.id)).scalars()
    return {(r.child_id, r.body_id, r.date_id): r for r in rows}


@register_timescale_source
def agreed_timescales(child_ids: list[int], today: date):
    """The tracker's timescale source: each child's dates in force as rules, with their anchors."""
    if not child_ids:
        return {}
    tor = current_tor(current_tenant_id())
    names = {b.id: b.name for b in tor.bodies} if tor is not None else {}
    found: dict[int, tuple[list, dict]] = {}
    for (child_id, body_id, date_id), row in latest_dates(child_ids).items():
        body_name = names.get(body_id, body_id)
        counted_from = row.agreed_on + timedelta(days=1)
        event = _event(row)
        rule = AgreedTimescale(
            id=agreed_date_rule_id(body_id, date_id), label=row.label, event=event,
            offset=Offset(max(0, (row.due - counted_from).days), "days"), completed_by=row.met_by,
            source=f"Agreed by the {body_name} on {row.agreed_on:%-d %B %Y}", origin=ORIGIN,
            due_on=row.due, agreed_on=row.agreed_on, agreed_by=body_name)
        rules, events = found.setdefault(child_id, ([], {}))
        rules.append(rule)
        events[event] = counted_from
    return found


def dates_of(item: AgendaItem) -> list[AgreedDate]:
    """The dates recorded with the item (one per date per child), in the order of the outcome."""
    return list(db.session.execute(select(AgreedDate).where(AgreedDate.agenda_item_id == item.id)
                                   .order_by(AgreedDate.id)).scalars())


def item_dates(item: AgendaItem) -> dict[str, date]:
    """{date id: date} as recorded with the item (the same for every child of the item)."""
    return {row.date_id: row.due for row in dates_of(item)}


def labelled(item: AgendaItem) -> list[tuple[str, date]]:
    """(label, date) of each date recorded with the item, once each (not once per child)."""
    seen = {}
    for row in dates_of(item):
        seen.setdefault(row.date_id, (row.label, row.due))
    return list(seen.values())


def replace_dates(item: AgendaItem, outcome, dates: dict[str, date], *, by_id: int | None) -> None:
    """Store the dates the meeting agreed with ``outcome`` for each child of the item, replacing what
    this item recorded before (a corrected record); other meetings' dates are kept as history."""
    for row in dates_of(item):
        db.session.delete(row)
    body_id = item.meeting.body_id
    for agreed in outcome.sets_dates if outcome is not None else ():
        for child in item.children:
            db.session.add(AgreedDate(agenda_item_id=item.id, child_id=child.id, body_id=body_id, date_id=agreed.id,
                                      label=agreed.label[:300], met_by=agreed.met_by, due=dates[agreed.id],
                                      agreed_on=item.meeting.date, set_by_id=by_id))
    db.session.flush()


@register_timeline_source
def agreement_entries(child: Child, today: date) -> list[TimelineEntry]:
    """Every date a meeting agreed for the child, on the day it was agreed, in force or replaced:
    the history behind the milestone, which shows only the latest."""
    rows = list(db.session.execute(
        select(AgreedDate).join(AgendaItem, AgendaItem.id == AgreedDate.agenda_item_id)
        .where(AgreedDate.child_id == child.id, *_in_force())
        .order_by(AgreedDate.agreed_on, AgreedDate.id)).scalars())
    latest = {(r.body_id, r.date_id): r.id for r in rows}
    return [TimelineEntry(r.agreed_on, "Dates agreed", f"{r.label}: by {r.due:%-d %B %Y}",
                          detail="in force" if latest[(r.body_id, r.date_id)] == r.id else "replaced by a later meeting")
            for r in rows]
