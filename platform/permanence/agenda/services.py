"""Building a sitting's agenda: booked items in the ToR's parts, their order, slots and
presenters, the paperwork status at a glance, moving an item to another sitting.

No Flask request objects and no commits (the caller commits through ``core.jobs.commit``).
Publishing is in ``publishing``; seats in ``seats``. Changes to items are audited by the ORM hook.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..accounts.permissions import visible
from ..accounts.services import holders
from ..audit import services as audit
from ..cases.models import Child, SiblingGroup
from ..core.clock import LONDON, london_today
from ..documents.services import PaperworkStatus, documents_for, paperwork_status
from ..extensions import db
from ..panels import services as panel_services
from ..panels.models import AgendaItem, ItemStatus, Meeting, MeetingStatus, PanelMember
from ..panels.parts import parts_left_out
from .papers import items_whose_papers_member_reads, paperwork_for_item
from .seats import AgendaError

__all__ = ["AgendaError", "paperwork_for_item", "build_agenda", "update_slot", "move_item",
           "presenter_choices", "default_presenters"]

PRESENTER_ROLES = ("social_worker", "team_manager")
MAX_MINUTES = 240
UNSET = object()


@dataclass
class AgendaRow:
    item: AgendaItem
    number: int  # its place in the part, from 1
    starts_at: datetime | None
    minutes: int
    presenter: User | None
    second_presenter: User | None
    default_presenters: bool  # the child's allocated workers, not yet chosen
    paperwork: PaperworkStatus

    @property
    def ends_at(self) -> datetime | None:
        return self.starts_at + timedelta(minutes=self.minutes) if self.starts_at else None


@dataclass
class AgendaPartView:
    id: str
    title: str
    rows: list[AgendaRow]


@dataclass
class Agenda:
    meeting: Meeting
    body: object
    parts: list[AgendaPartView]

    @property
    def rows(self) -> list[AgendaRow]:
        return [row for part in self.parts for row in part.rows]


def booked_items(meeting: Meeting) -> list[AgendaItem]:
    return list(db.session.execute(
        select(AgendaItem).where(AgendaItem.meeting_id == meeting.id, AgendaItem.status == ItemStatus.BOOKED)
        .options(selectinload(AgendaItem.child), selectinload(AgendaItem.presenter),
                 selectinload(AgendaItem.second_presenter),
                 selectinload(AgendaItem.sibling_group).selectinload(SiblingGroup.children))
        .order_by(AgendaItem.position, AgendaItem.id)
    ).scalars())


def default_presenters(item: AgendaItem) -> tuple[User | None, User | None]:
    """The child's allocated social worker and team manager (the eldest child's, for siblings)."""
    child = item.children[0] if item.children else None
    if child is None:
        return None, None
    return child.social_worker, child.team_manager


def _parts(body, items):
    """The ToR's parts in order, then any part an item names that the ToR no longer has."""
    known = [(p.id, p.title, p.minutes_per_item) for p in body.agenda_parts]
    ids = {p[0] for p in known}
    for item in items:
        if item.part_id not in ids:
            known.append((item.part_id, item.part_id.replace("-", " ").capitalize(), 20))
            ids.add(item.part_id)
    return known


def meeting_start(meeting: Meeting) -> datetime:
    if meeting.starts_at is not None:
        return meeting.starts_at
    return datetime.combine(meeting.date, time(9, 0), LONDON).astimezone(timezone.utc)


def build_agenda(meeting: Meeting, *, shown=None) -> Agenda:
    """The sitting's booked items by part, with slots worked out in order from the start of the
    meeting (an item's own start time or minutes win). ``shown`` (item ids) limits the rows listed,
    never the times, so everyone sees the same slot for an item."""
    body = panel_services.body_of(meeting)
    with audit.not_shown():  # every item times the slots; only the rows listed are shown
        items = booked_items(meeting)
    cursor = meeting_start(meeting)
    parts = []
    for part_id, title, per_item in _parts(body, items):
        in_part = [i for i in items if i.part_id == part_id]
        statuses = paperwork_status("agenda_item", [i.id for i in in_part],
                                    paperwork_for_item(in_part[0]) if in_part else ())
        rows = []
        for number, item in enumerate(in_part, start=1):
            start = item.starts_at or cursor
            minutes = item.minutes_allowed or per_item
            cursor = start + timedelta(minutes=minutes)
            sw, tm = default_presenters(item)
            chosen = item.presenter_id is not None or item.second_presenter_id is not None
            if shown is None or item.id in shown:
                rows.append(AgendaRow(item, number, start, minutes, item.presenter if chosen else sw,
                                      item.second_presenter if chosen else tm, not chosen, statuses[item.id]))
        parts.append(AgendaPartView(part_id, title, rows))
    audit.note_shown(row.item for part in parts for row in part.rows)
    return Agenda(meeting, body, parts)


