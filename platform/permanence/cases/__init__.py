"""Children and sibling groups: the child's record and its histories."""


def init_app(app):
    from ..web.navigation import register_nav
    from . import papers, policies  # noqa: F401  (register the object rules and the child as a subject of papers)
    from .views import bp

    app.register_blueprint(bp)
    register_nav("Children", "cases.children", "children.view", order=10)
