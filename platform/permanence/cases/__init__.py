"""Children and sibling groups: the child's record and its histories."""


def init_app(app):
    from ..web.navigation import register_nav
    from . import policies  # noqa: F401  (registers the object rules)
    from .views import bp

    app.register_blueprint(bp)
    register_nav("Children", "cases.children", "children.view", order=10)