def member_span(agenda: Agenda, parts: list):
    """When the member is needed: from the start of their first part's first slot to the end of their
    last part's last slot; the scheduled start and end of the sitting count when their parts open or
    close it (so a member of every part is invited for the whole sitting)."""
    meeting = agenda.meeting
    rows = [r for p in parts for r in p.rows]
    start, end = min(r.starts_at for r in rows), max(r.ends_at for r in rows)
    sat = [p for p in agenda.parts if p.rows]
    if meeting.starts_at is not None and parts[0].id == sat[0].id:
        start = min(start, meeting.starts_at)
    if meeting.ends_at is not None and parts[-1].id == sat[-1].id:
        end = max(end, meeting.ends_at)
    return start, end


def presenter_choices() -> list[User]:
    """The council's active social workers and team managers, by name."""
    return holders(PRESENTER_ROLES)


def check_editable(item: AgendaItem) -> None:
    """Only a booked item of a sitting that is not cancelled can be changed on the agenda."""
    if item.status != ItemStatus.BOOKED:
        raise AgendaError("item", "Only a booked item is on the agenda")
    if item.meeting.status == MeetingStatus.CANCELLED:
        raise AgendaError("item", "The meeting is cancelled")


def _place(item: AgendaItem, position: int) -> None:
    """Put the item at ``position`` (from 1) in its part and number the part 1, 2, 3 ..."""
    siblings = [i for i in booked_items(item.meeting) if i.part_id == item.part_id and i.id != item.id]
    position = max(1, min(position, len(siblings) + 1))
    siblings.insert(position - 1, item)
    for number, row in enumerate(siblings, start=1):
        if row.position != number:
            row.position = number


def update_slot(item: AgendaItem, *, position=UNSET, starts_at=UNSET, minutes_allowed=UNSET, presenter_id=UNSET,
                second_presenter_id=UNSET) -> AgendaItem:
    """Change any of the item's place, start, minutes and presenters; every value is checked before
    any is written. ``starts_at`` is an aware datetime on the day of the sitting, or None (computed)."""
    check_editable(item)
    if position is not UNSET and (not isinstance(position, int) or position < 1):
        raise AgendaError("position", "Enter the item's position in its part, a whole number from 1")
    if starts_at not in (UNSET, None):
        if starts_at.tzinfo is None:
            raise AgendaError("starts_at", "Give the start time with its time zone")
        if starts_at.astimezone(LONDON).date() != item.meeting.date:
            raise AgendaError("starts_at", f"The start time must be on the day of the meeting, "
                                           f"{item.meeting.date:%-d %B %Y}")
    if minutes_allowed not in (UNSET, None) and not 1 <= minutes_allowed <= MAX_MINUTES:
        raise AgendaError("minutes_allowed", f"Minutes allowed must be from 1 to {MAX_MINUTES}")
    allowed = {u.id for u in presenter_choices()}
    for field, value in (("presenter_id", presenter_id), ("second_presenter_id", second_presenter_id)):
        if value not in (UNSET, None) and value not in allowed:
            raise AgendaError(field, "Select a social worker or team manager of the council")
    first = item.presenter_id if presenter_id is UNSET else presenter_id
    second = item.second_presenter_id if second_presenter_id is UNSET else second_presenter_id
    if first is not None and first == second:
        raise AgendaError("second_presenter_id", "The second presenter must be someone other than the presenter")
    if second is not None and first is None:
        raise AgendaError("presenter_id", "Select the presenter before a second presenter")
    if starts_at is not UNSET:
        item.starts_at = starts_at.astimezone(timezone.utc) if starts_at else None
    if minutes_allowed is not UNSET:
        item.minutes_allowed = minutes_allowed
    item.presenter_id, item.second_presenter_id = first, second
    if position is not UNSET:
        _place(item, position)
    db.session.flush()
    return item


