"""The meeting's record of one item: discussion, confirmations, the outcome from the terms of
reference, the decision, the next review and escalation; a named decision maker's sign-off;
deferral to the next sitting; and an item the meeting did not hear.

Every booked item ends the meeting HEARD (recorded), DEFERRED or NOT_HEARD, so the minutes are
complete (``minutes.services.approve_minutes`` refuses otherwise). Deferring books the child at
the next sitting; an item not heard is proposed there instead, for the panel administrator to
book or dismiss. At a per-child tracking meeting "the next sitting" is the child's own next
tracking meeting, booked from the tracker's due date as the daily job books it.

Recording moves a BOOKED item to HEARD. An outcome whose ``only_when`` does not hold for the item
(``meetings.conditions``: a role not recorded present, a child the rule leaves out) is refused
with the reason. What an outcome does next (book the next tracking meeting, refer on, close
tracking) is ``panels.tracking.after_outcome``; it runs when the outcome stands: at once, or,
when the outcome ``requires_sign_off_by`` a role, once the decision maker agrees. The dates an
outcome ``sets_dates`` are stored with the item (``meetings.agreed_dates``) and reach the tracker
when the outcome stands too. Nothing here commits; e-mails are queued and go after the caller's
commit.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from ..accounts.models import User
from ..accounts.permissions import visible
from ..cases.models import Child
from ..cases.people import role_holders
from ..core.clock import utcnow
from ..core.signals import outcome_stands
from ..extensions import db
from ..notifications.kinds import DECISIONS, ESCALATION
from ..notifications.services import link_to, queue_email
from ..panels.models import AgendaItem, ItemStatus, Meeting, MeetingStatus
from ..panels.services import body_of
from ..panels.tracking import TRACKING, after_outcome, book_tracking_meeting
from ..referrals.proposals import propose_again, propose_at_next_sitting
from ..referrals.rules import money, pounds
from ..tor import role_label
from ..tor.services import current_tor
from ..tracker.services import recompute_children
from .agreed_dates import item_dates, replace_dates
from .conditions import why_not
from .services import MAX_TEXT, MeetingError, MeetingStateError, NotAllowedError, _text, tor_for

RECORDABLE = (ItemStatus.BOOKED, ItemStatus.HEARD)
REVIEW_ROUTE = "agreed_at_previous_meeting"
AWAITING, AGREED, NOT_AGREED, NOT_NEEDED = "awaiting", "agreed", "not_agreed", "not_needed"


def outcome_of(item: AgendaItem):
    """The ToR OutcomeOption recorded for the item, or None."""
    if not item.outcome_id:
        return None
    return next((o for o in body_of(item.meeting).outcomes if o.id == item.outcome_id), None)


def sign_off_state(item: AgendaItem) -> str:
    """``not_needed``, ``awaiting``, ``agreed`` or ``not_agreed``: whether the decision stands yet."""
    if not item.sign_off_role:
        return NOT_NEEDED
    if item.sign_off_agreed is None:
        return AWAITING
    return AGREED if item.sign_off_agreed else NOT_AGREED


def sign_off_text(item: AgendaItem) -> str:
    """How the decision record states the sign-off, in the council's words for the role."""
    state = sign_off_state(item)
    if state == NOT_NEEDED:
        return ""
    who = role_label(tor_for(item.meeting), item.sign_off_role)
    if state == AWAITING:
        return f"Awaiting sign-off by {who}: this recommendation is not yet agreed"
    by = item.signed_off_by.name if item.signed_off_by else who
    when = item.signed_off_at.strftime("%-d %B %Y") if item.signed_off_at else ""
    verb = "Agreed" if state == AGREED else "Not agreed"
    return f"{verb} by {by} ({who}) on {when}" + (f": {item.sign_off_note}" if item.sign_off_note else "")


def _yes_no(value, field: str, question: str) -> bool:
    if not isinstance(value, bool):
        raise MeetingError(field, f"Select yes if {question}, or no")
    return value


def _conditions(outcome, value) -> str:
    """The conditions of an outcome that needs them (``needs_conditions``); none for another."""
    text = _text(value, "conditions", MAX_TEXT)
    if outcome.needs_conditions and not text:
        raise MeetingError("conditions", f"Enter the conditions: the outcome '{outcome.label}' needs them")
    return text if outcome.needs_conditions else ""


