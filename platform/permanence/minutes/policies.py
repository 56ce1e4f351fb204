"""Object rule for minutes: the panel's chairs and administrators see all; a member with a seat on
the body reads the minutes of its meetings, unless the chair ruled them out of an item of that
meeting (they read the decision records they may see instead). The minutes of a child's own
tracking meeting are also read by the child's social worker, team manager and IRO, who were
invited to it (``panels.tracking_invites``)."""

from sqlalchemy import or_, select

from ..accounts.permissions import grant_visibility, register_policy
from ..accounts.roles import ROLES, SEES_ALL_CHILDREN
from ..cases.models import Child
from ..panels.models import AgendaItem, Declaration, Meeting, Minutes, PanelMember, Ruling
from ..panels.tracking import tracking_bodies
from ..tor.services import current_tor

register_policy(Minutes, sees_all_roles=SEES_ALL_CHILDREN)


def _seated_not_ruled_out(membership):
    seated = select(PanelMember.body_id).where(PanelMember.user_id == membership.user_id,
                                               PanelMember.active.is_(True))
    ruled_out = select(Declaration.meeting_id).where(Declaration.user_id == membership.user_id,
                                                     Declaration.ruling == Ruling.LEAVE)
    meetings = select(Meeting.id).where(Meeting.body_id.in_(seated), Meeting.id.not_in(ruled_out))
    return Minutes.meeting_id.in_(meetings)


def _own_childs_tracking_meeting(membership):
    tor = current_tor(membership.tenant_id)
    bodies = [b.id for b in tracking_bodies(tor)] if tor else []
    if not bodies:
        return None
    user = membership.user_id
    theirs = select(Child.id).where(or_(Child.social_worker_id == user, Child.team_manager_id == user,
                                        Child.iro_id == user))
    meetings = (select(AgendaItem.meeting_id).join(Meeting, Meeting.id == AgendaItem.meeting_id)
                .where(Meeting.body_id.in_(bodies), AgendaItem.child_id.in_(theirs)))
    return Minutes.meeting_id.in_(meetings)


for _role in ROLES:
    grant_visibility(Minutes, _role)(_seated_not_ruled_out)
    grant_visibility(Minutes, _role)(_own_childs_tracking_meeting)
