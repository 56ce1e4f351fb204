"""The ``permanence`` console script (and ``python -m permanence``): Flask's CLI around
``create_app``. The top of the shell: nothing imports this module."""

from __future__ import annotations

import click
from flask.cli import FlaskGroup, ScriptInfo, get_debug_flag, run_command
from werkzeug.serving import is_running_from_reloader

from .app import create_app
from .core.schedule import start_in_process
from .notifications.services import announce, serve_links_at


@click.group(cls=FlaskGroup, create_app=create_app, help="Permanence: panels and permanency tracking.")
def main():
    """Entry point of the ``permanence`` console script."""


@main.command("run", params=run_command.params, help=run_command.help, short_help=run_command.short_help)
@click.pass_context
def run(ctx, **options):
    """Flask's ``run``, after pointing links in e-mails at the address it serves on (unless the
    environment sets ``BASE_URL``), saying once where e-mails go, and starting the schedule
    (``core.schedule.start_in_process``) in the process that serves: with the reloader, its
    child, not the parent that watches files."""
    try:
        app = ctx.ensure_object(ScriptInfo).load_app()  # the app Flask's run then serves (ScriptInfo keeps it)
    except Exception:  # noqa: BLE001 - Flask's run reports it (in the reloader, on the page)
        app = None
    if app is not None:
        serve_links_at(app, options["host"], options["port"], https=options.get("cert") is not None)
        reload = options.get("reload")
        if reload is None:
            reload = get_debug_flag()
        if not is_running_from_reloader():  # the reloader's child runs this again: say it once
            announce(app, echo=click.echo, served_by_run=True)
        if not reload or is_running_from_reloader():
            start_in_process(app)
    ctx.invoke(run_command, **options)


if __name__ == "__main__":
    main()
