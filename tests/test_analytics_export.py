"""Data for analysts: flat CSV tables of a council's meetings, items, decisions, actions, milestones,
drift and escalations, and its children by case number (never by name), with a data dictionary that
matches the files both ways; each file and the ZIP downloaded by senior managers and panel
administrators only, every download audited; text a spreadsheet would run as a formula defused;
another council's rows never in them; and the scheduled export to the operator's folder, written
once per period when the council's terms of reference ask for it."""

from __future__ import annotations

import csv
from html import unescape
import io
import os
import re
import zipfile
from datetime import date, datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from permanence.audit.models import AuditEvent
from permanence.cases.models import CarePeriod, Child, LegalStatus, PermanencePlan, SiblingGroup
from permanence.core.context import tenant_context
from permanence.core.jobs import commit
from permanence.exports import analytics, jobs
from permanence.exports.jobs import ExportFolderError, analytics_export_job
from permanence.extensions import db
from permanence.panels.models import (Action, ActionStatus, AgendaItem, ItemStatus, Meeting, MeetingStatus, Minutes,
                                      MinutesStatus, UrgentDecision)
from permanence.tor import TorConfigError, load_tor_from_text
from permanence.tor.services import active_version, load_folder, store_version
from permanence.tracker.models import Drift, Escalation, Milestone

REPO = Path(__file__).resolve().parents[1]
PPTM = REPO / "tenants" / "permanence-panel-pptm"
TODAY = date(2024, 9, 1)  # a Sunday
FORMULA_TEAM = "=HYPERLINK(\"http://example.invalid\")"


def _utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


