"""Children and sibling groups: the child's record and its histories."""

from ..core.registry import register_api, register_nav
from . import papers, policies  # noqa: F401  (register the object rules and the child as a subject of papers)
from .api import blp as api_blp
from .views import bp


def init_app(app):
    app.register_blueprint(bp)
    register_api(api_blp, "/children")
    register_nav("Children", "cases.children", "children.view", order=10)
