"""Imports: an SSDA903 extract or the council's tracker spreadsheet, uploaded and run as a job."""

from ..core.registry import register_nav
from ..core.schedule import register_periodic
from .jobs import fail_stalled_runs_job
from .views import bp


def init_app(app):
    app.register_blueprint(bp)
    register_nav("Imports", "imports.index", "children.import", order=70)
    register_periodic("fail-stalled-imports", fail_stalled_runs_job, "*/10 * * * *",
                      description="Marks an import whose job died as failed, so it can be run again.")
