"""The agenda of a sitting: panel seats, items ordered within parts with slots and presenters,
paperwork status at a glance, publishing (e-mail with an iCalendar invitation), the papers
pack and each member's private calendar feed."""


def init_app(app):
    from ..api import register_api
    from . import papers  # noqa: F401  (the agenda item as a subject of papers)
    from .api import blp as api_blp
    from .views import bp

    app.register_blueprint(bp)
    register_api(api_blp, "")
