"""The ``permanence`` command's groups, one per area; ``create_app`` adds them to ``app.cli`` and
``__main__`` wraps the app in Flask's CLI."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from flask_migrate.cli import db as migrate_cli
from sqlalchemy import inspect, text

from .accounts import grants
from .accounts import services as accounts
from .accounts import two_factor
from .cases.imports import OPTIONAL, TABLES, ImportFileError, import_903, read_903
from .core.context import Actor, acting_as, tenant_context
from .core.clock import london_today
from .core.jobs import QUEUE_GROUPS, QUEUES, commit, parse_queues, recover_abandoned, relay, run_worker
from .core.schedule import periodic_jobs, run_now, run_scheduler
from .demo.national import PRESETS, build_national, only_councils, plan_councils, refresh_statistics, totals
from .demo.services import load_demo, summary
from .extensions import db
from .imports.cli import check_903_with_dfe_rules, import_tracker_cmd, write_dfe_findings
from .notifications.services import announce
from .tenancy.services import TenantError, create_tenant, get_tenant, list_tenants
from .tor import TorConfigError
from .tor.loader import TOR_FILENAME, read_tor_text
from .tor.services import load_folder, missing_plugins, parse_tor


users_cli = AppGroup("users", help="Users, platform administrators and memberships.")
tenants_cli = AppGroup("tenants", help="Councils (tenants).")
demo_cli = AppGroup("demo", help="Demonstration data (synthetic, clearly fictional).")
jobs_cli = AppGroup("jobs", help="Background jobs (RQ).")
children_cli = AppGroup("children", help="Children's records and their histories.")


def _fail(message: str):
    raise click.ClickException(message)


def _user(email: str):
    user = accounts.find_user(email)
    if user is None:
        _fail(f"No user with the email address {email}")
    return user


@users_cli.command("create-platform-admin")
@click.argument("email")
@click.argument("name")
@click.password_option()
def create_platform_admin(email, name, password):
    """Create a platform administrator, who onboards councils and sees no child's record."""
    try:
        user = accounts.create_user(email, name, password, platform_admin=True)
    except accounts.AccountError as exc:
        _fail(str(exc))
    commit()
    click.echo(f"Platform administrator {user.email} created.")


@users_cli.command("create")
@click.argument("email")
@click.argument("name")
@click.option("--tenant", "slug", required=True, help="The council's web address, e.g. knowsley.")
@click.option("--roles", required=True, help="Comma-separated roles, e.g. chair,panel_member.")
@click.option("--team", default=None, help="Team name (created if new).")
@click.option("--password", default=None, help="Leave out to e-mail an invitation instead.")
def create_member(email, name, slug, roles, team, password):
    """Create a user (or reuse one) and give them roles in a council. Roles that read children wait
    for one of the council's administrators to confirm them, once it has any."""
    tenant = get_tenant(slug)
    if tenant is None:
        _fail(f"No council with the web address '{slug}'")
    try:
        user = accounts.find_user(email) or accounts.create_user(email, name, password)
        with tenant_context(tenant.id):
            team_row = accounts.get_or_create_team(team) if team else None
            membership, grant = grants.change_roles(user, [r.strip() for r in roles.split(",") if r.strip()],
                                                    by=None, team=team_row)
            held = ",".join(sorted(membership.roles)) or "none yet"
            waiting = list(grant.roles) if grant is not None else []
            if password is None and user.password_hash is None:
                accounts.send_invitation(user, tenant)
            commit()
    except accounts.AccountError as exc:
        _fail(str(exc))
    click.echo(f"{user.email} has roles {held} in {tenant.name}.")
    if waiting:
        click.echo(f"{','.join(waiting)} must be confirmed by an administrator of {tenant.name} on the users "
                   "page: they read children's records, or confirm roles that do.")


@users_cli.command("reset-two-factor")
@click.argument("email")
def reset_two_factor(email):
    """Turn off a user's two-factor sign-in (a lost phone) and end their sessions."""
    user = _user(email)
    two_factor.reset(user)
    commit()
    click.echo(f"Two-factor sign-in is off for {user.email}; they sign in with their password and can turn it on again.")


