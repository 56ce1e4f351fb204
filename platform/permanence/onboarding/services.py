"""Each new council's onboarding checklist, and the roles its terms of reference name for running
its panels. No Flask request objects here; nothing is written.

A checklist is seven steps, each worked out from the council's own rows (a count of children, never
a child): the terms of reference in force, the first administrator signed in, teams, panel seats,
users, children and the first sitting's agenda. Each step says whether it is done, a short detail
("2 of 3 seats filled") and a link to where it is done, chosen for who is looking: a member of the
council (only links their permissions open) or the central administrator (only the pages under
``/admin/tenants``, which need no membership).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Mapping

from sqlalchemy import func, select

from ..accounts.models import Membership, RoleAssignment, Team, User
from ..accounts.roles import ADMINISTRATOR_ROLES, ROLES
from ..accounts.services import get_or_create_team, holders
from ..agenda.seats import seat_rows, seats_of
from ..cases.models import Child
from ..core.clock import in_london
from ..core.context import tenant_context
from ..extensions import db
from ..panels.models import AgendaItem, ItemStatus, Meeting, MeetingStatus
from ..panels.services import panel_bodies
from ..tor import TermsOfReference, role_label
from ..tor.services import list_versions, tor_of
from ..tor.versions import TorVersion, TorVersionStatus

# Who is looking: a member of the council, or the central administrator (no membership anywhere).
COUNCIL = "council"
CENTRAL = "central"

# The access roles that run a sitting: book items, build and publish the agenda, record the meeting.
RUNS_THE_PANEL = ("panel_administrator", "chair", "vice_chair")


@dataclass(frozen=True)
class Link:
    """Where a step is done: ``url_for(endpoint, **args)``."""

    endpoint: str
    args: Mapping = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    done: bool
    detail: str
    link: Link | None = None
    # For a step the viewer cannot do here: who does it (shown instead of a link).
    who: str = ""


@dataclass(frozen=True)
class Checklist:
    steps: tuple[Step, ...]

    @property
    def done_count(self) -> int:
        return sum(1 for s in self.steps if s.done)

    @property
    def total(self) -> int:
        return len(self.steps)

    @property
    def complete(self) -> bool:
        return self.done_count == self.total

    @property
    def summary(self) -> str:
        return "Set-up complete" if self.complete else f"{self.done_count} of {self.total} steps done"


# --- What the council has done so far ------------------------------------------------------------

@dataclass(frozen=True)
class SeatCount:
    body_id: str
    body_name: str
    filled: int
    total: int
    required_vacant: int


@dataclass(frozen=True)
class Sitting:
    meeting_id: int
    body_name: str
    day: date
    booked: int
    published: bool


@dataclass(frozen=True)
class _State:
    active: TorVersion | None
    proposed: TorVersion | None  # the newest proposal waiting to be activated
    tor: TermsOfReference | None
    admins: tuple[User, ...]
    teams: tuple[str, ...]
    seats: tuple[SeatCount, ...]
    people: int
    people_signed_in: int
    others: int  # people with access who do not administer the council
    children: int
    next_sitting: Sitting | None
    ever_published: bool


def _state(tenant_id: int, today: date) -> _State:
    versions = list_versions(tenant_id)
    active = next((v for v in versions if v.status == TorVersionStatus.ACTIVE), None)
    proposed = next((v for v in versions if v.status == TorVersionStatus.PROPOSED), None)
    tor = tor_of(active) if active is not None else None
    with tenant_context(tenant_id):
        admins = tuple(holders(["tenant_admin"]))
        teams = tuple(db.session.execute(select(Team.name).order_by(Team.name)).scalars())
        seats = tuple(_seat_counts(tor)) if tor is not None else ()
        people = db.session.execute(
            select(User.last_sign_in_at).join(Membership, Membership.user_id == User.id)
            .where(Membership.active.is_(True), User.active.is_(True))).scalars().all()
        administering = select(RoleAssignment.membership_id).where(
            RoleAssignment.role.in_(sorted(ADMINISTRATOR_ROLES)))
        others = db.session.execute(
            select(func.count(Membership.id)).join(User, User.id == Membership.user_id)
            .where(Membership.active.is_(True), User.active.is_(True), Membership.id.not_in(administering))
        ).scalar_one()
        # A count only: no child's row is loaded, so nothing about any child is read or shown.
        children = db.session.execute(select(func.count(Child.id))).scalar_one()
        next_sitting = _next_sitting(tor, today) if tor is not None else None
        ever_published = db.session.execute(
            select(Meeting.id).where(Meeting.agenda_published_at.is_not(None)).limit(1)).first() is not None
    return _State(active, proposed, tor, admins, teams, seats, len(people),
                  sum(1 for signed_in in people if signed_in is not None), others, children, next_sitting,
                  ever_published)


def _seat_counts(tor: TermsOfReference):
    for body in panel_bodies(tor):
        if body.membership is None:
            continue
        rows = seat_rows(body, seats_of(body.id))
        yield SeatCount(body.id, body.name, sum(1 for r in rows if r.holder is not None), len(rows),
                        sum(1 for r in rows if r.required and r.holder is None))


def _next_sitting(tor: TermsOfReference, today: date) -> Sitting | None:
    names = {b.id: b.name for b in panel_bodies(tor)}
    if not names:
        return None
    meeting = db.session.execute(
        select(Meeting).where(Meeting.body_id.in_(sorted(names)), Meeting.date >= today,
                              Meeting.status == MeetingStatus.SCHEDULED)
        .order_by(Meeting.date, Meeting.id).limit(1)).scalar_one_or_none()
    if meeting is None:
        return None
    booked = db.session.execute(select(func.count(AgendaItem.id)).where(
        AgendaItem.meeting_id == meeting.id, AgendaItem.status == ItemStatus.BOOKED)).scalar_one()
    return Sitting(meeting.id, names[meeting.body_id], meeting.date, booked, meeting.agenda_published_at is not None)


# --- The steps -------------------------------------------------------------------------------------

def _day(when: datetime | date) -> str:
    return f"{in_london(when) if isinstance(when, datetime) else when:%-d %B %Y}"


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


class _Viewer:
    """Which links the viewer may follow: a member's permissions, or the central administrator's pages."""

    def __init__(self, audience: str, tenant_id: int, granted: frozenset[str] = frozenset()):
        self.audience, self.tenant_id, self.granted = audience, tenant_id, granted

    @property
    def central(self) -> bool:
        return self.audience == CENTRAL

    def link(self, permission: str, endpoint: str, **args) -> Link | None:
        return Link(endpoint, args) if permission in self.granted else None


def _tor_step(s: _State, v: _Viewer) -> Step:
    label = "Put the terms of reference in force"
    if s.active is not None:
        detail = f"Version {s.active.number} in force since {_day(s.active.activated_at or s.active.loaded_at)}"
        link = (Link("tor.admin_version", {"tenant_id": v.tenant_id, "tor_version_id": s.active.id}) if v.central
                else v.link("tor.view", "tor.document"))
        return Step("tor", label, True, detail, link)
    if s.proposed is not None:
        detail = f"Version {s.proposed.number} is loaded and waiting to be checked and activated"
        link = (Link("tor.admin_version", {"tenant_id": v.tenant_id, "tor_version_id": s.proposed.id}) if v.central
                else v.link("tor.view", "tor.version", tor_version_id=s.proposed.id))
        return Step("tor", label, False, detail, link, who="the central administrator")
    link = (Link("tor.admin_upload", {"tenant_id": v.tenant_id}) if v.central
            else v.link("tor.propose", "tor.propose"))
    return Step("tor", label, False, "No version loaded yet", link, who="the central administrator")


def _admin_step(s: _State, v: _Viewer) -> Step:
    label = "First administrator signs in"
    signed_in = [u for u in s.admins if u.last_sign_in_at is not None]
    if signed_in:
        first = min(signed_in, key=lambda u: u.last_sign_in_at)
        detail = f"{first.name} signed in on {_day(first.last_sign_in_at)}"
        done = True
    elif s.admins:
        detail = f"{', '.join(u.name for u in s.admins)} invited, not signed in yet"
        done = False
    else:
        detail, done = "No administrator invited yet", False
    if v.central:
        link = None if done else Link("councils.admin_tenant", {"tenant_id": v.tenant_id, "_anchor": "invite"})
    else:
        link = v.link("users.manage", "accounts.users")
    return Step("admin", label, done, detail, link, who="the central administrator")


def _teams_step(s: _State, v: _Viewer) -> Step:
    detail = f"{_plural(len(s.teams), 'team')}: {', '.join(s.teams)}" if s.teams else "No teams yet"
    link = None if v.central else v.link("users.manage", "onboarding.teams")
    return Step("teams", "Set up the social work teams", bool(s.teams), detail, link,
                who="the council's administrator")


def _seats_step(s: _State, v: _Viewer) -> Step:
    label = "Fill the panel seats"
    if s.tor is None:
        return Step("seats", label, False, "The terms of reference must be in force first",
                    who="the council's panel administrator")
    if not s.seats:
        return Step("seats", label, True, "The terms of reference name no panel seats")
    parts = [f"{c.body_name}: {c.filled} of {_plural(c.total, 'seat')} filled"
             + (f", {_plural(c.required_vacant, 'required seat')} vacant" if c.required_vacant else "")
             for c in s.seats]
    first = next((c for c in s.seats if c.required_vacant), s.seats[0])
    link = None if v.central else v.link("panels.view", "agenda.seats", body=first.body_id)
    return Step("seats", label, not any(c.required_vacant for c in s.seats), "; ".join(parts), link,
                who="the council's panel administrator")


def _users_step(s: _State, v: _Viewer) -> Step:
    if s.people:
        waiting = s.people - s.people_signed_in
        detail = (f"{_plural(s.people, 'person has', 'people have')} access: {s.people_signed_in} signed in"
                  + (f", {waiting} not yet" if waiting else ""))
    else:
        detail = "Nobody has access yet"
    link = None if v.central else v.link("users.manage", "accounts.add_user")
    return Step("users", "Invite the council's users", s.others > 0, detail, link,
                who="the council's administrator")


def _children_step(s: _State, v: _Viewer) -> Step:
    detail = f"{_plural(s.children, 'child', 'children')} on the platform" if s.children else "No children yet"
    link = None if v.central else v.link("children.import", "imports.index")
    return Step("children", "Import the children", s.children > 0, detail, link,
                who="the council's panel administrator")


def _agenda_step(s: _State, v: _Viewer) -> Step:
    label = "Get the first sitting's agenda ready"
    who = "the council's panel administrator"
    if s.ever_published:
        return Step("agenda", label, True, "An agenda has been published to the panel")
    if s.tor is None:
        return Step("agenda", label, False, "The terms of reference must be in force first", who=who)
    sitting = s.next_sitting
    if sitting is None:
        link = None if v.central else v.link("panels.view", "panels.meetings")
        return Step("agenda", label, False, "No sitting scheduled yet: sittings are added each night from the "
                    "terms of reference, or by hand on the meetings page", link, who=who)
    detail = (f"{sitting.body_name}, {_day(sitting.day)}: {_plural(sitting.booked, 'item')} booked, "
              "agenda not published yet")
    link = None if v.central else v.link("panels.view", "agenda.agenda", meeting_id=sitting.meeting_id)
    return Step("agenda", label, False, detail, link, who=who)


STEPS = (_tor_step, _admin_step, _teams_step, _seats_step, _users_step, _children_step, _agenda_step)


def member_checklist(tenant_id: int, granted: frozenset[str], today: date) -> Checklist:
    """The checklist for a member of the council holding ``granted`` permissions: links only to
    pages those open."""
    state = _state(tenant_id, today)
    return Checklist(tuple(step(state, _Viewer(COUNCIL, tenant_id, granted)) for step in STEPS))


def central_checklist(tenant_id: int, today: date) -> Checklist:
    """The checklist for the central administrator: status everywhere, links only to their own pages
    (load and activate the terms of reference, invite an administrator)."""
    state = _state(tenant_id, today)
    return Checklist(tuple(step(state, _Viewer(CENTRAL, tenant_id)) for step in STEPS))


# --- The roles for running the panel ------------------------------------------------------------------

def panel_running_roles(tenant_id: int) -> list[tuple[str, str]]:
    """The access roles the council's terms of reference (in force, else the newest proposal) name
    for running its panels, as ``(role, label)`` choices: the chairs' and vice-chairs' seats, any
    seat of a role that runs a sitting, and the panel administrator, who keeps the bookings, agendas
    and papers whether or not the ToR gives them a seat. Empty before any version is loaded."""
    versions = [v for v in list_versions(tenant_id) if v.status != TorVersionStatus.SUPERSEDED]
    version = next((v for v in versions if v.status == TorVersionStatus.ACTIVE), versions[0] if versions else None)
    if version is None:
        return []
    tor = tor_of(version)
    named: dict[str, list[str]] = {}

    def add(role_id: str, what: str) -> None:
        role = tor.roles.get(role_id)
        if role is not None and what not in named.setdefault(role.access_role, []):
            named[role.access_role].append(what)

    for body in panel_bodies(tor):
        if body.membership is None:
            continue
        for seat in body.membership.chairs:
            add(seat.role, f"{seat.title or role_label(tor, seat.role)} chairs the {body.name}")
        for seat in body.membership.vice_chairs:
            add(seat.role, f"{seat.title or role_label(tor, seat.role)} is vice-chair of the {body.name}")
        for seat in body.membership.members:
            role = tor.roles.get(seat.role)
            if role is not None and role.access_role in RUNS_THE_PANEL:
                add(seat.role, f"{seat.title or role.label} sits on the {body.name}")
    if "panel_administrator" not in named:
        named["panel_administrator"] = ["keeps the panel's bookings, agendas, papers and minutes"]
    order = [*RUNS_THE_PANEL, *sorted(named)]
    # The administrator's own role is given by the invitation itself, never offered here.
    return [(role, f"{ROLES[role]}: {'; '.join(named[role])}")
            for role in dict.fromkeys(order) if role in named and role in ROLES and role not in ADMINISTRATOR_ROLES]


# --- Teams -----------------------------------------------------------------------------------------

class TeamError(ValueError):
    """A team name that cannot be added; the message says why."""


def add_team(name: str) -> Team:
    """Add a social work team to the current council (audited by the ORM hooks). A name the council
    already has, in any case, is refused rather than made twice."""
    name = " ".join((name or "").split())
    if not name:
        raise TeamError("Enter the team's name")
    if len(name) > 200:
        raise TeamError("The team's name must be 200 characters or fewer")
    if db.session.execute(select(Team.id).where(func.lower(Team.name) == name.lower())).first() is not None:
        raise TeamError(f"There is already a team called {name}")
    return get_or_create_team(name)


def teams_with_people() -> list[tuple[Team, int]]:
    """The current council's teams by name, each with how many active members belong to it."""
    counts = dict(db.session.execute(
        select(Membership.team_id, func.count(Membership.id)).where(Membership.active.is_(True))
        .group_by(Membership.team_id)).all())
    return [(team, counts.get(team.id, 0))
            for team in db.session.execute(select(Team).order_by(Team.name)).scalars()]
