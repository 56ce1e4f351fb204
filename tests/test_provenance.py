"""Provenance: each history row knows its source; an import replaces only what its own source wrote;
where sources disagree, the child's page and the imports page list it and a person resolves it."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from permanence.cases.imports import import_903
from permanence.cases.models import CarePeriod, Child, LegalStatus
from permanence.cases.provenance import conflicts_of
from permanence.extensions import db
from permanence.imports.tracker_sheet import import_tracker

from test_import_903 import EPISODES, HEADER, REVIEWS
from test_import_tracker import LAYOUT, csv_bytes

TODAY = date(2025, 1, 15)


def write_903(tmp_path, header, episodes, reviews=""):
    paths = []
    for name, head, body in (("header.csv", HEADER, header), ("episodes.csv", EPISODES, episodes),
                             ("reviews.csv", REVIEWS, reviews)):
        (tmp_path / name).write_text(head + body)
        paths.append(tmp_path / name)
    return paths


# The tracker sheet (seed 001's layout) says the child came into care on 3 September 2024 on an
# interim care order; the council's 903 return says 1 September on a full care order.
TRACKER = csv_bytes(["PRV-001,Pat Fictional,01/02/2019,,,03/09/2024,Interim Care Order,03/09/2024,,,,U4,"])
HEADER_ROWS = "PRV-001,F,01/02/2019,WBRI,,,\n"
EPISODE_ROWS = "PRV-001,01/09/2024,S,C2,N1,U4,PR1,,,,,,\n"


def child(case_number="PRV-001") -> Child:
    return db.session.execute(select(Child).filter_by(case_number=case_number)).scalar_one()


@pytest.fixture
def both_sources(app, tenant_a, in_tenant, tmp_path):
    """The tracker sheet imported, then the 903 return, for the same child."""
    from permanence.core.jobs import commit
    from permanence.tor.services import load_folder
    from test_import_tracker import REPO

    with app.app_context():
        load_folder(REPO / "tenants" / "permanence-panel-pptm", slug=tenant_a.slug)
        commit()
    with in_tenant(tenant_a):
        result = import_tracker(TRACKER, "tracker-dec.csv", LAYOUT, today=TODAY)
        assert result.written and result.errors == [], result.errors
    with in_tenant(tenant_a):
        result = import_903(*write_903(tmp_path, HEADER_ROWS, EPISODE_ROWS))
        assert result.written and result.errors == [], result.errors
    return tenant_a


def test_a_903_import_keeps_what_the_tracker_sheet_wrote(both_sources, in_tenant, tmp_path):
    with in_tenant(both_sources):
        pat = child()
        assert sorted((s.start, s.code, s.origin, s.origin_detail) for s in pat.legal_statuses) == [
            (date(2024, 9, 1), "C2", "ssda903", "2024-25"), (date(2024, 9, 3), "C1", "tracker", "tracker-dec.csv")]
        assert sorted((p.start, p.origin) for p in pat.care_periods) == [
            (date(2024, 9, 1), "ssda903"), (date(2024, 9, 3), "tracker")]
    # The 903 again, a month on: its own rows are replaced, the tracker sheet's stay.
    with in_tenant(both_sources):
        import_903(*write_903(tmp_path, HEADER_ROWS, EPISODE_ROWS.replace(",,,,,,\n", ",01/10/2024,E11,,,,\n")))
    with in_tenant(both_sources):
        pat = child()
        assert sorted((p.start, p.end, p.origin) for p in pat.care_periods) == [
            (date(2024, 9, 1), date(2024, 10, 1), "ssda903"), (date(2024, 9, 3), None, "tracker")]
        assert [s.origin for s in pat.legal_statuses if s.code == "C1"] == ["tracker"]


def test_where_sources_disagree_a_person_chooses(both_sources, client, login, make_user, in_tenant):
    importer = make_user(both_sources, ["panel_administrator"])
    login(importer)
    page = client.get(f"/{both_sources.slug}/imports/disagreements").get_data(as_text=True)
    assert "Pat Fictional" in page and "PRV-001" in page
    assert "C2: Care order, from 1 Sep 2024 and still current (SSDA903 return" in page
    assert "C1: Interim care order, from 3 Sep 2024 and still current (Tracker spreadsheet tracker-dec.csv)" in page
    assert "Period of care: Looked after, from 1 Sep 2024" in page
    with in_tenant(both_sources):
        pat = child()
        c2 = next(s for s in pat.legal_statuses if s.code == "C2")
        ids = (pat.id, c2.id)
    record = client.get(f"/{both_sources.slug}/children/{ids[0]}").get_data(as_text=True)
    assert "The sources of this child's record disagree in" in record
    assert "Legal status: which is right?" in record and "Period of care: which is right?" in record
    # Nothing chosen: said so, nothing deleted.
    response = client.post(f"/{both_sources.slug}/children/{ids[0]}/sources-disagree", data={"history": "legal_statuses"})
    assert response.status_code == 302
    assert "Choose which record to keep" in client.get(response.location).get_data(as_text=True)
    response = client.post(f"/{both_sources.slug}/children/{ids[0]}/sources-disagree",
                           data={"history": "legal_statuses", "keep_id": str(ids[1])})
    assert response.status_code == 302
    shown = client.get(response.location).get_data(as_text=True)
    assert "Legal status: kept “C2: Care order, from 1 Sep 2024 and still current”" in shown
    assert "Legal status: which is right?" not in shown and "Period of care: which is right?" in shown
    with in_tenant(both_sources):
        assert [(s.code, s.origin) for s in child().legal_statuses] == [("C2", "ssda903")]
    # Resolving twice is refused with words, not a 500.
    again = client.post(f"/{both_sources.slug}/children/{ids[0]}/sources-disagree",
                        data={"history": "legal_statuses", "keep_id": str(ids[1])})
    assert "already been resolved" in client.get(again.location).get_data(as_text=True)


def test_a_role_without_edit_rights_sees_but_cannot_resolve(both_sources, client, login, make_user, in_tenant):
    login(make_user(both_sources, ["senior_manager"]))
    with in_tenant(both_sources):
        pat_id = child().id
        c2_id = next(s.id for s in child().legal_statuses if s.code == "C2")
    record = client.get(f"/{both_sources.slug}/children/{pat_id}").get_data(as_text=True)
    assert "Legal status: which is right?" in record and "Save my choice" not in record
    assert client.post(f"/{both_sources.slug}/children/{pat_id}/sources-disagree",
                       data={"history": "legal_statuses", "keep_id": str(c2_id)}).status_code == 403


def test_rows_a_person_or_an_api_client_writes_say_so(app, client, login, make_user, make_child, make_token,
                                                      tenant_a, in_tenant):
    c = make_child(tenant_a, date_of_birth=date(2019, 2, 1))
    worker = make_user(tenant_a, ["panel_administrator"], name="Sam Fictional-Admin")
    login(worker)
    assert client.post(f"/{tenant_a.slug}/children/{c.id}/legal-statuses",
                       data={"code": "C2", "start": "2024-09-01"}).status_code == 302
    _, secret = make_token(tenant_a, worker, name="case system sync")
    response = client.post(f"/{tenant_a.slug}/api/v1/children/{c.id}/legal-statuses",
                           json={"code": "E1", "start": "2024-10-01"}, headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 201, response.get_json()
    assert (response.get_json()["origin"], response.get_json()["imported"]) == ("api", False)
    with in_tenant(tenant_a):
        rows = db.session.execute(select(LegalStatus).order_by(LegalStatus.start)).scalars().all()
        assert [(r.code, r.origin) for r in rows] == [("C2", "ui"), ("E1", "api")]
        assert rows[1].origin_label == "API client “Sam Fictional-Admin's token”"
    page = client.get(f"/{tenant_a.slug}/children/{c.id}").get_data(as_text=True)
    assert "Recorded in Permanence" in page and "API client “Sam Fictional-Admin&#39;s token”" in page
    with in_tenant(tenant_a):
        assert db.session.execute(select(CarePeriod)).scalars().all() == []


def test_the_tracker_sheet_never_rewrites_another_sources_entry(app, tenant_a, in_tenant, make_child):
    """A person recorded C1 from 3 September; the sheet says C2 from that day. The sheet's row goes beside
    the person's, which is left as it was, and the two are a disagreement to resolve."""
    from permanence.core.jobs import commit
    from permanence.tor.services import load_folder
    from test_import_tracker import REPO

    with app.app_context():
        load_folder(REPO / "tenants" / "permanence-panel-pptm", slug=tenant_a.slug)
        commit()
    pat = make_child(tenant_a, case_number="PRV-002", first_name="Pat", last_name="Fictional",
                     date_of_birth=date(2019, 2, 1))
    with in_tenant(tenant_a):
        db.session.add_all([CarePeriod(child_id=pat.id, start=date(2024, 9, 3)),
                            LegalStatus(child_id=pat.id, code="C1", start=date(2024, 9, 3))])
    sheet = csv_bytes(["PRV-002,,,,,,Care Order,03/09/2024,,,,,"])
    with in_tenant(tenant_a):
        result = import_tracker(sheet, "tracker-jan.csv", LAYOUT, today=TODAY)
        assert (result.errors, result.updated) == ([], 1)
    with in_tenant(tenant_a):
        record = child("PRV-002")
        assert sorted((s.code, s.start, s.end, s.origin) for s in record.legal_statuses) == [
            ("C1", date(2024, 9, 3), None, "ui"), ("C2", date(2024, 9, 3), None, "tracker")]
        assert [(c.history.name, [r.code for r in c.rows]) for c in conflicts_of(record)] == [
            ("legal_statuses", ["C1", "C2"])]


