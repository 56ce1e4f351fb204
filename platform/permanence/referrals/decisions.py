"""The panel's decisions on what reaches it: the chair's ruling on a late referral, and the panel
administrator booking a submitted referral or an accepted proposal, declining a referral or
dismissing a proposal. Same conventions as ``services``: no request objects, no commit."""

from __future__ import annotations

from sqlalchemy import func, select

from ..accounts.models import User
from ..accounts.permissions import current_roles
from ..extensions import db
from ..panels.models import AgendaItem, ItemStatus
from .rules import NotAllowed, ReferralError
from .services import _log, _require_status, _tell, _text

S = ItemStatus

CHAIR_ROLES = frozenset({"chair", "vice_chair"})


def rule_on_late(item: AgendaItem, accept: bool | None, ruling: str | None, *, by: User, roles=None) -> AgendaItem:
    """The chair accepts a late referral (it goes to the panel administrator, flagged late) or
    declines it. Only a chair or vice-chair rules (the ToR's "chair's discretion")."""
    roles = current_roles() if roles is None else roles
    if not set(roles) & CHAIR_ROLES:
        raise NotAllowed("Only the chair or vice-chair decides on a late referral")
    _require_status(item, (S.LATE_PENDING,), "rule on the referral")
    if accept is None:
        raise ReferralError("accept", "Select whether the late referral is accepted")
    item.late_ruling = _text(ruling, "ruling", "Enter the reason for your decision")
    item.status = S.SUBMITTED if accept else S.DECLINED
    db.session.flush()
    verb = "accepted" if accept else "declined"
    _log(item, "late_ruling", f"{verb} the late referral: {item.late_ruling}", by)
    _tell(item.referred_by, item, f"late referral {verb}",
          f"The chair has {verb} your late referral of {item.subject_reference}.\n\n{item.late_ruling}")
    return item


def _next_position(item: AgendaItem) -> int:
    last = db.session.execute(select(func.max(AgendaItem.position)).where(
        AgendaItem.meeting_id == item.meeting_id, AgendaItem.part_id == item.part_id,
        AgendaItem.status == S.BOOKED)).scalar()
    return (last or 0) + 1


def book(item: AgendaItem, *, by: User) -> AgendaItem:
    """Put a submitted referral, or an accepted proposal, on the agenda (last in its part)."""
    _require_status(item, (S.SUBMITTED, S.PROPOSED), "book the item")
    if item.meeting.cancelled:
        raise ReferralError("meeting_id", "The meeting is cancelled: the item cannot be booked on it")
    proposal = item.status == S.PROPOSED
    item.position = _next_position(item)
    item.status = S.BOOKED
    db.session.flush()
    _log(item, "accepted" if proposal else "booked",
         f"{'accepted the proposal and booked' if proposal else 'booked'} the item on the agenda", by)
    if not proposal:
        _tell(item.referred_by, item, "referral booked",
              f"Your referral of {item.subject_reference} is booked on the agenda of the meeting on "
              f"{item.meeting.date:%A %-d %B %Y}.")
    return item


def accept_proposal(item: AgendaItem, *, by: User) -> AgendaItem:
    _require_status(item, (S.PROPOSED,), "accept the proposal")
    return book(item, by=by)


def decline(item: AgendaItem, reason: str | None, *, by: User) -> AgendaItem:
    _require_status(item, (S.SUBMITTED, S.LATE_PENDING), "decline the referral")
    item.decision = _text(reason, "reason", "Enter why the referral is declined")
    item.status = S.DECLINED
    db.session.flush()
    _log(item, "declined", f"declined the referral: {item.decision}", by)
    _tell(item.referred_by, item, "referral declined",
          f"Your referral of {item.subject_reference} is declined.\n\nReason: {item.decision}")
    return item


def dismiss(item: AgendaItem, reason: str | None, *, by: User) -> AgendaItem:
    _require_status(item, (S.PROPOSED,), "dismiss the proposal")
    item.decision = _text(reason, "reason", "Enter why the proposal is dismissed")
    item.status = S.DISMISSED
    db.session.flush()
    _log(item, "dismissed", f"dismissed the proposal: {item.decision}", by)
    return item
