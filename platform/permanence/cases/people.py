"""Who holds a role for a child: the one home for 'whom do we tell', asked by drift escalation,
sign-off requests and anything else that reaches a person through the terms of reference."""

from __future__ import annotations

from ..accounts.models import User
from ..accounts.services import holders
from .models import Child

# The roles a child has one named holder of, and where the child's record names them.
ALLOCATED = {"team_manager": "team_manager_id", "iro": "iro_id", "social_worker": "social_worker_id"}


def role_holders(tor, role_id: str, child: Child | None, cache: dict | None = None, *,
                 everyone_if_unallocated: bool = True) -> list[User]:
    """The people in the ToR role ``role_id`` for ``child``: active members of the council holding
    the access role the ToR maps it to. For a role allocated per child (team manager, IRO, social
    worker) the child's own one, when they hold it, rather than everyone (with
    ``everyone_if_unallocated=False``, nobody when the child has none: a child's record is never sent
    to every team manager). ``cache`` keeps the holders of each access role across calls in one run."""
    role = tor.roles.get(role_id) if tor is not None else None
    if role is None:
        return []
    cache = cache if cache is not None else {}
    people = cache.get(role.access_role)
    if people is None:
        people = cache[role.access_role] = holders(role.access_role, by_email=True)
    field = ALLOCATED.get(role.access_role)
    allocated_id = getattr(child, field) if field and child is not None else None
    own = [u for u in people if u.id == allocated_id]
    if field and child is not None and not everyone_if_unallocated:
        return own
    return own or people
