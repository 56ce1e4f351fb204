"""``permanence children import-tracker``: the tracker spreadsheet import from the command line; and
the DfE's rules for ``permanence children import-903`` (in ``permanence.cli``)."""

from __future__ import annotations

import csv
from pathlib import Path

import click
from flask.cli import with_appcontext

from ..core.context import Actor, acting_as, tenant_context
from ..core.jobs import commit
from ..tenancy.services import get_tenant
from ..cases.imports import Extract
from ..tor.services import tracker_layout
from .dfe_rules import DfeReport, check_extract
from .tracker_sheet import import_tracker


@click.command("import-tracker")
@with_appcontext
@click.option("--tenant", "slug", required=True, help="The council's web address, e.g. knowsley.")
@click.argument("spreadsheet", type=click.Path(exists=True, dir_okay=False))
@click.option("--all-or-nothing/--partial", default=True, show_default=True,
              help="On any bad row write nothing, or write every child whose row is good.")
def import_tracker_cmd(slug, spreadsheet, all_or_nothing):
    """Import children from the council's tracker SPREADSHEET (.xlsx or .csv), read with the column
    layout of its terms of reference (re-running updates, never duplicates)."""
    tenant = get_tenant(slug)
    if tenant is None:
        raise click.ClickException(f"No council with the web address '{slug}'")
    path = Path(spreadsheet)
    with tenant_context(tenant.id), acting_as(Actor(user_id=None, label="tracker import (command line)")):
        layout = tracker_layout(tenant.id)
        bars: dict = {}

        def progress(step, done, total):
            bar = bars.get(step)
            if bar is None:
                bar = bars[step] = click.progressbar(length=total, label=step)
                bar.__enter__()
            bar.update(done - bar.pos)
            if done >= total:
                bar.__exit__(None, None, None)

        result = import_tracker(path.read_bytes(), path.name, layout, all_or_nothing=all_or_nothing,
                                progress=progress)
        if result.written:
            commit()
    for error in result.errors:
        click.echo(str(error), err=True)
    if not result.written:
        raise click.ClickException(f"{len(result.errors)} problem(s); nothing was imported"
                                   + (" (use --partial to import the good rows)" if all_or_nothing else ""))
    click.echo(f"{result.created} children created, {result.updated} updated, {result.unchanged} unchanged"
               + (f", {len(result.skipped)} skipped because of bad rows" if result.skipped else "") + ".")


def check_903_with_dfe_rules(tenant_id: int, paths: dict[str, str], extract: Extract, *,
                             encoding: str | None = None) -> DfeReport:
    """The DfE's rules on the 903 files at ``paths`` (by table): ``dfe_rules.check_extract``."""
    return check_extract(tenant_id, {role: (Path(path).name, Path(path).read_bytes())
                                     for role, path in paths.items()}, extract, encoding=encoding)


def write_dfe_findings(report: DfeReport, path: str) -> None:
    """Say what the DfE's rules found, writing their findings to the CSV at ``path``."""
    click.echo(report.message, err=not report.ran)
    if not report.ran or not report.findings:
        return
    blocking = sum(f.blocks for f in report.findings)
    counted = (f"The DfE's {report.year_label} findings ({len(report.findings):,}"
               + (f", {blocking:,} blocking their child under the council's import policy" if blocking else "") + ")")
    try:
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["File", "Row", "Child", "Rule", "What the rule says", "Columns", "Blocks import?"])
            for f in report.findings:
                writer.writerow([f.file, f.row or "", f.child or "", f.rule, f.description, ", ".join(f.columns),
                                 "Yes" if f.blocks else "No"])
    except OSError as exc:
        click.echo(f"{counted} could not be written to {path} ({exc.strerror}); choose another file with "
                   "--dfe-findings", err=True)
        return
    click.echo(f"{counted} are in {path}")
