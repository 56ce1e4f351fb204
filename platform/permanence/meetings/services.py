"""The meeting itself: who attended, whether it was quorate, and declarations of interest with the
chair's ruling.

Everything is read from the meeting body's terms of reference (the version the meeting was
scheduled under): the seats, the quorum (``membership.quorum``: a minimum number and roles that
must be there) and whether a member may send a representative (``substitutes_allowed``). No
Flask request objects here, and nothing commits: views commit through ``core.jobs.commit``.

Quorum rule (documented for councils): a member's seat counts when its holder is present, or
when a representative attends for them *and* the terms of reference allow substitutes; guests
(people with no seat) never count. A required role is met by a seat of that role counted the
same way; the required role ``chair`` (or ``vice-chair``) is met by any chair (vice chair) seat,
whatever ToR role the council gives its chair.

Membership by agenda part (``panels.parts``): attendance and quorum are per part of the agenda
with items. A row's ``status`` holds for each part its seat sits for; ``parts`` records a part
where it differs. A part the seat does not sit for (``not_required_for_parts``) is "not
required": not an apology, and not counted for that part's quorum even if the member came. Each
part is judged on its own; the meeting is quorate when every part is.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..accounts.models import Membership, User
from ..agenda.jobs import queue_papers_packs
from ..core.clock import utcnow
from ..extensions import db
from ..panels.models import (AgendaItem, Attendance, AttendanceStatus, Declaration, Meeting, ON_THE_AGENDA,
                             PanelMember, Ruling)
from ..panels.parts import PartSat, part_title, parts_sat, seat_of, sits_for  # noqa: F401 (part_title for views)
from ..panels.services import body_of
from ..panels.tracking import TRACKING
from ..tor import role_label
from ..tor.services import tor_of_id

MAX_NAME = 200
MAX_TEXT = 10_000
CHAIR_ACCESS_ROLES = frozenset({"chair", "vice_chair"})
RULING_LABELS = {Ruling.PENDING: "Awaiting the chair's ruling", Ruling.TAKE_PART: "May take part",
                 Ruling.OBSERVE: "May observe only", Ruling.LEAVE: "Leaves the meeting for the item"}
STATUS_LABELS = {AttendanceStatus.PRESENT: "Present", AttendanceStatus.APOLOGIES: "Apologies",
                 AttendanceStatus.REPRESENTED: "Represented", AttendanceStatus.ABSENT: "Absent",
                 AttendanceStatus.NOT_REQUIRED: "Not required"}
ATTENDING = (AttendanceStatus.PRESENT, AttendanceStatus.APOLOGIES, AttendanceStatus.REPRESENTED,
             AttendanceStatus.ABSENT)
# A part the seat does not sit for: not required, or present all the same (not counted for its quorum).
NOT_SITTING = (AttendanceStatus.NOT_REQUIRED, AttendanceStatus.PRESENT)


class MeetingError(ValueError):
    """Bad input; ``field`` names it (``attendance.2.represented_by``, ``interest``, ``ruling``)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


class MeetingStateError(ValueError):
    """The meeting or item cannot take this step as it stands (cancelled, already deferred, ...)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotAllowedError(PermissionError):
    """The person is not the one the terms of reference give this step to (the chair, the decision maker)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def tor_for(meeting: Meeting):
    return tor_of_id(meeting.tor_version_id)


def label_of(meeting: Meeting, role_id: str) -> str:
    """A ToR role id as the meeting's terms of reference name it ("Guest" for no seat)."""
    return _label(tor_for(meeting), role_id)


def _label(tor, role_id: str) -> str:
    return role_label(tor, role_id) if role_id else "Guest"


# --- Attendance ------------------------------------------------------------------------------------

def _seats_of(meeting: Meeting) -> list[PanelMember]:
    return list(db.session.execute(
        select(PanelMember).where(PanelMember.body_id == meeting.body_id, PanelMember.active.is_(True))
        .order_by(PanelMember.id)).scalars())


def chair_seat_roles(membership) -> frozenset[str]:
    """ToR roles that sit in the chair (or vice chair): the chair's seat, whatever the council calls it."""
    if membership is None:
        return frozenset({"chair", "vice-chair"})
    return frozenset({"chair", "vice-chair"} | {s.role for s in membership.chairs + membership.vice_chairs})