@users_cli.command("set-password")
@click.argument("email")
@click.password_option()
def set_password_cmd(email, password):
    """Set a user's password at the server: for a platform administrator, who belongs to no council
    and so cannot be e-mailed a 'Forgotten your password?' link. Ends their sessions elsewhere."""
    user = _user(email)
    try:
        accounts.set_password(user, password)
    except accounts.AccountError as exc:
        _fail(str(exc))
    commit()
    click.echo(f"The password of {user.email} is set.")


@users_cli.command("deactivate")
@click.argument("email")
def deactivate(email):
    """Stop a user signing in anywhere and end the sessions they have open."""
    user = _user(email)
    accounts.deactivate_user(user)
    commit()
    click.echo(f"{user.email} can no longer sign in.")


@tenants_cli.command("create")
@click.argument("slug")
@click.argument("name")
def create_tenant_cmd(slug, name):
    """Create an empty council, open to its users."""
    try:
        tenant = create_tenant(slug, name)
    except TenantError as exc:
        _fail(str(exc))
    commit()
    click.echo(f"Council {tenant.name} created at /{tenant.slug}/.")


@tenants_cli.command("list")
def list_tenants_cmd():
    """List the councils and their status."""
    for tenant in list_tenants():
        click.echo(f"{tenant.slug:30} {tenant.status.value:10} {tenant.name}")


@tenants_cli.command("validate")
@click.argument("folder", type=click.Path(file_okay=False))
def validate_tenant_cmd(folder):
    """Check FOLDER/tor.yaml; prints each problem as file:line path: message."""
    from pathlib import Path

    from flask import current_app

    path = Path(folder) / TOR_FILENAME
    try:
        tor = parse_tor(read_tor_text(path), str(path), safe_mode=current_app.config["SAFE_MODE"])
    except TorConfigError as exc:
        for error in exc.errors:
            click.echo(str(error), err=True)
        raise SystemExit(1)
    for name in missing_plugins(tor):
        click.echo(f"{path}: warning: plugin '{name}' is enabled but not installed", err=True)
    click.echo(f"{path} is valid: {tor.council.name}, {len(tor.bodies)} {'body' if len(tor.bodies) == 1 else 'bodies'}.")


@tenants_cli.command("load")
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--slug", default=None, help="The council's web address (default: the folder's name).")
@click.option("--activate/--propose", default=True, show_default=True,
              help="Put the version in force now, or store it as a proposal.")
def load_tenant_cmd(folder, slug, activate):
    """Load FOLDER/tor.yaml as a new version of the council's terms of reference (created if missing)."""
    from flask import current_app

    try:
        tenant, result = load_folder(folder, slug=slug, activate=activate,
                                     safe_mode=current_app.config["SAFE_MODE"], run_jobs=True)
    except TorConfigError as exc:
        for error in exc.errors:
            click.echo(str(error), err=True)
        raise SystemExit(1)
    except TenantError as exc:
        _fail(str(exc))
    # Read before the commit expires the row: afterwards no tenant is set, and RLS would hide it.
    slug, number, status = tenant.slug, result.version.number, result.version.status.value
    commit()
    if not result.created:
        click.echo(f"{slug}: already loaded as version {number} ({status}).")
    else:
        click.echo(f"{slug}: loaded as version {number} ({status}).")


@demo_cli.command("load")
def load_demo_cmd():
    """Create demo councils with a user for every role and synthetic children (idempotent)."""
    from flask import current_app

    echo, current_app.config["MAIL_ECHO"] = current_app.config.get("MAIL_ECHO", True), False
    try:  # the load's e-mails are kept for each person's notices, not printed over the summary
        credentials = load_demo()
        commit()
    finally:
        current_app.config["MAIL_ECHO"] = echo
    click.echo("Demo data loaded. Every demo user's password is: " + credentials["password"])
    for line in credentials["users"]:
        click.echo("  " + line)
    click.echo("\nWhat each demo council holds now:")
    for line in summary(london_today()):
        click.echo("  " + line)
    click.echo("E-mails the load wrote are kept, not printed: each person sees theirs in the app.")


