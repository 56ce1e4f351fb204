"""Minutes of a meeting: assembled from the items, edited with optimistic locking, approved by
the chair and circulated by the deadline of the terms of reference; per-child decision records, and
the meetings that considered a child on the child's page."""

from ..cases.sections import register_child_section
from ..core.registry import register_api, register_nav
from . import policies  # noqa: F401  (the object rule for minutes)
from .api import blp as api_blp
from .child_page import child_section
from .views import bp


def init_app(app):
    app.register_blueprint(bp)
    register_api(api_blp, "")
    register_child_section("meetings", "minutes/_child.html", child_section, order=30, permission="panels.view")
    register_nav("Minutes", "minutes.overview", "minutes.oversee", order=32)
