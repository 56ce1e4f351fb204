"""The ``permanence`` console script (and ``python -m permanence``): Flask's CLI around
``create_app``. The top of the shell: nothing imports this module."""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from .app import create_app


@click.group(cls=FlaskGroup, create_app=create_app, help="Permanence: panels and permanency tracking.")
def main():
    """Entry point of the ``permanence`` console script."""


if __name__ == "__main__":
    main()