@pytest.fixture
def council(app, tenant_a, tenant_b, make_team, make_user, make_child, travel, work_jobs):
    """Council A (seed 001's terms of reference) with crafted meetings, items, decisions, actions,
    milestones, drift and an escalation; council B with rows of its own that must not appear."""
    travel(TODAY)
    for tenant in (tenant_a, tenant_b):
        with app.app_context():
            load_folder(PPTM, slug=tenant.slug)
            commit()
    team = make_team(tenant_a, "Children in Care 1")
    odd_team = make_team(tenant_a, FORMULA_TEAM)
    worker = make_user(tenant_a, ["social_worker"], name="Jo Fictional-Worker")
    amira = make_child(tenant_a, case_number="FWI-700", first_name="Amira", last_name="Fictional", sex="F",
                       date_of_birth=date(2019, 6, 5), team=team, social_worker=worker)
    ben = make_child(tenant_a, case_number="FWI-701", first_name="Ben", last_name="Fictional",
                     date_of_birth=date(2016, 1, 2), team=odd_team)
    other = make_child(tenant_b, case_number="OTHER-1", first_name="Olu", last_name="Elsewhere")
    ids = SimpleNamespace(amira=amira.id, ben=ben.id, other=other.id, worker=worker.id, team=team.id)
    with app.app_context(), tenant_context(tenant_a.id):
        group = SiblingGroup(name="Fictional siblings")
        db.session.add(group)
        db.session.flush()
        cara = Child(case_number="FWI-702", first_name="Cara", last_name="Fictional", sibling_group_id=group.id)
        dan = Child(case_number="FWI-703", first_name="Dan", last_name="Fictional", sibling_group_id=group.id)
        db.session.add_all([cara, dan,
                            CarePeriod(child_id=amira.id, start=date(2024, 2, 1)),
                            LegalStatus(child_id=amira.id, code="C1", start=date(2024, 2, 1), end=date(2024, 5, 1)),
                            LegalStatus(child_id=amira.id, code="C2", start=date(2024, 5, 1)),
                            PermanencePlan(child_id=amira.id, route="adoption", kind="primary",
                                           agreed_on=date(2024, 3, 1), agreed_at="panel")])
        version = active_version(tenant_a.id)
        held = Meeting(body_id="permanence-panel", tor_version_id=version.id, date=date(2024, 7, 10),
                       quorate=True, agenda_published_at=_utc(2024, 7, 1, 9, 30))
        next_pptm = Meeting(body_id="pptm", tor_version_id=version.id, date=date(2024, 9, 18),
                            status=MeetingStatus.SCHEDULED)
        db.session.add_all([held, next_pptm])
        db.session.flush()
        db.session.add(Minutes(meeting_id=held.id, text="", status=MinutesStatus.CIRCULATED,
                               circulated_at=_utc(2024, 7, 20, 14, 0)))
        heard = AgendaItem(meeting_id=held.id, part_id="new-to-care", child_id=amira.id, status=ItemStatus.HEARD,
                           submitted_at=_utc(2024, 6, 28, 16, 0), late=True, outcome_id="plan-ratified",
                           decision="Fictional decision naming Amira", discussion="Fictional discussion",
                           recorded_at=_utc(2024, 7, 10, 15, 0), next_review_on=date(2025, 1, 8))
        siblings = AgendaItem(meeting_id=held.id, part_id="plan-ratification", sibling_group_id=group.id,
                              status=ItemStatus.HEARD, outcome_id="plan-changed", proposal_source="Cohort rule")
        booked = AgendaItem(meeting_id=next_pptm.id, part_id="in-proceedings", child_id=ben.id,
                            status=ItemStatus.BOOKED)
        db.session.add_all([heard, siblings, booked])
        db.session.flush()
        between = UrgentDecision(body_id="permanence-panel", tor_version_id=version.id, child_id=ben.id,
                                 role_id="service-manager", outcome_id="plan-changed",
                                 outcome_label="Permanence plan changed", decision="Fictional urgent decision",
                                 decided_on=date(2024, 8, 1))
        db.session.add_all([
            between,
            Action(agenda_item_id=heard.id, child_id=amira.id, description="Fictional later-life letter",
                   owner_id=worker.id, due_on=date(2024, 8, 1)),
            Action(agenda_item_id=siblings.id, description="Fictional sibling assessment", due_on=date(2024, 8, 30),
                   status=ActionStatus.DONE, completed_on=date(2024, 7, 30)),
        ])
        commit()
        ids.__dict__.update(cara=cara.id, dan=dan.id, group=group.id, held=held.id, pptm=next_pptm.id,
                            heard=heard.id, siblings=siblings.id, booked=booked.id, between=between.id)
    work_jobs()  # the tracker's recomputes owed by the commits above, before the crafted tracker rows
    with app.app_context(), tenant_context(tenant_a.id):
        milestone = Milestone(child_id=ben.id, rule_id="crafted-review", label="Crafted review", rule_origin="tenant",
                              rule_source="Crafted section", due=date(2024, 8, 1), status="overdue")
        db.session.add(milestone)
        db.session.flush()
        drift = Drift(child_id=ben.id, milestone_id=milestone.id, rule_id="crafted-review", label="Crafted review",
                      due=date(2024, 8, 1), opened_on=date(2024, 8, 2), ladder_id="senior-management", level=1,
                      escalated_to="team-manager")
        db.session.add(drift)
        db.session.flush()
        db.session.add(Escalation(drift_id=drift.id, level=1, role="team-manager", role_label="Team Manager",
                                  escalated_on=date(2024, 8, 12), by_label="system", reason="Time ran out",
                                  notified="a@example.org\nb@example.org\n"))
        commit()
        ids.__dict__.update(milestone=milestone.id, drift=drift.id)
    with app.app_context(), tenant_context(tenant_b.id):
        version = active_version(tenant_b.id)
        elsewhere = Meeting(body_id="permanence-panel", tor_version_id=version.id, date=date(2024, 7, 11))
        db.session.add(elsewhere)
        db.session.flush()
        db.session.add_all([
            AgendaItem(meeting_id=elsewhere.id, part_id="new-to-care", child_id=other.id, status=ItemStatus.HEARD,
                       outcome_id="plan-ratified"),
            Action(child_id=other.id, description="Elsewhere", due_on=date(2024, 8, 1)),
            Milestone(child_id=other.id, rule_id="elsewhere", label="Elsewhere", rule_origin="tenant",
                      status="upcoming", due=date(2024, 10, 1)),
            Drift(child_id=other.id, rule_id="elsewhere", label="Elsewhere", due=date(2024, 8, 1),
                  opened_on=date(2024, 8, 2)),
        ])
        commit()
    return SimpleNamespace(tenant=tenant_a, other_tenant=tenant_b, ids=ids,
                           manager=make_user(tenant_a, ["senior_manager"]),
                           admin=make_user(tenant_a, ["panel_administrator"]),
                           worker=worker)


