"""The agenda of a sitting: panel seats, items ordered within parts with slots and presenters,
paperwork status at a glance, publishing (e-mail with an iCalendar invitation), the papers
pack and each member's private calendar feed."""

from ..core.registry import register_api, register_nav
from . import jobs  # noqa: F401  (each member's papers pack rebuilt when a paper changes)
from . import papers  # noqa: F401  (the agenda item as a subject of papers)
from .api import blp as api_blp
from .feed_views import bp as feed_bp
from .views import bp


def init_app(app):
    app.register_blueprint(bp)
    app.register_blueprint(feed_bp)
    register_nav("Calendar feed", "calendar_feed.page", "panels.view", order=80)
    register_api(api_blp, "")