@demo_cli.command("national")
@click.option("--size", type=click.Choice(sorted(PRESETS)), default="small", show_default=True,
              help="A preset: small (3 councils, ~300 children) or national (150 councils, ~100,000 children).")
@click.option("--councils", type=click.IntRange(1, 999), help="Number of councils (overrides the preset).")
@click.option("--children-per-council-mean", type=click.IntRange(1, 20000), help="Mean children a council.")
@click.option("--seed", type=int, default=1, show_default=True, help="The same seed gives the same data.")
@click.option("--years", type=click.IntRange(1, 10), default=5, show_default=True, help="Years of history.")
@click.option("--tracker/--no-tracker", default=None,
              help="Compute each council's milestones now (the small preset's default) or leave them to the "
                   "nightly recompute (the national preset's).")
@click.option("--only", metavar="N[,N...]|largest",
              help="Build only these councils of the plan (numbers, or 'largest'): each the same council, size "
                   "and ToR as in the whole set, alone in its database (for comparing alone with among many).")
def national_cmd(size, councils, children_per_council_mean, seed, years, tracker, only):
    """Fictional councils of varied sizes with five years of history, for measuring at scale
    (councils national-0001 ...; resumable: existing councils are skipped)."""
    preset = PRESETS[size]
    councils = councils or preset["councils"]
    mean = children_per_council_mean or preset["children_per_council_mean"]
    tracker = preset["tracker"] if tracker is None else tracker
    try:
        plans = only_councils(plan_councils(councils, mean, seed), only)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--only") from None
    sizes = sorted(plan.children for plan in plans)
    if only:
        click.echo("Only " + ", ".join(f"{plan.slug} ({plan.tor_folder.name})" for plan in plans)
                   + f" of a plan of {councils}:")
    click.echo(f"{len(plans)} councils, {sum(sizes):,} children (smallest {sizes[0]:,}, median "
               f"{sizes[len(sizes) // 2]:,}, largest {sizes[-1]:,}), seed {seed}, {years} years; milestones "
               + ("computed now" if tracker else "left to the nightly recompute"))
    echo, current_app.config["MAIL_ECHO"] = current_app.config.get("MAIL_ECHO", True), False
    built = build_national(councils=councils, children_per_council_mean=mean, seed=seed, years=years,
                           tracker=tracker, only={plan.index for plan in plans})
    try:  # the current cycle's e-mails are kept, not printed over the progress bar
        with click.progressbar(length=sum(sizes), label="Councils", item_show_func=lambda s: s) as bar:
            for plan, _counts in built:
                commit()
                bar.update(plan.children, plan.slug)
    finally:
        current_app.config["MAIL_ECHO"] = echo
    refresh_statistics()
    for label, count in totals(plans).items():
        click.echo(f"  {label:15} {count:>12,}")


def _queues_option(ctx, param, value):
    try:
        return parse_queues(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--queues", callback=_queues_option, metavar="NAMES",
              help=f"The queues to serve, separated by commas (of {', '.join(QUEUES)}), or a group "
                   f"({', '.join(QUEUE_GROUPS)}); default all, taken in turn. Recommended: one worker for "
                   "'default', one for 'periodic,imports', one for 'emails' (deploy/README.md).")
def worker_cmd(burst, queues):
    """Work the RQ queues (needs REDIS_URL)."""
    from flask import current_app

    if not current_app.config.get("REDIS_URL"):
        _fail("REDIS_URL is not set: without it jobs run in-process and no worker is needed")
    announce(current_app, echo=click.echo)  # where e-mails go and what their links point at
    click.echo(f"Serving the queues {', '.join(queues)}, taking a job from each in turn")
    run_worker(queues, burst=burst)


@jobs_cli.command("scheduler")
def scheduler_cmd():
    """Start the periodic jobs on time, for every open council, until stopped (SIGTERM, Ctrl-C).

    One scheduler is enough and more are harmless: each slot is started once. With REDIS_URL the
    councils' parts go to the workers; without it, the web server already runs the schedule
    (SCHEDULE_IN_PROCESS) and this runs the jobs in this process."""
    run_scheduler()


