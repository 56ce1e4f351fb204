"""Reminders: referral deadlines approaching, papers missing, minutes due, actions due; sent
once each as RQ jobs in the council's own wording."""


def init_app(app):
    from ..api import register_api
    from ..core.schedule import register_periodic
    from .api import blp as api_blp
    from .jobs import send_reminders_job

    register_api(api_blp, "")
    register_periodic("send-reminders", send_reminders_job, "0 7 * * *")
