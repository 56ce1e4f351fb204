"""A referral's life: written by a social worker, quality-assured by the team manager, submitted
to the panel (late as the ToR's late policy says), then booked or declined by the panel
administrator; withdrawn at any open step. A child whose team has no team manager goes to the
ToR's fallback, else the panel administrator chooses who quality-assures (and may ask someone
else at any time while it waits).

Every rule comes from the body's terms of reference (``rules``). No Flask request objects, and
nothing commits: the caller commits through ``core.jobs.commit`` so e-mails go after the commit.
Each step is recorded in the audit log as ``referral.<step>`` with a sentence, which is the
referral's history on its page.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import exists, or_, select

from ..accounts.models import Membership, User
from ..accounts.permissions import can_see, current_roles
from ..accounts.services import holders
from ..agenda.papers import paperwork_for_item
from ..agenda.publishing import withdraw_slot
from ..audit import services as audit
from ..audit.models import AuditEvent
from ..cases.models import Child, SiblingGroup
from ..core.clock import london_today, utcnow
from ..documents.services import paperwork_status
from ..extensions import db
from ..notifications.kinds import REFERRALS
from ..notifications.services import link_to, queue_email
from ..panels import services as panels
from ..panels.models import REQUEST_ROUTE, AgendaItem, ITEM_STATUS_LABELS, ItemStatus, Meeting, MeetingStatus
from ..tor import role_label
from ..tor.services import tor_of_id
from . import rules
from .rules import NotAllowed, ReferralError

S = ItemStatus
EDITABLE = (S.DRAFT, S.RETURNED)
OPEN = (S.PROPOSED, S.DRAFT, S.AWAITING_QA, S.RETURNED, S.SUBMITTED, S.LATE_PENDING, S.BOOKED)
# An item in one of these still holds the child's place on the meeting.
HOLDS_A_PLACE = OPEN + (S.HEARD, S.DEFERRED, S.NOT_HEARD)
MAX_REASON = 5000
STATUS_LABELS = ITEM_STATUS_LABELS


# --- reading ----------------------------------------------------------------------------------

def tor_for(meeting: Meeting):
    return tor_of_id(meeting.tor_version_id)


def body_for(item_or_meeting):
    meeting = item_or_meeting.meeting if isinstance(item_or_meeting, AgendaItem) else item_or_meeting
    return panels.body_of(meeting)


def part_of(item: AgendaItem):
    try:
        return body_for(item).part(item.part_id)
    except KeyError:
        return None


def part_title(item: AgendaItem) -> str:
    part = part_of(item)
    return part.title if part is not None else item.part_id


def paperwork_for(item: AgendaItem) -> tuple:
    """The ToR paperwork items of the item's part (the one definition, the agenda feature's)."""
    return paperwork_for_item(item)


def paperwork(item: AgendaItem):
    """Which required papers are in and which are missing, for the "agenda_item" papers subject."""
    return paperwork_status("agenda_item", [item.id], paperwork_for(item))[item.id]


def people() -> dict[int, str]:
    """The council's active members, for the ToR's "person" questions."""
    rows = db.session.execute(select(User.id, User.name).join(Membership, Membership.user_id == User.id)
                              .where(Membership.active.is_(True), User.active.is_(True)).order_by(User.name))
    return {user_id: name for user_id, name in rows}


def deadlines_of(meeting: Meeting):
    found = panels.meeting_deadlines(meeting)
    return rules.referral_deadline(found), rules.papers_deadline(found)


def meeting_or_none(meeting_id) -> Meeting | None:
    """This council's meeting with the id, or None (another council's is None too)."""
    if not isinstance(meeting_id, int):
        return None
    return db.session.execute(select(Meeting).where(Meeting.id == meeting_id)).scalar_one_or_none()


def open_meetings(on: date, body_ids=None) -> list[Meeting]:
    """Scheduled, not cancelled sittings of panels from ``on``, soonest first."""
    stmt = select(Meeting).where(Meeting.status == MeetingStatus.SCHEDULED, Meeting.date >= on)
    if body_ids is not None:
        stmt = stmt.where(Meeting.body_id.in_(list(body_ids)))
    rows = db.session.execute(stmt.order_by(Meeting.date, Meeting.id)).scalars().all()
    return [m for m in rows if body_for(m).kind == "panel"]


def referable_meetings(on: date, roles) -> list[Meeting]:
    """The sittings the member may refer to: panels whose ToR lets their role refer and which have
    a part taking referrals, from tomorrow (a sitting under way today takes no new referrals)."""
    result = []
    for meeting in open_meetings(on + timedelta(days=1)):
        body = body_for(meeting)
        if rules.referral_parts(body) and rules.may_refer(tor_for(meeting), body, roles):
            result.append(meeting)
    return result


def next_open_sitting(meeting: Meeting, at: datetime) -> Meeting | None:
    """The body's next sitting whose referral deadline has not passed."""
    for other in open_meetings(meeting.date, [meeting.body_id]):
        if other.id != meeting.id and other.date > meeting.date and not rules.passed(deadlines_of(other)[0], at):
            return other
    return None


