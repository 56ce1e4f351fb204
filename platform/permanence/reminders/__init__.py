"""Reminders: referral deadlines approaching, papers missing, minutes due, actions due; sent
once each as RQ jobs in the council's own wording. Also books children's tracking meetings
(``panels.tracking``) daily and serves the tracking meeting page."""


def init_app(app):
    from ..api import register_api
    from ..core.schedule import register_periodic
    from ..panels.tracking_views import bp as tracking_bp
    from .api import blp as api_blp
    from .jobs import book_tracking_meetings_job, send_reminders_job

    app.register_blueprint(tracking_bp)
    register_api(api_blp, "")
    register_periodic("book-tracking-meetings", book_tracking_meetings_job, "30 4 * * *")
    register_periodic("send-reminders", send_reminders_job, "0 7 * * *")