def attendance_rows(meeting: Meeting) -> list[Attendance]:
    """The attendance as recorded, or (before it is taken) one unsaved row per seat, chairs first:
    the body's panel members, else the terms of reference's seats with no person named. A seat that
    sits for none of the parts with items starts as not required; every other seat as present. At a
    per-child tracking meeting the child's own social worker, team manager and IRO (who are invited)
    sit in the seats of their roles too."""
    if meeting.attendance:
        return list(meeting.attendance)
    body = body_of(meeting)
    membership = body.membership
    chairs = chair_seat_roles(membership)
    seats = _seats_of(meeting)
    parts = parts_sat(meeting)

    def status(role, title):
        seat = seat_of(meeting, role, title)
        if parts and not any(sits_for(seat, p.id) for p in parts):
            return AttendanceStatus.NOT_REQUIRED
        return AttendanceStatus.PRESENT

    if seats or body.kind == TRACKING:
        rows = [_row(meeting, s.user, s.role, s.title, status(s.role, s.title)) for s in seats]
        if body.kind == TRACKING:
            rows += _child_workers(meeting, membership, {r.user_id for r in rows})
        if rows:
            return sorted(rows, key=lambda r: r.role not in chairs)
    tor_seats = membership.seats if membership is not None else ()
    return [_row(meeting, None, s.role, s.title, status(s.role, s.title)) for s in tor_seats]


def _row(meeting: Meeting, user: User | None, role: str, title: str,
         status: AttendanceStatus = AttendanceStatus.PRESENT) -> Attendance:
    """An unsaved attendance row (every text set, so a page never shows "None")."""
    return Attendance(meeting_id=meeting.id, user_id=user.id if user else None, user=user,
                      name=user.name if user else "", role=role, title=title or "", status=status,
                      represented_by="")


CHILD_WORKERS = (("social_worker", "social_worker"), ("team_manager", "team_manager"), ("iro", "iro"))


def _child_workers(meeting: Meeting, membership, seated: set[int]) -> list[Attendance]:
    """The child's own workers at their tracking meeting, each in the first ToR seat whose role gives
    their access role (the allocated social worker's seat, the team manager's, the IRO's)."""
    if membership is None:
        return []
    tor = tor_for(meeting)
    rows = []
    for item in meeting.items:
        if item.status not in ON_THE_AGENDA:
            continue
        for child in item.children:
            for attribute, access in CHILD_WORKERS:
                user = getattr(child, attribute)
                seat = next((s for s in membership.seats
                             if s.role in tor.roles and tor.roles[s.role].access_role == access), None)
                if user is None or not user.active or seat is None or user.id in seated:
                    continue
                seated.add(user.id)
                rows.append(_row(meeting, user, seat.role, seat.title))
    return rows


# --- Attendance by agenda part ------------------------------------------------------------------------

def part_status(row: Attendance, seat, part_id: str) -> AttendanceStatus:
    """The row's attendance for one part: as ``parts`` records it, else not required for a part the
    seat does not sit for, else the row's status."""
    stored = (row.parts or {}).get(part_id)
    if stored:
        return AttendanceStatus(stored)
    if not sits_for(seat, part_id) or row.status == AttendanceStatus.NOT_REQUIRED:
        return AttendanceStatus.NOT_REQUIRED
    return row.status


@dataclass(frozen=True)
class PartCell:
    """One person in one part: whether their seat sits for it and is expected there, and (once attendance
    is taken) their attendance."""

    part: PartSat
    sits: bool
    expected: bool
    status: AttendanceStatus | None

    @property
    def text(self) -> str:
        if self.status is not None:
            return STATUS_LABELS[self.status]
        if not self.sits:
            return "Not required"
        return "Expected" if self.expected else "May attend"


@dataclass(frozen=True)
class PersonByPart:
    row: Attendance
    seat: object
    cells: tuple[PartCell, ...]

    @property
    def summary(self) -> str:
        """The parts the person is required for, may attend and is not required for, in a sentence."""
        if self.cells and not any(c.sits for c in self.cells):
            return "Not required for any part of this agenda."
        if all(c.expected for c in self.cells):
            return "Required for every part of this agenda."
        phrases = [f"{text} {'; '.join(c.part.title for c in cells)}" for text, cells in (
            ("required for", [c for c in self.cells if c.expected]),
            ("may attend", [c for c in self.cells if c.sits and not c.expected]),
            ("not required for", [c for c in self.cells if not c.sits])) if cells]
        text = "; ".join(phrases)
        return text[:1].upper() + text[1:] + "."