def history(item: AgendaItem) -> list[AuditEvent]:
    """Who did what to the referral, oldest first."""
    return list(db.session.execute(
        select(AuditEvent).where(AuditEvent.entity_type == "AgendaItem", AuditEvent.entity_id == str(item.id),
                                 AuditEvent.action.like("referral.%")).order_by(AuditEvent.at, AuditEvent.id)
    ).scalars())


def _log(item: AgendaItem, step: str, summary: str, by: User | None) -> None:
    who = by.name if by is not None else "The platform"
    audit.record(f"referral.{step}", entity=item, summary=f"{who}: {summary}"[:500])


# --- checks -----------------------------------------------------------------------------------

def _text(value: str | None, field: str, message: str, *, required=True, limit=MAX_REASON) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ReferralError(field, message)
    if len(value) > limit:
        raise ReferralError(field, f"{field.replace('_', ' ').capitalize()} must be {limit} characters or fewer")
    return value


def _require_status(item: AgendaItem, allowed, doing: str) -> None:
    if item.status not in allowed:
        raise ReferralError("status", f"You cannot {doing}: the referral is {STATUS_LABELS[item.status].lower()}")


def _check_meeting(meeting: Meeting | None, on: date) -> None:
    if meeting is None or meeting.cancelled or meeting.date <= on or body_for(meeting).kind != "panel":
        raise ReferralError("meeting_id", "Select a panel meeting that is still to come")


def _check_part(body, part_id: str | None):
    part = next((p for p in rules.referral_parts(body) if p.id == part_id), None)
    if part is None:
        raise ReferralError("part_id", "Select the part of the agenda the child is referred to")
    return part


def _check_answers(body, part_id: str, answers) -> dict:
    clean, errors = rules.clean_answers(rules.form_fields(body, part_id), answers, people())
    if errors:
        errors = {f"answers.{k}": v for k, v in errors.items()}  # a ToR field may be called "reason"
        first = next(iter(errors))
        raise ReferralError(first, errors[first], errors=errors)
    return clean


def _already_on(meeting_id: int, child_ids: list[int], group_id: int | None, excluding: int | None = None):
    # A request about a child (a funding request) holds no place of the child's own: it is not their case.
    stmt = select(AgendaItem).where(AgendaItem.meeting_id == meeting_id, AgendaItem.status.in_(HOLDS_A_PLACE),
                                    AgendaItem.entry_route != REQUEST_ROUTE)
    groups = [group_id] if group_id else []
    groups += [g for g in db.session.execute(select(Child.sibling_group_id).where(
        Child.id.in_(child_ids), Child.sibling_group_id.is_not(None))).scalars()]
    clauses = [AgendaItem.child_id.in_(child_ids)]
    if groups:
        clauses.append(AgendaItem.sibling_group_id.in_(groups))
    clauses.append(exists(select(Child.id).where(Child.sibling_group_id == AgendaItem.sibling_group_id,
                                                 Child.id.in_(child_ids))))
    stmt = stmt.where(or_(*clauses))
    if excluding is not None:
        stmt = stmt.where(AgendaItem.id != excluding)
    return db.session.execute(stmt.limit(1)).scalar_one_or_none()