def _amount(value):
    """A request's amount agreed in pounds (optional: none is agreed for a refusal)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return Decimal(money(value, "The amount agreed"))
    except ValueError as exc:
        raise MeetingError("amount_agreed", str(exc)) from None


def _clean_request(item: AgendaItem, data: dict, outcome) -> dict:
    """A request's record: the outcome, its conditions, the amount agreed and the notes. No care plan,
    legal status or review: a request is not a child's case."""
    escalate = data.get("escalate", False)
    escalate = _yes_no(escalate, "escalate", "the item is escalated")
    reason = _text(data.get("escalation_reason"), "escalation_reason", MAX_TEXT)
    if escalate and not reason:
        raise MeetingError("escalation_reason", "Enter why the item is escalated")
    return {
        "discussion": _text(data.get("discussion"), "discussion", MAX_TEXT),
        "care_plan_confirmed": None, "legal_status_confirmed": None,
        "outcome": outcome,
        "conditions": _conditions(outcome, data.get("conditions")),
        "amount_agreed": _amount(data.get("amount_agreed")),
        "decision": _text(data.get("decision"), "decision", MAX_TEXT),
        "next_review_on": None,
        "escalate": escalate,
        "escalation_reason": reason if escalate else "",
    }


def _clean(item: AgendaItem, data: dict, today: date) -> dict:
    body = body_of(item.meeting)
    outcome_id = data.get("outcome_id")
    outcome = next((o for o in body.outcomes_for(item.part_id) if o.id == outcome_id), None)
    if outcome is None:
        raise MeetingError("outcome_id", "Select an outcome from the terms of reference")
    changed = item.status != ItemStatus.HEARD or item.outcome_id != outcome.id
    reason = why_not(item, outcome) if changed else ""
    if reason:
        raise MeetingError("outcome_id", f"“{outcome.label}” cannot be recorded. {reason}.")
    if item.is_request:
        return {**_clean_request(item, data, outcome), "agreed_dates": {}}
    next_review_on = data.get("next_review_on")
    if next_review_on is not None and not isinstance(next_review_on, date):
        raise MeetingError("next_review_on", "Enter a real date for the next review")
    if next_review_on is not None and next_review_on <= item.meeting.date:
        raise MeetingError("next_review_on", "The next review must be after the meeting")
    escalate = _yes_no(data.get("escalate"), "escalate", "the item is escalated")
    escalation_reason = _text(data.get("escalation_reason"), "escalation_reason", MAX_TEXT)
    if escalate and not escalation_reason:
        raise MeetingError("escalation_reason", "Enter why the item is escalated")
    return {
        "discussion": _text(data.get("discussion"), "discussion", MAX_TEXT),
        "care_plan_confirmed": _yes_no(data.get("care_plan_confirmed"), "care_plan_confirmed",
                                       "the care plan was confirmed"),
        "legal_status_confirmed": _yes_no(data.get("legal_status_confirmed"), "legal_status_confirmed",
                                          "the legal status was confirmed"),
        "outcome": outcome,
        "conditions": _conditions(outcome, data.get("conditions")),
        "decision": _text(data.get("decision"), "decision", MAX_TEXT, "Enter the decision"),
        "next_review_on": next_review_on,
        "escalate": escalate,
        "escalation_reason": escalation_reason if escalate else "",
        "agreed_dates": _agreed_dates(item, outcome, data.get("agreed_dates") or {}, changed, today),
    }


def _agreed_dates(item: AgendaItem, outcome, given: dict, changed: bool, today: date) -> dict[str, date]:
    """The date the meeting agreed for each of the outcome's ``sets_dates``: each required, a real
    date after the meeting and not in the past. Re-sending a heard item's record as it stands keeps
    the dates it has."""
    kept = {} if changed else item_dates(item)
    dates = {}
    for agreed in outcome.sets_dates:
        value = given.get(agreed.id, kept.get(agreed.id))
        field, what = f"agreed_dates.{agreed.id}", agreed.label[:1].lower() + agreed.label[1:]
        if value is None or value == "":
            raise MeetingError(field, f"Enter the date agreed for {what}")
        if not isinstance(value, date):
            raise MeetingError(field, f"The date agreed for {what} must be a real date, for example 27/3/2027")
        if value <= item.meeting.date:
            raise MeetingError(field, f"The date agreed for {what} must be after the meeting "
                                      f"({item.meeting.date:%-d %B %Y})")
        if value < today and value != kept.get(agreed.id):
            raise MeetingError(field, f"The date agreed for {what} must not be in the past")
        dates[agreed.id] = value
    return dates


