"""Decisions outside a sitting and their review (a body's ``decisions_between_sittings`` and
``decision_review`` in the terms of reference).

Between sittings, a holder of a role the body names may decide for one child when the decision cannot
wait: the outcome (one of the body's, or of those the ToR allows) takes effect as it would at a sitting
(``panels.tracking.outcome_follows``), and the decision is reported to the body's next sitting
(``panels.services.decisions_reported_at``: its agenda page and minutes).

A decision (a heard item's, or one made between sittings) may be asked to be reviewed by the child's
holder of a role ``who_may_ask`` names, until ``within`` after the decision (``core.workdays``); the
holders of ``decided_by`` are told, and uphold it, change it (the new outcome takes effect) or refer it
to the next sitting; the person who asked is told. Nothing here commits.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ..accounts.models import User
from ..cases.models import Child
from ..cases.people import role_holders
from ..extensions import db
from ..notifications.kinds import DECISIONS
from ..notifications.services import link_to, queue_email
from ..panels.models import AgendaItem, DecisionReview, ItemStatus, ReviewResult, UrgentDecision
from ..panels.services import body_of
from ..panels.tracking import TRACKING, book_tracking_meeting, outcome_follows, refer_to_next_sitting
from ..tor import role_label
from ..tor.services import active_version, tor_of, tor_of_id
from ..tor.wording import role_in_sentence
from .services import MAX_TEXT, MeetingError, MeetingStateError, NotAllowedError, _text


# --- Decisions between sittings ---------------------------------------------------------------------

def bodies_deciding_between_sittings(tor) -> list:
    """The bodies whose terms of reference let a named role decide between sittings."""
    return [b for b in tor.bodies if b.decisions_between_sittings is not None] if tor is not None else []


def deciding_role(tor, body, access_roles) -> str | None:
    """The ToR role of ``body.decisions_between_sittings.by`` a member with ``access_roles`` holds, if any."""
    rule = body.decisions_between_sittings
    for role_id in (rule.by if rule else ()):
        role = tor.roles.get(role_id)
        if role is not None and role.access_role in set(access_roles):
            return role_id
    return None


def allowed_outcomes(body) -> list:
    """The body's outcomes a decision between sittings may reach."""
    rule = body.decisions_between_sittings
    return [o for o in body.outcomes if rule is not None and rule.allows(o.id)]


def _version_and_body(body_id: str, tenant_id: int):
    version = active_version(tenant_id)
    tor = tor_of(version) if version is not None else None
    body = next((b for b in tor.bodies if b.id == body_id), None) if tor is not None else None
    if body is None or body.decisions_between_sittings is None:
        raise MeetingStateError("The terms of reference in force let nobody decide for this body between sittings")
    return version, tor, body


def record_urgent_decision(child: Child, body_id: str, data: dict, *, by: User, access_roles,
                           today: date) -> UrgentDecision:
    """Record a decision for ``child`` made between sittings of ``body_id`` by ``by`` (a holder of a role the
    ToR names), and let its outcome take effect. ``data``: ``outcome_id``, ``decision``, ``why_urgent``,
    ``decided_on`` (a date, not in the future). Every field is checked before anything is written."""
    version, tor, body = _version_and_body(body_id, child.tenant_id)
    role_id = deciding_role(tor, body, access_roles)
    if role_id is None:
        names = " or ".join(role_label(tor, r) for r in body.decisions_between_sittings.by)
        raise NotAllowedError(f"Only the {names} may decide for the {body.name} between sittings")
    outcome = next((o for o in allowed_outcomes(body) if o.id == data.get("outcome_id")), None)
    if outcome is None:
        raise MeetingError("outcome_id", "Select an outcome the terms of reference allow between sittings")
    decision = _text(data.get("decision"), "decision", MAX_TEXT, "Enter the decision")
    why = _text(data.get("why_urgent"), "why_urgent", MAX_TEXT, "Enter why the decision could not wait for the "
                                                                "next sitting")
    decided_on = data.get("decided_on")
    if not isinstance(decided_on, date):
        raise MeetingError("decided_on", "Enter the date of the decision, for example 27 3 2027")
    if decided_on > today:
        raise MeetingError("decided_on", "The date of the decision must be today or in the past")
    record = UrgentDecision(body_id=body.id, tor_version_id=version.id, child_id=child.id, role_id=role_id,
                            outcome_id=outcome.id, outcome_label=outcome.label[:500], decision=decision,
                            why_urgent=why, decided_on=decided_on, decided_by_id=by.id,
                            reported_to_next_sitting=body.decisions_between_sittings.reported_to_next_sitting)
    db.session.add(record)
    db.session.flush()
    outcome_follows(record, body, outcome, held_on=decided_on, today=today,
                    held=f"{body.short_name or body.name} (decided between sittings by the "
                         f"{role_in_sentence(tor, role_id)}) on {decided_on:%-d %B %Y}")
    return record


