"""E-mail notifications: queued in the database, sent by a background job with retries."""

from ..core.schedule import register_periodic
from .jobs import resend_waiting_job


def init_app(app):
    register_periodic("resend-waiting-emails", resend_waiting_job, "*/10 * * * *",
                      description="With an SMTP relay and no Redis (the embedded default): e-mails the relay "
                                  "refused for a while are tried again, up to MAIL_MAX_ATTEMPTS attempts. On RQ "
                                  "its own retries do this.")