def attendance_by_part(meeting: Meeting, rows: list[Attendance] | None = None) -> list[PersonByPart]:
    """Each person on the attendance with a cell per part with items: who is expected for which part,
    and their attendance there once it is taken (``rows`` unsaved: expected only)."""
    recorded = bool(meeting.attendance) if rows is None else False
    rows = attendance_rows(meeting) if rows is None else rows
    parts = parts_sat(meeting)
    people = []
    for row in rows:
        seat = seat_of(meeting, row.role, row.title)
        cells = tuple(PartCell(p, sits_for(seat, p.id), bool(row.role) and (seat is None or seat.required_for(p.id)),
                               part_status(row, seat, p.id) if recorded and row.status is not None else None)
                      for p in parts)
        people.append(PersonByPart(row, seat, cells))
    return people


def _text(value, field: str, limit: int, missing: str | None = None) -> str:
    """Trimmed text of at most ``limit`` characters; ``missing`` is the message when it is required."""
    if value is not None and not isinstance(value, str):
        raise MeetingError(field, "Enter text")
    value = (value or "").strip()
    if missing and not value:
        raise MeetingError(field, missing)
    if len(value) > limit:
        raise MeetingError(field, f"This must be {limit} characters or fewer")
    return value


def council_members(user_ids) -> set[int]:
    """Those of ``user_ids`` who are active members of the current council."""
    if not user_ids:
        return set()
    return set(db.session.execute(select(Membership.user_id).where(
        Membership.user_id.in_(user_ids), Membership.active.is_(True))).scalars())


def _clean_entry(i: int, entry: dict, tor, known_ids: set[int], members: set[int], meeting: Meeting,
                 parts: list[PartSat]) -> dict:
    field = f"attendance.{i}."
    try:
        status = AttendanceStatus(entry.get("status") or "")
    except ValueError:
        raise MeetingError(field + "status", "Select present, apologies, represented or absent") from None
    role = _text(entry.get("role"), field + "role", 100)
    if role and role not in tor.roles:
        raise MeetingError(field + "role", f"{role!r} is not a role in the terms of reference")
    title = _text(entry.get("title"), field + "title", 200)
    seat = seat_of(meeting, role, title)
    sat_for = [p for p in parts if sits_for(seat, p.id)]
    who = title or (_label(tor, role) if role else "A guest")
    if status == AttendanceStatus.NOT_REQUIRED and not role:
        raise MeetingError(field + "status", "Select present, apologies, represented or absent")
    if status == AttendanceStatus.NOT_REQUIRED and (not parts or sat_for):
        raise MeetingError(field + "status", f"{who} is required for {_titles(sat_for) or 'this meeting'}: "
                                             "select present, apologies, represented or absent")
    if parts and not sat_for and status not in NOT_SITTING:
        raise MeetingError(field + "status", f"{who} is not required for any part of this agenda, so there is no "
                                             "apology or absence to record: select not required, or present if "
                                             "they came")
    by_part = _clean_parts(field, entry.get("parts"), seat, who, parts, status)
    row_id = entry.get("id")
    if row_id is not None and row_id not in known_ids:
        raise MeetingError(field + "id", "This attendance row is not part of the meeting")
    user_id = entry.get("user_id")
    if user_id is not None and user_id not in members:
        raise MeetingError(field + "user_id", "Select a member of the council")
    name = _text(entry.get("name"), field + "name", MAX_NAME)
    present = status == AttendanceStatus.PRESENT or AttendanceStatus.PRESENT.value in by_part.values()
    if user_id is None and not name and (not role or present):
        label = title or _label(tor, role)
        raise MeetingError(field + "name", f"Enter who sat in the seat: {label}" if role else "Enter the guest's name")
    represented_by = _text(entry.get("represented_by"), field + "represented_by", MAX_NAME)
    represented = status == AttendanceStatus.REPRESENTED or AttendanceStatus.REPRESENTED.value in by_part.values()
    if represented and not represented_by:
        raise MeetingError(field + "represented_by", "Enter who represented the member")
    if not represented:
        represented_by = ""
    return {"id": row_id, "user_id": user_id, "name": name, "role": role, "title": title, "status": status,
            "represented_by": represented_by, "parts": by_part or None}


