"""Panels: the schedule of each panel's meetings and their deadlines, and each child's tracking
meetings where the terms of reference hold them."""

from ..accounts.roles import CONVENE_TRACKING
from ..cases.sections import register_child_section
from ..core.registry import register_nav
from ..core.schedule import register_periodic
from . import events, policies  # noqa: F401  (tracker events, object rules)
from .jobs import book_tracking_meetings_job, generate_meetings_job
from .tracking import holds_tracking_meetings
from .tracking_views import bp as tracking_bp, convene_section
from .views import bp


def init_app(app):
    app.register_blueprint(bp)
    app.register_blueprint(tracking_bp)
    register_child_section("convene", "panels/_convene_child.html", convene_section, order=15,
                           permission=CONVENE_TRACKING)
    register_nav("Meetings", "panels.meetings", "panels.view", order=20)
    register_nav("Tracking meetings", "tracking_meetings.upcoming", "panels.view", order=21,
                 shown_when=holds_tracking_meetings)
    register_periodic("generate-meetings", generate_meetings_job, "0 3 * * *", on_activation=True,
                      description="Creates the missing sittings of each panel from its terms of reference.")
    register_periodic("book-tracking-meetings", book_tracking_meetings_job, "30 4 * * *", on_activation=True,
                      description="Books each child's next tracking meeting where the terms of reference hold them.")