def _check_recordable(item: AgendaItem, today: date) -> None:
    meeting = item.meeting
    if meeting.cancelled:
        raise MeetingStateError("The meeting was cancelled; move the item to another sitting instead")
    if item.status not in RECORDABLE:
        raise MeetingStateError(f"Only an item on the agenda can be recorded; this one is {item.status.value}")
    if meeting.date > today:
        raise MeetingStateError(f"The meeting is on {meeting.date:%-d %B %Y}; its items are recorded from that day")


def record_item(item: AgendaItem, data: dict, *, by: User, today: date) -> AgendaItem:
    """Record the meeting's consideration of ``item`` (fields of ``_clean``); the item is HEARD.
    A changed outcome that needs sign-off asks its decision maker again; escalating tells the
    first step of the body's escalation ladder. Every field is checked before anything changes; a
    heard item's record sent back as it stands changes nothing (the API's PUT takes its GET)."""
    _check_recordable(item, today)
    clean = _clean(item, data, today)
    outcome = clean.pop("outcome")
    dates = clean.pop("agreed_dates")
    recorded_dates = item_dates(item)
    same_dates = dates == recorded_dates
    if item.status == ItemStatus.HEARD and item.outcome_id == outcome.id and same_dates and all(
            getattr(item, key) == value for key, value in clean.items()):
        return item  # the record sent back as it stands: not a new recording, nothing to stamp or tell
    if sign_off_state(item) == AGREED and (outcome.id != item.outcome_id or clean["decision"] != item.decision
                                           or not same_dates):
        raise MeetingStateError("The decision maker has agreed this recommendation; its outcome, decision and "
                                "dates can no longer be changed (record a new item instead)")
    changed_outcome = item.outcome_id != outcome.id or item.status != ItemStatus.HEARD
    newly_escalated = clean["escalate"] and not item.escalate
    for key, value in clean.items():
        if getattr(item, key) != value:
            setattr(item, key, value)
    item.outcome_id = outcome.id
    item.status = ItemStatus.HEARD
    item.recorded_by_id, item.recorded_at = by.id, utcnow()
    if changed_outcome:
        item.sign_off_role = outcome.requires_sign_off_by
        item.signed_off_by_id = item.signed_off_at = item.sign_off_agreed = None
        item.sign_off_note = ""
    db.session.flush()
    if not same_dates:
        replace_dates(item, outcome, dates, by_id=by.id)  # in force once the outcome stands
    if not same_dates or (changed_outcome and (dates or recorded_dates)):
        recompute_children([c.id for c in item.children], today)  # the dates in force changed
    if changed_outcome and outcome.requires_sign_off_by:
        _ask_for_sign_off(item, outcome)
    elif changed_outcome:
        _outcome_stands(item, outcome, today)
    if newly_escalated:
        escalate_item(item)
    if clean["next_review_on"] is not None:
        _propose_review(item, clean["next_review_on"])
    return item


def _outcome_stands(item: AgendaItem, outcome, today: date) -> None:
    """What follows a decision that stands: the outcome's next steps for a child's item; for a
    request, its requester is told (a request never books, refers or closes a child's tracking)."""
    if item.is_request:
        tell_requester(item, outcome)
    else:
        after_outcome(item, outcome, today=today)
    outcome_stands.send(item)  # e.g. the decision record goes to the case record system (deliveries)


def tell_requester(item: AgendaItem, outcome) -> None:
    """E-mail the person who made a request the decision on it: the outcome, its conditions and
    the amount agreed, with a link; no child's details (the request is named by its number)."""
    user = item.referred_by
    if user is None or not user.active:
        return
    body = body_of(item.meeting)
    lines = [f"Dear {user.name},", "",
             f"The {body.name} decided your {item.subject_reference} ({_part_title(body, item.part_id)}) at its "
             f"meeting on {item.meeting.date:%A %-d %B %Y}.", "", f"Decision: {outcome.label}"]
    if item.conditions:
        lines.append(f"Conditions: {item.conditions}")
    if item.amount_agreed is not None:
        lines.append(f"Amount agreed: {pounds(item.amount_agreed)}")
    lines += ["", f"The record: {link_to('meetings.item_record', agenda_item_id=item.id)}", "", body.name]
    queue_email(user.email, f"{body.name}: decision on your {item.subject_reference}", "\n".join(lines) + "\n",
                kind=DECISIONS)