def item_holding_a_place(meeting_id: int, child_ids: list[int], group_id: int | None) -> AgendaItem | None:
    """The children's (or sibling group's) item on the meeting that holds their place, if any: a
    referral in progress, a proposal, a booked item, or one already heard."""
    return _already_on(meeting_id, child_ids, group_id)


def record_step(item: AgendaItem, step: str, summary: str, by: User | None) -> None:
    """Record a step of the item's way onto an agenda (``referral.<step>``): its history on its page."""
    _log(item, step, summary, by)


def _subject(body, child: Child | None, group: SiblingGroup | None):
    """(child, group) as the item will hold them: a group as one item if the ToR says so."""
    if group is not None:
        if not body.referral.sibling_groups_as_one_item:
            raise ReferralError("sibling_group_id", "This panel considers each child separately: refer each child")
        if not group.children:
            raise ReferralError("sibling_group_id", "The sibling group has no children")
        if not all(can_see(c) for c in group.children):
            raise NotAllowed("You may not see every child of the sibling group")
        return None, group
    if child is None:
        raise ReferralError("child_id", "Select the child you are referring")
    return child, None


# --- steps --------------------------------------------------------------------------------------

def start_referral(meeting: Meeting | None, part_id: str | None, *, child: Child | None = None,
                   sibling_group: SiblingGroup | None = None, answers=None, reason: str | None = None,
                   by: User, roles=None, on: date | None = None) -> AgendaItem:
    """A draft referral of a child (or a sibling group as one item) to a sitting's agenda part.
    The caller has loaded the child through ``load_or_404`` (the member may see them)."""
    roles = current_roles() if roles is None else roles
    _check_meeting(meeting, on or london_today())
    body = body_for(meeting)
    if not rules.may_refer(tor_for(meeting), body, roles):
        raise NotAllowed("The terms of reference do not let your role refer to this panel")
    part = _check_part(body, part_id)
    child, group = _subject(body, child, sibling_group)
    reason = _text(reason, "reason", "Enter why you are referring the child")
    clean = _check_answers(body, part.id, answers)
    ids = [c.id for c in group.children] if group else [child.id]
    if _already_on(meeting.id, ids, group.id if group else None) is not None:
        raise ReferralError("child_id", "The child is already on this meeting's agenda or referred to it")
    item = AgendaItem(meeting_id=meeting.id, part_id=part.id, child_id=child.id if child else None,
                      sibling_group_id=group.id if group else None, entry_route="referral", status=S.DRAFT,
                      answers=clean, reason=reason, referred_by_id=by.id, referred_at=utcnow())
    db.session.add(item)
    db.session.flush()
    item.meeting = meeting
    _log(item, "started", f"started the referral to {part.title}", by)
    return item


def may_edit(item: AgendaItem, user: User, roles) -> bool:
    """Whether ``user`` may change the referral's answers and papers: its referrer, or the panel
    administrator (the status decides whether it can be changed now)."""
    return item.referred_by_id == user.id or "panel_administrator" in roles


def _may_edit(item: AgendaItem, by: User, roles) -> None:
    if not may_edit(item, by, roles):
        raise NotAllowed("Only the person who made the referral may change it")


def update_referral(item: AgendaItem, *, answers=None, reason=None, meeting: Meeting | None = None, by: User,
                    roles=None) -> AgendaItem:
    """Change a draft or returned referral's answers, reason or sitting (same body). Checked in full
    before anything is written."""
    roles = current_roles() if roles is None else roles
    _require_status(item, EDITABLE, "change the referral")
    _may_edit(item, by, roles)
    body = body_for(item)
    target = item.meeting
    if meeting is not None and meeting.id != item.meeting_id:
        _check_meeting(meeting, london_today())
        if meeting.body_id != item.meeting.body_id:
            raise ReferralError("meeting_id", "Select a meeting of the same panel")
        ids = [c.id for c in item.children]
        if _already_on(meeting.id, ids, item.sibling_group_id, excluding=item.id) is not None:
            raise ReferralError("meeting_id", "The child is already on that meeting's agenda or referred to it")
        target = meeting
    new_reason = item.reason if reason is None else _text(reason, "reason", "Enter why you are referring the child")
    clean = item.answers if answers is None else _check_answers(body, item.part_id, answers)
    if target is not item.meeting:
        item.meeting = target
        _log(item, "moved", f"moved the referral to the meeting on {target.date:%-d %B %Y}", by)
    item.reason, item.answers = new_reason, clean
    db.session.flush()
    return item


