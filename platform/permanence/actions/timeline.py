"""Actions on the child's timeline: each action about the child on its due date (done on the day it
was done), so the picture shows what the panel asked for and whether it happened."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ..cases.models import Child
from ..extensions import db
from ..panels.models import Action, ActionStatus
from ..tracker.timeline import TimelineEntry, register_timeline_source


@register_timeline_source
def action_entries(child: Child, today: date) -> list[TimelineEntry]:
    rows = db.session.execute(select(Action).where(Action.child_id == child.id,
                                                   Action.status != ActionStatus.CANCELLED)).scalars()
    entries = []
    for a in rows:
        if a.status == ActionStatus.DONE:
            entries.append(TimelineEntry(a.completed_on or a.due_on, "Actions", f"Action done: {a.description}"))
        else:
            state = "overdue" if a.overdue_on(today) else "upcoming"
            entries.append(TimelineEntry(a.due_on, "Actions", f"Action due: {a.description}", state))
    return entries
