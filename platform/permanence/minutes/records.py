"""The per-child decision record of a heard item, for the child's case record system: one set of
facts rendered as a print-friendly page and, through WeasyPrint, the same page as a PDF."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Callable

from ..extensions import db
from ..meetings import agreed_dates
from ..panels import services as panels
from ..panels.models import AgendaItem, AttendanceStatus
from ..referrals import requests
from ..referrals.rules import pounds
from ..referrals.services import people
from ..tenancy.models import Tenant
from ..tor.services import tor_of_id
from .assembly import outcome_label, part_title, person, sign_off_state, subject

ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.REPRESENTED)


@dataclass
class DecisionRecord:
    """What the panel decided about one child (or sibling group) at one meeting."""

    item_id: int
    council: str
    body: str
    meeting_date: date
    part: str
    subject: str
    children: list[dict]
    attendees: list[str]
    apologies: list[str]
    discussion: str
    care_plan_confirmed: bool | None
    legal_status_confirmed: bool | None
    outcome_id: str | None
    outcome: str
    decision: str
    sign_off: str
    next_review_on: date | None
    actions: list[dict] = field(default_factory=list)
    case_record_system: str = ""
    conditions: str = ""  # of an outcome the ToR says needs them
    asked: list[tuple[str, str]] = field(default_factory=list)  # a request's questions and answers
    amount_agreed: str = ""  # a request's, as "£1,000.00"; empty when none was agreed
    dates_agreed: list[tuple[str, date]] = field(default_factory=list)  # the outcome's sets_dates


def decision_record(item: AgendaItem) -> DecisionRecord:
    """Build the record of a heard item (the caller has loaded it through the object rules)."""
    meeting = item.meeting
    tor = tor_of_id(meeting.tor_version_id)
    body = panels.body_of(meeting)
    attended, apologies = [], []
    for a in meeting.attendance:
        text = person(a, tor) + (f", represented by {a.represented_by}" if a.represented_by else "")
        if a.status in ATTENDED:
            attended.append(text)
        elif a.status == AttendanceStatus.APOLOGIES:
            apologies.append(text)
    return DecisionRecord(
        item_id=item.id, council=db.session.get(Tenant, item.tenant_id).name, body=body.name,
        meeting_date=meeting.date, part=part_title(body, item.part_id), subject=subject(item),
        children=[{"id": c.id, "name": c.name, "case_number": c.case_number, "date_of_birth": c.date_of_birth}
                  for c in item.children],
        attendees=attended, apologies=apologies, discussion=item.discussion,
        care_plan_confirmed=item.care_plan_confirmed, legal_status_confirmed=item.legal_status_confirmed,
        outcome_id=item.outcome_id, outcome=outcome_label(body, item.outcome_id), decision=item.decision,
        sign_off=sign_off_state(item, tor), next_review_on=item.next_review_on,
        actions=[{"id": a.id, "description": a.description, "owner": a.owner.name if a.owner else "",
                  "due_on": a.due_on, "status": a.status.value} for a in item.actions],
        case_record_system=body.record.case_record_system, conditions=item.conditions,
        dates_agreed=agreed_dates.labelled(item),
        asked=requests.asked(item, people()) if item.is_request else [],
        amount_agreed=pounds(item.amount_agreed) if item.amount_agreed is not None else "",
    )



_sections: list[Callable[[AgendaItem], dict | None]] = []


def register_record_section(build: Callable[[AgendaItem], dict | None]) -> None:
    """A feature above adds a part to the decision record's page (not its PDF) without the minutes
    importing it: ``build(item)`` returns ``{"template": ..., **context}`` (the template sees it as
    ``section``) or None to add nothing (``deliveries``: the record's delivery log)."""
    if build not in _sections:
        _sections.append(build)


def record_sections(item: AgendaItem) -> list[dict]:
    return [section for section in (build(item) for build in _sections) if section]
