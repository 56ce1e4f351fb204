"""Publishing a sitting's agenda: each seated member is sent the agenda of the parts they sit for
with an invitation covering those parts' slots, each presenter their slot with an invitation to
it; the papers stay on the platform.

Membership by agenda part (``panels.parts``): a member whose seat the terms of reference take out
of some parts is sent only the other parts' items, told which parts they are not required for,
and invited from the start of their first part to the end of their last. A member required for
none of the parts with items is told so and not invited (and an invitation sent by an earlier
publication is cancelled): hearing nothing would leave them wondering whether the panel sits.

Publishing again after a change sends every invitation again as an update (same UID, the
SEQUENCE one higher: the count of earlier publications, kept in the audit log with who was
invited). No commits here.
"""

from __future__ import annotations

from sqlalchemy import select

from ..accounts.models import User
from ..audit import services as audit
from ..audit.models import AuditEvent
from ..core.clock import LONDON, utcnow
from ..extensions import db
from ..notifications import ical
from ..notifications.kinds import AGENDA
from ..notifications.services import base_url, link_to, queue_email
from ..panels import services as panel_services
from ..panels.models import AgendaItem, Declaration, Meeting, MeetingStatus, PanelMember, Ruling
from ..panels.parts import seat_of, sits_for
from ..tenancy.models import Tenant
from .jobs import queue_papers_packs
from .seats import AgendaError
from .services import Agenda, booked_items, build_agenda, check_editable, meeting_start, member_span, other_sittings
PUBLISH = panel_services.PUBLISH
publications = panel_services.publications  # how many times the agenda was published before


def _time(at) -> str:
    return at.astimezone(LONDON).strftime("%H:%M")


def agenda_text(agenda: Agenda, leave_ids: set[int], part_ids: set[str] | None = None) -> str:
    """The agenda as plain text for e-mail: initials and case numbers, never a child's full name.
    ``part_ids`` limits it to the parts the member sits for."""
    lines = []
    for part in agenda.parts:
        if part_ids is not None and part.id not in part_ids:
            continue
        rows = [r for r in part.rows if r.item.id not in leave_ids]
        if not rows:
            continue
        lines.append(part.title)
        for row in rows:
            who = ", ".join(u.name for u in (row.presenter, row.second_presenter) if u) or "presenter to be confirmed"
            late = " (late referral)" if row.item.late else ""
            lines.append(f"  {_time(row.starts_at)} to {_time(row.ends_at)}  {row.item.subject_reference}{late}; "
                         f"presented by {who}")
        lines.append("")
    return "\n".join(lines) or "There are no items on the agenda."


def _leave_ids(meeting: Meeting) -> dict[int, set[int]]:
    rows = db.session.execute(select(Declaration.user_id, Declaration.agenda_item_id).where(
        Declaration.meeting_id == meeting.id, Declaration.ruling == Ruling.LEAVE,
        Declaration.agenda_item_id.is_not(None))).all()
    result: dict[int, set[int]] = {}
    for user_id, item_id in rows:
        result.setdefault(user_id, set()).add(item_id)
    return result


def publish(meeting: Meeting, by) -> Agenda:
    """Publish the agenda: mark the meeting published,
    fill each item's presenters from the allocated workers where none were chosen, and queue the
    e-mails with their invitations (sent after the caller commits)."""
    if meeting.status == MeetingStatus.CANCELLED:
        raise AgendaError("meeting", "A cancelled meeting's agenda cannot be published")
    agenda = build_agenda(meeting)
    if not agenda.rows:
        raise AgendaError("meeting", "There are no booked items on the agenda to publish")
    for row in agenda.rows:
        if row.default_presenters and row.presenter is not None:
            row.item.presenter_id = row.presenter.id
            row.item.second_presenter_id = row.second_presenter.id if row.second_presenter else None
    sequence = publications(meeting)
    last = _last_publication(meeting)
    previous = last.get("slots", {})
    members = member_parts(agenda)
    meeting.agenda_published_at = utcnow()
    meeting.agenda_published_by_id = by.id
    db.session.flush()
    audit.record(PUBLISH, entity=meeting, summary=f"Agenda of {meeting.date:%-d %B %Y} published"
                 f"{' again (update ' + str(sequence) + ')' if sequence else ''} with {len(agenda.rows)} items",
                 changes={"sequence": sequence, "items": [r.item.id for r in agenda.rows], "slots": _slots(agenda),
                          "members": sorted(user.id for user, parts in members if parts)})
    # Publications from before parts took effect did not record who was invited: every seated member was.
    invited_before = set(last["members"]) if "members" in last else None if sequence else set()
    papers_url = link_to("agenda.papers_pack", meeting.tenant_id, meeting_id=meeting.id)
    _send(agenda, by, sequence, papers_url, members, invited_before)
    _cancel_dropped_slots(agenda, previous, sequence)
    queue_papers_packs(meeting)  # each member's papers pack as one PDF (agenda.pack)
    return agenda


