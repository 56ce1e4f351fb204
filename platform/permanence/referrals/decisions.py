"""The panel's decisions on what reaches it: the chair's ruling on a late referral, and the panel
administrator booking a submitted referral or accepting a proposal (booked, or handed to the child's
social worker as a referral to complete where the ToR says so), declining a referral or dismissing
a proposal. Same conventions as ``services``: no request objects, no commit."""

from __future__ import annotations

from sqlalchemy import func, select

from ..accounts.models import User
from ..accounts.permissions import current_roles
from ..accounts.services import holders
from ..core.clock import utcnow
from ..extensions import db
from ..panels.models import AgendaItem, ItemStatus
from ..tor import role_label
from . import rules
from .rules import NotAllowed, ReferralError
from .services import _log, _require_status, _tell, _text, body_for, part_title, tor_for

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


def _noun(item: AgendaItem, of: bool = False) -> str:
    """"request" (named by its number: no child's details), else "referral" ("referral of A.B. (123)")."""
    if item.is_request:
        return item.subject_reference if of else "request"
    return f"referral of {item.subject_reference}" if of else "referral"


def _next_position(item: AgendaItem) -> int:
    last = db.session.execute(select(func.max(AgendaItem.position)).where(
        AgendaItem.meeting_id == item.meeting_id, AgendaItem.part_id == item.part_id,
        AgendaItem.status == S.BOOKED)).scalar()
    return (last or 0) + 1


def book(item: AgendaItem, *, by: User) -> AgendaItem:
    """Put a submitted referral on the agenda (last in its part); a proposal is accepted as the
    ToR says (``accept_proposal``)."""
    if item.status == S.PROPOSED:
        return accept_proposal(item, by=by)
    _require_status(item, (S.SUBMITTED,), "book the item")
    return _book(item, by=by)


def _book(item: AgendaItem, *, by: User) -> AgendaItem:
    if item.meeting.cancelled:
        raise ReferralError("meeting_id", "The meeting is cancelled: the item cannot be booked on it")
    proposal = item.status == S.PROPOSED
    item.position = _next_position(item)
    item.status = S.BOOKED
    db.session.flush()
    _log(item, "accepted" if proposal else "booked",
         f"{'accepted the proposal and booked' if proposal else 'booked'} the item on the agenda", by)
    if not proposal:
        _tell(item.referred_by, item, f"{_noun(item)} booked",
              f"Your {_noun(item, of=True)} is booked on the agenda of the meeting on "
              f"{item.meeting.date:%A %-d %B %Y}.")
    return item


def _completer(item: AgendaItem) -> User | None:
    """Who completes an accepted proposal as a referral: the child's social worker, else the
    child's team manager (active members of the council); None leaves it to the panel administrator."""
    members = {u.id: u for u in holders({"social_worker", "team_manager"})}
    for attribute in ("social_worker_id", "team_manager_id"):
        for child in item.children:
            if getattr(child, attribute) in members:
                return members[getattr(child, attribute)]
    return None


def accept_proposal(item: AgendaItem, *, by: User) -> AgendaItem:
    """Accept a proposal. Where the ToR asks accepted proposals to be completed as referrals
    (``accepted_proposals: complete_as_referral``), it becomes a draft referral of the child's social
    worker, who completes the referral form and the papers the ToR lists and sends it on to quality
    assurance (where the ToR names it); the panel administrator books it once submitted. Otherwise
    it is booked at once."""
    _require_status(item, (S.PROPOSED,), "accept the proposal")
    body = body_for(item)
    if not rules.completes_as_referral(body, item.part_id):
        return _book(item, by=by)
    if item.meeting.cancelled:
        raise ReferralError("meeting_id", "The meeting is cancelled: the proposal cannot be accepted for it")
    worker = _completer(item)
    item.status = S.DRAFT
    item.referred_by_id = worker.id if worker is not None else None
    item.referred_at = utcnow()
    db.session.flush()
    db.session.expire(item, ["referred_by"])
    qa = role_label(tor_for(item.meeting), body.referral.quality_assurance_by).lower() \
        if rules.needs_quality_assurance(body) else None
    then = f", the {qa} quality-assures it," if qa else ""
    who = worker.name if worker is not None else "the panel administrator (no social worker is allocated)"
    _log(item, "accepted", f"accepted the proposal; {who} completes the referral form and the papers{then} "
                           "and it is booked once submitted", by)
    _tell(worker, item, "a proposal for you to complete as a referral",
          f"{by.name} has accepted the proposal of {item.subject_reference} for {part_title(item)} at the meeting "
          f"on {item.meeting.date:%A %-d %B %Y}. The terms of reference ask for the referral form and the papers "
          f"first: complete them and send the referral on{' to the ' + qa + ' for quality assurance' if qa else ''}. "
          "It is booked on the agenda once submitted.")
    return item


def decline(item: AgendaItem, reason: str | None, *, by: User) -> AgendaItem:
    _require_status(item, (S.SUBMITTED, S.LATE_PENDING), "decline the referral")
    item.decision = _text(reason, "reason", "Enter why the referral is declined")
    item.status = S.DECLINED
    db.session.flush()
    _log(item, "declined", f"declined the {_noun(item)}: {item.decision}", by)
    _tell(item.referred_by, item, f"{_noun(item)} declined",
          f"Your {_noun(item, of=True)} is declined.\n\nReason: {item.decision}")
    return item


def dismiss(item: AgendaItem, reason: str | None, *, by: User) -> AgendaItem:
    _require_status(item, (S.PROPOSED,), "dismiss the proposal")
    item.decision = _text(reason, "reason", "Enter why the proposal is dismissed")
    item.status = S.DISMISSED
    db.session.flush()
    _log(item, "dismissed", f"dismissed the proposal: {item.decision}", by)
    return item
