"""Separation of duties: nobody opens children's records to themselves, or to anyone on their own.

A person's roles are changed here, for the users page and the command line alike. Removing roles
takes effect at once. A role that reads children, or the administrator's that could confirm one
(``roles.GUARDED_ROLES``), becomes a pending ``RoleGrant`` that another administrator of the
council confirms; the one who asked, and the person it is for, cannot. Nobody may widen their own
roles or move their own team. Each request and decision is e-mailed to the council's administrators
and audited (the ORM hooks record the grant rows; refusals are recorded as ``role_change_refused``).
Callers commit.
"""

from __future__ import annotations

from sqlalchemy import select

from ..audit import services as audit
from ..core.clock import utcnow
from ..core.context import current_tenant_id, tenant_context
from ..extensions import db
from ..notifications.kinds import ACCOUNT
from ..notifications.services import link_to, queue_email
from ..tenancy.models import Tenant
from .models import GrantStatus, Membership, RoleGrant, Team, User
from .roles import ADMINISTRATOR_ROLES, ROLES, guarded
from .services import (AccountError, end_sessions, holders, membership_in_council, refuse_platform_admin,
                       validate_roles)

COMMAND_LINE = "the command line"


def role_names(roles) -> str:
    return ", ".join(ROLES[r] for r in sorted(roles))


def _refuse(message: str, *, summary: str, membership: Membership | None = None, user: User | None = None,
            field: str = "roles"):
    """Record the refused attempt in the council's audit log and say why."""
    if membership is not None:
        audit.record("role_change_refused", entity=membership, summary=summary)
    else:
        audit.record("role_change_refused", entity_type="User", entity_id=getattr(user, "id", None), summary=summary)
    raise AccountError(message, field=field)


def pending_grant(membership: Membership) -> RoleGrant | None:
    return db.session.execute(select(RoleGrant).where(
        RoleGrant.membership_id == membership.id, RoleGrant.status == GrantStatus.PENDING)).scalar_one_or_none()


def pending_grants() -> list[RoleGrant]:
    """The council's grants waiting for a second administrator, oldest first."""
    return list(db.session.execute(select(RoleGrant).where(RoleGrant.status == GrantStatus.PENDING)
                                   .order_by(RoleGrant.requested_at, RoleGrant.id)).scalars())


def _is_administrator(user: User) -> bool:
    membership = membership_in_council(user)
    return membership is not None and membership.active and bool(membership.roles & ADMINISTRATOR_ROLES)


def change_roles(user: User, roles, *, by: User | None, team: Team | None = None, job_title: str | None = None,
                 notify: bool = True) -> tuple[Membership, RoleGrant | None]:
    """Give ``user`` exactly ``roles`` in the current council, as ``by`` asks (None: the command line).

    Roles already held, roles removed and other roles take effect now; guarded roles (reading
    children, or administering) wait in the returned grant for another administrator, unless the
    council has no administrator to ask (a council being set up from the command line). With
    ``notify=False`` the administrators are not e-mailed about the request: the caller tells them
    once about many (``announce_requests``, for an import)."""
    roles = set(validate_roles(roles))
    refuse_platform_admin(user, roles)
    existing = membership_in_council(user)
    held = existing.roles if existing is not None and existing.active else frozenset()
    if by is not None and by.id == user.id:
        _refuse_own_change(user, existing, held, roles, team)
    asked = guarded(roles - held)
    if asked and by is None and not holders(sorted(ADMINISTRATOR_ROLES)):
        asked = []  # nobody to ask yet: the operator at the server is the only person there is
    membership = existing or Membership(user=user)
    membership.team = team
    membership.job_title = job_title
    membership.active = True
    if existing is None:
        db.session.add(membership)
        db.session.flush()
    membership.set_roles(roles - set(asked))
    db.session.flush()
    if held - roles and not (by is not None and by.id == user.id):
        end_sessions(user)  # a role taken away ends the sessions that held it, on every device
    if by is not None and by.id == user.id:
        return membership, None  # what others asked for them stays for others to decide
    return membership, _ask(membership, asked, by, notify=notify)


def _refuse_own_change(user: User, existing: Membership | None, held, roles, team: Team | None) -> None:
    wider = sorted(roles - held)
    if wider:
        _refuse(f"You cannot give yourself roles ({role_names(wider)}). Ask another administrator of the "
                "council to do it: a third must confirm a role that reads children.",
                summary=f"Refused: asked to give themselves {role_names(wider)}", membership=existing, user=user)
    if existing is not None and existing.team_id != (team.id if team else None):
        _refuse("You cannot change your own team: it decides which children you see. Ask another "
                "administrator of the council.", summary="Refused: asked to change their own team",
                membership=existing, field="team")


