"""The permanence tracker: each child's milestones from the terms of reference's timescales,
drift and its escalation, the council's tracker and the child's timeline."""


def init_app(app):
    from ..cases.sections import register_child_section
    from ..core.schedule import register_periodic
    from ..web.navigation import register_nav
    from . import changes, policies  # noqa: F401  (the change listener and the object rules)
    from .child_page import child_section
    from .jobs import nightly_tracker_job
    from .views import bp

    app.register_blueprint(bp)
    register_child_section("tracker", "tracker/_child.html", child_section, order=10)
    register_nav("Tracker", "tracker.tracker", "tracker.view", order=12)
    register_nav("My children", "tracker.mine", "tracker.view", order=13)
    register_nav("Drift", "tracker.drift_list", "escalations.manage", order=14)
    register_periodic("tracker-nightly", nightly_tracker_job, "30 1 * * *")