def _titles(parts: list[PartSat]) -> str:
    return "; ".join(p.title for p in parts)


def _clean_parts(field: str, value, seat, who: str, parts: list[PartSat], status: AttendanceStatus) -> dict:
    """``{part id: status}`` where the person's attendance at a part differs from ``status`` (or, for a
    part their seat does not sit for, from not required); what equals it is dropped, so a list read
    back and saved again is unchanged."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MeetingError(field + "parts", "Give each part's attendance as {part id: status}")
    known = {p.id: p for p in parts}
    cleaned = {}
    for part_id, text in value.items():
        if part_id not in known:
            raise MeetingError(f"{field}parts.{part_id}", f"{part_id!r} is not a part with items at this meeting"
                                                           + (f"; parts: {', '.join(known)}" if known else ""))
        if text in (None, ""):
            continue
        try:
            part_status = AttendanceStatus(text)
        except ValueError:
            raise MeetingError(f"{field}parts.{part_id}",
                               "Select present, apologies, represented, absent or not required") from None
        title = known[part_id].title
        if not sits_for(seat, part_id):
            if part_status not in NOT_SITTING:
                raise MeetingError(f"{field}parts.{part_id}", f"{who} is not required for {title}, so there is no "
                                                               "apology or absence to record: select not required, or "
                                                               "present if they came")
            default = AttendanceStatus.NOT_REQUIRED
        else:
            if part_status not in ATTENDING:
                raise MeetingError(f"{field}parts.{part_id}", f"{who} is required for {title}: select present, "
                                                               "apologies, represented or absent")
            default = status
        if part_status != default:
            cleaned[part_id] = part_status.value
    return cleaned


def record_attendance(meeting: Meeting, entries: list[dict]) -> "QuorumResult":
    """Replace the meeting's attendance with ``entries`` (each: optional ``id`` of a row kept,
    ``user_id`` or ``name``, ``role`` (ToR role id; empty for a guest), ``title``, ``status``,
    ``represented_by``), then store whether the meeting is quorate. All entries are checked
    before anything changes."""
    if meeting.cancelled:
        raise MeetingStateError("The meeting was cancelled; there is no attendance to record")
    if not isinstance(entries, list):
        raise MeetingError("attendance", "List who attended")
    tor = tor_for(meeting)
    parts = parts_sat(meeting)
    existing = {row.id: row for row in meeting.attendance}
    members = council_members({e.get("user_id") for e in entries if isinstance(e, dict)
                               and isinstance(e.get("user_id"), int)})
    cleaned, seen = [], set()
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise MeetingError(f"attendance.{i}", "Give each person's attendance")
        row = _clean_entry(i, entry, tor, set(existing), members, meeting, parts)
        if row["user_id"] is not None:
            if row["user_id"] in seen:
                raise MeetingError(f"attendance.{i}.user_id", "This person is already on the attendance list")
            seen.add(row["user_id"])
        cleaned.append(row)
    kept = {row["id"] for row in cleaned if row["id"] is not None}
    for row_id, row in existing.items():
        if row_id not in kept:
            meeting.attendance.remove(row)
            db.session.delete(row)
    db.session.flush()  # a person moved between rows must not meet their old row's unique key
    for data in cleaned:
        row = existing.get(data["id"]) if data["id"] is not None else None
        if row is None:
            row = Attendance(meeting_id=meeting.id)
            meeting.attendance.append(row)
        for key in ("user_id", "name", "role", "title", "status", "represented_by", "parts"):
            if getattr(row, key) != data[key]:
                setattr(row, key, data[key])
    db.session.flush()
    result = quorum_of(meeting)
    meeting.quorate = result.met
    meeting.quorate_parts = {p.part_id: p.met for p in result.parts} or None
    db.session.flush()
    return result


# --- Quorum ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PartQuorum:
    """Whether one agenda part was quorate: the seats that sit for it, counted as below."""

    part_id: str
    title: str
    met: bool
    reasons: tuple[str, ...]
    counted: int

    @property
    def text(self) -> str:
        return "Quorate" if self.met else "Not quorate: " + "; ".join(self.reasons)


@dataclass(frozen=True)
class QuorumResult:
    """Whether the meeting is quorate under its terms of reference, and if not, why not. With agenda
    parts, ``parts`` judges each part with items; the meeting is quorate when all of them are,
    ``reasons`` name the part and ``counted`` is the fewest counted in any part."""

    met: bool
    reasons: tuple[str, ...]
    counted: int
    minimum: int
    representatives_count: bool
    note: str = ""
    parts: tuple[PartQuorum, ...] = ()

    @property
    def banner(self) -> str:
        if len(self.parts) > 1:
            if self.met:
                return "Quorate for every part of the agenda"
            return "Not quorate for " + "; ".join(f"{p.title} ({'; '.join(p.reasons)})" for p in self.parts
                                                  if not p.met)
        return "Quorate" if self.met else "Not quorate: " + "; ".join(self.reasons)


def _judge(rows, membership, tor, meeting: Meeting, part_id: str | None) -> tuple[tuple[str, ...], int]:
    """Why ``part_id`` (None: the whole meeting) is not quorate (nothing when it is), and how many count."""
    quorum = membership.quorum
    counting = {AttendanceStatus.PRESENT}
    if membership.substitutes_allowed:
        counting.add(AttendanceStatus.REPRESENTED)
    seated = []
    for r in rows:
        if not r.role:
            continue
        seat = seat_of(meeting, r.role, r.title)
        status = r.status if part_id is None else part_status(r, seat, part_id)
        if sits_for(seat, part_id) and status in counting:
            seated.append(r)
    reasons = []
    if len(seated) < quorum.minimum:
        how = "present or represented" if membership.substitutes_allowed else "present"
        reasons.append(f"{len(seated)} of the {quorum.minimum} members needed are {how}")
    for required in quorum.required_roles:
        if not any(membership.fills(r.role, required) for r in seated):
            reasons.append(f"no {role_label(tor, required).lower()} is present")
    return tuple(reasons), len(seated)


def quorum_of(meeting: Meeting, rows: list[Attendance] | None = None) -> QuorumResult:
    """The quorum test of ``membership.quorum`` over the attendance (recorded, or ``rows``), part by
    part of the agenda with items (the whole meeting when it has none)."""
    membership = body_of(meeting).membership
    rows = meeting.attendance if rows is None else rows
    if membership is None:
        return QuorumResult(True, (), 0, 0, True, "The terms of reference set no membership for this body.")
    tor = tor_for(meeting)
    quorum = membership.quorum
    extra = ()
    if not membership.substitutes_allowed and any(
            r.status == AttendanceStatus.REPRESENTED or AttendanceStatus.REPRESENTED.value in (r.parts or {}).values()
            for r in rows):
        extra = ("representatives do not count, as the terms of reference allow no substitutes",)
    parts = parts_sat(meeting)
    if not parts:
        reasons, counted = _judge(rows, membership, tor, meeting, None)
        met = not reasons
        return QuorumResult(met, reasons + extra if not met else (), counted, quorum.minimum,
                            membership.substitutes_allowed, quorum.note)
    judged = []
    for part in parts:
        reasons, counted = _judge(rows, membership, tor, meeting, part.id)
        judged.append(PartQuorum(part.id, part.title, not reasons, reasons, counted))
    met = all(p.met for p in judged)
    if len(judged) == 1:
        reasons = judged[0].reasons
    else:
        reasons = tuple(f"{p.title}: {reason}" for p in judged for reason in p.reasons)
    return QuorumResult(met, reasons + extra if not met else (), min(p.counted for p in judged), quorum.minimum,
                        membership.substitutes_allowed, quorum.note, tuple(judged))


def part_quorate(item: AgendaItem) -> bool | None:
    """Whether the meeting was quorate for the item's part, as stored when attendance was taken (the
    meeting's own flag for a record from before parts were judged); None before attendance."""
    meeting = item.meeting
    if meeting.quorate_parts and item.part_id in meeting.quorate_parts:
        return bool(meeting.quorate_parts[item.part_id])
    return meeting.quorate


