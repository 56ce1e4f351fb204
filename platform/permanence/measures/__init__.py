"""Measures: the timeliness measures a council is judged on (the adoption scorecard's A10, A2 and A1, care
proceedings against 26 weeks, permanence plans, placement stability, section 20 by length), each with its
definition, worked out from the child's record; the children behind each figure for those who may see
them; and the same figures side by side across the councils that choose to share them (figures only)."""

from ..core.registry import register_nav
from .views import bp


def init_app(app):
    app.register_blueprint(bp)
    register_nav("Measures", "measures.index", "reports.view", order=60)
