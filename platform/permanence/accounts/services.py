"""Users, memberships, passwords and API tokens. Callers commit."""

from __future__ import annotations

from datetime import datetime
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from ..audit import services as audit
from ..core.clock import utcnow
from ..core.context import Actor, acting_as, across_all_tenants, tenant_context
from ..extensions import db
from ..notifications.kinds import ACCOUNT
from ..notifications.services import link_to, queue_email
from ..tenancy.models import Tenant, TenantStatus
from .models import ApiToken, Membership, RoleAssignment, Team, User
from .passwords import problem_with
from .roles import ROLES, guarded

# argon2id at OWASP's recommended setting (19 MiB, 2 passes, 1 lane: about 35 ms here) rather than
# argon2-cffi's default (64 MiB, 3 passes, 4 lanes: 0.25 s of both cores a time), which let a handful of
# sign-in attempts a second take a 2-core server. A stored hash of other parameters still verifies and
# is rehashed at the next sign-in (``check_needs_rehash``).
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
# Verified against when the e-mail is unknown, so a failed sign-in takes as long either way.
_DUMMY_HASH = _hasher.hash("not-a-real-password-used-for-timing")


class AccountError(ValueError):
    """Bad input for an account; the message says what and where."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def normalise_email(email: str) -> str:
    try:
        return validate_email((email or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise AccountError(f"Enter a valid email address: {exc}", field="email") from exc


def check_password_strength(password: str, *, email: str | None = None, name: str | None = None) -> None:
    """Refuse a password that is short, common, mostly repeated or the person's own name or e-mail."""
    problem = problem_with(password, email=email, name=name)
    if problem:
        raise AccountError(problem, field="password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def find_user(email: str) -> User | None:
    return db.session.execute(select(User).where(func.lower(User.email) == email.strip().lower())).scalar_one_or_none()


def user_id_for_email(email: str) -> int | None:
    """The id of the person with this e-mail address (any case), for ``notifications.preferences``."""
    return db.session.execute(select(User.id).where(func.lower(User.email) == email.strip().lower())).scalar()


def create_user(email: str, name: str, password: str | None = None, *, platform_admin: bool = False) -> User:
    email = normalise_email(email)
    if not (name or "").strip():
        raise AccountError("Enter the person's name", field="name")
    if find_user(email) is not None:
        raise AccountError(f"A user with the email address {email} already exists", field="email")
    if password is not None:
        check_password_strength(password, email=email, name=name)
    user = User(email=email, name=name.strip(), is_platform_admin=platform_admin,
                password_hash=hash_password(password) if password else None)
    db.session.add(user)
    db.session.flush()
    audit.record("create", entity_type="User", entity_id=user.id, summary=f"User {email} created")
    return user


def set_password(user: User, password: str) -> None:
    """A new password ends every session the old one opened."""
    check_password_strength(password, email=user.email, name=user.name)
    user.password_hash = hash_password(password)
    end_sessions(user)
    audit.record("update", entity_type="User", entity_id=user.id, summary=f"Password changed for {user.email}")


def change_password(user: User, current: str, new: str) -> None:
    """The signed-in person's own change: the current password first, so a borrowed session cannot."""
    if not password_matches(user, current):
        raise AccountError("The current password is not right", field="current")
    set_password(user, new)


def password_matches(user: User, password: str) -> bool:
    return bool(user.password_hash) and _verify(user.password_hash, password or "")


def end_sessions(user: User) -> None:
    """Every session and remember-me cookie of ``user`` stops working, on every device: the
    cookies carry the version (``User.get_id``) and the user loader refuses an old one."""
    user.session_version = (user.session_version or 0) + 1
    db.session.flush()


def sign_out(user: User) -> None:
    """Signing out ends the session server-side too, so a copy of the cookie is no use after."""
    end_sessions(user)
    audit.record("sign_out", entity_type="User", entity_id=user.id, summary=f"{user.email} signed out")


def user_for_session(user_id: str) -> User | None:
    """Flask-Login's user loader: the user whose session id (``"<id>:<version>"``) is current and
    who is still active; None ends the session."""
    raw_id, _, version = (user_id or "").partition(":")
    if not raw_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(raw_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def deactivate_user(user: User) -> None:
    """No more sign-ins anywhere, and the sessions open now end."""
    user.active = False
    end_sessions(user)
    audit.record("update", entity_type="User", entity_id=user.id, summary=f"{user.email} deactivated")


def deactivate_membership(membership: Membership) -> None:
    """Their access to this council ends now, not when their session times out."""
    membership.active = False
    end_sessions(membership.user)
    audit.record("deactivate", entity=membership,
                 summary=f"{membership.user.email} can no longer use Permanence in this council")


def authenticate(email: str, password: str) -> User | None:
    """The user if the e-mail and password match an active account; None otherwise, with no hint why."""
    user = find_user(email or "")
    if user is None or not user.password_hash:
        _verify(_DUMMY_HASH, password or "")
        return None
    if not _verify(user.password_hash, password or "") or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_sign_in_at = utcnow()
    return user


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def validate_roles(roles) -> list[str]:
    roles = sorted(set(roles))
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise AccountError(f"Unknown role {', '.join(unknown)}; known roles: {', '.join(ROLES)}", field="roles")
    if not roles:
        raise AccountError("Choose at least one role", field="roles")
    return roles


def refuse_platform_admin(user: User, roles) -> None:
    """The central administrator onboards councils and sees no child: they may hold no role here
    that reads children or could grant such a role, whoever asks and however (page, command line,
    invitation)."""
    if user.is_platform_admin and guarded(roles):
        names = ", ".join(ROLES[r] for r in guarded(roles))
        audit.record("role_change_refused", entity_type="User", entity_id=user.id,
                     summary=f"Refused: {user.email} is a platform administrator and cannot be given {names}")
        raise AccountError(f"{user.email} is a platform administrator, who sees no child's record: they cannot "
                           f"be given {names}. Use a separate account for work in the council.", field="roles")


def membership_in_council(user: User) -> Membership | None:
    """``user``'s membership of the current tenant, active or not."""
    return db.session.execute(select(Membership).where(Membership.user_id == user.id)).scalar_one_or_none()


def add_membership(user: User, roles, *, team: Team | None = None, job_title: str | None = None) -> Membership:
    """Give ``user`` roles in the current tenant (the tenant context decides which), at once. For
    the platform's own set-up (demo, onboarding); a person changing roles goes through
    ``accounts.grants.change_roles``, which keeps the two-person rule."""
    roles = validate_roles(roles)
    refuse_platform_admin(user, roles)
    existing = membership_in_council(user)
    membership = existing or Membership(user=user)
    if existing is not None and existing.roles - set(roles):
        end_sessions(user)  # a role taken away ends the sessions that held it
    membership.team = team
    membership.job_title = job_title
    membership.active = True
    if existing is None:
        db.session.add(membership)
        db.session.flush()
    membership.set_roles(roles)
    db.session.flush()
    return membership


def get_or_create_team(name: str) -> Team:
    team = db.session.execute(select(Team).where(Team.name == name)).scalar_one_or_none()
    if team is None:
        team = Team(name=name)
        db.session.add(team)
        db.session.flush()
    return team


def tenants_of(user: User):
    """The active tenants ``user`` belongs to, for the tenant switcher."""
    with across_all_tenants():
        return list(db.session.execute(
            select(Tenant).join(Membership, Membership.tenant_id == Tenant.id)
            .where(Membership.user_id == user.id, Membership.active.is_(True), Tenant.status == TenantStatus.ACTIVE)
            .order_by(Tenant.name)
        ).scalars())


TOKEN_PREFIX = "pmt_"


def create_api_token(user: User, name: str, *, expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """A new token for the current tenant; the secret is returned once and never stored."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise AccountError("Give the token a name of up to 100 characters", field="name")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, prefix=secret[:12], token_hash=ApiToken.hash_secret(secret),
                     expires_at=expires_at)
    db.session.add(token)
    db.session.flush()
    return token, secret


def revoke_api_token(token: ApiToken) -> None:
    token.revoked_at = utcnow()
    db.session.flush()


def user_for_token(secret: str) -> User | None:
    """The token's owner if the token belongs to the current tenant and is usable."""
    if not secret or not secret.startswith(TOKEN_PREFIX):
        return None
    token = db.session.execute(
        select(ApiToken).where(ApiToken.token_hash == ApiToken.hash_secret(secret))
    ).scalar_one_or_none()
    if token is None or not token.is_usable or not token.user.active:
        return None
    token.last_used_at = utcnow()
    return token.user


INVITATION_MAX_AGE = 7 * 24 * 3600
PASSWORD_RESET_MAX_AGE = 3600
# Each link is signed with its own salt, so an invitation's token is no use on the reset page and a
# reset's none on the invitation's: the one-hour limit of a reset cannot be stretched to seven days.
INVITATION, RESET = "set-password", "reset-password"
_MAX_AGE = {INVITATION: INVITATION_MAX_AGE, RESET: PASSWORD_RESET_MAX_AGE}


def _serializer(purpose: str):
    from flask import current_app
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=purpose)


def _fingerprint(user: User) -> str:
    return hashlib.sha256((user.password_hash or "unset").encode()).hexdigest()[:16]


def password_link_token(user: User, purpose: str = INVITATION) -> str:
    """A link token that stops working once the password is set (it carries a fingerprint of it),
    so each link is used once; ``purpose`` is ``INVITATION`` (7 days) or ``RESET`` (1 hour)."""
    return _serializer(purpose).dumps({"u": user.id, "f": _fingerprint(user)})


def user_for_password_token(token: str, purpose: str = INVITATION) -> User | None:
    """The active user a link token of ``purpose`` was made for, while it is young enough and
    their password has not changed since; None otherwise."""
    from itsdangerous import BadSignature, SignatureExpired

    try:
        data = _serializer(purpose).loads(token, max_age=_MAX_AGE[purpose])
    except (BadSignature, SignatureExpired):
        return None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) and isinstance(data.get("u"), int) else None
    if user is None or not user.active or _fingerprint(user) != data.get("f"):
        return None
    return user


def send_invitation(user: User, tenant) -> None:
    """E-mail ``user`` a link to set their password and start using ``tenant``."""
    link = link_to("accounts.set_password", token=password_link_token(user))
    with tenant_context(tenant.id):
        queue_email(
            user.email,
            f"You have been invited to Permanence for {tenant.name}",
            f"Dear {user.name},\n\nYou have been given access to Permanence for {tenant.name}.\n"
            f"Set your password within 7 days here:\n\n{link}\n\nIf you did not expect this, ignore this e-mail.\n",
            kind=ACCOUNT,
        )
        audit.record("invitation_sent", entity_type="User", entity_id=user.id,
                     summary=f"Invitation to set a password sent to {user.email}")


def send_access_notice(user: User, tenant) -> None:
    """Tell ``user``, who already has a password, that they can now use ``tenant`` too."""
    link = link_to("web.home", tenant_id=tenant.id)
    with tenant_context(tenant.id):
        queue_email(
            user.email,
            f"You have been given access to Permanence for {tenant.name}",
            f"Dear {user.name},\n\nYou have been given access to Permanence for {tenant.name}. Sign in with "
            f"your usual e-mail address and password, then choose {tenant.name}:\n\n{link}\n\n"
            "Roles that open children's records take effect when a second administrator of the council "
            "confirms them.\n",
            kind=ACCOUNT,
        )
        audit.record("access_notice_sent", entity_type="User", entity_id=user.id,
                     summary=f"{user.email} told they have access to {tenant.name}")


def _open_councils_of(user: User):
    """``tenants_of(user)`` for a request nobody is signed in to: PostgreSQL's row-level security
    shows a person's memberships in every council only to that person, so they are read as them."""
    with acting_as(Actor(user.id, user.email)):
        return tenants_of(user)


def request_password_reset(email: str, *, remote_addr: str | None = None) -> bool:
    """'Forgotten your password?': e-mail a one-hour, single-use link to an active person who belongs
    to an open council. The caller answers the same whatever this returns (True when a link was
    queued), and the work done is much the same either way: a lookup, a signed token, an audit row.

    The message is kept under the person's first open council (every e-mail belongs to one); someone
    in none, such as a platform administrator, gets nothing and asks an operator at the server."""
    address = (email or "").strip()[:254]
    user = find_user(address) if address else None
    tenants = _open_councils_of(user) if user is not None and user.active else []
    # Signed either way, so an unknown address costs about what a known one does.
    token = password_link_token(user, RESET) if tenants else _serializer(RESET).dumps({"u": 0, "f": "unset"})
    if tenants:
        link = link_to("accounts.reset_password", token=token)
        with tenant_context(tenants[0].id):
            queue_email(
                user.email,
                "Reset your Permanence password",
                f"Dear {user.name},\n\nSomeone, probably you, asked to reset the password of your Permanence "
                f"account. Choose a new password within 1 hour here:\n\n{link}\n\nThe link works once. If "
                "you did not ask, ignore this e-mail: your password has not changed.\n",
                kind=ACCOUNT,
            )
    audit.record("password_reset_requested", entity_type="User", entity_id=user.id if tenants else None,
                 summary=f"Password reset asked for {address[:200]}" + ("" if tenants else " (no link sent)"),
                 actor=Actor(None, address[:200], remote_addr))
    return bool(tenants)


def invite_tenant_admin(tenant, email: str, name: str):
    """Create (or reuse) a user, make them the tenant's administrator and e-mail a link to set
    their password. The central administrator's invitation is the confirmation a council's first
    administrator cannot get from anyone else, so it gives only ``tenant_admin``, which reads no
    child; and never to a platform administrator, who would then hold both keys."""
    user = find_user(email) or create_user(email, name)
    with tenant_context(tenant.id):
        if user.is_platform_admin:
            audit.record("role_change_refused", entity_type="User", entity_id=user.id,
                         summary=f"Refused: {user.email} is a platform administrator and cannot be "
                                 f"{tenant.name}'s administrator")
            raise AccountError(f"{user.email} is a platform administrator, so cannot also be {tenant.name}'s "
                               "administrator. Invite the person at the council who will run it.", field="email")
        existing = membership_in_council(user)
        held = existing.roles if existing is not None and existing.active else frozenset()
        add_membership(user, held | {"tenant_admin"}, team=existing.team if existing else None,
                       job_title=(existing.job_title if existing else None) or "Tenant administrator")
        send_invitation(user, tenant)
    return user


def tenant_admins(tenant):
    with tenant_context(tenant.id):
        return list(db.session.execute(
            select(Membership).join(RoleAssignment).where(RoleAssignment.role == "tenant_admin")
        ).scalars())


def holders(access_roles, *, team_ids=None, by_email: bool = False) -> list[User]:
    """The council's active people holding one of ``access_roles`` (a role id or several), in
    one of ``team_ids`` when given; by name, or by e-mail address for mail merges. The one place
    'who holds this role here' is asked."""
    roles = [access_roles] if isinstance(access_roles, str) else sorted(access_roles)
    if not roles:
        return []
    stmt = (select(User).join(Membership, Membership.user_id == User.id)
            .join(RoleAssignment, RoleAssignment.membership_id == Membership.id)
            .where(Membership.active.is_(True), User.active.is_(True), RoleAssignment.role.in_(roles)))
    if team_ids is not None:
        stmt = stmt.where(Membership.team_id.in_(sorted(team_ids)))
    order = (User.email,) if by_email else (User.name, User.email)
    return list(db.session.execute(stmt.distinct().order_by(*order)).scalars())
