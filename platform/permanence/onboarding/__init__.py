"""Onboarding a council: the checklist of what a new council still has to do (on the central
administrator's council pages and the council administrator's home page), the roles its terms of
reference name for running its panels, and the council's teams page."""

from .views import bp


def init_app(app):
    app.register_blueprint(bp)
