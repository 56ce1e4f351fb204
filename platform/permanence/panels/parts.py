"""Membership by agenda part: which seats sit for which parts of a sitting.

A seat the terms of reference mark ``not_required_for_parts`` (Knowsley: the Virtual School Head
and the YPT team manager are not required for part 1, the adoption team manager for parts 2 and
3) does not sit for those parts. Its holder is not invited to them, is not sent their items or
papers (the object rule in ``policies``), is not expected for them (their absence there is not
an apology) and does not count for their quorum. A seat marked ``required: false`` ("where
applicable") still sits for every part: its holder is invited and sent the papers, and counts
when present, but is not expected. The meeting's own ToR version decides, so a past sitting keeps
the rules it ran on.

A member's seat is known by the role and title their ``PanelMember`` (or attendance row) records;
one the ToR cannot place (no such seat, or several seats of the role that differ) sits for every
part, as before parts took effect. No commits here.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, false, or_, select

from ..core.db import TransactionMemo
from ..extensions import db
from ..tor.loader import TorConfigError
from ..tor.services import tor_of_id
from .models import ON_THE_AGENDA, AgendaItem, Meeting, PanelMember
from .services import body_of



@dataclass(frozen=True)
class PartSat:
    """An agenda part with items at a sitting."""

    id: str
    title: str


def part_title(body, part_id: str) -> str:
    try:
        return body.part(part_id).title
    except KeyError:
        return part_id.replace("-", " ").capitalize()


def parts_sat(meeting: Meeting) -> list[PartSat]:
    """The parts with items at this sitting (booked, heard or deferred), in the ToR's order; a part
    the ToR no longer has comes last. Empty when the agenda has no items."""
    body = body_of(meeting)
    ids = set(db.session.execute(select(AgendaItem.part_id).where(
        AgendaItem.meeting_id == meeting.id, AgendaItem.status.in_(ON_THE_AGENDA)).distinct()).scalars())
    order = [p.id for p in body.agenda_parts]
    return [PartSat(pid, part_title(body, pid))
            for pid in sorted(ids, key=lambda pid: (order.index(pid) if pid in order else len(order), pid))]


def seat_of(meeting: Meeting, role: str, title: str = ""):
    """The ToR seat (of the meeting's version) a member or attendance row holds; None for a guest or
    a seat the ToR cannot place."""
    membership = body_of(meeting).membership
    return membership.seat_for(role, title) if membership is not None and role else None


def sits_for(seat, part_id: str | None) -> bool:
    return seat is None or seat.sits_for(part_id)


def parts_of_seat(seat, parts: list[PartSat]) -> list[PartSat]:
    """Those of ``parts`` the seat sits for."""
    return [p for p in parts if sits_for(seat, p.id)]


def parts_left_out(meeting: Meeting, user_id: int) -> tuple[str, ...]:
    """The parts of this sitting's body the person's active seat does not sit for (none when they hold
    no seat on it, or one the ToR cannot place)."""
    member = db.session.execute(select(PanelMember).where(
        PanelMember.body_id == meeting.body_id, PanelMember.user_id == user_id,
        PanelMember.active.is_(True))).scalars().first()
    seat = seat_of(meeting, member.role, member.title) if member is not None else None
    return seat.not_required_for_parts if seat is not None else ()


_SEATS = TransactionMemo("seats_left_out", (PanelMember, Meeting))  # user id -> seats_left_out


def seats_left_out(user_id: int) -> list[tuple[str, int, tuple[str, ...]]]:
    """For each body the person holds an active seat on and each ToR version its meetings run under:
    ``(body id, version id, part ids)`` of the parts that seat does not sit for (none listed when it
    sits for all). Read once per transaction (every visibility clause of a page asks for it), and
    forgotten on a commit, a rollback or a change to a seat or a sitting."""
    return _SEATS.get(user_id, lambda: _read_seats_left_out(user_id))


def _read_seats_left_out(user_id: int) -> list[tuple[str, int, tuple[str, ...]]]:
    rows = db.session.execute(
        select(PanelMember.body_id, PanelMember.role, PanelMember.title, Meeting.tor_version_id)
        .join(Meeting, Meeting.body_id == PanelMember.body_id)
        .where(PanelMember.user_id == user_id, PanelMember.active.is_(True)).distinct()).all()
    left_out = []
    for body_id, role, title, version_id in rows:
        try:
            membership = tor_of_id(version_id).body(body_id).membership
        except (KeyError, TorConfigError):
            continue
        seat = membership.seat_for(role, title) if membership is not None else None
        if seat is not None and seat.not_required_for_parts:
            left_out.append((body_id, version_id, seat.not_required_for_parts))
    return left_out


def in_parts_left_out(user_id: int):
    """SQL clause over ``AgendaItem`` joined to its ``Meeting``: the item is in a part the person's seat
    on that body does not sit for."""
    clauses = [and_(Meeting.body_id == body_id, Meeting.tor_version_id == version_id, AgendaItem.part_id.in_(parts))
               for body_id, version_id, parts in seats_left_out(user_id)]
    return or_(*clauses) if clauses else false()