def urgent_decisions_of(child: Child) -> list[UrgentDecision]:
    """The child's decisions made between sittings, latest first."""
    return list(db.session.execute(
        select(UrgentDecision).where(UrgentDecision.child_id == child.id)
        .order_by(UrgentDecision.decided_on.desc(), UrgentDecision.id.desc())).scalars())


# --- Reviews --------------------------------------------------------------------------------------

def _tor_and_body(target):
    """The terms of reference the decision was made under, and its body."""
    if isinstance(target, AgendaItem):
        return tor_of_id(target.meeting.tor_version_id), body_of(target.meeting)
    tor = tor_of_id(target.tor_version_id)
    return tor, tor.body(target.body_id)


def decided_on(target) -> date:
    return target.meeting.date if isinstance(target, AgendaItem) else target.decided_on


def review_deadline(target) -> date | None:
    """The last day a review of ``target`` may be asked for; None where the ToR gives no review."""
    _, body = _tor_and_body(target)
    return body.decision_review.deadline(decided_on(target)) if body.decision_review else None


def asking_role(target, user: User) -> str | None:
    """The role of ``who_may_ask`` ``user`` holds for the decision's child (their own social worker, IRO,
    ...: ``cases.people.role_holders``, never every holder of an allocated role), if any."""
    tor, body = _tor_and_body(target)
    if body.decision_review is None:
        return None
    for role_id in body.decision_review.who_may_ask:
        for child in target.children:
            if any(u.id == user.id for u in role_holders(tor, role_id, child, everyone_if_unallocated=False)):
                return role_id
    return None


def reviews_of(target) -> list[DecisionReview]:
    column = DecisionReview.agenda_item_id if isinstance(target, AgendaItem) else DecisionReview.urgent_decision_id
    return list(db.session.execute(select(DecisionReview).where(column == target.id)
                                   .order_by(DecisionReview.id)).scalars())


def may_ask_now(target, user: User, today: date) -> bool:
    """Whether ``user`` sees the button: they may ask, the deadline has not passed, none is pending."""
    deadline = review_deadline(target)
    return (deadline is not None and today <= deadline and asking_role(target, user) is not None
            and not any(r.result == ReviewResult.PENDING for r in reviews_of(target)))


def ask_for_review(target, reasons, *, by: User, today: date) -> DecisionReview:
    """``by`` asks for the decision ``target`` (a heard AgendaItem or an UrgentDecision) to be reviewed; the
    holders of ``decided_by`` for the child are e-mailed a link to decide it."""
    reasons = _text(reasons, "reasons", MAX_TEXT, "Enter why the decision should be reviewed")
    tor, body = _tor_and_body(target)
    review = body.decision_review
    if review is None:
        raise MeetingStateError(f"The terms of reference give no review of the {body.name}'s decisions")
    if isinstance(target, AgendaItem) and (target.status != ItemStatus.HEARD or not target.children):
        raise MeetingStateError("Only a decision the meeting made about a child can be reviewed")
    role_id = asking_role(target, by)
    if role_id is None:
        names = " or ".join(role_label(tor, r) for r in review.who_may_ask)
        raise NotAllowedError(f"Only the child's {names} may ask for this decision to be reviewed")
    deadline = review.deadline(decided_on(target))
    if today > deadline:
        raise MeetingStateError(f"A review of this decision could be asked for until {deadline:%-d %B %Y}; "
                                "that date has passed")
    if any(r.result == ReviewResult.PENDING for r in reviews_of(target)):
        raise MeetingStateError("A review of this decision has been asked for and is awaiting a decision")
    child = target.children[0]
    request = DecisionReview(body_id=body.id, child_id=child.id, asked_by_id=by.id, asked_as=role_id, asked_on=today,
                             deadline=deadline, reasons=reasons,
                             agenda_item_id=target.id if isinstance(target, AgendaItem) else None,
                             urgent_decision_id=target.id if isinstance(target, UrgentDecision) else None)
    db.session.add(request)
    db.session.flush()
    who = role_label(tor, review.decided_by)
    for user in role_holders(tor, review.decided_by, child):
        queue_email(user.email, f"Review asked: a decision of the {body.name} ({child.reference})",
                    f"Dear {user.name},\n\n{by.name} ({role_label(tor, role_id)}) asks for the decision of the "
                    f"{body.name} of {decided_on(target):%-d %B %Y} about {child.reference} to be reviewed. "
                    f"The terms of reference say the {who} decides.\n\nTheir reasons: {reasons}\n\n"
                    f"Sign in to Permanence to decide: {link_to('meetings.review', decision_review_id=request.id)}\n",
                    kind=DECISIONS)
    return request


