"""Adding the council's people from a CSV file (name, email, team, roles), all or nothing.

:func:`read_people` checks the whole file before anything is written and reports every bad row
with its row number (the heading row is row 1, as a spreadsheet shows it) and column. Only a
file with no bad row is written, by :func:`import_people`, in the caller's one transaction: each
person's roles go through ``grants.change_roles`` with the importing administrator as ``by``, so
a role that reads children waits for a second administrator as it does on the users page. Then
each new person is sent an invitation to set a password, and each person who already has one is
told they can now use the council. A team named in the file that the council does not have yet is
created (teams are otherwise made only at the server), matched to an existing one whatever its
capitals and spacing, and the result names the new teams. Callers commit.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from sqlalchemy import func, select

from ..core.tables import ImportFileError, csv_rows
from ..extensions import db
from . import grants, services
from .models import Membership, Team, User
from .roles import ROLES

MAX_FILE_BYTES = 512 * 1024
MAX_PEOPLE = 2_000
COLUMNS = ("name", "email", "team", "roles")
# Headings people write for the same column.
_ALIASES = {"full name": "name", "e-mail": "email", "email address": "email", "e-mail address": "email",
            "role": "roles", "access roles": "roles", "team name": "team"}
TEMPLATE = (
    "name,email,team,roles\r\n"
    "Alex Example,alex.example@council.example.org,Children in Care 1,Social worker\r\n"
    "Sam Sample,sam.sample@council.example.org,Children in Care 1,Team manager; Panel member\r\n"
    "Jo Specimen,jo.specimen@council.example.org,,Chair\r\n"
)


@dataclass(frozen=True)
class RowProblem:
    """One bad row (row 1 is the headings, 0 the file as a whole) and, when one cell is at fault, its column."""

    row: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"Row {self.row}" if self.row else "The file"
        return f"{where}{f', column {self.column}' if self.column else ''}: {self.message}"


@dataclass(frozen=True)
class Person:
    row: int
    name: str
    email: str
    team: str | None
    roles: tuple[str, ...]


@dataclass
class PeopleFile:
    people: list[Person] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


@dataclass
class Imported:
    """What an import did: who was added, invited or told, whose roles wait, which teams are new."""

    added: list[User] = field(default_factory=list)
    invited: list[User] = field(default_factory=list)
    told: list[User] = field(default_factory=list)
    waiting: list = field(default_factory=list)  # RoleGrant
    new_teams: list[str] = field(default_factory=list)


class PeopleImportError(ValueError):
    """The file has bad rows; nothing was written."""

    def __init__(self, problems: list[RowProblem]):
        super().__init__(f"{len(problems)} problem(s) in the file")
        self.problems = problems


def _role_lookup() -> dict[str, str]:
    lookup = {}
    for role_id, label in ROLES.items():
        lookup[role_id] = role_id
        lookup[_key(label)] = role_id
        lookup[_key(role_id.replace("_", " "))] = role_id
    return lookup


def _key(text: str) -> str:
    return " ".join(text.replace("-", " ").lower().split())


def _decode(data: bytes) -> tuple[str | None, list[RowProblem]]:
    """UTF-8 text (Excel's byte-order mark allowed); otherwise every line that is not, named."""
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    problems = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.append(RowProblem(number, None, f"this line has characters that are not UTF-8 (from byte "
                                                     f"{exc.start + 1} of the line). In Excel, save the file as "
                                                     "\"CSV UTF-8 (Comma delimited)\" and upload it again."))
    return None, problems


def read_people(data: bytes, *, by: User, filename: str = "the file") -> PeopleFile:
    """Check every row of ``data`` against the council; nothing is written. ``by`` is the importer."""
    result = PeopleFile()
    if len(data) > MAX_FILE_BYTES:
        result.problems.append(RowProblem(0, None, f"is larger than {MAX_FILE_BYTES // 1024} KB; split it into "
                                                   "smaller files"))
        return result
    if b"\x00" in data[:4096]:
        result.problems.append(RowProblem(0, None, "is not a text file; save the spreadsheet as CSV UTF-8"))
        return result
    text, result.problems = _decode(data)
    if text is None:
        return result
    try:  # (row number, values), the headings being row 1; blank rows keep their number
        rows = list(enumerate(csv_rows(io.StringIO(text, newline=""), filename), start=1))
    except ImportFileError as exc:
        result.problems.append(RowProblem(0, None, exc.message))
        return result
    if not rows:
        result.problems.append(RowProblem(0, None, "is empty; the first row must be the headings "
                                                   + ", ".join(COLUMNS)))
        return result
    _, headings = rows[0]
    aliases = {_key(alias): column for alias, column in _ALIASES.items()}
    columns = [aliases.get(_key(h.lstrip("\ufeff")), _key(h.lstrip("\ufeff"))) for h in headings]
    missing = [c for c in COLUMNS if c not in columns]
    unknown = [h for h, c in zip(headings, columns) if c and c not in COLUMNS]
    repeated = sorted({c for c in columns if c and columns.count(c) > 1})
    if missing or unknown or repeated:
        said = []
        if missing:
            said.append(f"no column {', '.join(missing)}")
        if unknown:
            said.append(f"unknown column(s) {', '.join(repr(h) for h in unknown)}")
        if repeated:
            said.append(f"column(s) {', '.join(repeated)} more than once")
        result.problems.append(RowProblem(1, None, f"the headings must be {', '.join(COLUMNS)}: there is "
                                                   + "; ".join(said)))
        return result
    people = [(number, {c: (values[i].strip() if i < len(values) else "") for i, c in enumerate(columns) if c})
              for number, values in rows[1:] if any(v.strip() for v in values)]
    if len(people) > MAX_PEOPLE:
        result.problems.append(RowProblem(0, None, f"has more than {MAX_PEOPLE:,} people; split it into smaller "
                                                   "files"))
        return result
    if not people:
        result.problems.append(RowProblem(0, None, "has headings but nobody below them"))
        return result
    _check_rows(people, by, result)
    return result


def _check_rows(people, by: User, result: PeopleFile) -> None:
    lookup = _role_lookup()
    seen: dict[str, int] = {}
    emails = []
    for number, row in people:
        problems = []
        name = row["name"]
        if not name:
            problems.append(RowProblem(number, "name", "enter the person's name"))
        elif len(name) > 200:
            problems.append(RowProblem(number, "name", "the name is longer than 200 characters"))
        email = None
        try:
            email = services.normalise_email(row["email"]) if row["email"] else None
            if email is None:
                problems.append(RowProblem(number, "email", "enter the person's e-mail address"))
        except services.AccountError:
            problems.append(RowProblem(number, "email", f"'{row['email'][:100]}' is not an e-mail address like "
                                                        "name@example.org"))
        if email is not None:
            if email in seen:
                problems.append(RowProblem(number, "email", f"{email} is also on row {seen[email]}"))
            else:
                seen[email] = number
            if email == by.email.lower():
                problems.append(RowProblem(number, "email", "this is you: nobody gives themselves roles. Take "
                                                            "this row out and ask another administrator"))
        team = row["team"] or None
        if team is not None and len(team) > 200:
            problems.append(RowProblem(number, "team", "the team's name is longer than 200 characters"))
        roles, unknown = [], []
        for part in re.split(r"[;,|]", row["roles"]):
            if part.strip():
                role = lookup.get(part.strip()) or lookup.get(_key(part))
                if role:
                    roles.append(role)
                else:
                    unknown.append(part.strip())
        if unknown:
            problems.append(RowProblem(number, "roles", f"unknown role(s) {', '.join(repr(u[:60]) for u in unknown)}; "
                                                        f"the roles are {', '.join(ROLES.values())}"))
        elif not roles:
            problems.append(RowProblem(number, "roles", "give at least one role, separated by semicolons"))
        result.problems.extend(problems)
        if not problems:
            result.people.append(Person(number, name, email, team, tuple(sorted(set(roles)))))
            emails.append(email)
    _check_existing(result, emails)


def _check_existing(result: PeopleFile, emails: list[str]) -> None:
    """The rows whose person already has an account: a platform administrator, a deactivated account
    or someone who already has access here is reported, not changed."""
    if not emails:
        return
    users = {u.email.lower(): u for u in db.session.execute(
        select(User).where(func.lower(User.email).in_(emails))).scalars()}
    members = {m.user_id: m for m in db.session.execute(
        select(Membership).where(Membership.user_id.in_([u.id for u in users.values()]))).scalars()}
    kept = []
    for person in result.people:
        user = users.get(person.email)
        problem = None
        if user is not None and user.is_platform_admin:
            problem = (f"{person.email} is a platform administrator, who sees no child's record; use a separate "
                       "account for work in the council")
        elif user is not None and not user.active:
            problem = f"{person.email}'s account is switched off for the whole platform; ask the central administrator"
        elif user is not None and user.id in members and members[user.id].active:
            problem = (f"{person.email} already has access to this council; change their roles on their page "
                       "on the users page")
        if problem:
            result.problems.append(RowProblem(person.row, "email", problem))
        else:
            kept.append(person)
    result.people = kept
    result.problems.sort(key=lambda p: (p.row, COLUMNS.index(p.column) if p.column in COLUMNS else -1))


def import_people(data: bytes, *, by: User, tenant, filename: str = "the file") -> Imported:
    """Read ``data`` and, if no row is bad, add everyone in it, then send the invitations. All or
    nothing: raises ``PeopleImportError`` with every problem; the caller then rolls back, which
    matters only when a row was refused while writing (the person changed since the check)."""
    checked = read_people(data, by=by, filename=filename)
    if checked.problems:
        raise PeopleImportError(checked.problems)
    done = Imported()
    teams = {_key(t.name): t for t in db.session.execute(select(Team)).scalars()}
    for person in checked.people:
        team = None
        if person.team:
            team = teams.get(_key(person.team))
            if team is None:
                team = teams[_key(person.team)] = services.get_or_create_team(" ".join(person.team.split()))
                done.new_teams.append(team.name)
        try:  # checked above; this is for what changed since (another administrator, at the same time)
            user = services.find_user(person.email)
            if user is None:
                user = services.create_user(person.email, person.name)
                done.added.append(user)
            _, grant = grants.change_roles(user, person.roles, by=by, team=team, notify=False)
        except services.AccountError as exc:
            raise PeopleImportError([RowProblem(person.row, exc.field if exc.field in COLUMNS else None,
                                                str(exc))]) from exc
        if grant is not None:
            done.waiting.append(grant)
        if user.password_hash is None:
            services.send_invitation(user, tenant)
            done.invited.append(user)
        else:
            services.send_access_notice(user, tenant)
            done.told.append(user)
    grants.announce_requests(done.waiting, by=by, source=f"importing a file of {len(checked.people)} people")
    return done