def _plain(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub("<[^>]+>", " ", html)))


def _rows(text: str) -> list[dict]:
    assert text.startswith("\ufeff")  # Excel reads the file as UTF-8
    return list(csv.DictReader(io.StringIO(text[1:])))


def _download(client, council, name) -> list[dict]:
    response = client.get(f"/{council.tenant.slug}/exports/analytics/{name}.csv")
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Disposition"] == f'attachment; filename="{name}.csv"'
    return _rows(response.get_data(as_text=True))


def _tracker_rows(app, council) -> dict[str, int]:
    with app.app_context(), tenant_context(council.tenant.id):
        return {"milestones": len(db.session.execute(select(Milestone.id)).all()),
                "drift": len(db.session.execute(select(Drift.id)).all())}


def test_each_table_has_the_councils_rows_and_key_values(app, client, login, council):
    ids = council.ids
    login(council.manager)
    children = _download(client, council, "children")
    assert [c["case_number"] for c in children] == ["FWI-700", "FWI-701", "FWI-702", "FWI-703"]  # not OTHER-1
    amira = children[0]
    assert amira["child_id"] == str(ids.amira) and amira["birth_month"] == "2019-06" and amira["sex"] == "F"
    assert (amira["team_name"], amira["social_worker_id"], amira["social_worker_name"]) == (
        "Children in Care 1", str(ids.worker), "Jo Fictional-Worker")
    assert (amira["looked_after_now"], amira["legal_status_code"], amira["legal_status_label"],
            amira["legal_status_start"]) == ("true", "C2", "Care order", "2024-05-01")
    assert (amira["plan_route"], amira["plan_route_label"], amira["plan_agreed_on"]) == (
        "adoption", "Adoption", "2024-03-01")
    assert children[1]["looked_after_now"] == "false" and children[1]["legal_status_code"] == ""
    assert children[2]["sibling_group_id"] == children[3]["sibling_group_id"] == str(ids.group)
    assert not {"Amira", "Ben", "Cara", "Dan"} & {word for row in children for value in row.values()
                                                  for word in value.split()}  # no child's name

    meetings = _download(client, council, "meetings")
    assert [(m["meeting_id"], m["body_id"], m["date"], m["status"]) for m in meetings] == [
        (str(ids.held), "permanence-panel", "2024-07-10", "scheduled"),
        (str(ids.pptm), "pptm", "2024-09-18", "scheduled")]  # council B's sitting of 11 July is not here
    held = meetings[0]
    assert held["body_label"] == "Permanence Panel" and held["quorate"] == "true"
    assert held["agenda_published_at"] == "2024-07-01T09:30:00Z"
    assert (held["minutes_status"], held["minutes_circulated_at"]) == ("circulated", "2024-07-20T14:00:00Z")
    assert meetings[1]["quorate"] == "" and meetings[1]["minutes_status"] == ""

    items = {int(i["item_id"]): i for i in _download(client, council, "agenda_items")}
    assert set(items) == {ids.heard, ids.siblings, ids.booked}
    heard = items[ids.heard]
    assert (heard["meeting_id"], heard["child_id"], heard["part_id"], heard["status"]) == (
        str(ids.held), str(ids.amira), "new-to-care", "heard")
    assert (heard["outcome_id"], heard["outcome_label"], heard["late"], heard["submitted_at"]) == (
        "plan-ratified", "Permanence plan ratified", "true", "2024-06-28T16:00:00Z")
    assert (heard["recorded_at"], heard["next_review_on"], heard["escalate"], heard["proposed"]) == (
        "2024-07-10T15:00:00Z", "2025-01-08", "false", "false")
    assert "decision" not in heard and "discussion" not in heard  # free text stays in the platform
    assert (items[ids.siblings]["child_id"], items[ids.siblings]["sibling_group_id"]) == ("", str(ids.group))
    assert items[ids.siblings]["proposed"] == "true" and items[ids.booked]["outcome_label"] == ""

    decisions = _download(client, council, "decisions")
    assert [(d["decision_id"], d["kind"], d["decided_on"], d["child_id"], d["sibling_group_id"], d["outcome_label"])
            for d in decisions] == [
        (f"item-{ids.heard}", "at_a_sitting", "2024-07-10", str(ids.amira), "", "Permanence plan ratified"),
        (f"item-{ids.siblings}", "at_a_sitting", "2024-07-10", "", str(ids.group), "Permanence plan changed"),
        (f"between-{ids.between}", "between_sittings", "2024-08-01", str(ids.ben), "", "Permanence plan changed")]
    assert decisions[2]["decided_by_role"] == "service-manager" and decisions[2]["meeting_id"] == ""
    assert decisions[0]["next_review_on"] == "2025-01-08" and decisions[0]["body_label"] == "Permanence Panel"

    actions = _download(client, council, "actions")
    assert [(a["child_id"], a["item_id"], a["meeting_id"], a["due_on"], a["status"], a["overdue"], a["owner_name"])
            for a in actions] == [
        (str(ids.amira), str(ids.heard), str(ids.held), "2024-08-01", "open", "true", "Jo Fictional-Worker"),
        ("", str(ids.siblings), str(ids.held), "2024-08-30", "done", "false", "")]
    assert actions[1]["completed_on"] == "2024-07-30"

    milestones = _download(client, council, "milestones")
    assert len(milestones) == _tracker_rows(app, council)["milestones"]  # Amira's, as the tracker keeps them
    crafted = [m for m in milestones if m["rule_id"] == "crafted-review"]
    assert [(m["milestone_id"], m["child_id"], m["due"], m["status"], m["rule_origin"]) for m in crafted] == [
        (str(ids.milestone), str(ids.ben), "2024-08-01", "overdue", "tenant")]
    assert {m["child_id"] for m in milestones} <= {str(ids.amira), str(ids.ben)}

    drift = _download(client, council, "drift")
    assert [(d["drift_id"], d["child_id"], d["milestone_id"], d["open"], d["days_overdue"], d["escalation_level"],
             d["escalated_to"]) for d in drift if d["rule_id"] == "crafted-review"] == [
        (str(ids.drift), str(ids.ben), str(ids.milestone), "true", "31", "1", "team-manager")]  # 1 Aug to 1 Sep
    assert all(d["rule_id"] != "elsewhere" for d in drift)

    escalations = _download(client, council, "escalations")
    assert [(e["drift_id"], e["child_id"], e["level"], e["role_label"], e["escalated_on"], e["by_a_person"],
             e["people_told"]) for e in escalations] == [
        (str(ids.drift), str(ids.ben), "1", "Team Manager", "2024-08-12", "false", "2")]


