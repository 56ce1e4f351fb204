"""The lists of referrals a member works from, always through the agenda item's object rule."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from ..accounts.permissions import visible
from ..audit import services as audit
from ..documents.services import paperwork_status
from ..extensions import db
from ..panels.models import AgendaItem, ItemStatus, Meeting
from . import services

S = ItemStatus
VIEWS = {"mine": "My referrals", "qa": "Awaiting my quality assurance", "submitted": "Submitted to the panel",
         "all": "All referrals"}
ON_THE_WAY = (S.SUBMITTED, S.LATE_PENDING, S.BOOKED)
# The administrator's page: what needs a decision first, then what is settled.
MEETING_ORDER = (S.LATE_PENDING, S.SUBMITTED, S.PROPOSED, S.BOOKED, S.AWAITING_QA, S.RETURNED, S.DRAFT, S.HEARD,
                 S.DEFERRED, S.NOT_HEARD, S.DECLINED, S.DISMISSED, S.WITHDRAWN)


def _loaded(stmt):
    return (stmt.join(Meeting, Meeting.id == AgendaItem.meeting_id)
            .options(selectinload(AgendaItem.meeting).selectinload(Meeting.tor_version),
                     selectinload(AgendaItem.child), selectinload(AgendaItem.sibling_group),
                     selectinload(AgendaItem.referred_by), selectinload(AgendaItem.qa_assignee))
            .order_by(Meeting.date, AgendaItem.id))


def referrals(view: str, *, user, roles, meeting_id: int | None = None) -> list[AgendaItem]:
    """Referrals, including accepted proposals being completed as referrals (they have a referrer)."""
    user_id = user.id
    stmt = visible(select(AgendaItem), AgendaItem).where(
        or_(AgendaItem.entry_route == "referral", AgendaItem.referred_by_id.is_not(None)))
    if view == "mine":
        stmt = stmt.where(AgendaItem.referred_by_id == user_id)
    elif view == "qa":
        stmt = stmt.where(AgendaItem.status == S.AWAITING_QA)
    elif view == "all":  # every stage, drafts included: the panel administrator's view of a sitting
        stmt = stmt.where(AgendaItem.status.not_in((S.DISMISSED,)))
    else:
        stmt = stmt.where(AgendaItem.status.in_(ON_THE_WAY))
    if meeting_id:
        stmt = stmt.where(AgendaItem.meeting_id == meeting_id)
    rows = db.session.execute(_loaded(stmt)).scalars().all()
    if view == "qa":
        rows = [r for r in rows if services.may_quality_assure(r, user, roles)]
    return rows


def meeting_items(meeting: Meeting) -> list[AgendaItem]:
    """Every item of the sitting (proposals and referrals), decisions needed first; their children
    noted as read (the cohort rules may have loaded them already, unshown)."""
    rows = db.session.execute(_loaded(visible(select(AgendaItem), AgendaItem)
                                      .where(AgendaItem.meeting_id == meeting.id))).scalars().all()
    audit.note_shown(rows)
    return sorted(rows, key=lambda r: (MEETING_ORDER.index(r.status), r.part_id, r.id))


def paperwork_statuses(items: list[AgendaItem]) -> dict:
    """Paperwork status of many items, one query per part (for the administrator's page)."""
    result = {}
    by_part: dict[tuple[int, str], list[AgendaItem]] = {}
    for item in items:
        by_part.setdefault((item.meeting_id, item.part_id), []).append(item)
    for group in by_part.values():
        result.update(paperwork_status("agenda_item", [i.id for i in group], services.paperwork_for(group[0])))
    return result