@jobs_cli.command("run")
@click.argument("name", required=False)
def run_periodic_cmd(name):
    """Run periodic job NAME now for every open council (no NAME: list them)."""
    if not name:
        for job in periodic_jobs():
            click.echo(f"{job.name:25} {job.in_words():40} {job.description}")
        return
    try:
        count = run_now(name, claimed_by="command line")
    except KeyError as exc:
        _fail(str(exc.args[0]))
    commit()
    click.echo(f"{name} queued for {count} council(s).")


@jobs_cli.command("relay")
def relay_cmd():
    """Hand on the jobs a crashed process left in the outbox (workers do this every minute)."""
    from flask import current_app

    count = relay()
    if current_app.config.get("REDIS_URL"):
        recover_abandoned()
    click.echo(f"{count} job(s) handed on.")


def _table_options(command):
    """``--uasc``, ``--placed-adoption``, ... : one option per optional table of the 903."""
    for role in reversed(OPTIONAL):
        command = click.option(f"--{role.replace('_', '-')}", role, default=None,
                               type=click.Path(exists=True, dir_okay=False),
                               help=f"The 903 {TABLES[role].name} table (CSV), if the return has one.")(command)
    return command


@children_cli.command("import-903")
@click.option("--tenant", "slug", required=True, help="The council's web address, e.g. knowsley.")
@click.option("--header", "header", required=True, type=click.Path(exists=True, dir_okay=False),
              help="The 903 Header table (CSV).")
@click.option("--episodes", required=True, type=click.Path(exists=True, dir_okay=False),
              help="The 903 Episodes table (CSV).")
@click.option("--reviews", required=True, type=click.Path(exists=True, dir_okay=False),
              help="The 903 Reviews table (CSV).")
@_table_options
@click.option("--encoding", type=click.Choice(["utf-8", "windows-1252"]), default=None,
              help="The files' encoding (default: UTF-8 if they read as UTF-8, else Windows-1252).")
@click.option("--all-or-nothing/--partial", default=True, show_default=True,
              help="On any bad row write nothing, or write every child whose rows are all good.")
@click.option("--dfe-findings", "dfe_findings", default=None, type=click.Path(dir_okay=False),
              help="Where to write the findings of the DfE's own 903 rules (CSV); "
                   "default: dfe-findings.csv beside the Header table.")
def import_903_cmd(slug, header, episodes, reviews, encoding, all_or_nothing, dfe_findings, **others):
    """Import children and their histories from SSDA903 CSV tables (re-running changes only what
    differs, never duplicates)."""
    tenant = get_tenant(slug)
    if tenant is None:
        _fail(f"No council with the web address '{slug}'")
    others = {role: path for role, path in others.items() if path}
    try:
        extract = read_903(header, episodes, reviews, others=others, encoding=encoding)
    except ImportFileError as exc:
        _fail(str(exc))

    def before_writing(checked):
        for error in checked.errors:
            click.echo(str(error), err=True)
        if checked.refusal and all_or_nothing:
            click.echo(checked.refusal + " (use --partial to import the clean children)", err=True)

    with tenant_context(tenant.id), acting_as(Actor(user_id=None, label="903 import (command line)")):
        dfe = check_903_with_dfe_rules(tenant.id, {"header": header, "episodes": episodes, "reviews": reviews,
                                                   **others}, extract, encoding=encoding)
        write_dfe_findings(dfe, dfe_findings or str(Path(header).with_name("dfe-findings.csv")))
        clean = len(extract.clean_children())
        with click.progressbar(length=clean, label=f"Importing {clean} children") as bar:
            result = import_903(all_or_nothing=all_or_nothing, extract=extract, progress=bar.update,
                                before_writing=before_writing)
        if result.written:
            commit()
    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)
    for count in result.files:
        click.echo(str(count))
    if not result.written:
        _fail(f"{len(result.errors)} problem(s); nothing was imported")
    click.echo(f"{result.created} children created, {result.updated} updated, {result.unchanged} unchanged"
               + (f", {len(result.skipped)} skipped because of bad rows" if result.skipped else "")
               + (f" (collection year {result.collection_year})" if result.collection_year else "") + ".")


