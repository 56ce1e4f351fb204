"""WSGI entry point for gunicorn: ``gunicorn permanence.wsgi:app``."""

from .app import create_app
from .notifications.services import announce

app = create_app()
announce(app)  # where e-mails go; warns when BASE_URL is not set (links would point nowhere useful)