def _part_title(body, part_id: str) -> str:
    try:
        return body.part(part_id).title
    except KeyError:
        return part_id


def _propose_review(item: AgendaItem, on_or_after: date) -> None:
    """Put the child forward for the first sitting on or after the review date, when the body takes
    items agreed at a previous meeting."""
    body = body_of(item.meeting)
    if not any(REVIEW_ROUTE in part.entry_routes for part in body.agenda_parts):
        return
    propose_at_next_sitting(item, on_or_after=on_or_after,
                            reason=f"Review agreed at the meeting of {item.meeting.date:%-d %B %Y}: "
                                   f"{item.decision[:200]}")


def _child_of(item: AgendaItem) -> Child | None:
    return item.children[0] if item.children else None


def decision_makers(item: AgendaItem) -> list[User]:
    """Who may sign off the item: the council's active members holding the access role that the
    terms of reference give the sign-off role (the child's own one for a per-child role)."""
    if not item.sign_off_role:
        return []
    return role_holders(tor_for(item.meeting), item.sign_off_role, _child_of(item))


def _ask_for_sign_off(item: AgendaItem, outcome) -> None:
    tor = tor_for(item.meeting)
    body = body_of(item.meeting)
    who = role_label(tor, item.sign_off_role)
    for user in decision_makers(item):
        queue_email(
            user.email, f"Sign-off needed: {body.name} recommendation of {item.meeting.date:%-d %B %Y}",
            f"Dear {user.name},\n\n"
            f"The {body.name} made a recommendation that the terms of reference say needs the agreement of "
            f"the {who}.\n\n"
            f"Item: {item.id} ({len(item.children)} child{'ren' if len(item.children) != 1 else ''})\n"
            f"Outcome: {outcome.label}\n"
            f"Recommendation: {item.decision}\n\n"
            f"Until you agree, the decision record says it is not yet agreed. Sign in to Permanence to agree or "
            f"disagree: {link_to('meetings.sign_off', agenda_item_id=item.id)}\n", kind=DECISIONS)


def may_sign_off(item: AgendaItem, access_roles) -> bool:
    """Whether a member with ``access_roles`` holds the access role the ToR gives the sign-off role."""
    role = tor_for(item.meeting).roles.get(item.sign_off_role) if item.sign_off_role else None
    return role is not None and role.access_role in set(access_roles)


def awaiting_sign_off(access_roles, limit: int = 100) -> list[AgendaItem]:
    """Heard items whose recommendation waits for the agreement of a decision maker holding
    ``access_roles`` (the member's), among the items the member may see; oldest meeting first."""
    items = db.session.execute(
        visible(select(AgendaItem), AgendaItem).join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(AgendaItem.status == ItemStatus.HEARD, AgendaItem.sign_off_role.is_not(None),
               AgendaItem.sign_off_agreed.is_(None))
        .order_by(Meeting.date, AgendaItem.id).limit(limit)).scalars().all()
    return [item for item in items if may_sign_off(item, access_roles)]


def sign_off_item(item: AgendaItem, agree, note, *, by: User, access_roles, today: date) -> AgendaItem:
    """The named decision maker agrees (the outcome then takes effect) or disagrees (with a note; the
    person who recorded the item is told). Only a holder of the sign-off role's access role may."""
    if not isinstance(agree, bool):
        raise MeetingError("agree", "Select whether you agree with the recommendation")
    note = _text(note, "note", MAX_TEXT, None if agree else "Enter why you do not agree")
    if sign_off_state(item) == NOT_NEEDED or item.status != ItemStatus.HEARD:
        raise MeetingStateError("This item does not need anyone's sign-off")
    if sign_off_state(item) != AWAITING:
        raise MeetingStateError(f"This recommendation was already {'agreed' if item.sign_off_agreed else 'not agreed'}")
    tor = tor_for(item.meeting)
    if not may_sign_off(item, access_roles):
        raise NotAllowedError(f"Only the {role_label(tor, item.sign_off_role)} signs off this recommendation")
    role = tor.roles[item.sign_off_role]
    item.signed_off_by_id, item.signed_off_at, item.sign_off_note = by.id, utcnow(), note
    item.sign_off_agreed = agree
    db.session.flush()
    if agree:
        _outcome_stands(item, outcome_of(item), today)
        if item_dates(item):
            recompute_children([c.id for c in item.children], today)  # the dates agreed are now in force
    elif item.recorded_by is not None:
        queue_email(item.recorded_by.email, f"Recommendation not agreed: item {item.id}",
                    f"Dear {item.recorded_by.name},\n\n{by.name} ({role.label}) does not agree with the "
                    f"recommendation recorded for item {item.id} at the meeting of "
                    f"{item.meeting.date:%-d %B %Y}.\n\nTheir note: {note}\n\n"
                    f"The record: {link_to('meetings.item_record', agenda_item_id=item.id)}\n", kind=DECISIONS)
    return item


