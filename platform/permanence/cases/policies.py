"""Object rules for a child's record, registered with the one permission module.

A social worker sees the children allocated to them or their team, a team manager
their team's, an IRO the children they review; the panels feature adds the
children on the agendas of panels a member sits on.
"""

from sqlalchemy import or_

from ..accounts.permissions import grant_visibility, register_policy
from ..accounts.roles import SEES_ALL_CHILDREN
from .models import Child

register_policy(Child, sees_all_roles=SEES_ALL_CHILDREN)


def _member_or_their_team(column):
    """Children whose ``column`` names the member, or who belong to the member's team."""

    def criterion(membership):
        clauses = [column == membership.user_id]
        if membership.team_id:
            clauses.append(Child.team_id == membership.team_id)
        return or_(*clauses)

    return criterion


grant_visibility(Child, "social_worker")(_member_or_their_team(Child.social_worker_id))
grant_visibility(Child, "team_manager")(_member_or_their_team(Child.team_manager_id))


@grant_visibility(Child, "iro")
def reviewed(membership):
    return Child.iro_id == membership.user_id
