"""Each member's private calendar feed: their sittings and the slots where they present.

The address holds a secret; only its SHA-256 is kept (``Membership.calendar_token_hash``), so the
address is shown once, when it is made, and making a new one stops the old. The feed leaves the
platform: a child appears by initials and case number only. No commits here.
"""

from __future__ import annotations

from datetime import timedelta
import hashlib
import secrets

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from ..accounts.models import Membership
from ..audit import services as audit
from ..cases.models import SiblingGroup
from ..core import context
from ..core.clock import london_today
from ..core.context import current_tenant_id
from ..extensions import db
from ..notifications import ical
from ..panels import services as panel_services
from ..panels.models import AgendaItem, ItemStatus, Meeting, MeetingStatus, PanelMember
from ..panels.parts import parts_left_out
from ..tor.services import current_tor
from .services import build_agenda, meeting_start, member_span

TOKEN_BYTES = 32
PAST_DAYS = 90  # sittings this far back stay in the feed


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_feed_token(membership: Membership) -> str:
    """Make (or replace) the member's feed secret and return it; only its hash is stored."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    membership.calendar_token_hash = hash_token(token)
    db.session.flush()
    return token


def stop_feed(membership: Membership) -> None:
    membership.calendar_token_hash = None
    db.session.flush()


def membership_for_token(token: str) -> Membership | None:
    """The active membership of the current council whose feed secret this is."""
    if not token or len(token) > 100:
        return None
    membership = db.session.execute(select(Membership).where(
        Membership.calendar_token_hash == hash_token(token), Membership.active.is_(True))).scalar_one_or_none()
    return membership if membership is not None and membership.user.active else None


def act_for(membership: Membership) -> None:
    """The rest of the request acts as the member whose secret the address holds (nobody signs in
    to a feed), so the children the feed names are audited as read by them."""
    ip = context.current_actor().ip
    context.set_actor(context.Actor(user_id=membership.user_id, label=f"{membership.user.email} (calendar feed)",
                                    ip=ip))


def _names() -> dict[str, str]:
    tor = current_tor(current_tenant_id())
    return {b.id: b.name for b in tor.bodies} if tor else {}


def feed_for(membership: Membership, tenant_slug: str) -> bytes:
    """The member's sittings (meetings of the bodies they hold an active seat on, cancelled ones
    marked so; timed, like their invitation, to the agenda parts they sit for, and left out when they
    sit for none of the parts with items) and their presenter slots, from ``PAST_DAYS`` ago."""
    since = london_today() - timedelta(days=PAST_DAYS)
    names = _names()
    user_id = membership.user_id
    seated = select(PanelMember.body_id).where(PanelMember.user_id == user_id, PanelMember.active.is_(True))
    meetings = db.session.execute(select(Meeting).where(Meeting.body_id.in_(seated), Meeting.date >= since)
                                  .order_by(Meeting.date, Meeting.id)).scalars().all()
    events = []
    for meeting in meetings:
        start = meeting_start(meeting)
        end = meeting.ends_at or start + timedelta(hours=2)
        left_out = parts_left_out(meeting, user_id)
        if left_out:  # membership by agenda part: the member's parts, as their invitation has them
            with audit.not_shown():  # only the member's parts' times: no child is named
                agenda = build_agenda(meeting)
            sat = [p for p in agenda.parts if p.rows]
            mine = [p for p in sat if p.id not in left_out]
            if sat and not mine:
                continue
            if mine:
                start, end = member_span(agenda, mine)
        events.append(ical.event(ical.meeting_uid(meeting, tenant_slug), start, end,
                                 names.get(meeting.body_id, meeting.body_id),
                                 location=panel_services.calendar_location(meeting),
                                 online_link=panel_services.online_link(meeting),
                                 sequence=panel_services.publications(meeting),
                                 cancelled=meeting.status == MeetingStatus.CANCELLED))
    with audit.not_shown():  # the slots the feed lists are noted below, one by one
        items = _presenting(user_id, since)
    agendas = {}
    for item in items:
        if item.meeting_id not in agendas:
            with audit.not_shown():
                agendas[item.meeting_id] = {r.item.id: r for r in build_agenda(item.meeting).rows}
        row = agendas[item.meeting_id].get(item.id)
        if row is None:
            continue
        audit.note_shown((item,))
        events.append(ical.event(ical.slot_uid(item, tenant_slug), row.starts_at, row.ends_at,
                                 f"Presenting {item.subject_reference} at {names.get(item.meeting.body_id, '')}",
                                 location=panel_services.calendar_location(item.meeting),
                                 online_link=panel_services.online_link(item.meeting)))
    return ical.feed(f"Panels: {membership.user.name}", events)


def _presenting(user_id: int, since) -> list[AgendaItem]:
    """The booked items of scheduled sittings from ``since`` that the member presents."""
    return db.session.execute(
        select(AgendaItem).join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(or_(AgendaItem.presenter_id == user_id, AgendaItem.second_presenter_id == user_id),
               AgendaItem.status == ItemStatus.BOOKED, Meeting.date >= since,
               Meeting.status == MeetingStatus.SCHEDULED)
        .options(selectinload(AgendaItem.child),
                 selectinload(AgendaItem.sibling_group).selectinload(SiblingGroup.children))
        .order_by(Meeting.date, AgendaItem.id)).scalars().all()
