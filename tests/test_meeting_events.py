"""A meeting's decision reaches the tracker: once an item is heard, the child's last panel or last
tracking meeting is that meeting's date, the milestones counted from it move, and the tracker
spreadsheet's "Last PPTM" column shows it. Today is Monday 1 March 2027."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from permanence.cases.models import Child
from permanence.core import jobs
from permanence.core.context import tenant_context
from permanence.exports.services import tracker_rows
from permanence.extensions import db
from permanence.panels.events import meeting_events
from permanence.panels.models import AgendaItem, ItemStatus, Meeting
from permanence.tor.services import active_version, tracker_layout
from permanence.tracker.models import Milestone
from permanence.tracker.services import recompute_council
from tracker_support import TODAY, crafted_children, fixed_today, ids_by_case, load_seed  # noqa: F401


def _hold(tenant, body_id, day, case_number, status=ItemStatus.HEARD):
    ids = ids_by_case()
    meeting = Meeting(body_id=body_id, tor_version_id=active_version(tenant.id).id, date=day)
    item = AgendaItem(meeting=meeting, part_id="tracking-review", child_id=ids[case_number], status=status)
    db.session.add_all([meeting, item])
    return item


def test_a_heard_tracking_meeting_moves_the_next_one_and_reaches_the_spreadsheet(app, fixed_today, work_jobs):
    tenant = load_seed(app, "permanence-panel-pptm")
    with app.app_context(), tenant_context(tenant.id):
        db.session.add_all(crafted_children())
        db.session.flush()
        recompute_council(TODAY)
        jobs.commit()
        item = _hold(tenant, "pptm", date(2027, 2, 24), "PO-1", status=ItemStatus.BOOKED)
        jobs.commit()
        po = ids_by_case()["PO-1"]
        assert meeting_events([po], TODAY) == {}  # booked, not yet heard

        item.status = ItemStatus.HEARD
        jobs.commit()  # the change queues the child's recompute: in-process after the commit, or on RQ
        work_jobs()
        # And the body's own meetings, which meet a meeting of that body held once after an event.
        assert meeting_events([po], TODAY) == {po: {"last_tracking_meeting": date(2027, 2, 24),
                                                     "tracking_meeting": (date(2027, 2, 24),),
                                                     "held_by:pptm": (date(2027, 2, 24),)}}
        milestone = db.session.execute(select(Milestone).where(
            Milestone.child_id == po, Milestone.rule_id == "pptm-placement-order")).scalar_one()
        assert (milestone.due, milestone.achieved) == (date(2027, 4, 7), None)  # 24 Feb + 6 weeks

        layout = tracker_layout(tenant.id)
        column = [c.heading for c in layout.columns].index("Last PPTM")
        child = db.session.get(Child, po)
        assert tracker_rows([child], layout, TODAY)[0][column] == date(2027, 2, 24)


def test_a_meeting_after_today_or_at_a_panel_counts_as_what_it_is(app):
    tenant = load_seed(app, "permanence-panel-pptm")
    with app.app_context(), tenant_context(tenant.id):
        db.session.add_all(crafted_children())
        db.session.flush()
        _hold(tenant, "permanence-panel", date(2027, 2, 10), "PROC-1")
        _hold(tenant, "pptm", date(2027, 3, 10), "PROC-1")  # not yet held on 1 March
        jobs.commit()
        proc = ids_by_case()["PROC-1"]
        assert meeting_events([proc], TODAY) == {proc: {"last_panel": date(2027, 2, 10), "panel": (date(2027, 2, 10),)}}
        # Heard again at a second panel: every date, oldest first, for an anchor on the nth panel.
        _hold(tenant, "permanence-panel", date(2027, 2, 24), "PROC-1")
        jobs.commit()
        assert meeting_events([proc], TODAY)[proc] == {"last_panel": date(2027, 2, 24),
                                                       "panel": (date(2027, 2, 10), date(2027, 2, 24))}
