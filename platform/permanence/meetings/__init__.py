"""The meeting itself: attendance and quorum, declarations of interest with the chair's
ruling, the record of each item (discussion, outcome, decision, sign-off) and deferral.

Services: ``services`` (attendance, quorum, declarations, rulings) and ``record`` (the item's
record, sign-off, escalation, deferral), ``between`` (decisions made between sittings and requests to
review a decision). Pages in ``views``; the API in ``api``.
"""

from ..cases.sections import register_child_section
from ..core.registry import register_api
from . import agreed_dates, between_views, policies  # noqa: F401  (agreed dates reach the tracker; sign-off visibility)
from .api import blp
from .views import bp


def init_app(app):
    app.register_blueprint(bp)
    register_api(blp)
    register_child_section("between-sittings", "meetings/_child_between.html", between_views.child_section, order=31,
                           permission="children.view")