def escalate_item(item: AgendaItem) -> list[str]:
    """Tell the first step of the body's escalation ladder (``body.escalation``) about the item;
    returns the addresses told. The item keeps ``escalate`` and the reason, which are audited."""
    tor = tor_for(item.meeting)
    body = body_of(item.meeting)
    if not body.escalation:
        return []
    try:
        ladder = tor.ladder(body.escalation)
    except KeyError:
        return []
    step = ladder.steps[0]
    who = step.title or role_label(tor, step.role)
    told = []
    for user in role_holders(tor, step.role, _child_of(item)):
        queue_email(user.email, f"Escalated by the {body.name}: item {item.id} of {item.meeting.date:%-d %B %Y}",
                    f"Dear {user.name},\n\nThe {body.name} escalated an item to you ({who}, the first step of "
                    f"{ladder.label}).\n\nReason: {item.escalation_reason}\nDecision: {item.decision}\n\n"
                    f"Sign in to Permanence to read the record: {link_to('meetings.item_record', agenda_item_id=item.id)}\n",
                    kind=ESCALATION)
        told.append(user.email)
    return told


def escalation_step_label(item: AgendaItem) -> str:
    """Who an escalation from this body goes to, in the council's words; empty when none is set."""
    tor = tor_for(item.meeting)
    body = body_of(item.meeting)
    try:
        step = tor.ladder(body.escalation).steps[0] if body.escalation else None
    except KeyError:
        step = None
    return (step.title or role_label(tor, step.role)) if step else ""


def next_sitting(meeting: Meeting) -> Meeting | None:
    """The body's next scheduled sitting after ``meeting``."""
    return db.session.execute(
        select(Meeting).where(Meeting.body_id == meeting.body_id, Meeting.status == MeetingStatus.SCHEDULED,
                              Meeting.date > meeting.date).order_by(Meeting.date, Meeting.id).limit(1)
    ).scalar_one_or_none()


def _check_closable(item: AgendaItem, doing: str, today: date) -> None:
    if item.status != ItemStatus.BOOKED:
        raise MeetingStateError(f"Only a booked item can be {doing}; this one is {item.status.label.lower()}")
    if item.meeting.cancelled:
        raise MeetingStateError("The meeting was cancelled; move the item to another sitting instead")


def _next_tracking_meeting(item: AgendaItem, today: date, *, reason: str) -> AgendaItem | None:
    """The child's next tracking meeting of the item's body, booked as the daily job books it (on
    the tracker's due date); None when no cadence applies any more or the body is gone."""
    tor = current_tor(item.meeting.tenant_id)
    body = next((b for b in tor.bodies if b.id == item.meeting.body_id), None) if tor else None
    if body is None or item.child is None:
        return None
    booked = book_tracking_meeting(item.child, body, today=today, entry_route=item.entry_route[:40], reason=reason)
    if booked is not None and booked.carried_from_id is None:
        booked.carried_from_id = item.id
        db.session.flush()
    return booked


