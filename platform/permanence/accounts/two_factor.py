"""Two-factor sign-in: a time-based code (RFC 6238) from an authenticator app after the password.
Each code is accepted once (the time step is kept), within one step either side for clock drift."""

from __future__ import annotations

import hmac
import re
from datetime import timedelta

import pyotp
import segno

from ..audit import services as audit
from ..core.clock import utcnow
from ..extensions import db
from ..tenancy.models import Tenant
from .models import Membership, User
from .roles import ADMINISTRATOR_ROLES
from .services import AccountError, end_sessions, password_matches

ISSUER = "Permanence"
STEP = timedelta(seconds=30)
WRONG_CODE = "The code is not right. Enter the 6-digit code your authenticator app shows now"
REQUIRED = "Your council requires administrators to use two-factor sign-in. Set it up to continue."


def is_on(user: User) -> bool:
    return bool(user.totp_secret)


def new_secret() -> str:
    return pyotp.random_base32()


def usable_secret(secret: str | None) -> str | None:
    """``secret`` if it is a setup key as ``new_secret`` makes them (it comes back in the form)."""
    return secret if re.fullmatch(r"[A-Z2-7]{32}", secret or "") else None


def setup_uri(user: User, secret: str) -> str:
    """What the app's QR code scan reads: the secret, the account and the service's name."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    return segno.make(uri, error="m").svg_inline(scale=5, title="QR code to scan with your authenticator app")


def _accepted_step(secret: str, code: str, after: int | None) -> int | None:
    """The time step ``code`` belongs to (now, or one either side), if later than ``after``."""
    code = re.sub(r"\s+", "", code or "")
    if not re.fullmatch(r"\d{6}", code):
        return None
    totp, now = pyotp.TOTP(secret), utcnow()
    for moment in (now - STEP, now, now + STEP):
        step = totp.timecode(moment)
        if hmac.compare_digest(totp.at(moment), code) and (after is None or step > after):
            return step
    return None


def turn_on(user: User, secret: str, code: str) -> None:
    """Keep ``secret`` once the app shows a code for it; other sessions end (the caller keeps its own)."""
    if usable_secret(secret) is None:
        raise AccountError("Start again: the setup key was not recognised", field="code")
    step = _accepted_step(secret, code, None)
    if step is None:
        raise AccountError(WRONG_CODE, field="code")
    user.totp_secret, user.totp_last_step = secret, step
    end_sessions(user)
    audit.record("update", entity_type="User", entity_id=user.id, summary=f"Two-factor sign-in on for {user.email}")


def check_code(user: User, code: str) -> bool:
    """The second step of signing in; a code is used up once accepted."""
    step = _accepted_step(user.totp_secret, code, user.totp_last_step) if user.totp_secret else None
    if step is None:
        return False
    user.totp_last_step = step
    db.session.flush()
    return True


def turn_off(user: User, password: str) -> None:
    """Only with the password, so a session left open cannot weaken the account."""
    if not password_matches(user, password):
        raise AccountError("The password is not right", field="password")
    reset(user)


def reset(user: User) -> None:
    """Off, for a lost phone (the command line); the sessions end."""
    user.totp_secret = user.totp_last_step = None
    end_sessions(user)
    audit.record("update", entity_type="User", entity_id=user.id, summary=f"Two-factor sign-in off for {user.email}")


def required_of(tenant: Tenant | None, membership: Membership | None, user: User | None) -> bool:
    """Whether ``user`` must set two-factor sign-in up before anything else in ``tenant``: the council
    asks it of its administrators (those who manage its people, so a stolen password cannot)."""
    return (tenant is not None and tenant.admins_need_two_factor and membership is not None
            and user is not None and bool(membership.roles & ADMINISTRATOR_ROLES) and not is_on(user))


def set_required_for_administrators(tenant: Tenant, required: bool) -> None:
    """The council's switch. Its administrator may turn it on before setting two-factor up themselves:
    the next request sends them to set it up (``required_of``)."""
    if tenant.admins_need_two_factor == required:
        return
    tenant.admins_need_two_factor = required
    db.session.flush()
    audit.record("update", entity_type="Tenant", entity_id=tenant.id, tenant_id=tenant.id,
                 summary=f"Two-factor sign-in {'required' if required else 'no longer required'} "
                         f"for administrators of {tenant.name}")