def member_parts(agenda: Agenda) -> list[tuple[User, list]]:
    """Each member told of the agenda (the seated members; with no seats, the council's panel roles)
    with the parts with items that they sit for, in agenda order."""
    meeting = agenda.meeting
    seats = {m.user_id: m for m in db.session.execute(select(PanelMember).where(
        PanelMember.body_id == meeting.body_id, PanelMember.active.is_(True))).scalars()}
    parts = [p for p in agenda.parts if p.rows]
    result = []
    for user in panel_services.attendees(meeting.body_id):
        member = seats.get(user.id)
        seat = seat_of(meeting, member.role, member.title) if member is not None else None
        result.append((user, [p for p in parts if sits_for(seat, p.id)]))
    return result


def _part_times(part) -> str:
    return f"{_time(min(r.starts_at for r in part.rows))} to {_time(max(r.ends_at for r in part.rows))}"


def _slots(agenda: Agenda) -> dict[str, list[int]]:
    """Who presents each item: kept with each publication, so the next one knows whose slot went."""
    return {str(r.item.id): sorted({u.id for u in (r.presenter, r.second_presenter) if u}) for r in agenda.rows}


def _last_publication(meeting: Meeting) -> dict:
    """What the last publication recorded: its slots (who presents each item) and the members invited."""
    changes = db.session.execute(select(AuditEvent.changes).where(
        AuditEvent.action == PUBLISH, AuditEvent.entity_type == "Meeting", AuditEvent.entity_id == str(meeting.id))
        .order_by(AuditEvent.id.desc()).limit(1)).scalar_one_or_none()
    return changes or {}


def _cancel_dropped_slots(agenda: Agenda, previous: dict[str, list[int]], sequence: int) -> None:
    """Presenters invited last time who no longer present that item here (another presenter was
    chosen, or the item was withdrawn) are sent a cancellation; a moved item's were sent one when it moved."""
    current = _slots(agenda)
    meeting, body = agenda.meeting, agenda.body
    slug = db.session.get(Tenant, meeting.tenant_id).slug
    when = f"{meeting.date:%A %-d %B %Y}"
    for item_id, user_ids in previous.items():
        item = db.session.get(AgendaItem, int(item_id))
        if item is None or item.meeting_id != meeting.id:
            continue
        for user_id in set(user_ids) - set(current.get(item_id, [])):
            user = db.session.get(User, user_id)
            if user is None:
                continue
            event = ical.event(ical.slot_uid(item, slug), meeting_start(meeting), meeting_start(meeting),
                               f"Presenting {item.subject_reference} at {body.name}", sequence=sequence,
                               cancelled=True, attendee=(user.email, user.name))
            queue_email(user.email, f"{body.name}: your slot on {when} is cancelled",
                        f"Dear {user.name},\n\nYou are no longer presenting {item.subject_reference} at the meeting on "
                        f"{when}.\n\n{body.name}\n", calendar=ical.invitation(event, "CANCEL"), kind=AGENDA)


def _send(agenda: Agenda, by, sequence: int, papers_url: str, members, invited_before: set[int] | None) -> None:
    meeting, body = agenda.meeting, agenda.body
    slug = db.session.get(Tenant, meeting.tenant_id).slug
    update = " (updated)" if sequence else ""
    when = f"{meeting.date:%A %-d %B %Y}"
    leave = _leave_ids(meeting)
    sign_in = base_url()
    sat = [p for p in agenda.parts if p.rows]
    link, place = panel_services.online_link(meeting), panel_services.calendar_location(meeting)
    joining = f"Join online: {link}\n\n" if link else ""
    for user, parts in members:
        others = [p for p in sat if p not in parts]
        if not parts:
            _not_needed(agenda, user, others, sequence, update, slug,
                        invited_before is None or user.id in invited_before)
            continue
        start, end = member_span(agenda, parts)
        text = agenda_text(agenda, leave.get(user.id, set()), {p.id for p in parts})
        yours = ""
        if others:
            yours = ("Under the terms of reference you are required for "
                     + "; ".join(f"{p.title} ({_part_times(p)})" for p in parts) + ". You are not required for "
                     + "; ".join(p.title for p in others) + ", so its items and papers are not sent to you.\n\n")
        event = ical.event(ical.meeting_uid(meeting, slug), start, end, body.name, sequence=sequence,
                           location=place, online_link=link,
                           description=f"Agenda and papers: {papers_url}"
                           + (f"\nYour parts: {'; '.join(p.title for p in parts)}" if others else ""),
                           organizer=by.email, attendee=(user.email, user.name), url=papers_url)
        queue_email(user.email, f"{body.name}: agenda for {when}{update}",
                    f"Dear {user.name},\n\nThe agenda for the meeting on {when} is published{update}.\n\n{yours}{text}\n"
                    f"{joining}"
                    f"Read the papers on the platform (sign in at {sign_in}); they are not sent by e-mail:\n"
                    f"{papers_url}\n\n{body.name}\n", calendar=ical.invitation(event), kind=AGENDA)
    for row in agenda.rows:
        for user in {u.id: u for u in (row.presenter, row.second_presenter) if u}.values():
            slot = f"{_time(row.starts_at)} to {_time(row.ends_at)}"
            event = ical.event(ical.slot_uid(row.item, slug), row.starts_at, row.ends_at,
                               f"Presenting {row.item.subject_reference} at {body.name}", sequence=sequence,
                               location=place, online_link=link, organizer=by.email,
                               attendee=(user.email, user.name))
            queue_email(user.email, f"{body.name}: your slot on {when}{update}",
                        f"Dear {user.name},\n\nYou are presenting {row.item.subject_reference} at the meeting on "
                        f"{when}, {slot} ({row.minutes} minutes).\n\nVenue: {meeting.venue or 'to be confirmed'}\n\n{joining}"
                        f"{body.name}\n", calendar=ical.invitation(event), kind=AGENDA)