# --- The chair -------------------------------------------------------------------------------------

def is_chair(user_id: int, access_roles, meeting: Meeting) -> bool:
    """Whether the person may rule as chair: they hold the body's chair (or vice chair) seat, or the
    council gives them the chair or vice-chair role."""
    if set(access_roles) & CHAIR_ACCESS_ROLES:
        return True
    return holds_a_seat(user_id, meeting, roles=chair_seat_roles(body_of(meeting).membership))


def holds_a_seat(user_id: int, meeting: Meeting, *, roles=None) -> bool:
    """Whether the person has an active seat on the meeting's body (of one of ``roles``, if given)."""
    stmt = select(PanelMember.id).where(PanelMember.body_id == meeting.body_id, PanelMember.user_id == user_id,
                                        PanelMember.active.is_(True))
    if roles is not None:
        stmt = stmt.where(PanelMember.role.in_(roles))
    return db.session.execute(stmt).first() is not None


# --- Declarations of interest ----------------------------------------------------------------------

def declarations_of(meeting: Meeting, item: AgendaItem | None = None) -> list[Declaration]:
    rows = meeting.declarations
    return [d for d in rows if item is None or d.agenda_item_id == item.id]


def left_for(item: AgendaItem) -> list[Declaration]:
    """Declarations on ``item`` the chair ruled LEAVE: those members leave for it and cannot open its papers."""
    return [d for d in item.meeting.declarations if d.agenda_item_id == item.id and d.ruling == Ruling.LEAVE]


