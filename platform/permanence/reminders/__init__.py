"""Reminders: referral deadlines approaching, papers missing, minutes due, actions due; sent
once each as RQ jobs in the council's own wording."""

from ..core.registry import register_api
from ..core.schedule import register_periodic
from .api import blp as api_blp
from .jobs import send_reminders_job


def init_app(app):
    register_api(api_blp, "")
    register_periodic("send-reminders", send_reminders_job, "0 7 * * *",
                      description="E-mails the reminders due today: referral deadlines, papers, minutes and actions.")
