"""Which membership of this council the signed-in user holds: the 'who, in which council' step
of the request pipeline, after ``tenancy.resolver`` has found the council."""

from __future__ import annotations

from flask import g
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload

from ..extensions import db
from .models import Membership


def load_membership():
    """before_request, after authentication: the signed-in user's membership of this tenant."""
    if g.get("tenant") is None:
        return
    user = g.get("api_user") or (current_user if current_user.is_authenticated else None)
    if user is not None:
        g.membership = membership_of(user.id)


def membership_of(user_id: int) -> Membership | None:
    """One statement on every request: the roles joined in, the user (signed in a moment ago, so in
    the session already) not joined again."""
    return db.session.execute(
        select(Membership).where(Membership.user_id == user_id, Membership.active.is_(True))
        .options(lazyload(Membership.user), joinedload(Membership.role_assignments))
    ).unique().scalar_one_or_none()
