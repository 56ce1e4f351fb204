"""What the tracker adds to a child's page: the milestones table, drift and the timeline.

The tracker registers ``tracker/_child.html`` as a section of the child's page
(``cases.sections``) with :func:`child_section` as its data; the child itself was already
loaded, with its read audited, by the cases view. The tracker's own timeline sources are here.
"""

from __future__ import annotations

from datetime import date

from ..cases import codes
from ..cases.models import Child
from ..core.clock import london_today
from ..tor.services import current_tor
from .drift import escalation_outlook, open_drift_of
from .services import milestones_of
from .timeline import TimelineEntry, entries_for, layout, register_timeline_source


def child_section(child: Child, today: date | None = None) -> dict:
    today = today or london_today()
    entries = entries_for(child, today)
    tor = current_tor(child.tenant_id)
    return {"milestones": milestones_of(child.id), "drift": open_drift_of(child.id), "entries": entries,
            "picture": layout(entries, today), "today": today,
            "outlook": lambda drift: escalation_outlook(tor, drift, today)}


@register_timeline_source
def milestone_entries(child: Child, today: date) -> list[TimelineEntry]:
    entries = []
    for m in milestones_of(child.id):
        if m.due is not None:  # none while waiting for the event it is anchored on
            entries.append(TimelineEntry(m.due, "Milestones", f"{m.label}: due", m.status, m.rule_source))
        if m.achieved:
            entries.append(TimelineEntry(m.achieved, "Milestones", f"{m.label}: achieved", "done", m.rule_source))
    return entries


@register_timeline_source
def care_entries(child: Child, today: date) -> list[TimelineEntry]:
    entries = []
    for p in child.care_periods:
        entries.append(TimelineEntry(p.start, "Care", "Became looked after"))
        if p.end:
            reason = codes.label(codes.REASONS_CEASED, p.reason_ceased) if p.reason_ceased else ""
            entries.append(TimelineEntry(p.end, "Care", "Ceased to be looked after", detail=reason))
    for s in child.legal_statuses:
        entries.append(TimelineEntry(s.start, "Care", f"Legal status: {s.code_label}"))
    for p in child.plans:
        if p.kind == "primary":
            entries.append(TimelineEntry(p.agreed_on, "Care", f"Permanence plan agreed: {p.route_label}"))
    return entries


@register_timeline_source
def key_date_entries(child: Child, today: date) -> list[TimelineEntry]:
    """The steps recorded on the child's page (the agency decision maker's decision, the match, ...)."""
    return [TimelineEntry(k.happened_on, "Care", k.event_label[0].upper() + k.event_label[1:], detail=k.note or "")
            for k in child.key_dates]


@register_timeline_source
def review_entries(child: Child, today: date) -> list[TimelineEntry]:
    return [TimelineEntry(r.held_on, "Reviews", "Looked-after review") for r in child.reviews]


@register_timeline_source
def court_entries(child: Child, today: date) -> list[TimelineEntry]:
    entries = []
    for p in child.pre_proceedings:
        entries.append(TimelineEntry(p.decision_on, "Court", "Decision to enter pre-proceedings"))
        if p.letter_on:
            entries.append(TimelineEntry(p.letter_on, "Court", "Letter before proceedings"))
    for p in child.proceedings:
        entries.append(TimelineEntry(p.issued_on, "Court", "Care proceedings issued"))
        if p.concluded_on is None:
            state = "overdue" if today > p.week_26 else "upcoming"
            entries.append(TimelineEntry(p.week_26, "Court", "Week 26 of proceedings", state))
        if p.final_hearing_on and p.final_hearing_on != p.concluded_on:
            state = "done" if p.final_hearing_on <= today else "upcoming"
            entries.append(TimelineEntry(p.final_hearing_on, "Court", "Final hearing", state))
        if p.concluded_on:
            outcome = codes.PROCEEDINGS_OUTCOMES.get(p.outcome, p.outcome or "")
            entries.append(TimelineEntry(p.concluded_on, "Court", "Proceedings concluded", detail=outcome))
    return entries