def defer_item(item: AgendaItem, reason, *, by: User, today: date) -> AgendaItem:
    """Defer a booked item: it is DEFERRED with the reason, and booked again at the body's next
    sitting (``carried_from_id``); at a tracking meeting, the child's next tracking meeting is
    booked. Returns the new item."""
    reason = _text(reason, "reason", MAX_TEXT, "Enter why the item is deferred")
    _check_closable(item, "deferred", today)
    if body_of(item.meeting).kind == TRACKING:
        item.status = ItemStatus.DEFERRED
        item.recorded_by_id, item.recorded_at = by.id, utcnow()
        carried = _next_tracking_meeting(item, today, reason=f"Deferred on {item.meeting.date:%-d %B %Y}: {reason}")
        if carried is None:
            raise MeetingStateError("No later tracking meeting can be booked for the child: no tracking cadence "
                                    "applies to them now")
        item.decision = f"Deferred to {carried.meeting.date:%-d %B %Y}: {reason}"
        db.session.flush()
        return carried
    target = next_sitting(item.meeting)
    if target is None:
        raise MeetingStateError(f"There is no later sitting of the {body_of(item.meeting).name}; add one first")
    try:
        body_of(target).part(item.part_id)
    except KeyError:
        raise MeetingStateError("The next sitting's terms of reference have no such agenda part") from None
    last = db.session.execute(select(func.max(AgendaItem.position)).where(
        AgendaItem.meeting_id == target.id, AgendaItem.part_id == item.part_id)).scalar()
    carried = AgendaItem(
        meeting_id=target.id, part_id=item.part_id, child_id=item.child_id, sibling_group_id=item.sibling_group_id,
        entry_route=item.entry_route, status=ItemStatus.BOOKED, answers=dict(item.answers or {}), reason=item.reason,
        referred_by_id=item.referred_by_id, referred_at=item.referred_at,
        quality_assured_by_id=item.quality_assured_by_id, quality_assured_at=item.quality_assured_at,
        submitted_at=item.submitted_at, carried_from_id=item.id, position=(last or 0) + 1,
        minutes_allowed=item.minutes_allowed, presenter_id=item.presenter_id,
        second_presenter_id=item.second_presenter_id)
    db.session.add(carried)
    item.status = ItemStatus.DEFERRED
    item.decision = f"Deferred to {target.date:%-d %B %Y}: {reason}"
    item.recorded_by_id, item.recorded_at = by.id, utcnow()
    db.session.flush()
    return carried


def mark_not_heard(item: AgendaItem, reason, *, by: User, today: date) -> AgendaItem | None:
    """The meeting did not hear a booked item (not reached, the presenter absent, papers missing): it
    is NOT_HEARD with the reason, so the minutes can be completed. What happens to the child next: at
    a panel, they are PROPOSED at the body's next sitting (carried from this item) for the panel
    administrator to book or dismiss, since the reason decides whether they should come back; at a
    tracking meeting, the child's next tracking meeting is booked. Returns that item, or None when
    there is no later sitting (or no cadence) yet: the administrator then adds the child by hand."""
    reason = _text(reason, "reason", MAX_TEXT, "Enter why the item was not heard")
    _check_closable(item, "marked not heard", today)
    meeting = item.meeting
    if meeting.date > today:
        raise MeetingStateError(f"The meeting is on {meeting.date:%-d %B %Y}; an item is marked not heard from "
                                "that day (before it, move or withdraw the item)")
    item.status = ItemStatus.NOT_HEARD
    item.recorded_by_id, item.recorded_at = by.id, utcnow()
    db.session.flush()
    why = f"Not heard at the meeting of {meeting.date:%-d %B %Y}: {reason}"
    if body_of(meeting).kind == TRACKING:
        following = _next_tracking_meeting(item, today, reason=why)
    else:
        target = next_sitting(meeting)
        following = propose_again(item, target, reason=why) if target is not None else None
    if following is None:
        item.decision = f"Not heard: {reason}. No later sitting is scheduled yet."
    elif following.status == ItemStatus.BOOKED:
        item.decision = f"Not heard: {reason}. Booked again for {following.meeting.date:%-d %B %Y}."
    else:
        item.decision = f"Not heard: {reason}. Proposed again for {following.meeting.date:%-d %B %Y}."
    db.session.flush()
    return following


def carried_to(item: AgendaItem) -> AgendaItem | None:
    """Where a deferred or not-heard item went: the item carried from it (booked or proposed)."""
    if item.status not in (ItemStatus.DEFERRED, ItemStatus.NOT_HEARD):
        return None
    return db.session.execute(select(AgendaItem).where(AgendaItem.carried_from_id == item.id)
                              .order_by(AgendaItem.id).limit(1)).scalar_one_or_none()


def not_heard_text(item: AgendaItem, following: AgendaItem | None) -> str:
    """What the page says once an item is marked not heard: what happens to the child next."""
    if following is None:
        return ("The item is recorded as not heard. No later sitting is scheduled yet: add the child to one when it "
                "is.")
    when = f"{following.meeting.date:%A %-d %B %Y}"
    if following.status == ItemStatus.BOOKED:
        return f"The item is recorded as not heard. The child's next meeting is booked for {when}."
    return (f"The item is recorded as not heard. The child is proposed for the sitting on {when}; the panel "
            "administrator books or dismisses the proposal.")