children_cli.add_command(import_tracker_cmd)


def row_counts() -> dict:
    """Rows per table, and per council as the app reads them, of the database the app points at.

    What a restore is checked by (deploy/backup/restore.sh): ``tables`` counts every row on a
    connection without the app role (so only a superuser or a BYPASSRLS role sees them all under
    row-level security; otherwise it is None); ``councils`` counts each council's rows of each table
    with a ``tenant_id`` through the app's own session, which on PostgreSQL switches to the app role
    and sets the council, so a council's rows the app cannot read under RLS count as missing."""
    names = sorted(inspect(db.engine).get_table_names())
    with db.engine.connect() as conn:
        postgres = conn.dialect.name == "postgresql"
        sees_all = not postgres or conn.execute(text(
            "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")).scalar()
        head = conn.execute(text("SELECT version_num FROM alembic_version")).scalar() \
            if "alembic_version" in names else None
        tables = {name: conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar() for name in names} \
            if sees_all else None
    scoped = [name for name in names
              if any(column["name"] == "tenant_id" for column in inspect(db.engine).get_columns(name))]
    councils = {}
    for tenant in sorted(list_tenants(), key=lambda t: t.slug):
        with tenant_context(tenant.id):
            councils[tenant.slug] = {
                name: db.session.execute(text(f'SELECT count(*) FROM "{name}" WHERE tenant_id = :tid'),
                                         {"tid": tenant.id}).scalar()
                for name in scoped}
            db.session.rollback()  # read only; the next council's transaction sets its own settings
    db.session.remove()
    return {"database": db.engine.url.database, "head": head, "tables": tables, "councils": councils}


def count_differences(expected: dict, found: dict) -> list[str]:
    """Each table (and each council's table) whose count differs, in words; empty when they agree.
    A section one side could not count (``tables`` without a role that sees every row) is skipped."""
    differences = []
    if expected.get("tables") is not None and found.get("tables") is not None:
        for name in sorted(set(expected["tables"]) | set(found["tables"])):
            before, after = expected["tables"].get(name), found["tables"].get(name)
            if before != after:
                differences.append(f"{name}: {before} expected, {after} found")
    for slug in sorted(set(expected["councils"]) | set(found["councils"])):
        before, after = expected["councils"].get(slug), found["councils"].get(slug)
        if before is None or after is None:
            differences.append(f"council {slug}: {'missing' if after is None else 'not expected'}")
            continue
        for name in sorted(set(before) | set(after)):
            if before.get(name) != after.get(name):
                differences.append(f"council {slug}, {name}: {before.get(name)} expected, {after.get(name)} found")
    return differences


@migrate_cli.command("counts")
@click.option("--expect", "expected", type=click.File("r"), metavar="FILE",
              help="Counts printed earlier (of the database backed up); exit 1 naming each difference.")
@with_appcontext
def counts_cmd(expected):
    """Print rows per table and per council as JSON (the council's read through the app role under
    row-level security); with --expect, compare with counts printed earlier: a restore's check."""
    found = row_counts()
    click.echo(json.dumps(found, indent=1, sort_keys=True))
    if expected is None:
        return
    differences = count_differences(json.load(expected), found)
    if differences:
        for line in differences:
            click.echo(line, err=True)
        _fail(f"{len(differences)} count(s) differ from {expected.name}")
    councils = len(found["councils"])
    click.echo(f"Counts agree with {expected.name}: {len(found['tables'] or ())} tables, {councils} councils "
               f"({sum(sum(c.values()) for c in found['councils'].values()):,} council rows read as the app).",
               err=True)


def init_app(app):
    for group in (users_cli, tenants_cli, demo_cli, jobs_cli, children_cli):
        app.cli.add_command(group)
