"""The children whose milestones this transaction still owes a recompute: kept on the session by
``tracker.changes`` and by features whose rows change a child's events (a meeting's decision), and
crossed off by ``tracker.services`` when it recomputes them in the same transaction."""

from __future__ import annotations

TOUCHED = "tracker_touched_children"  # session.info key: {tenant_id: {child ids}}


def touch_children(session, tenant_id: int, child_ids) -> None:
    """Ask for a recompute of ``child_ids`` when this transaction commits: for features whose rows
    change a child's events without being part of the record (a meeting's decision)."""
    ids = {cid for cid in child_ids if cid is not None}
    if ids:
        session.info.setdefault(TOUCHED, {}).setdefault(tenant_id, set()).update(ids)


def already_recomputed(session, tenant_id: int, child_ids) -> None:
    """Children recomputed in this transaction after their last change need no job."""
    touched = session.info.get(TOUCHED, {})
    if tenant_id in touched:
        touched[tenant_id].difference_update(child_ids)
        if not touched[tenant_id]:
            del touched[tenant_id]