def quality_assurers(item: AgendaItem) -> list[User]:
    """Everyone who may be asked to quality-assure the referral: the active members holding the
    role the ToR names for it, or its fallback role."""
    tor, body = tor_for(item.meeting), body_for(item)
    return holders(rules.quality_assurance_roles(tor, body) | rules.fallback_roles(tor, body))


def quality_assurance_route(item: AgendaItem) -> tuple[User | None, list[User], str]:
    """Who is asked to quality-assure the referral: ``(the one person asked, or None when any of a
    team's managers may; everyone to tell; how it was decided, for the history)``.

    The children's own team manager; else the managers of the children's team; else the first
    holder of the ToR's fallback role (the team has no team manager); else nobody, and the panel
    administrator is asked to choose. A person the panel administrator chose keeps it while they
    may still quality-assure."""
    tor, body = tor_for(item.meeting), body_for(item)
    qa_label = role_label(tor, body.referral.quality_assurance_by).lower()
    eligible = {u.id: u for u in quality_assurers(item)}
    if item.qa_assignee_id in eligible:
        chosen = eligible[item.qa_assignee_id]
        return chosen, [chosen], f"for quality assurance to {chosen.name}"
    managers = holders(rules.quality_assurance_roles(tor, body))
    own = [u for u in managers if u.id in {c.team_manager_id for c in item.children}]
    if own:
        return (own[0] if len(own) == 1 else None), own, f"to the {qa_label} for quality assurance"
    teams = {c.team_id for c in item.children if c.team_id is not None}
    of_team = holders(rules.quality_assurance_roles(tor, body), team_ids=teams) if teams else []
    if of_team:
        return ((of_team[0] if len(of_team) == 1 else None), of_team,
                f"to the {qa_label} of the child's team for quality assurance")
    others = holders(rules.fallback_roles(tor, body))
    if others:
        label = role_label(tor, body.referral.quality_assurance_fallback).lower()
        return others[0], [others[0]], (f"to the {label} for quality assurance, as the child's team has no "
                                        f"{qa_label}")
    return None, [], (f"for quality assurance; the child's team has no {qa_label} and the terms of reference name "
                      "no one else, so the panel administrator is asked to choose who quality-assures it")


def _administrators() -> list[User]:
    return holders({"panel_administrator"})


def _tell(user: User | None, item: AgendaItem, subject: str, text: str) -> None:
    if user is None or not user.active:
        return
    body = body_for(item)
    about = f"Request {item.id}" if item.is_request else f"Referral {item.id}: {item.subject_reference}"
    queue_email(user.email, f"{body.name}: {subject}",
                f"Dear {user.name},\n\n{text}\n\n{about}, "
                f"{part_title(item)}, meeting on {item.meeting.date:%A %-d %B %Y}.\n"
                f"{link_to('referrals.show', agenda_item_id=item.id)}\n\n{body.name}\n", kind=REFERRALS)


def send_for_quality_assurance(item: AgendaItem, *, by: User, roles=None) -> AgendaItem:
    """Send a draft or returned referral to whoever quality-assures it (``quality_assurance_route``),
    who is e-mailed; with nobody to ask, the panel administrators are, to choose someone."""
    roles = current_roles() if roles is None else roles
    _require_status(item, EDITABLE, "send the referral for quality assurance")
    _may_edit(item, by, roles)
    body = body_for(item)
    if not rules.needs_quality_assurance(body):
        raise ReferralError("status", "This panel's terms of reference name no quality assurance: submit it")
    _check_answers(body, item.part_id, item.answers)
    assignee, recipients, how = quality_assurance_route(item)
    item.status = S.AWAITING_QA
    item.qa_assignee_id = assignee.id if assignee is not None else None
    db.session.flush()
    named = recipients and not how.endswith(recipients[0].name)  # "to Tess Manager" names them already
    names = f" ({', '.join(u.name for u in recipients)})" if named else ""
    _log(item, "sent_for_qa", f"sent the referral {how}{names}", by)
    for person in recipients:
        _tell(person, item, "a referral to quality-assure",
              f"{by.name} has referred {item.subject_reference} and asks you to quality-assure the referral.")
    if not recipients:
        for admin in _administrators():
            _tell(admin, item, "a referral needs someone to quality-assure it",
                  f"{by.name} has sent the referral of {item.subject_reference} for quality assurance, but nobody "
                  "can be asked: the child's team has no team manager and the terms of reference name no one "
                  "else. Choose who quality-assures it on the referral's page.")
    return item