def test_a_text_a_spreadsheet_would_run_as_a_formula_is_written_as_text(client, login, council):
    login(council.admin)
    children = _download(client, council, "children")
    assert children[1]["team_name"] == "'" + FORMULA_TEAM
    assert analytics.cell("+1") == "'+1" and analytics.cell("-2") == "'-2" and analytics.cell("@x") == "'@x"
    assert analytics.cell(-2) == -2 and analytics.cell("Plain") == "Plain"


def test_the_dictionary_and_the_files_name_the_same_columns(app, client, login, council):
    login(council.manager)
    response = client.get(f"/{council.tenant.slug}/exports/analytics.zip")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="analytics-council-a-2024-09-01.zip"'
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert sorted(archive.namelist()) == sorted([f"{t.name}.csv" for t in analytics.TABLES] + ["data_dictionary.csv"])
    dictionary = _rows(archive.read("data_dictionary.csv").decode("utf-8"))
    described = {(d["table"], d["column"]) for d in dictionary}
    exported = set()
    for t in analytics.TABLES:
        header = archive.read(t.filename).decode("utf-8")[1:].splitlines()[0].split(",")
        assert len(header) == len(set(header)), t.name
        assert all(name.islower() and " " not in name for name in header)
        exported |= {(t.name, name) for name in header}
    assert exported == described  # every column exported is described, and every one described is exported
    assert all(d["type"] in analytics.TYPE_MEANINGS and d["description"] and d["source"] for d in dictionary)
    children = _rows(archive.read("children.csv").decode("utf-8"))
    assert [c["case_number"] for c in children] == ["FWI-700", "FWI-701", "FWI-702", "FWI-703"]
    assert len(_rows(archive.read("decisions.csv").decode("utf-8"))) == 3
    case_number = next(d for d in dictionary if d["column"] == "case_number")
    assert "never the child's name" in next(t.description for t in analytics.TABLES if t.name == "children").lower()
    assert case_number["table"] == "children"

    page = client.get(f"/{council.tenant.slug}/exports/analytics")
    text = " ".join(page.get_data(as_text=True).split())
    assert page.status_code == 200 and "Data for analysts" in text
    assert 'id="table-children"' in text and "children.csv" in text
    kept = _tracker_rows(app, council)  # Amira's milestones and drift as the tracker keeps them, and Ben's crafted
    counts = {"children": 4, "meetings": 2, "agenda_items": 3, "decisions": 3, "actions": 2,
              "milestones": kept["milestones"], "drift": kept["drift"], "escalations": 1}
    for name, count in counts.items():
        row = text.split(f'id="table-{name}"', 1)[1].split("</tr>", 1)[0]
        assert f">{count}</td>" in row, name
    assert "<code>legal_status_code</code>" in text and "data_dictionary.csv" in text
    assert "do not ask for the files to be written to a folder" in text


