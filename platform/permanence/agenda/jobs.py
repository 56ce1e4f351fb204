"""The agenda's background work: each member's papers pack of a sitting, built when its agenda is
published and again when a paper of one of its items changes (only the packs whose inputs changed)."""

from __future__ import annotations

import logging

from sqlalchemy import delete

from ..accounts.membership import membership_of
from ..accounts.permissions import as_member, has_permission
from ..audit import services as audit
from ..core.jobs import enqueue
from ..documents import on_new_version
from ..extensions import db
from ..panels import services as panel_services
from ..panels.models import AgendaItem, ItemStatus, Meeting, MeetingStatus
from . import pack
from .models import PapersPack

log = logging.getLogger(__name__)
BUILD_TIMEOUT = 1800  # seconds: a sitting's packs may need several Office conversions


def queue_papers_packs(meeting: Meeting) -> None:
    """Build the sitting's packs once the current transaction commits."""
    enqueue(build_papers_packs, meeting.id, timeout=BUILD_TIMEOUT, retries=1)


def build_papers_packs(meeting_id: int) -> int:
    """Build the pack of each member told of the published agenda (the seated members) who may read
    papers, where its inputs changed since it was last built; returns how many were built. A member
    left with nothing to read has their kept pack removed."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or meeting.agenda_published_at is None or meeting.status == MeetingStatus.CANCELLED:
        return 0
    built = 0
    with audit.not_shown():  # built for the members, shown to nobody here; each download is audited
        for user in panel_services.attendees(meeting.body_id):
            membership = membership_of(user.id)
            if membership is None:
                continue
            with as_member(membership):
                if not has_permission("papers.view"):
                    continue
                inputs = pack.pack_inputs(meeting, membership)
                if not inputs.rows:
                    db.session.execute(delete(PapersPack).where(PapersPack.meeting_id == meeting.id,
                                                                PapersPack.user_id == user.id))
                    continue
                kept = pack.stored(meeting.id, user.id)
                if kept is not None and kept.fingerprint == inputs.fingerprint():
                    continue
                pack.keep_pack(meeting, user.id, pack.build(inputs))
                built += 1
    log.info("papers packs of meeting %s: %s built", meeting_id, built)
    return built


@on_new_version("agenda_item")
def _paper_changed(version) -> None:
    """A new paper, or a new version of one, for an item booked on a published agenda: its packs again."""
    item = db.session.get(AgendaItem, version.document.subject_id)
    if item is None or item.status != ItemStatus.BOOKED:
        return
    meeting = item.meeting
    if meeting.agenda_published_at is not None and meeting.status != MeetingStatus.CANCELLED:
        queue_papers_packs(meeting)
