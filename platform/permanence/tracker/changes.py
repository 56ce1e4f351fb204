"""Recompute a child's milestones whenever a fact about the child changes, in one place.

Every flush is watched for new, changed or deleted ``Child`` rows and rows of the
histories (``cases.models.HISTORY_MODELS``), whoever wrote them: a web form, the API,
the SSDA903 import, the demo. The children touched are collected on the session and,
just before the transaction commits, ONE recompute job per council is queued with
``core.jobs.enqueue`` (in-process after the commit in the embedded default, RQ in
production). A rollback forgets them, like the jobs.
"""

from __future__ import annotations

from itertools import chain

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from ..cases.models import Child, HISTORY_MODELS
from ..core.jobs import enqueue
from .jobs import recompute_children_job
from .pending import TOUCHED, already_recomputed, touch_children  # noqa: F401 (the module's public face)



def _child_ids(obj) -> set[int]:
    if isinstance(obj, Child):
        return {obj.id} if obj.id is not None else set()
    history = inspect(obj).attrs.child_id.history
    return {cid for cid in chain([obj.child_id], history.deleted or ()) if cid is not None}


@event.listens_for(Session, "after_flush")
def _collect(session, flush_context):
    deleted_children = {obj.id for obj in session.deleted if isinstance(obj, Child)}
    touched = None
    dirty = session.dirty  # a new set at each reading: read once, not once per object (an import
    # of 2,000 children flushed 38,000 objects and spent 15 s asking again and again)
    for obj in chain(session.new, dirty, session.deleted):
        if not isinstance(obj, (Child, *HISTORY_MODELS)):
            continue
        if obj in dirty and not session.is_modified(obj):
            continue
        ids = _child_ids(obj) - deleted_children
        if ids:
            if touched is None:
                touched = session.info.setdefault(TOUCHED, {})
            touched.setdefault(obj.tenant_id, set()).update(ids)


@event.listens_for(Session, "before_commit")
def _enqueue(session):
    if session.new or session.dirty or session.deleted:
        session.flush()  # changes not yet flushed are part of this commit too
    touched = session.info.pop(TOUCHED, None)
    if not touched:
        return

    for tenant_id, ids in sorted(touched.items()):
        enqueue(recompute_children_job, sorted(ids), tenant_id=tenant_id, queue="default", timeout=1800)


@event.listens_for(Session, "after_rollback")
def _forget(session):
    session.info.pop(TOUCHED, None)