def declare_interest(meeting: Meeting, user_id, interest, *, agenda_item_id=None) -> Declaration:
    """Record a declaration of interest by ``user_id`` for the whole meeting (no item) or one item."""
    if meeting.cancelled:
        raise MeetingStateError("The meeting was cancelled")
    if not isinstance(user_id, int) or not council_members({user_id}):
        raise MeetingError("user_id", "Select the member declaring the interest")
    interest = _text(interest, "interest", MAX_TEXT, "Enter the interest declared")
    if agenda_item_id is not None:
        item = db.session.get(AgendaItem, agenda_item_id) if isinstance(agenda_item_id, int) else None
        if item is None or item.meeting_id != meeting.id or item.status not in ON_THE_AGENDA:
            raise MeetingError("agenda_item_id", "Select an item on this meeting's agenda")
    declaration = Declaration(meeting_id=meeting.id, agenda_item_id=agenda_item_id, user_id=user_id,
                              interest=interest, ruling=Ruling.PENDING)
    meeting.declarations.append(declaration)
    db.session.flush()
    return declaration


def declare_own_interest(meeting: Meeting, user: User, interest, *, agenda_item_id=None) -> Declaration:
    """A member of the panel declares their own interest, ahead of the meeting or at it, so the chair
    can rule before the item comes up (and before its papers are read)."""
    if not holds_a_seat(user.id, meeting):
        raise NotAllowedError("Only members of this panel declare their own interests here; the chair or the "
                              "panel administrator records anyone else's at the meeting")
    return declare_interest(meeting, user.id, interest, agenda_item_id=agenda_item_id)


def rule_on_declaration(declaration: Declaration, ruling, *, by: User, access_roles) -> Declaration:
    """The chair's ruling: may take part, may observe, or leaves for the item (then cannot open its
    papers). Leaving is ruled per item; an interest in the whole meeting is ruled take part or observe."""
    try:
        ruling = Ruling(ruling or "")
    except ValueError:
        raise MeetingError("ruling", "Select take part, observe or leave") from None
    if ruling == Ruling.PENDING:
        raise MeetingError("ruling", "Select take part, observe or leave")
    if ruling == Ruling.LEAVE and declaration.agenda_item_id is None:
        raise MeetingError("ruling", "Leaving is ruled for an item: record the declaration against the item")
    meeting = declaration.meeting
    if not is_chair(by.id, access_roles, meeting):
        raise NotAllowedError("Only the chair of the meeting rules on a declaration of interest")
    if by.id == declaration.user_id:
        raise NotAllowedError("The chair cannot rule on their own declaration; the vice chair rules on it")
    declaration.ruling, declaration.ruled_by_id, declaration.ruled_at = ruling, by.id, utcnow()
    db.session.flush()
    if meeting.agenda_published_at is not None and not meeting.cancelled:
        queue_papers_packs(meeting)  # a member who now leaves an item: their kept pack loses it
    return declaration


def attendees_with_accounts(meeting: Meeting) -> list[tuple[int, str]]:
    """People who may declare an interest: those on the attendance with an account, else the seats."""
    rows = [(r.user_id, r.user.name if r.user else r.name) for r in attendance_rows(meeting) if r.user_id]
    return sorted(set(rows), key=lambda p: p[1])