def move_item(item: AgendaItem, direction: str) -> AgendaItem:
    """One place up or down within its part."""
    check_editable(item)
    in_part = [i.id for i in booked_items(item.meeting) if i.part_id == item.part_id]
    index = in_part.index(item.id) + 1
    _place(item, index - 1 if direction == "up" else index + 1)
    db.session.flush()
    return item


def other_sittings(item: AgendaItem) -> list[Meeting]:
    """Scheduled sittings of the same body from today, other than the item's own."""
    return list(db.session.execute(
        select(Meeting).where(Meeting.body_id == item.meeting.body_id, Meeting.id != item.meeting_id,
                              Meeting.status == MeetingStatus.SCHEDULED,
                              Meeting.date >= london_today())
        .order_by(Meeting.date, Meeting.id)
    ).scalars())


# --- for pages ----------------------------------------------------------------------------------

def readable_item_ids(meeting: Meeting, membership) -> set[int]:
    """The meeting's items whose papers the member may read (the agenda_item papers rule)."""
    return set(db.session.execute(select(AgendaItem.id).where(
        AgendaItem.meeting_id == meeting.id, items_whose_papers_member_reads(membership))).scalars())


def agenda_page(meeting: Meeting, membership, can_manage: bool) -> dict:
    """What the agenda page shows: every booked item to the panel administrator; to anyone else only
    the items they may see (the AgendaItem object rule), with no hint of the others. ``not_required``:
    the parts the member's seat does not sit for (the page says so)."""
    shown = None if can_manage else set(db.session.execute(
        visible(select(AgendaItem.id), AgendaItem).where(AgendaItem.meeting_id == meeting.id)).scalars())
    agenda = build_agenda(meeting, shown=shown)
    return {"meeting": meeting, "agenda": agenda, "body": agenda.body, "can_manage": can_manage,
            "readable": readable_item_ids(meeting, membership),
            "not_required": set(parts_left_out(meeting, membership.user_id)),
            "editable": can_manage and meeting.status == MeetingStatus.SCHEDULED,
            "between_sittings": decisions_to_note(meeting, membership, can_manage),
            "online_link": panel_services.online_link(meeting)}


def decisions_to_note(meeting: Meeting, membership, can_manage: bool) -> list:
    """The decisions made between sittings reported to this sitting, for the members to note: all of them
    to the panel administrator and the body's seated members (the ToR reports them to the panel), else
    those about children the member may see."""
    decisions = panel_services.decisions_reported_at(meeting)
    if can_manage or not decisions or db.session.execute(select(PanelMember.id).where(
            PanelMember.body_id == meeting.body_id, PanelMember.user_id == membership.user_id).limit(1)).first():
        return decisions
    seen = set(db.session.execute(visible(select(Child.id), Child).where(
        Child.id.in_([d.child_id for d in decisions]))).scalars())
    return [d for d in decisions if d.child_id in seen]


def papers_pack(meeting: Meeting, membership) -> dict:
    """The items whose papers the member may read, each with those papers: for a member of the panel,
    only the parts their seat sits for (another route to a child, such as being its team manager,
    does not put a part they are not required for in their pack)."""
    left_out = parts_left_out(meeting, membership.user_id)
    readable = readable_item_ids(meeting, membership)
    agenda = build_agenda(meeting, shown=readable)
    agenda.parts = [p for p in agenda.parts if p.id not in left_out]
    return {"meeting": meeting, "agenda": agenda, "body": agenda.body,
            "not_required": [p.title for p in _parts_titled(agenda.body, left_out)],
            "papers": {row.item.id: documents_for("agenda_item", row.item.id) for row in agenda.rows}}


def _parts_titled(body, part_ids):
    return [p for p in body.agenda_parts if p.id in part_ids]
