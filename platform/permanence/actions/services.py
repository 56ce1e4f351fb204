"""SMART actions agreed about a child at a meeting: what, who (a member of the council), by when.

No Flask request objects here, and nothing commits (the view or job commits through
``core.jobs.commit``). Every change to an ``Action`` is audited by the ORM hook.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from ..accounts.models import Membership, User
from ..accounts.roles import permissions_for
from ..cases.models import Child, SiblingGroup
from ..core.clock import london_today
from ..extensions import db
from ..panels.models import Action, ActionStatus, AgendaItem, Meeting

MIN_DESCRIPTION = 15  # "Review" is not an action; "Book the medical with the LAC nurse" is.
MAX_TEXT = 2000
STATUS_LABELS = {ActionStatus.OPEN: "Open", ActionStatus.DONE: "Done", ActionStatus.CANCELLED: "Cancelled"}


class ActionError(ValueError):
    """An action that cannot be recorded as asked; ``field`` names the input that is wrong."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


class NotYoursError(PermissionError):
    """Only the action's owner, or someone who records meetings, may update it."""


def council_members() -> list[User]:
    """Active members of the current council: the people an action can be given to."""
    return list(db.session.execute(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.active.is_(True), User.active.is_(True)).order_by(User.name, User.id)
    ).scalars())


def _membership(user_id: int | None) -> Membership | None:
    if user_id is None:
        return None
    return db.session.execute(
        select(Membership).where(Membership.user_id == user_id, Membership.active.is_(True))
    ).scalar_one_or_none()


def _text(value: str | None, field: str, what: str, minimum: int = 0) -> str:
    value = (value or "").strip()
    if not value and minimum:
        raise ActionError(field, f"Enter {what}")
    if len(value) < minimum:
        raise ActionError(field, f"Describe {what} in at least {minimum} characters, so it is specific")
    if len(value) > MAX_TEXT:
        raise ActionError(field, f"{what[0].upper()}{what[1:]} must be {MAX_TEXT} characters or fewer")
    return value


def add_action(item: AgendaItem, description: str | None, owner_id: int | None, due_on: date | None, *,
               today: date | None = None) -> Action:
    """Record a SMART action on ``item``: a specific description, an owner who is a member of the
    council, and a due date that is not in the past. Checked before anything is written."""
    today = today or london_today()
    description = _text(description, "description", "what is to be done", MIN_DESCRIPTION)
    owner = _membership(owner_id)
    if owner is None or not owner.user.active:
        raise ActionError("owner_id", "Select who will do it (a member of the council)")
    if due_on is None:
        raise ActionError("due_on", "Enter the date the action is due")
    if due_on < today:
        raise ActionError("due_on", "The due date must be today or in the future")
    action = Action(agenda_item_id=item.id, child_id=item.child_id, description=description, owner_id=owner.user_id,
                    due_on=due_on, status=ActionStatus.OPEN)
    db.session.add(action)
    db.session.flush()
    return action


def may_update(action: Action, user_id: int) -> bool:
    """The owner updates their own action; whoever records meetings may update any."""
    if action.owner_id == user_id:
        return True
    membership = _membership(user_id)
    return membership is not None and "meetings.record" in permissions_for(membership.roles)


def update_action(action: Action, status: str | ActionStatus | None, progress: str | None, by: User, *,
                  today: date | None = None) -> Action:
    """Change an action's status and progress note. Done sets ``completed_on`` (today); reopening
    clears it. Raises ``NotYoursError`` for someone who is neither the owner nor records meetings."""
    today = today or london_today()
    if not may_update(action, by.id):
        raise NotYoursError("Only the owner of the action, or the panel, can update it")
    try:
        status = ActionStatus(status)
    except ValueError:
        raise ActionError("status", "Select the status of the action") from None
    progress = _text(progress, "progress", "the progress note")
    if status == ActionStatus.DONE and action.status != ActionStatus.DONE:
        action.completed_on = today
    elif status != ActionStatus.DONE:
        action.completed_on = None
    action.status = status
    action.progress = progress
    db.session.flush()
    return action


def _group_items_of(child_ids):
    groups = select(Child.sibling_group_id).where(Child.id.in_(child_ids), Child.sibling_group_id.is_not(None))
    return select(AgendaItem.id).where(AgendaItem.sibling_group_id.in_(groups))


def open_actions_for_children(child_ids, *, excluding_item_id: int | None = None) -> list[Action]:
    """Open actions about these children (their own items, or their sibling group's), oldest due
    first: these come back on the child's next agenda item until they are done or cancelled."""
    child_ids = list(child_ids)
    if not child_ids:
        return []
    stmt = (select(Action).where(Action.status == ActionStatus.OPEN,
                                 or_(Action.child_id.in_(child_ids), Action.agenda_item_id.in_(_group_items_of(child_ids))))
            .options(selectinload(Action.owner), selectinload(Action.agenda_item).selectinload(AgendaItem.meeting))
            .order_by(Action.due_on, Action.id))
    if excluding_item_id is not None:
        stmt = stmt.where(or_(Action.agenda_item_id.is_(None), Action.agenda_item_id != excluding_item_id))
    return list(db.session.execute(stmt).scalars())


@dataclass
class ActionFilter:
    """The council-wide list's filters: overdue only, a body, an owner, a status."""

    overdue: bool = False
    body_id: str | None = None
    owner_id: int | None = None
    status: ActionStatus | None = ActionStatus.OPEN


def filter_actions(stmt, flt: ActionFilter, today: date):
    """Apply ``flt`` to a SELECT of ``Action`` (already restricted by ``visible``)."""
    if flt.overdue:
        stmt = stmt.where(Action.status == ActionStatus.OPEN, Action.due_on < today)
    elif flt.status is not None:
        stmt = stmt.where(Action.status == flt.status)
    if flt.owner_id:
        stmt = stmt.where(Action.owner_id == flt.owner_id)
    if flt.body_id:
        items = select(AgendaItem.id).join(Meeting, Meeting.id == AgendaItem.meeting_id).where(
            Meeting.body_id == flt.body_id)
        stmt = stmt.where(Action.agenda_item_id.in_(items))
    return with_rows_loaded(stmt).order_by(Action.due_on, Action.id)


def with_rows_loaded(stmt):
    """What an action's row shows (owner, child, the item with its meeting, child or sibling group)
    loaded up front, so a list runs a fixed number of queries however long it is."""
    item = selectinload(Action.agenda_item)
    return stmt.options(selectinload(Action.owner), selectinload(Action.child), item.selectinload(AgendaItem.meeting),
                        item.selectinload(AgendaItem.child),
                        item.selectinload(AgendaItem.sibling_group).selectinload(SiblingGroup.children))