def _ask(membership: Membership, asked: list[str], by: User | None, *, notify: bool = True) -> RoleGrant | None:
    """Replace the person's pending grant with one for ``asked`` (or none), and tell the administrators."""
    current = pending_grant(membership)
    if current is not None and sorted(current.roles) == asked:
        return current
    if current is not None:
        current.status = GrantStatus.WITHDRAWN
        current.decided_by_id = by.id if by else None
        current.decided_at = utcnow()
    if not asked:
        db.session.flush()
        return None
    grant = RoleGrant(membership=membership, roles=asked, status=GrantStatus.PENDING,
                      requested_by_id=by.id if by else None,
                      requested_by_label=f"{by.name} ({by.email})" if by else COMMAND_LINE, requested_at=utcnow())
    db.session.add(grant)
    db.session.flush()
    if not notify:
        return grant
    council, link = _council_name(), link_to("accounts.users")
    asker = grant.requested_by_label[:1].upper() + grant.requested_by_label[1:]
    _tell_administrators(
        f"Roles waiting for confirmation in Permanence for {council}",
        f"{asker} asked for {membership.user.name} ({membership.user.email}) to have these "
        f"roles in {council}: {role_names(asked)}.\n\nThese roles read children's records, or confirm roles "
        "that do, so they take effect only when another administrator of the council confirms them. Whoever "
        f"asked, and the person the roles are for, cannot confirm them.\n\nConfirm or refuse them on the users "
        f"page:\n\n{link}\n")
    return grant


def announce_requests(granted: list[RoleGrant], *, by: User, source: str) -> None:
    """One e-mail to the council's administrators for many requests made at once (``source``
    says how, for example "importing a file of 40 people")."""
    if not granted:
        return
    council, link = _council_name(), link_to("accounts.users")
    people = "\n".join(f"- {grant.membership.user.name} ({grant.membership.user.email}): {role_names(grant.roles)}"
                        for grant in granted)
    _tell_administrators(
        f"Roles waiting for confirmation in Permanence for {council}",
        f"{by.name} ({by.email}) asked, by {source}, for these people to have these roles in {council}:\n\n"
        f"{people}\n\nThese roles read children's records, or confirm roles that do, so they take effect only "
        "when another administrator of the council confirms them. Whoever asked, and the person the roles are "
        f"for, cannot confirm them.\n\nConfirm or refuse them on the users page:\n\n{link}\n")


def reactivate(membership: Membership, *, by: User) -> tuple[Membership, RoleGrant | None]:
    """Give a deactivated member their access back. Access is a grant like any other: the roles they
    held (and any still waiting when they left) are asked for again through ``change_roles``, so a
    role that reads children waits for a second administrator, and nobody reactivates themselves."""
    if membership.active:
        raise AccountError(f"{membership.user.name} already has access.", field="membership")
    waiting = pending_grant(membership)
    roles = membership.roles | set(waiting.roles if waiting else ())
    if not roles:
        raise AccountError(f"{membership.user.name} held no roles here. Choose their roles on their page to "
                           "give them access again.", field="roles")
    return change_roles(membership.user, roles, by=by, team=membership.team, job_title=membership.job_title)


def _may_decide(grant: RoleGrant, by: User) -> None:
    if grant.status != GrantStatus.PENDING:
        raise AccountError(f"These roles were already {grant.status.value}: nothing was changed.", field="grant")
    if not _is_administrator(by):
        raise AccountError("Only an administrator of this council can confirm or refuse roles.", field="grant")


