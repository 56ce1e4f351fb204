"""Object rule for actions: an action is about a child, so a member sees the actions on the items
they may see; the owner always sees their own (a partner agency's member told to do something)."""

from sqlalchemy import or_, select

from ..accounts.permissions import grant_visibility, register_policy, visible
from ..accounts.roles import ROLES, SEES_ALL_CHILDREN
from ..cases.models import Child
from ..panels.models import Action, AgendaItem

register_policy(Action, sees_all_roles=SEES_ALL_CHILDREN)


def _own_or_visible(membership):
    return or_(Action.owner_id == membership.user_id,
               Action.agenda_item_id.in_(visible(select(AgendaItem.id), AgendaItem)),
               Action.child_id.in_(visible(select(Child.id), Child)))


for _role in ROLES:
    grant_visibility(Action, _role)(_own_or_visible)
