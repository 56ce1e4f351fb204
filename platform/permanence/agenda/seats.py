"""Panel seats: who sits on each panel, in the seats its terms of reference name.

A seat is a ToR seat (role and the council's own title for it) filled by a member of the
council. Seated members are the ones invited to each sitting, told of the agenda, and
reading its papers through the platform (a partner agency's member too). No commits here.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..accounts.models import Membership, User
from ..core.context import current_tenant_id
from ..extensions import db
from ..panels.models import PanelMember
from ..tor.services import current_tor


class AgendaError(ValueError):
    """A change that cannot be made; ``field`` names the input that is wrong."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class SeatRow:
    """One seat the ToR names, and who fills it (None when vacant)."""

    index: int
    role: str
    title: str
    required: bool
    holder: PanelMember | None

    @property
    def label(self) -> str:
        return self.title or self.role.replace("-", " ").capitalize()


def panel_body(body_id: str):
    """The body of the council's ToR in force with this id, if it is a panel with a membership."""
    tor = current_tor(current_tenant_id())
    if tor is None:
        return None
    body = next((b for b in tor.bodies if b.id == body_id), None)
    return body if body is not None and body.membership is not None else None


def seats_of(body_id: str) -> list[PanelMember]:
    """The body's seat holders (active first), their users loaded."""
    return list(db.session.execute(
        select(PanelMember).join(User, User.id == PanelMember.user_id).where(PanelMember.body_id == body_id)
        .order_by(PanelMember.active.desc(), User.name, PanelMember.id)
    ).scalars())


def seat_rows(body, holders: list[PanelMember]) -> list[SeatRow]:
    """The ToR's seats in order with their holders: an active holder with the same role and title fills
    a seat once; seats left over are vacant."""
    free = [h for h in holders if h.active]
    rows = []
    for index, seat in enumerate(body.membership.seats):
        holder = next((h for h in free if h.role == seat.role and h.title == seat.title), None)
        if holder is not None:
            free.remove(holder)
        rows.append(SeatRow(index, seat.role, seat.title, seat.required, holder))
    return rows


def seat_choices(body) -> list[tuple[str, str]]:
    return [(str(i), seat.title or seat.role) for i, seat in enumerate(body.membership.seats)]


def council_members() -> list[User]:
    """Active users with an active membership of the current council, by name."""
    return list(db.session.execute(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.active.is_(True), User.active.is_(True)).order_by(User.name, User.id)
    ).scalars())


def add_seat(body, user_id: int | None, seat_index: int | None, *, active: bool = True) -> PanelMember:
    """Seat a member of the council in one of the ToR's seats of ``body``."""
    if user_id is None or user_id not in {u.id for u in council_members()}:
        raise AgendaError("user_id", "Select a member of the council")
    seats = body.membership.seats
    if seat_index is None or not 0 <= seat_index < len(seats):
        raise AgendaError("seat", "Select the seat from the terms of reference")
    if db.session.execute(select(PanelMember.id).where(
            PanelMember.body_id == body.id, PanelMember.user_id == user_id)).first() is not None:
        raise AgendaError("user_id", "This person already has a seat on this panel")
    seat = seats[seat_index]
    member = PanelMember(body_id=body.id, user_id=user_id, role=seat.role, title=seat.title, active=active)
    db.session.add(member)
    db.session.flush()
    return member


def remove_seat(member: PanelMember) -> None:
    db.session.delete(member)
    db.session.flush()


def seated_users(body_id: str) -> list[User]:
    """Active users holding an active seat on the body (and still members of the council)."""
    return list(db.session.execute(
        select(User).join(PanelMember, PanelMember.user_id == User.id)
        .join(Membership, Membership.user_id == User.id)
        .where(PanelMember.body_id == body_id, PanelMember.active.is_(True), User.active.is_(True),
               Membership.active.is_(True))
        .distinct().order_by(User.name, User.id)
    ).scalars())
