"""Object rule added by the meeting's record: the named decision maker sees the items whose
recommendation the terms of reference give them to sign off (a senior manager sees no children
otherwise), so they can read what they are agreeing to."""

from ..accounts.permissions import grant_visibility
from ..accounts.roles import ROLES
from ..panels.models import AgendaItem
from ..tor.services import current_tor


def _items_to_sign_off(membership):
    tor = current_tor(membership.tenant_id)
    if tor is None:
        return None
    role_ids = [r.id for r in tor.roles.values() if r.access_role in membership.roles]
    return AgendaItem.sign_off_role.in_(role_ids) if role_ids else None


for _role in ROLES:
    grant_visibility(AgendaItem, _role)(_items_to_sign_off)