def may_decide_review(request: DecisionReview, access_roles) -> bool:
    tor, body = _tor_and_body(target_of(request))
    review = body.decision_review
    role = tor.roles.get(review.decided_by) if review is not None else None
    return role is not None and role.access_role in set(access_roles)


def target_of(request: DecisionReview):
    return request.agenda_item if request.agenda_item_id is not None else request.urgent_decision


def decide_review(request: DecisionReview, data: dict, *, by: User, access_roles, today: date) -> DecisionReview:
    """The holder of ``decided_by`` upholds, changes (``new_outcome_id`` and ``new_decision``; the new outcome
    takes effect) or refers the decision to the body's next sitting; the person who asked is told."""
    target = target_of(request)
    tor, body = _tor_and_body(target)
    review = body.decision_review
    if request.result != ReviewResult.PENDING:
        raise MeetingStateError(f"This review was already decided: {request.result.label.lower()}")
    if review is None or not may_decide_review(request, access_roles):
        who = role_label(tor, review.decided_by) if review is not None else "decision maker"
        raise NotAllowedError(f"Only the {who} decides this review")
    choices = [ReviewResult.UPHELD.value, ReviewResult.CHANGED.value] + (
        [ReviewResult.REFERRED.value] if review.may_refer else [])
    result = data.get("result")
    if result not in choices:
        raise MeetingError("result", "Select whether the decision is upheld, changed"
                                     + (" or referred to the next sitting" if review.may_refer else ""))
    note = _text(data.get("note"), "note", MAX_TEXT, "Enter the reasons for your decision")
    outcome = None
    new_decision = ""
    if result == ReviewResult.CHANGED.value:
        outcome = next((o for o in body.outcomes if o.id == data.get("new_outcome_id")), None)
        if outcome is None:
            raise MeetingError("new_outcome_id", "Select the new outcome from the terms of reference")
        new_decision = _text(data.get("new_decision"), "new_decision", MAX_TEXT, "Enter the new decision")
    request.result = ReviewResult(result)
    request.result_note, request.decided_by_id, request.decided_on = note, by.id, today
    request.new_outcome_id, request.new_decision = (outcome.id if outcome else None), new_decision
    db.session.flush()
    held = f"{body.short_name or body.name} (on review by the {role_in_sentence(tor, review.decided_by)}) on " \
           f"{today:%-d %B %Y}"
    if outcome is not None:
        outcome_follows(target, body, outcome, held_on=today, held=held, today=today)
    elif request.result == ReviewResult.REFERRED:
        _refer(target, body, today, f"Review of the decision of {decided_on(target):%-d %B %Y} referred: {note}")
    asker = request.asked_by
    if asker is not None:
        queue_email(asker.email, f"Review decided: {request.result.label.lower()} ({request.child.reference})",
                    f"Dear {asker.name},\n\n{by.name} ({role_label(tor, review.decided_by)}) has decided the review you "
                    f"asked for of the {body.name}'s decision of {decided_on(target):%-d %B %Y}: "
                    f"{request.result.label.lower()}.\n\n"
                    + (f"New outcome: {outcome.label}\nNew decision: {new_decision}\n\n" if outcome else "")
                    + f"Their reasons: {note}\n\nThe request: {link_to('meetings.review', decision_review_id=request.id)}\n",
                    kind=DECISIONS)
    return request


def _refer(target, body, today: date, reason: str) -> None:
    """Put the child before the body's next sitting (a tracking body: their next tracking meeting)."""
    if body.kind == TRACKING:
        booked = [book_tracking_meeting(c, body, today=today, entry_route="review_requested", reason=reason)
                  for c in target.children]
        if not any(booked):
            raise MeetingStateError("No tracking meeting can be booked for the child: no cadence applies to them now")
        return
    if refer_to_next_sitting(target, body, from_body=body, today=today, reason=reason,
                             held_on=decided_on(target)) is None:
        raise MeetingStateError(f"There is no later sitting of the {body.name} to refer it to; add one first")