def _not_needed(agenda: Agenda, user, parts, sequence: int, update: str, slug: str, was_invited: bool) -> None:
    """A member required for none of the parts with items: told so, with no invitation; one sent by an
    earlier publication is cancelled."""
    meeting, body = agenda.meeting, agenda.body
    when = f"{meeting.date:%A %-d %B %Y}"
    calendar = None
    if was_invited:
        start = meeting_start(meeting)
        event = ical.event(ical.meeting_uid(meeting, slug), start, meeting.ends_at or start, body.name,
                           sequence=sequence, cancelled=True, attendee=(user.email, user.name))
        calendar = ical.invitation(event, "CANCEL")
    queue_email(user.email, f"{body.name}: you are not required on {when}{update}",
                f"Dear {user.name},\n\nThe agenda for the meeting on {when} is published{update}. Its items are all in "
                f"parts you are not required for under the terms of reference ({'; '.join(p.title for p in parts)}), "
                f"so you are not invited to this meeting and its papers are not sent to you."
                + (" The earlier invitation is cancelled." if was_invited else "") + f"\n\n{body.name}\n",
                calendar=calendar, kind=AGENDA)


def withdraw_slot(item, new_meeting: Meeting | None) -> None:
    """Before a booked item moves to ``new_meeting`` (or is withdrawn, None): if its sitting's agenda
    was published, its presenters are sent a cancellation of the slot there (a higher SEQUENCE than
    the last invitation)."""
    old = item.meeting
    if old.agenda_published_at is None:
        return
    rows = build_agenda(old, shown={item.id}).rows
    if not rows:
        return
    row, body = rows[0], panel_services.body_of(old)
    slug = db.session.get(Tenant, old.tenant_id).slug
    when = f"{old.date:%A %-d %B %Y}"
    for user in {u.id: u for u in (row.presenter, row.second_presenter) if u}.values():
        event = ical.event(ical.slot_uid(item, slug), row.starts_at, row.ends_at,
                           f"Presenting {item.subject_reference} at {body.name}", sequence=publications(old),
                           cancelled=True, attendee=(user.email, user.name))
        queue_email(user.email, f"{body.name}: your slot on {when} is cancelled",
                    f"Dear {user.name},\n\n{item.subject_reference} is no longer on the agenda of the meeting on {when}: "
                    + (f"the item has moved to the meeting on {new_meeting.date:%A %-d %B %Y}. You will be sent the "
                       "new slot when that agenda is published." if new_meeting else "the referral was withdrawn.")
                    + f"\n\n{body.name}\n",
                    calendar=ical.invitation(event, "CANCEL"), kind=AGENDA)


def move_to_meeting(item: AgendaItem, meeting_id: int | None, reason: str | None) -> AgendaItem:
    """Move a booked item to another sitting of the same panel, last in its part there; its own start
    time goes (the slot is worked out again). The reason is kept in the audit log."""
    check_editable(item)
    reason = (reason or "").strip()
    target = next((m for m in other_sittings(item) if m.id == meeting_id), None)
    if target is None:
        raise AgendaError("meeting_id", "Select a later sitting of the same panel")
    if not reason:
        raise AgendaError("reason", "Enter the reason for moving the item")
    if len(reason) > 1000:
        raise AgendaError("reason", "The reason must be 1000 characters or fewer")

    withdraw_slot(item, target)
    old = item.meeting
    item.meeting = target
    item.meeting_id = target.id
    item.starts_at = None
    item.position = 1 + max([i.position for i in booked_items(target) if i.part_id == item.part_id], default=0)
    db.session.flush()
    audit.record("move_item", entity=item,
                 summary=f"Agenda item {item.id} moved from the meeting of {old.date:%-d %B %Y} to "
                         f"{target.date:%-d %B %Y}: {reason}"[:500],
                 changes={"from_meeting_id": old.id, "to_meeting_id": target.id, "reason": reason})
    return item
