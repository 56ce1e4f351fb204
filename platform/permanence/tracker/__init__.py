"""The permanence tracker: each child's milestones from the terms of reference's timescales,
drift and its escalation, the council's tracker and the child's timeline."""

from ..cases.sections import register_child_section
from ..core.registry import register_api, register_nav
from ..core.schedule import register_periodic
from . import changes, policies  # noqa: F401  (the change listener and the object rules)
from .api import blp as api_blp
from .child_page import child_section
from .jobs import nightly_tracker_job
from .views import bp


def init_app(app):
    app.register_blueprint(bp)
    register_api(api_blp, "")
    register_child_section("tracker", "tracker/_child.html", child_section, order=10)
    register_nav("Tracker", "tracker.tracker", "tracker.view", order=12)
    register_nav("My children", "tracker.mine", "tracker.view", order=13)
    register_nav("Drift", "tracker.drift_list", "escalations.manage", order=14)
    register_periodic("tracker-nightly", nightly_tracker_job, "30 1 * * *", on_activation=True,
                      description="Recomputes every child's milestones and drift, and escalates overdue drift.")
