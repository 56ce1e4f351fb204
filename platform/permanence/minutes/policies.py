"""Object rule for minutes: the panel's chairs and administrators see all; a member with a seat on
the body reads the minutes of its meetings, unless the chair ruled them out of an item of that
meeting (they read the decision records they may see instead)."""

from sqlalchemy import select

from ..accounts.permissions import grant_visibility, register_policy
from ..accounts.roles import ROLES, SEES_ALL_CHILDREN
from ..panels.models import Declaration, Meeting, Minutes, PanelMember, Ruling

register_policy(Minutes, sees_all_roles=SEES_ALL_CHILDREN)


def _seated_not_ruled_out(membership):
    seated = select(PanelMember.body_id).where(PanelMember.user_id == membership.user_id,
                                               PanelMember.active.is_(True))
    ruled_out = select(Declaration.meeting_id).where(Declaration.user_id == membership.user_id,
                                                     Declaration.ruling == Ruling.LEAVE)
    meetings = select(Meeting.id).where(Meeting.body_id.in_(seated), Meeting.id.not_in(ruled_out))
    return Minutes.meeting_id.in_(meetings)


for _role in ROLES:
    grant_visibility(Minutes, _role)(_seated_not_ruled_out)
