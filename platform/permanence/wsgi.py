"""WSGI entry point for gunicorn: ``gunicorn permanence.wsgi:app``."""

from .app import create_app

app = create_app()
