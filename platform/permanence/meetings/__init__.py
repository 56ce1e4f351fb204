"""The meeting itself: attendance and quorum, declarations of interest with the chair's
ruling, the record of each item (discussion, outcome, decision, sign-off) and deferral.

Services: ``services`` (attendance, quorum, declarations, rulings) and ``record`` (the item's
record, sign-off, escalation, deferral). Pages in ``views``; the API in ``api``.
"""

from ..core.registry import register_api
from . import agreed_dates, policies  # noqa: F401  (agreed dates reach the tracker; sign-off visibility)
from .api import blp
from .views import bp


def init_app(app):
    app.register_blueprint(bp)
    register_api(blp)
