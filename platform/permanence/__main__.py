"""The ``permanence`` console script (and ``python -m permanence``): Flask's CLI around
``create_app``. The top of the shell: nothing imports this module."""

from __future__ import annotations

import click
from flask.cli import FlaskGroup, ScriptInfo, get_debug_flag, run_command
from werkzeug.serving import is_running_from_reloader

from .app import create_app
from .core.schedule import start_in_process


class _RunWithSchedule(click.Command):
    """Flask's ``run``, which also starts the schedule (``core.schedule.start_in_process``) in
    the process that serves: with the reloader, its child, not the parent that watches files."""

    def invoke(self, ctx):
        reload = ctx.params.get("reload")
        if reload is None:
            reload = get_debug_flag()
        if not reload or is_running_from_reloader():
            start_in_process(ctx.ensure_object(ScriptInfo).load_app())
        return super().invoke(ctx)


@click.group(cls=FlaskGroup, create_app=create_app, help="Permanence: panels and permanency tracking.")
def main():
    """Entry point of the ``permanence`` console script."""


main.add_command(_RunWithSchedule(name="run", params=run_command.params, callback=run_command.callback,
                                  help=run_command.help, short_help=run_command.short_help))


if __name__ == "__main__":
    main()
