"""The meetings that considered a child, for the child's page and ``GET /children/<id>/meetings``:
every panel and tracking meeting the child was on the agenda of (on their own or with their
sibling group), newest first, with what happened: heard (the outcome, the decision and the
decision record), deferred, not heard, or booked and not yet recorded.

Items come through ``visible()``, so the member sees only what the object rules allow. The child
was loaded by the caller through ``load_or_404`` (its read audited); a sibling group's item
shows the group's decision, so each sibling is noted as read here, as reading the item
through ``load_or_404`` would (``AgendaItem.__audit_reads_through__``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from ..accounts.permissions import visible
from ..audit import services as audit
from ..cases.models import Child
from ..core.clock import london_today
from ..extensions import db
from ..panels import services as panels
from ..panels.models import AgendaItem, ItemStatus, Meeting
from ..panels.tracking import TRACKING, holds_tracking_meetings
from ..tor.services import tor_of_id
from .assembly import outcome_label, part_title, sign_off_state

# Where an item stands once its sitting has come: the meeting's record says heard or deferred (or,
# when the record can say so, not heard); a booked item is not heard when the sitting was cancelled,
# awaits its record once the day has passed, and is still to come otherwise.
HEARD, DEFERRED, NOT_HEARD, NOT_RECORDED, BOOKED = "heard", "deferred", "not_heard", "not_recorded", "booked"
STATE_LABELS = {HEARD: "Heard", DEFERRED: "Deferred", NOT_HEARD: "Not heard", NOT_RECORDED: "Not recorded yet",
                BOOKED: "Booked"}
LISTED = tuple(s for s in ItemStatus if s.value in (HEARD, DEFERRED, NOT_HEARD, BOOKED))


@dataclass(frozen=True)
class ChildMeeting:
    """One meeting's consideration of the child (one agenda item)."""

    agenda_item_id: int
    meeting_id: int
    date: date
    body_id: str
    body: str
    tracking: bool  # a per-child tracking meeting rather than a panel
    part: str
    state: str
    state_label: str
    note: str  # why it was not heard, or the sign-off still awaited
    sibling_group: str  # the group's name when the child was considered with their siblings
    outcome_id: str | None
    outcome: str
    decision: str
    next_review_on: date | None

    @property
    def heard(self) -> bool:
        return self.state == HEARD


def _state(item: AgendaItem, today: date) -> tuple[str, str]:
    if item.status == ItemStatus.BOOKED:
        if item.meeting.cancelled:
            return NOT_HEARD, "The meeting was cancelled"
        return (NOT_RECORDED, "The meeting's record of the item is awaited") if item.meeting.date < today else (BOOKED, "")
    return item.status.value, ""


def child_meetings(child: Child, today: date | None = None) -> list[ChildMeeting]:
    """The child's meetings, newest first, as the member may see them (sibling reads audited)."""
    today = today or london_today()
    subject = AgendaItem.child_id == child.id
    if child.sibling_group_id is not None:
        subject = or_(subject, AgendaItem.sibling_group_id == child.sibling_group_id)
    items = db.session.execute(
        visible(select(AgendaItem), AgendaItem).join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(subject, AgendaItem.status.in_(LISTED))
        .options(selectinload(AgendaItem.meeting), selectinload(AgendaItem.sibling_group))
        .order_by(Meeting.date.desc(), AgendaItem.id.desc())
    ).scalars().all()
    rows, siblings_read = [], set()
    for item in items:
        meeting = item.meeting
        body = panels.body_of(meeting)
        state, note = _state(item, today)
        if state == HEARD and item.sign_off_role:
            note = sign_off_state(item, tor_of_id(meeting.tor_version_id))
        if item.sibling_group_id is not None:
            for sibling in item.children:
                if sibling.id != child.id and sibling.id not in siblings_read:
                    siblings_read.add(sibling.id)
                    audit.note_read(Child, (sibling.id,))
        rows.append(ChildMeeting(
            agenda_item_id=item.id, meeting_id=meeting.id, date=meeting.date, body_id=meeting.body_id,
            body=body.name, tracking=body.kind == TRACKING, part=part_title(body, item.part_id), state=state,
            state_label=STATE_LABELS[state], note=note,
            sibling_group=item.sibling_group.name if item.sibling_group is not None else "",
            outcome_id=item.outcome_id if state == HEARD else None,
            outcome=outcome_label(body, item.outcome_id) if state == HEARD else "",
            decision=item.decision if state in (HEARD, DEFERRED, NOT_HEARD) else "",
            next_review_on=item.next_review_on if state == HEARD else None))
    return rows


def child_section(child: Child) -> dict:
    """The meetings section of the child's page (``cases.sections``)."""
    tracking = holds_tracking_meetings(child.tenant_id)
    return {"meetings": child_meetings(child), "tracking": tracking,
            "heading": "Panel and tracking meetings" if tracking else "Panel meetings"}
