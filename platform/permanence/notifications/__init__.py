"""E-mail notifications: queued in the database, sent by a background job with retries, or held
for the person's daily digest when they chose it for the notice's kind."""

from ..core.schedule import register_periodic
from .digest import send_digests_job
from .jobs import resend_waiting_job


def init_app(app):
    register_periodic("resend-waiting-emails", resend_waiting_job, "*/10 * * * *",
                      description="With an SMTP relay and no Redis (the embedded default): e-mails the relay "
                                  "refused for a while are tried again, up to MAIL_MAX_ATTEMPTS attempts. On RQ "
                                  "its own retries do this.")
    register_periodic("send-daily-digests", send_digests_job, "30 7 * * *",
                      description="E-mails each person who chose the daily digest for some kinds of notice one "
                                  "e-mail listing the notices that waited for it (after the 07:00 reminders). "
                                  "Each notice goes in one digest; nothing waiting, no digest.")