def test_two_sources_can_both_stand_one_after_the_other(both_sources, client, login, make_user, in_tenant):
    """The return's care order from 1 September and the sheet's interim care order from 3 September: the
    person says both stand, the care order until 3 September; no disagreement is left there."""
    login(make_user(both_sources, ["panel_administrator"]))
    with in_tenant(both_sources):
        pat = child()
        pat_id, ids = pat.id, [str(s.id) for s in pat.legal_statuses]
    record = client.get(f"/{both_sources.slug}/children/{pat_id}").get_data(as_text=True)
    assert "Both, one after the other: C2: Care order until 3 Sep 2024, then C1: Interim care order" in record
    response = client.post(f"/{both_sources.slug}/children/{pat_id}/sources-disagree",
                           data={"history": "legal_statuses", "keep_id": "both", "row_ids": ids})
    shown = client.get(response.location).get_data(as_text=True)
    assert "Legal status: both, one after the other: C2: Care order until 3 Sep 2024, then C1: Interim care " \
           "order." in shown
    assert "Legal status: which is right?" not in shown
    with in_tenant(both_sources):
        assert sorted((s.start, s.end, s.code, s.origin) for s in child().legal_statuses) == [
            (date(2024, 9, 1), date(2024, 9, 3), "C2", "ssda903"), (date(2024, 9, 3), None, "C1", "tracker")]
    # Rows that do not make up the disagreement are refused with words.
    again = client.post(f"/{both_sources.slug}/children/{pat_id}/sources-disagree",
                        data={"history": "legal_statuses", "keep_id": "both", "row_ids": ids})
    assert "cannot follow one another" in client.get(again.location).get_data(as_text=True)