def reassign_quality_assurance(item: AgendaItem, user_id, reason: str | None = None, *, by: User) -> AgendaItem:
    """The panel administrator asks another person who may quality-assure the referral
    (``quality_assurers``) to do so; they are e-mailed, and so is the person no longer asked."""
    _require_status(item, (S.AWAITING_QA,), "choose who quality-assures the referral")
    eligible = {u.id: u for u in quality_assurers(item)}
    try:
        person = eligible.get(int(user_id))
    except (TypeError, ValueError):
        person = None
    if person is None:
        raise ReferralError("user_id", "Select a person who may quality-assure this referral")
    if person.id == item.qa_assignee_id:
        raise ReferralError("user_id", f"{person.name} is already asked to quality-assure this referral")
    reason = _text(reason, "reason", "Reason", required=False)
    before = item.qa_assignee
    item.qa_assignee_id = person.id
    db.session.flush()
    db.session.expire(item, ["qa_assignee"])
    text = f"asked {person.name} to quality-assure the referral" + (f" instead of {before.name}" if before else "")
    _log(item, "qa_reassigned", text + (f": {reason}" if reason else ""), by)
    _tell(person, item, "a referral to quality-assure",
          f"{by.name} asks you to quality-assure the referral of {item.subject_reference}."
          + (f"\n\n{reason}" if reason else ""))
    if before is not None and before.id != by.id:
        _tell(before, item, "a referral you no longer need to quality-assure",
              f"{by.name} has asked {person.name} to quality-assure the referral of {item.subject_reference} "
              "instead of you.")
    return item


def may_quality_assure(item: AgendaItem, user: User, roles) -> bool:
    """Whether ``user`` may quality-assure (return or submit) the referral: anyone holding the role
    the ToR names for it who may see the item (the object rule), or the person asked by name when
    they hold that role or the ToR's fallback role."""
    tor, body = tor_for(item.meeting), body_for(item)
    if rules.may_quality_assure(tor, body, roles):
        return True
    return (item.qa_assignee_id is not None and item.qa_assignee_id == user.id
            and bool(set(roles) & rules.fallback_roles(tor, body)))


def _may_assure(item: AgendaItem, by: User, roles) -> None:
    if not may_quality_assure(item, by, roles):
        raise NotAllowed("The terms of reference do not let your role quality-assure referrals to this panel, "
                         "and you have not been asked to quality-assure this one")


def return_referral(item: AgendaItem, comments: str | None, *, by: User, roles=None) -> AgendaItem:
    roles = current_roles() if roles is None else roles
    _require_status(item, (S.AWAITING_QA,), "return the referral")
    _may_assure(item, by, roles)
    item.qa_comments = _text(comments, "comments", "Enter what needs to change")
    item.status = S.RETURNED
    db.session.flush()
    _log(item, "returned", f"returned the referral: {item.qa_comments}", by)
    _tell(item.referred_by, item, "your referral is returned",
          f"{by.name} has returned your referral of {item.subject_reference} with these comments:\n\n{item.qa_comments}")
    return item


def _check_papers(item: AgendaItem, papers_due, at: datetime) -> None:
    status = paperwork(item)
    if status.missing and rules.passed(papers_due, at):
        names = ", ".join(p.label for p in status.missing)
        raise ReferralError("papers", f"The papers were due by {rules.deadline_text(papers_due)}. "
                                      f"Upload the missing papers before submitting: {names}")


