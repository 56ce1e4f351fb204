"""Object rule added by referrals, registered with the one permission module.

A referral is an agenda item, seen through the panels feature's rule (the children's workers, the
panel's officers). One more person sees it here: whoever is asked to quality-assure it (the
child's team manager, the ToR's fallback when the team has none, or whom the panel administrator
chose), so a referral is never stuck with someone who cannot open it. Whether they may act on it
is ``services.may_quality_assure``. And whoever made a request (``requests``) sees it.
"""

from sqlalchemy import and_

from ..accounts.permissions import grant_visibility
from ..accounts.roles import ROLES
from ..panels.models import REQUEST_ROUTE, AgendaItem


def _asked_to_quality_assure(membership):
    return AgendaItem.qa_assignee_id == membership.user_id


def _own_requests(membership):
    """Whoever made a request follows it to its decision, though it names no child of theirs."""
    return and_(AgendaItem.entry_route == REQUEST_ROUTE, AgendaItem.referred_by_id == membership.user_id)


for _role in ROLES:
    grant_visibility(AgendaItem, _role)(_asked_to_quality_assure)
    grant_visibility(AgendaItem, _role)(_own_requests)
