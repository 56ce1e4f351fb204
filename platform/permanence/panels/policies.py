"""Object rules for panel business, registered with the one permission module.

An agenda item is about children, so a member sees the items of the children they may see.
A member who holds a seat on a panel (``PanelMember``) also sees the children on that panel's
agendas once they are booked, so a partner agency's member reads them through the platform;
a member the chair ruled must leave an item does not get that child through the seat.
"""

from sqlalchemy import and_, exists, or_, select

from ..accounts.permissions import grant_visibility, register_policy, visible
from ..accounts.roles import ROLES, SEES_ALL_CHILDREN
from ..cases.models import Child
from .models import AgendaItem, Declaration, ItemStatus, Meeting, PanelMember, Ruling

register_policy(AgendaItem, sees_all_roles=SEES_ALL_CHILDREN)

ON_THE_AGENDA = (ItemStatus.BOOKED, ItemStatus.HEARD, ItemStatus.DEFERRED, ItemStatus.NOT_HEARD)


def _items_of_visible_children(membership):
    children = visible(select(Child.id), Child)
    groups = select(Child.sibling_group_id).where(Child.id.in_(children), Child.sibling_group_id.is_not(None))
    return or_(AgendaItem.child_id.in_(children), AgendaItem.sibling_group_id.in_(groups))


def items_seen_through_a_seat(user_id: int):
    """Booked or heard items of the bodies ``user_id`` sits on, less those they were ruled out of."""
    seated = select(PanelMember.body_id).where(PanelMember.user_id == user_id, PanelMember.active.is_(True))
    ruled_out = exists().where(Declaration.agenda_item_id == AgendaItem.id, Declaration.user_id == user_id,
                               Declaration.ruling == Ruling.LEAVE)
    return (select(AgendaItem.id).join(Meeting, Meeting.id == AgendaItem.meeting_id)
            .where(Meeting.body_id.in_(seated), AgendaItem.status.in_(ON_THE_AGENDA), ~ruled_out))


def _children_on_seated_agendas(membership):
    items = items_seen_through_a_seat(membership.user_id).subquery()
    on_item = select(AgendaItem.child_id).where(AgendaItem.id.in_(select(items.c.id)))
    in_group = (select(Child.id).join(AgendaItem, and_(AgendaItem.sibling_group_id == Child.sibling_group_id))
                .where(AgendaItem.id.in_(select(items.c.id))))
    return or_(Child.id.in_(on_item), Child.id.in_(in_group))


def _seated_items(membership):
    return AgendaItem.id.in_(items_seen_through_a_seat(membership.user_id))


for _role in ROLES:
    grant_visibility(AgendaItem, _role)(_items_of_visible_children)
    grant_visibility(AgendaItem, _role)(_seated_items)
    grant_visibility(Child, _role)(_children_on_seated_agendas)
