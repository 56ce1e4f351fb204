"""WSGI entry point for gunicorn: ``gunicorn permanence.wsgi:app``.

On the embedded default (no ``REDIS_URL``) the server also runs the schedule in a thread
(``core.schedule.start_in_process``; ``SCHEDULE_IN_PROCESS`` says otherwise): in each gunicorn
worker that imports this module, which is harmless, as each slot is started once."""

from .app import create_app
from .core.schedule import start_in_process
from .notifications.services import announce

app = create_app()
announce(app)  # where e-mails go; warns when BASE_URL is not set (links would point nowhere useful)
scheduler = start_in_process(app)
