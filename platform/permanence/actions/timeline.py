"""Actions on the child's timeline: each action about the child on its due date (done on the day it
was done), so the picture shows what the panel asked for and whether it happened."""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, or_, select

from ..cases.models import Child
from ..extensions import db
from ..panels.models import Action, ActionStatus, AgendaItem
from ..tracker.timeline import TimelineEntry, register_timeline_source


@register_timeline_source
def action_entries(child: Child, today: date) -> list[TimelineEntry]:
    about = Action.child_id == child.id
    if child.sibling_group_id is not None:  # a sibling group's item: the action is about each of them
        group_items = select(AgendaItem.id).where(AgendaItem.sibling_group_id == child.sibling_group_id)
        about = or_(about, and_(Action.child_id.is_(None), Action.agenda_item_id.in_(group_items)))
    rows = db.session.execute(select(Action).where(about, Action.status != ActionStatus.CANCELLED)).scalars()
    entries = []
    for a in rows:
        if a.status == ActionStatus.DONE:
            entries.append(TimelineEntry(a.completed_on or a.due_on, "Actions", f"Action done: {a.description}"))
        else:
            state = "overdue" if a.overdue_on(today) else "upcoming"
            entries.append(TimelineEntry(a.due_on, "Actions", f"Action due: {a.description}", state))
    return entries
