"""Minutes of a meeting: assembled from the items, edited with optimistic locking, approved by
the chair and circulated by the deadline of the terms of reference; per-child decision records."""


def init_app(app):
    from ..api import register_api
    from ..web.navigation import register_nav
    from . import policies  # noqa: F401  (the object rule for minutes)
    from .api import blp as api_blp
    from .views import bp

    app.register_blueprint(bp)
    register_api(api_blp, "")
    register_nav("Minutes", "minutes.overview", "minutes.oversee", order=32)
