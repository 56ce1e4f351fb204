"""Object rules for panel business, registered with the one permission module.

An agenda item is about children, so a member sees the items of the children they may see.
A member who holds a seat on a panel (``PanelMember``) also sees the children on that panel's
agendas once they are booked, so a partner agency's member reads them through the platform;
a member the chair ruled must leave an item does not get that child through the seat, nor does
a member whose seat does not sit for the item's agenda part (``not_required_for_parts`` in the
meeting's terms of reference, see ``parts``): they are not sent that part's papers.

Who adds a sitting to a panel follows its ``cadence.extra_sittings_by`` when the terms of reference
name anyone there (Redbridge: the chair and the panel administrator); otherwise any holder of the
permission to schedule sittings.

Who arranges tracking meetings (agrees a team's days and times, moves one meeting) follows the
terms of reference's ``meeting_days``: a holder of ``agreed_by``'s access role for their own team
(and the children they manage), a holder of a ``supported_by`` role for any team. Without
``meeting_days`` the panel administrator arranges them.

Who convenes a meeting for one child when needed follows the bodies' ``convened_by``: a holder of a
role allocated per child (team manager, social worker, IRO) for the children they hold it for (a
team manager or social worker also for their team's), any other named role (service manager,
panel administrator) for every child.
"""

from sqlalchemy import exists, or_, select, true

from ..accounts.models import Team
from ..accounts.permissions import grant_visibility, register_named_rule, register_policy, visible
from ..accounts.roles import ADD_SITTINGS, ARRANGE_TRACKING, CONVENE_TRACKING, ROLES, SEES_ALL_CHILDREN
from ..cases.models import Child
from ..cases.people import ALLOCATED
from ..core.db import TransactionMemo, among
from ..extensions import db
from ..tor.services import current_tor
from .models import ON_THE_AGENDA, AgendaItem, Declaration, Meeting, PanelMember, Ruling
from .parts import in_parts_left_out

register_policy(AgendaItem, sees_all_roles=SEES_ALL_CHILDREN)



def _items_of_visible_children(membership):
    children = visible(select(Child.id), Child)
    groups = select(Child.sibling_group_id).where(Child.id.in_(children), Child.sibling_group_id.is_not(None))
    return or_(AgendaItem.child_id.in_(children), AgendaItem.sibling_group_id.in_(groups))


def items_seen_through_a_seat(user_id: int):
    """Booked or heard items of the bodies ``user_id`` sits on, less those they were ruled out of and
    those in agenda parts their seat does not sit for."""
    seated = select(PanelMember.body_id).where(PanelMember.user_id == user_id, PanelMember.active.is_(True))
    ruled_out = exists().where(Declaration.agenda_item_id == AgendaItem.id, Declaration.user_id == user_id,
                               Declaration.ruling == Ruling.LEAVE)
    return (select(AgendaItem.id).join(Meeting, Meeting.id == AgendaItem.meeting_id)
            .where(Meeting.body_id.in_(seated), AgendaItem.status.in_(ON_THE_AGENDA), ~ruled_out,
                   ~in_parts_left_out(user_id)))


# What a member's seats show, as ids read once per transaction: every visibility clause of a page
# (the member's children, their items, drift, actions, minutes) asks for it, and as a subquery it
# was planned and run again inside each (5 ms a time for a seat on a panel with 1,000 items heard).
_SEEN = TransactionMemo("seen_through_a_seat", (AgendaItem, Meeting, PanelMember, Declaration, Child))


def seen_through_a_seat(user_id: int) -> tuple[list[int], list[int]]:
    """The ids of the agenda items ``user_id``'s seats show them, and of the children those items are
    about (a sibling group's item: each child of the group)."""
    return _SEEN.get(user_id, lambda: _read_seen_through_a_seat(user_id))


def _read_seen_through_a_seat(user_id: int) -> tuple[list[int], list[int]]:
    rows = db.session.execute(items_seen_through_a_seat(user_id).with_only_columns(
        AgendaItem.id, AgendaItem.child_id, AgendaItem.sibling_group_id)).all()
    groups = {group for _, _, group in rows if group is not None}
    in_groups = db.session.execute(select(Child.id).where(Child.sibling_group_id.in_(groups))).scalars().all() \
        if groups else []
    return (sorted(i for i, _, _ in rows), sorted({c for _, c, _ in rows if c is not None} | set(in_groups)))


