"""Requests a panel decides, not children's cases (an agenda part with ``items: requests``): a
resources panel's funding requests. A holder of a role the part's ``who_may_request`` names asks
for a sitting, answering the part's ``request_form`` (perhaps for a child); the request goes to the
panel administrator, who books it onto the agenda like a referral (``decisions.book``); the meeting
records the outcome, its conditions and the amount agreed (``meetings.record``), and the requester
is told. A request is an agenda item with entry route ``request``: it never enters a child's
cohort, tracker events or place on an agenda. Same conventions as ``services``: no commit.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from ..accounts.models import User
from ..accounts.permissions import current_roles
from ..accounts.services import holders
from ..cases.models import Child
from ..core.clock import london_today, utcnow
from ..extensions import db
from ..panels.models import REQUEST_ROUTE, AgendaItem, ItemStatus, Meeting
from . import rules
from .rules import NotAllowed, ReferralError
from .services import _check_answers, _log, _tell, body_for, deadlines_of, open_meetings, tor_for


def request_parts(body) -> list:
    """The agenda parts of ``body`` whose items are requests."""
    return [p for p in body.agenda_parts if p.takes_requests]


def may_request(tor, part, roles) -> bool:
    """The part's ``who_may_request``; the panel administrator may always ask on someone's behalf."""
    return bool(set(roles) & (rules.access_roles(tor, part.who_may_request) | {"panel_administrator"}))


def requestable(on: date, roles) -> list[tuple[Meeting, object]]:
    """The (sitting, part) pairs the member may ask for: sittings from tomorrow of panels with a
    requests part whose ToR lets their role ask, soonest first."""
    found = []
    for meeting in open_meetings(on + timedelta(days=1)):
        body, tor = body_for(meeting), tor_for(meeting)
        found += [(meeting, part) for part in request_parts(body) if may_request(tor, part, roles)]
    return found


def submit_request(meeting: Meeting | None, part_id: str | None, *, answers, child: Child | None = None,
                   by: User, roles=None, at: datetime | None = None) -> AgendaItem:
    """A request for a sitting, submitted to the panel administrator. The caller has loaded the
    child, if any, through ``load_or_404``. The sitting's referral deadline (the ToR's) closes it to
    requests too: a late request is refused, naming the next sitting still open."""
    roles = current_roles() if roles is None else roles
    at = at or utcnow()
    if meeting is None or meeting.cancelled or meeting.date <= london_today() or body_for(meeting).kind != "panel":
        raise ReferralError("meeting_id", "Select a panel meeting that is still to come")
    body = body_for(meeting)
    part = next((p for p in request_parts(body) if p.id == part_id), None)
    if part is None:
        raise ReferralError("part_id", "Select the part of the agenda that decides the request")
    if not may_request(tor_for(meeting), part, roles):
        raise NotAllowed("The terms of reference do not let your role make this request")
    clean = _check_answers(body, part.id, answers)
    due, _ = deadlines_of(meeting)
    if rules.passed(due, at):
        raise ReferralError("meeting_id", f"Requests for the meeting on {meeting.date:%A %-d %B %Y} closed on "
                                          f"{rules.deadline_text(due)}; choose a later meeting")
    item = AgendaItem(meeting_id=meeting.id, part_id=part.id, child_id=child.id if child is not None else None,
                      entry_route=REQUEST_ROUTE, status=ItemStatus.SUBMITTED, answers=clean,
                      referred_by_id=by.id, referred_at=at, submitted_at=at)
    db.session.add(item)
    db.session.flush()
    item.meeting = meeting
    _log(item, "submitted", f"submitted a request to {part.title}", by)
    for admin in holders({"panel_administrator"}):
        _tell(admin, item, "a request to book",
              f"{by.name} has made a request to {part.title} for the meeting on {meeting.date:%A %-d %B %Y}. "
              "Book it onto the agenda, or decline it.")
    return item


def asked(item: AgendaItem, people: dict[int, str]) -> list[tuple[str, str]]:
    """What a request asks, as (question, answer) in the ToR's words, for its pages and the minutes."""
    try:
        fields = body_for(item).referral_form_for(item.part_id)
    except KeyError:
        return []
    return [(f.label, rules.answer_text(f, item.answers.get(f.id), people)) for f in fields
            if f.type not in rules.NOT_ANSWERED_IN_FORM]