def test_every_download_is_in_the_audit_log(app, client, login, council):
    login(council.admin)
    assert client.get(f"/{council.tenant.slug}/exports/analytics").status_code == 200
    with app.app_context(), tenant_context(council.tenant.id):  # the page counts rows: it shows no child
        assert db.session.execute(select(AuditEvent).where(AuditEvent.action.in_(("read", "export")))).first() is None
    assert client.get(f"/{council.tenant.slug}/exports/analytics/children.csv").status_code == 200
    assert client.get(f"/{council.tenant.slug}/exports/analytics.zip").status_code == 200
    with app.app_context(), tenant_context(council.tenant.id):
        events = db.session.execute(select(AuditEvent).where(AuditEvent.action == "export")
                                    .order_by(AuditEvent.id)).scalars().all()
        summaries = [(e.entity_type, e.actor_id, e.summary) for e in events]
    assert summaries[0] == ("Child", council.admin.id, "Data for analysts: children.csv downloaded (4 rows)")
    with app.app_context(), tenant_context(council.tenant.id):  # and, like any response, the read of each child
        reads = db.session.execute(select(AuditEvent).where(AuditEvent.action == "read")).scalars().all()
        assert reads and all("4 children" in r.summary for r in reads)
    assert summaries[1][:2] == ("Child", council.admin.id) and len(summaries) == 2
    assert summaries[1][2].startswith("Data for analysts: analytics-council-a-2024-09-01.zip downloaded (4 children, ")


@pytest.mark.parametrize("roles, status", [
    (["senior_manager"], 200), (["panel_administrator"], 200), (["social_worker"], 403), (["tenant_admin"], 403),
    (["team_manager"], 403), (["chair"], 403)])
def test_who_may_download(client, login, make_user, council, roles, status):
    login(make_user(council.tenant, roles))
    slug = council.tenant.slug
    for path in ("exports/analytics", "exports/analytics/children.csv", "exports/analytics.zip"):
        assert client.get(f"/{slug}/{path}").status_code == status, path
    if status == 200:
        assert client.get(f"/{slug}/exports/analytics/no_such_table.csv").status_code == 404
        assert "Data for analysts" in client.get(f"/{slug}/").get_data(as_text=True)  # the navigation


def test_the_new_permission_reads_children_and_keeps_the_separation_of_duties():
    from permanence.accounts import roles

    assert "reports.export" in roles.READS_CHILDREN and "reports.export" not in roles.SHOWS_NO_CHILD
    holders = {role for role, granted in roles.ROLE_PERMISSIONS.items() if "reports.export" in granted}
    assert holders == {"senior_manager", "panel_administrator"} and holders <= roles.SEES_ALL_CHILDREN
    assert "tenant_admin" not in roles.CHILD_READING_ROLES


# --- The ToR's exports: section --------------------------------------------------------------------

MINIMAL = (PPTM / "tor.yaml").read_text()


