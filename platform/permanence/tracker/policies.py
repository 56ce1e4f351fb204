"""Object rules for drift, registered with the one permission module.

Drift is about a child, so a member sees the drift of the children they may see (the
child's own rules, whatever features added to them). Senior managers see every child, so
all of the council's drift: escalations reach them by role, not by allocation, and they
must be able to acknowledge what they are told about.
"""

from sqlalchemy import select

from ..accounts.permissions import grant_visibility, register_policy, visible
from ..accounts.roles import ROLES, SEES_ALL_CHILDREN
from ..cases.models import Child
from .models import Drift

register_policy(Drift, sees_all_roles=SEES_ALL_CHILDREN)


def _through_the_child(membership):
    return Drift.child_id.in_(visible(select(Child.id), Child))


for _role in ROLES:
    grant_visibility(Drift, _role)(_through_the_child)