def _children_on_seated_agendas(membership):
    children = seen_through_a_seat(membership.user_id)[1]
    return among(Child.id, children) if children else None


def _seated_items(membership):
    items = seen_through_a_seat(membership.user_id)[0]
    return among(AgendaItem.id, items) if items else None


for _role in ROLES:
    grant_visibility(AgendaItem, _role)(_items_of_visible_children)
    grant_visibility(AgendaItem, _role)(_seated_items)
    grant_visibility(Child, _role)(_children_on_seated_agendas)


# --- arranging tracking meetings ---------------------------------------------------------------

register_policy(Team, action=ARRANGE_TRACKING)
register_policy(Meeting, action=ARRANGE_TRACKING)


def arranging_roles(tenant_id: int) -> tuple[frozenset[str], frozenset[str]]:
    """The access roles that arrange their own team's tracking meetings, and those that arrange
    any team's, under the council's terms of reference."""
    tor = current_tor(tenant_id)
    own: set[str] = set()
    anyone: set[str] = set()
    for body in tor.bodies if tor is not None else ():
        if body.kind != "tracking_meeting":
            continue
        days = body.meeting_days
        if days is None:
            agreed_by, supported_by = (), ("panel-administrator",)
        else:
            agreed_by, supported_by = (days.agreed_by,), days.supported_by
        own |= {tor.roles[r].access_role for r in agreed_by if r in tor.roles}
        anyone |= {tor.roles[r].access_role for r in supported_by if r in tor.roles}
    return frozenset(own), frozenset(anyone)


def _teams_arranged(membership):
    own, anyone = arranging_roles(membership.tenant_id)
    if membership.roles & anyone:
        return true()
    if membership.roles & own and membership.team_id:
        return Team.id == membership.team_id
    return None


def _meetings_arranged(membership):
    own, anyone = arranging_roles(membership.tenant_id)
    if membership.roles & anyone:
        return true()
    if membership.roles & own:
        mine = [Child.team_manager_id == membership.user_id]
        if membership.team_id:
            mine.append(Child.team_id == membership.team_id)
        return Meeting.id.in_(select(AgendaItem.meeting_id).join(Child, Child.id == AgendaItem.child_id)
                              .where(or_(*mine)))
    return None


for _role in ROLES:
    grant_visibility(Team, _role, action=ARRANGE_TRACKING)(_teams_arranged)
    grant_visibility(Meeting, _role, action=ARRANGE_TRACKING)(_meetings_arranged)


# --- adding a sitting to a panel -----------------------------------------------------------------

NEW_SITTING = "new-sitting"


def _may_add_sitting(membership, body_id: str) -> bool:
    tor = current_tor(membership.tenant_id)
    body = next((b for b in tor.bodies if b.id == body_id), None) if tor is not None else None
    if body is None or body.cadence is None or not body.cadence.extra_sittings_by:
        return True
    named = {tor.roles[r].access_role for r in body.cadence.extra_sittings_by if r in tor.roles}
    return bool(membership.roles & named)


register_named_rule(NEW_SITTING, ADD_SITTINGS, _may_add_sitting)

# --- convening a meeting for one child ---------------------------------------------------------

register_policy(Child, action=CONVENE_TRACKING)


def convening_roles(tenant_id: int) -> frozenset[str]:
    """The access roles the council's terms of reference name in any body's ``convened_by``."""
    tor = current_tor(tenant_id)
    return frozenset(tor.roles[r].access_role for body in (tor.bodies if tor is not None else ())
                     if body.kind == "tracking_meeting" for r in body.convened_by if r in tor.roles)


_TEAM_ROLES = ("team_manager", "social_worker")


def _children_convened_for(membership):
    roles = membership.roles & convening_roles(membership.tenant_id)
    if not roles:
        return None
    if roles - set(ALLOCATED):
        return true()
    clauses = [getattr(Child, ALLOCATED[role]) == membership.user_id for role in roles]
    if membership.team_id and roles & set(_TEAM_ROLES):
        clauses.append(Child.team_id == membership.team_id)
    return or_(*clauses)


for _role in ROLES:
    grant_visibility(Child, _role, action=CONVENE_TRACKING)(_children_convened_for)