def test_the_exports_section_is_checked_with_its_line():
    tor = load_tor_from_text(MINIMAL + "\nexports:\n  analytics_every: weekly\n", "tor.yaml")
    assert tor.exports.analytics_every == "weekly"
    assert load_tor_from_text(MINIMAL, "tor.yaml").exports.analytics_every is None
    line = MINIMAL.count("\n") + 3
    with pytest.raises(TorConfigError) as caught:
        load_tor_from_text(MINIMAL + "\nexports:\n  analytics_every: hourly\n", "tenants/x/tor.yaml")
    assert str(caught.value).startswith(f"tenants/x/tor.yaml:{line} exports.analytics_every: unknown export "
                                        "frequency 'hourly'; allowed: daily, weekly, monthly")
    with pytest.raises(TorConfigError) as caught:
        load_tor_from_text(MINIMAL + "\nexports:\n  every: daily\n", "tenants/x/tor.yaml")
    assert "exports.every" in str(caught.value)


def _ask_for_exports(app, tenant, every, extra=""):
    with app.app_context():
        store_version(tenant.id, MINIMAL + f"\nexports:\n  analytics_every: {every}\n{extra}", filename="tor.yaml",
                      loaded_by="test", activate=True)
        commit()


def test_the_rendered_terms_of_reference_say_how_often(app, client, login, council):
    _ask_for_exports(app, council.tenant, "monthly", "  assumption: The service manager asked for it by e-mail\n")
    login(council.manager)
    text = unescape(" ".join(client.get(f"/{council.tenant.slug}/terms-of-reference").get_data(as_text=True).split()))
    assert 'id="exports"' in text and "to the folder the platform's operator set up for the council, every " \
        "month (on the 1st)" in text
    section = text.split('id="exports"', 1)[1].split("<h2", 1)[0]
    assert "To be confirmed by the council: The service manager asked for it by e-mail" in _plain(section)
    assert "(platform default)" not in section


def _run_job(app, tenant):
    with app.app_context(), tenant_context(tenant.id):
        result = analytics_export_job()
        commit()
        return result