def submit(item: AgendaItem, *, by: User, comments: str | None = None, late_reason: str | None = None,
           roles=None, at: datetime | None = None) -> AgendaItem:
    """Submit to the panel administrator: after quality assurance, or by the referrer when the ToR
    names none. The late policy applies when the referral deadline has passed."""
    roles = current_roles() if roles is None else roles
    at = at or utcnow()
    body = body_for(item)
    assured = rules.needs_quality_assurance(body)
    if assured:
        _may_assure(item, by, roles)
        allowed = (S.AWAITING_QA,) if item.referred_by_id != by.id else (S.AWAITING_QA, *EDITABLE)
    else:
        _may_edit(item, by, roles)
        allowed = EDITABLE
    _require_status(item, allowed, "submit the referral")
    comments = _text(comments, "comments", "Comments", required=False)
    if item.meeting.cancelled:
        raise ReferralError("meeting_id", "The meeting is cancelled: move the referral to another meeting")
    _check_answers(body, item.part_id, item.answers)
    referral_due, papers_due = deadlines_of(item.meeting)
    _check_papers(item, papers_due, at)
    late = rules.passed(referral_due, at)
    policy = body.referral.late_policy
    if late and policy == "refuse":
        following = next_open_sitting(item.meeting, at)
        offer = (f" Move the referral to the next meeting, on {following.date:%A %-d %B %Y}." if following
                 else " There is no later meeting open for referrals yet.")
        raise ReferralError("meeting_id", f"Referrals to the meeting on {item.meeting.date:%A %-d %B %Y} closed on "
                                          f"{rules.deadline_text(referral_due)}, and this panel does not take late "
                                          f"referrals.{offer}", next_meeting=following)
    if late:
        item.late_reason = _text(late_reason, "late_reason", "Enter why the referral is late")
        item.late = True
    if assured:
        item.quality_assured_by_id, item.quality_assured_at = by.id, at
        if comments:
            item.qa_comments = comments
    item.submitted_at = at
    item.status = S.LATE_PENDING if late and policy == "chair_discretion" else S.SUBMITTED
    db.session.flush()
    text = "submitted the referral to the panel"
    if late:
        text += f" after the deadline ({rules.deadline_text(referral_due)}); reason given: {item.late_reason}"
    if item.status == S.LATE_PENDING:
        text += "; the chair decides whether it is heard"
        for chair in _chairs():
            _tell(chair, item, "a late referral for your decision",
                  f"{item.subject_reference} was referred after the deadline. Reason given: {item.late_reason}")
    _log(item, "submitted", text, by)
    return item


def _chairs() -> list[User]:
    return holders("chair", by_email=True)


def _manages(manager: User, item: AgendaItem) -> bool:
    """The team manager of one of the item's children, or of the referrer's team."""
    if any(child.team_manager_id == manager.id for child in item.children):
        return True
    teams = dict(db.session.execute(select(Membership.user_id, Membership.team_id).where(
        Membership.user_id.in_([manager.id, item.referred_by_id or 0]))).all())
    return item.referred_by_id is not None and teams.get(manager.id) is not None and \
        teams.get(manager.id) == teams.get(item.referred_by_id)


def may_withdraw(item: AgendaItem, user: User, roles) -> bool:
    """The referrer, the panel administrator, or a team manager of the child or the referrer."""
    return may_edit(item, user, roles) or ("team_manager" in roles and _manages(user, item))


def withdraw(item: AgendaItem, reason: str | None = None, *, by: User, roles=None) -> AgendaItem:
    """The referrer (or the panel administrator) takes an open referral off the meeting."""
    roles = current_roles() if roles is None else roles
    _require_status(item, tuple(s for s in OPEN if s != S.PROPOSED), "withdraw the referral")
    if not may_withdraw(item, by, roles):
        raise NotAllowed("Only the referrer, their team manager or the panel administrator may withdraw it")
    reason = _text(reason, "reason", "Reason", required=False)
    if item.status == S.BOOKED:

        withdraw_slot(item, None)  # presenters of a published agenda get a cancellation
    item.status = S.WITHDRAWN
    db.session.flush()
    _log(item, "withdrawn", "withdrew the referral" + (f": {reason}" if reason else ""), by)
    return item