def confirm_grant(grant: RoleGrant, *, by: User) -> Membership:
    """The second administrator agrees: the roles take effect now."""
    _may_decide(grant, by)
    membership = grant.membership
    names = role_names(grant.roles)
    if by.id == grant.requested_by_id:
        _refuse(f"You asked for {membership.user.name} to have {names}, so another administrator of the "
                "council must confirm it.", summary=f"Refused: tried to confirm their own request for {names}",
                membership=membership, field="grant")
    if by.id == membership.user_id:
        _refuse(f"You cannot confirm roles for yourself ({names}). Another administrator of the council must.",
                summary=f"Refused: tried to confirm {names} for themselves", membership=membership, field="grant")
    if not membership.active:
        raise AccountError(f"{membership.user.name} no longer has access to this council, so the roles cannot "
                           "be confirmed. Refuse them, then add the person again.", field="grant")
    refuse_platform_admin(membership.user, grant.roles)
    membership.set_roles(membership.roles | set(grant.roles))
    grant.status = GrantStatus.CONFIRMED
    grant.decided_by_id = by.id
    grant.decided_at = utcnow()
    db.session.flush()
    council, link = _council_name(), link_to("accounts.users")
    _tell_administrators(
        f"Roles confirmed in Permanence for {council}",
        f"{by.name} ({by.email}) confirmed {names} for {membership.user.name} ({membership.user.email}) in "
        f"{council}, as {grant.requested_by_label} asked. They take effect now.\n\nThe users page:\n\n{link}\n")
    return membership


def refuse_grant(grant: RoleGrant, *, by: User) -> None:
    """Any administrator, the one who asked included, may turn the roles down."""
    _may_decide(grant, by)
    membership = grant.membership
    grant.status = GrantStatus.REFUSED
    grant.decided_by_id = by.id
    grant.decided_at = utcnow()
    db.session.flush()
    council, link = _council_name(), link_to("accounts.users")
    _tell_administrators(
        f"Roles refused in Permanence for {council}",
        f"{by.name} ({by.email}) refused {role_names(grant.roles)} for {membership.user.name} "
        f"({membership.user.email}) in {council}, which {grant.requested_by_label} asked for. "
        f"Nothing was changed.\n\nThe users page:\n\n{link}\n")


def _council_name() -> str:
    return db.session.get(Tenant, current_tenant_id()).name


def _tell_administrators(subject: str, body: str) -> None:
    """E-mail each administrator of the council: names, e-mail addresses and roles, never a child."""
    for admin in holders(sorted(ADMINISTRATOR_ROLES), by_email=True):
        queue_email(admin.email, subject, f"Dear {admin.name},\n\n{body}", kind=ACCOUNT)


def grant_with_invitation(tenant: Tenant, user: User, roles, *, by: User) -> RoleGrant | None:
    """Roles the central administrator gives a council administrator they invite, beside
    ``tenant_admin`` (the roles the council's terms of reference name for running its panels: the
    caller offers which). ``by`` must be a platform administrator, who holds no role anywhere, and
    ``user`` already invited (``services.invite_tenant_admin``).

    With no other administrator in the council, the central administrator is the second person the
    rule asks for (the person the roles are for did not ask), so the roles take effect now, recorded
    as a grant they asked for and confirmed. Once the council has an administrator of its own, the
    roles wait as a pending grant for the council's administrators to confirm, like any request.
    Either way the administrators are told and the grant's rows audited. Returns the grant, or None
    when nothing new was asked."""
    with tenant_context(tenant.id):
        if not by.is_platform_admin:
            _refuse("Only the central administrator gives roles with an invitation.",
                    summary=f"Refused: {by.email} is not a platform administrator", user=user)
        if by.id == user.id:
            _refuse("You cannot give yourself roles.", summary="Refused: asked to give themselves roles", user=user)
        roles = set(validate_roles(roles)) if roles else set()
        refuse_platform_admin(user, roles)
        membership = membership_in_council(user)
        if membership is None or not membership.active:
            raise AccountError(f"{user.email} is not an administrator of {tenant.name}: invite them first.",
                               field="roles")
        asked = sorted(roles - membership.roles)
        if not asked:
            return None
        if any(admin.id != user.id for admin in holders(sorted(ADMINISTRATOR_ROLES))):
            return _ask(membership, asked, by)
        now = utcnow()
        grant = RoleGrant(membership=membership, roles=asked, status=GrantStatus.CONFIRMED, requested_by_id=by.id,
                          requested_by_label=f"{by.name} ({by.email}), central administrator", requested_at=now,
                          decided_by_id=by.id, decided_at=now)
        db.session.add(grant)
        membership.set_roles(membership.roles | set(asked))
        db.session.flush()
        _tell_administrators(
            f"Roles given with your invitation to Permanence for {tenant.name}",
            f"{by.name} ({by.email}), the central administrator, gave {user.name} ({user.email}) these roles in "
            f"{tenant.name} with the invitation to administer it: {role_names(asked)}.\n\nThey read children's "
            "records. The council had no other administrator to confirm them, so the central administrator's "
            f"confirmation stands; they take effect now.\n\nThe users page:\n\n{link_to('accounts.users')}\n")
        return grant