def test_the_scheduled_export_is_written_once_when_due(app, client, login, council, travel, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    app.config["ANALYTICS_EXPORT_DIR"] = str(folder)
    try:
        assert _run_job(app, council.tenant) == "not asked for"
        assert list(folder.iterdir()) == []
        _ask_for_exports(app, council.tenant, "weekly")
        travel(datetime(2024, 9, 2, 6, 0, tzinfo=timezone.utc))  # Monday 2 September, 07:00 in London
        assert _run_job(app, council.tenant) == "written analytics-council-a-2024-09-02.zip"
        written = folder / "council-a" / "analytics-council-a-2024-09-02.zip"
        archive = zipfile.ZipFile(written)
        assert "data_dictionary.csv" in archive.namelist()
        children = _rows(archive.read("children.csv").decode("utf-8"))
        assert [c["case_number"] for c in children] == ["FWI-700", "FWI-701", "FWI-702", "FWI-703"]
        assert [p.name for p in (folder / "council-a").iterdir()] == [written.name]  # no temporary file left
        assert written.stat().st_mode & 0o777 == 0o640  # the owner and the folder's group only
        stamp = written.stat().st_mtime_ns
        assert _run_job(app, council.tenant) == "already written"  # the same day
        travel(datetime(2024, 9, 6, 6, 0, tzinfo=timezone.utc))  # Friday: the same week
        written.unlink()  # picked up by the council's own job: not written again this week
        assert _run_job(app, council.tenant) == "already written"
        assert not written.exists() and stamp
        travel(datetime(2024, 9, 9, 6, 0, tzinfo=timezone.utc))  # the next Monday
        assert _run_job(app, council.tenant) == "written analytics-council-a-2024-09-09.zip"
        assert _run_job(app, council.other_tenant) == "not asked for"
        with app.app_context(), tenant_context(council.tenant.id):
            events = db.session.execute(select(AuditEvent).where(AuditEvent.action == "export")
                                        .order_by(AuditEvent.id)).scalars().all()
            assert [(e.entity_type, e.actor_id, e.actor_label, e.summary) for e in events] == [
                ("Child", None, "system (scheduled export)",
                 "Scheduled export of the data for analysts written: analytics-council-a-2024-09-02.zip (4 children)"),
                ("Child", None, "system (scheduled export)",
                 "Scheduled export of the data for analysts written: analytics-council-a-2024-09-09.zip (4 children)")]
        login(council.manager)
        text = " ".join(client.get(f"/{council.tenant.slug}/exports/analytics").get_data(as_text=True).split())
        assert "the files are written weekly" in text and "9 September 2024 at 07:00" in text
        assert "Monday 16 September 2024 at 6am" in text
    finally:
        app.config["ANALYTICS_EXPORT_DIR"] = None


def test_a_folder_that_cannot_be_written_is_reported_not_retried_for_ever(app, client, login, council, travel,
                                                                         tmp_path):
    _ask_for_exports(app, council.tenant, "daily")
    travel(TODAY)
    login(council.manager)
    # The operator has set no folder: the page says so, and the job writes nothing.
    text = " ".join(client.get(f"/{council.tenant.slug}/exports/analytics").get_data(as_text=True).split())
    assert "has not set up a folder for them" in text and "so nothing is written" in text
    assert _run_job(app, council.tenant) == "no folder"
    app.config["ANALYTICS_EXPORT_DIR"] = str(tmp_path / "missing")
    try:
        with pytest.raises(ExportFolderError, match="is missing"):
            _run_job(app, council.tenant)
        text = " ".join(client.get(f"/{council.tenant.slug}/exports/analytics").get_data(as_text=True).split())
        assert "the operator's folder for them is missing" in text
        # The council's own folder cannot be made: a file stands in its place.
        folder = tmp_path / "exports"
        folder.mkdir()
        (folder / "council-a").write_text("not a folder")
        app.config["ANALYTICS_EXPORT_DIR"] = str(folder)
        with pytest.raises(ExportFolderError, match="is not writable"):
            _run_job(app, council.tenant)
        assert [p.name for p in folder.iterdir()] == ["council-a"]
        text = " ".join(client.get(f"/{council.tenant.slug}/exports/analytics").get_data(as_text=True).split())
        assert "not one the platform can write to" in text
        assert "Last written Never" in _plain(text) and "Due now" in text
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        app.config["ANALYTICS_EXPORT_DIR"] = str(locked)
        if not os.access(locked, os.W_OK):  # (root may write anywhere)
            with pytest.raises(ExportFolderError, match="not writable"):
                _run_job(app, council.tenant)
            text = " ".join(client.get(f"/{council.tenant.slug}/exports/analytics").get_data(as_text=True).split())
            assert "not one the platform can write to" in text
    finally:
        app.config["ANALYTICS_EXPORT_DIR"] = None


def test_a_write_that_fails_half_way_leaves_no_part_file(app, council, travel, tmp_path, monkeypatch):
    _ask_for_exports(app, council.tenant, "daily")
    travel(TODAY)

    def disk_full(target, scope):
        target.write(b"PK half a file")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(analytics, "write_zip", disk_full)
    app.config["ANALYTICS_EXPORT_DIR"] = str(tmp_path)
    try:
        with pytest.raises(ExportFolderError, match="No space left on device"):
            _run_job(app, council.tenant)
    finally:
        app.config["ANALYTICS_EXPORT_DIR"] = None
    assert list((tmp_path / "council-a").iterdir()) == []
    with app.app_context(), tenant_context(council.tenant.id):
        assert jobs.last_written() is None  # so the next run writes it


def test_the_job_is_registered_daily_and_not_retried():
    from permanence.core.schedule import get_periodic

    job = get_periodic("analytics-export")
    assert job.cron == "0 6 * * *" and job.retries == 0 and job.in_words() == "Every day at 06:00 London time"


def test_periods(app):
    assert jobs.period_start("weekly", date(2024, 9, 6)) == date(2024, 9, 2)
    assert jobs.period_start("monthly", date(2024, 9, 6)) == date(2024, 9, 1)
    assert jobs.next_due("monthly", date(2024, 12, 31)) == date(2025, 1, 1)
    assert jobs.next_due("daily", date(2024, 9, 6)) == date(2024, 9, 7)
