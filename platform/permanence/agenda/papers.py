"""An agenda item as a subject of papers (the referral's paperwork the ToR asks for).

Who may read an item's papers: whoever may see the item (the ``AgendaItem`` object rule: the
child's workers, the panel's officers, and a seated member, a partner agency's too, once the
item is booked), except a member the chair ruled must leave the item, whatever their role:
a chair who must leave an item does not read its papers either.
"""

from __future__ import annotations

import logging

from flask import current_app, url_for
from sqlalchemy import exists, select

from ..accounts.permissions import visible
from ..documents import register_subject
from ..extensions import db
from ..panels.models import AgendaItem, Declaration, ItemStatus, Ruling
from ..tor.loader import TorConfigError
from ..tor.services import tor_of_id

log = logging.getLogger(__name__)
REFERRAL_STAGES = frozenset({ItemStatus.PROPOSED, ItemStatus.DRAFT, ItemStatus.AWAITING_QA, ItemStatus.RETURNED,
                             ItemStatus.SUBMITTED, ItemStatus.LATE_PENDING})


def ruled_out_of(user_id: int):
    """SQL clause over ``AgendaItem``: items ``user_id`` was ruled must leave."""
    return exists().where(Declaration.agenda_item_id == AgendaItem.id, Declaration.user_id == user_id,
                          Declaration.ruling == Ruling.LEAVE)


def items_whose_papers_member_reads(membership):
    """The items the member may see (the one AgendaItem object rule), less those they must leave."""
    return AgendaItem.id.in_(visible(select(AgendaItem.id), AgendaItem)) & ~ruled_out_of(membership.user_id)


def paperwork_for_item(item: AgendaItem) -> tuple:
    """The paperwork the item's part asks for, from the ToR version the meeting was scheduled under
    (the body's common papers, then the part's own; the body's alone when the part is gone). A
    version that names no such body, or cannot be read, offers none rather than break every page."""
    try:
        body = tor_of_id(item.meeting.tor_version_id).body(item.meeting.body_id)
    except (KeyError, TorConfigError):
        log.warning("agenda item %s: no paperwork, its meeting's ToR has no body %r", item.id, item.meeting.body_id)
        return ()
    try:
        return body.paperwork_for(item.part_id)
    except KeyError:
        return body.paperwork


def item_label(item: AgendaItem) -> str:
    return f"{item.subject_name}, agenda item for {item.meeting.date:%-d %B %Y}"


def item_page(item: AgendaItem) -> str:
    """Where an item's papers are worked on: the referral's page while it is a referral (when the
    referrals feature is there), the agenda item's papers page once it is on an agenda."""
    if item.status in REFERRAL_STAGES and "referrals.show" in current_app.view_functions:
        return url_for("referrals.show", agenda_item_id=item.id)
    return url_for("agenda.item", agenda_item_id=item.id)


register_subject("agenda_item", AgendaItem, items_whose_papers_member_reads, paperwork=paperwork_for_item,
                 page=item_page, label=item_label)


def may_read_papers(item: AgendaItem) -> bool:
    """Whether the current member may read this item's papers (see the module's rule)."""
    from flask import g

    return db.session.execute(select(AgendaItem.id).where(
        AgendaItem.id == item.id, items_whose_papers_member_reads(g.membership))).first() is not None
