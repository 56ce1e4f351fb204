"""Panels: the schedule of each panel's meetings, and their deadlines."""


def init_app(app):
    from ..core.schedule import register_periodic
    from ..web.navigation import register_nav
    from . import events, policies  # noqa: F401  (tracker events, object rules)
    from .jobs import generate_meetings_job
    from .views import bp

    app.register_blueprint(bp)
    register_nav("Meetings", "panels.meetings", "panels.view", order=20)
    register_periodic("generate-meetings", generate_meetings_job, "0 3 * * *")
