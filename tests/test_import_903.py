"""The SSDA903 import: histories built right, bad rows reported, all-or-nothing and partial,
re-runs that replace rather than duplicate, and writes that stay in the importing council."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from permanence.audit.models import AuditEvent
from permanence.cases.imports import import_903, read_903
from permanence.cases.models import CarePeriod, Child, LegalStatus, PermanencePlan, Placement, Review
from permanence.cases.synthetic import write_synthetic_903
from permanence.extensions import db

HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"
EPISODES = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
REVIEWS = "CHILD,DOB,REVIEW,REVIEW_CODE\n"


def write(tmp_path, header, episodes, reviews=""):
    paths = []
    for name, head, body in (("header.csv", HEADER, header), ("episodes.csv", EPISODES, episodes),
                             ("reviews.csv", REVIEWS, reviews)):
        path = tmp_path / name
        path.write_text(head + body)
        paths.append(path)
    return paths


def count(model):
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


GOOD_HEADER = "A1,F,01/02/2019,WBRI,,,\nA2,1,2015-06-30,MWBC,,,\n"
GOOD_EPISODES = (
    "A1,01/03/2024,S,C1,N1,U6,PR1,01/06/2024,X1,,,,\n"
    "A1,01/06/2024,L,C2,N1,U6,PR1,01/09/2024,X1,CARPL,,,\n"
    "A1,01/09/2024,P,C2,N1,P1,PR0,,,,,,\n"
    "A2,10/01/2023,S,V2,N4,U4,PR4,10/01/2024,E4A,,,,\n"
)
GOOD_REVIEWS = "A1,01/02/2019,20/03/2024,PN0\nA1,,2024-06-20,PN0\nA2,30/06/2015,01/02/2023,PN1\n"


def test_builds_children_with_their_histories(app, tenant_a, in_tenant, tmp_path):
    paths = write(tmp_path, GOOD_HEADER, GOOD_EPISODES, GOOD_REVIEWS)
    with in_tenant(tenant_a):
        result = import_903(*paths)
        assert (result.created, result.updated, result.errors, result.written) == (2, 0, [], True)
    with in_tenant(tenant_a):
        a1 = db.session.execute(select(Child).filter_by(case_number="A1")).scalar_one()
        assert (a1.name, a1.date_of_birth, a1.sex) == ("Child A1", date(2019, 2, 1), "F")
        assert [(s.code, s.start, s.end) for s in a1.legal_statuses] == [
            ("C1", date(2024, 3, 1), date(2024, 6, 1)), ("C2", date(2024, 6, 1), None)]
        # the L episode kept the placement; the P episode started a new one
        assert [(p.place, p.start, p.end, p.reason_for_change) for p in a1.placements] == [
            ("U6", date(2024, 3, 1), date(2024, 9, 1), "CARPL"), ("P1", date(2024, 9, 1), None, None)]
        assert [(p.start, p.end, p.category_of_need) for p in a1.care_periods] == [(date(2024, 3, 1), None, "N1")]
        assert [(r.held_on, r.participation) for r in a1.reviews] == [
            (date(2024, 3, 20), "PN0"), (date(2024, 6, 20), "PN0")]
        a2 = db.session.execute(select(Child).filter_by(case_number="A2")).scalar_one()
        assert a2.sex == "M"  # the pre-2024 code 1
        assert [(p.end, p.reason_ceased) for p in a2.care_periods] == [(date(2024, 1, 10), "E4A")]
        assert a2.placements[0].approved_as_permanent  # U4: long-term fostering
        assert db.session.execute(select(func.count()).select_from(AuditEvent)
                                  .where(AuditEvent.entity_type == "LegalStatus")).scalar_one() == 3


def test_a_synthetic_extract_of_hundreds_of_children(app, tenant_a, in_tenant, tmp_path):
    header, episodes, reviews, expected = write_synthetic_903(tmp_path, 300)
    seen = []
    with in_tenant(tenant_a):
        result = import_903(header, episodes, reviews, progress=seen.append)
        assert (result.created, result.errors) == (300, [])
        assert sum(seen) == 300
    with in_tenant(tenant_a):
        children = db.session.execute(select(Child)).scalars().all()
        assert len(children) == 300
        for child in children:
            want = expected[child.case_number]
            got = (len(child.care_periods), len(child.legal_statuses), len(child.placements), len(child.reviews))
            assert got == (want.periods, want.statuses, want.placements, want.reviews), child.case_number
            assert child.care_periods[0].start == want.entered_care


BAD_HEADER = GOOD_HEADER + "B1,X,31/02/2019,WBRI,,,\nA1,F,01/02/2019,,,,\n"
BAD_EPISODES = GOOD_EPISODES + (
    "A2,10/01/2024,S,ZZ,N4,U4,PR4,,,,,,\n"
    "C9,01/01/2024,S,C1,N1,U6,PR1,,,,,,\n"
)
BAD_REVIEWS = GOOD_REVIEWS + "A1,01/02/2019,not a date,PN9\n"


def test_every_bad_row_is_reported_with_file_row_and_reason(tmp_path):
    extract = read_903(*write(tmp_path, BAD_HEADER, BAD_EPISODES, BAD_REVIEWS))
    messages = [str(e) for e in extract.errors]
    assert messages == [
        "header.csv, row 4: child B1: SEX 'X' is not a known code; DOB '31/02/2019' is not a date (expected dd/mm/yyyy)",
        "header.csv, row 5: child A1: also on row 2: a child appears once in the header file",
        "episodes.csv, row 6: child A2: LS 'ZZ' is not a known code",
        "episodes.csv, row 7: child C9: episode for child C9, who is not in the header file",
        "reviews.csv, row 5: child A1: REVIEW 'not a date' is not a date (expected dd/mm/yyyy); "
        "REVIEW_CODE 'PN9' is not a known code",
    ]
    assert extract.bad_children == {"A1", "A2", "B1"}
    assert sorted(extract.children) == ["A1", "A2"]


@pytest.mark.parametrize("episodes, reason", [
    ("A1,01/03/2024,S,C1,N1,U6,PR1,01/02/2024,X1,,,,\n", "DEC 01/02/2024 is before DECOM 01/03/2024"),
    ("A1,01/03/2024,S,C1,N1,U6,PR1,01/04/2024,,,,,\n", "DEC is set but REC is blank"),
    ("A1,01/03/2024,S,C1,N1,U6,PR1,01/04/2024,X1,,,,\nA1,01/03/2024,L,C2,N1,U6,PR1,,,,,,\n",
     "overlaps the one ending 01/04/2024"),
    ("A1,01/03/2024,S,C1,N1,U6,PR1,,,,,,\nA1,01/05/2024,L,C2,N1,U6,PR1,,,,,,\n", "is open"),
    ("A1,01/03/2024,S,C1,N1,U6,PR1,01/04/2024,E4A,,,,\nA1,01/05/2024,L,C2,N1,U6,PR1,,,,,,\n", "needs RNE S"),
    ("A1,01/01/2019,S,C1,N1,U6,PR1,,,,,,\n", "before the child's date of birth"),
    ("A1,01/03/2024,S,C1,N1,U6,PR9,,,,,,\n", "PLACE_PROVIDER 'PR9' is not a known code"),
])
def test_episode_checks(tmp_path, episodes, reason):
    extract = read_903(*write(tmp_path, GOOD_HEADER, episodes))
    assert len(extract.errors) == 1 and reason in extract.errors[0].message, extract.errors
    assert extract.errors[0].file == "episodes.csv" and extract.errors[0].child == "A1"


def test_a_missing_column_stops_the_import(app, tenant_a, in_tenant, tmp_path):
    paths = write(tmp_path, GOOD_HEADER, GOOD_EPISODES)
    paths[1].write_text(EPISODES.replace("DECOM,", "") + "A1,S\n")
    with in_tenant(tenant_a):
        result = import_903(*paths, all_or_nothing=False)
        assert not result.written
        assert [str(e) for e in result.errors] == [
            "episodes.csv: is not the 903 Episodes table as the DfE specifies it: missing column DECOM"]


def test_all_or_nothing_writes_nothing_on_any_error(app, tenant_a, in_tenant, tmp_path):
    with in_tenant(tenant_a):
        result = import_903(*write(tmp_path, BAD_HEADER, BAD_EPISODES, BAD_REVIEWS), all_or_nothing=True)
        assert not result.written and len(result.errors) == 5
    with in_tenant(tenant_a):
        assert count(Child) == count(LegalStatus) == count(Review) == 0


def test_partial_writes_only_the_clean_children_whole(app, tenant_a, in_tenant, tmp_path):
    header = GOOD_HEADER + "A3,M,01/01/2020,,,,\nA4,F,01/01/2021,,,,\n"
    episodes = GOOD_EPISODES + ("A3,01/01/2024,S,C1,N1,U6,PR1,,,,,,\n"
                                "A4,01/01/2024,S,C1,N1,U6,PR1,01/02/2024,X1,,,,\n"
                                "A4,01/02/2024,L,XX,N1,U6,PR1,,,,,,\n")
    with in_tenant(tenant_a):
        result = import_903(*write(tmp_path, header, episodes, GOOD_REVIEWS), all_or_nothing=False)
        assert result.written and result.created == 3 and result.skipped == ["A4"]
    with in_tenant(tenant_a):
        assert sorted(db.session.execute(select(Child.case_number)).scalars()) == ["A1", "A2", "A3"]
        assert count(LegalStatus) == 4  # A4's good first episode was not written either


def test_rerun_replaces_imported_histories_and_keeps_hand_entered_ones(app, tenant_a, in_tenant, tmp_path):
    paths = write(tmp_path, GOOD_HEADER, GOOD_EPISODES, GOOD_REVIEWS)
    with in_tenant(tenant_a):
        import_903(*paths)
    with in_tenant(tenant_a):
        a1 = db.session.execute(select(Child).filter_by(case_number="A1")).scalar_one()
        a1.first_name, a1.last_name = "Fictional", "Renamed"
        db.session.add(PermanencePlan(child_id=a1.id, route="adoption", kind="primary", agreed_on=date(2024, 6, 20),
                                      agreed_at="review"))
        db.session.add(Placement(child_id=a1.id, place="T1", start=date(2023, 1, 1), end=date(2023, 1, 5)))
    paths = write(tmp_path, GOOD_HEADER, GOOD_EPISODES.replace("A1,01/09/2024,P,C2,N1,P1", "A1,01/09/2024,P,C2,N1,U4"),
                  GOOD_REVIEWS)
    with in_tenant(tenant_a):
        result = import_903(*paths)
        assert (result.created, result.updated, result.unchanged) == (0, 1, 1)  # A2's rows are as they were
    with in_tenant(tenant_a):
        assert count(Child) == 2 and count(LegalStatus) == 3 and count(Review) == 3 and count(CarePeriod) == 2
        a1 = db.session.execute(select(Child).filter_by(case_number="A1")).scalar_one()
        assert a1.name == "Fictional Renamed"
        assert [p.place for p in a1.placements] == ["T1", "U6", "U4"]
        assert [p.route for p in a1.plans] == ["adoption"]


def test_the_import_writes_only_into_its_council(app, tenant_a, tenant_b, in_tenant, make_child, tmp_path):
    make_child(tenant_b, case_number="A1")
    with in_tenant(tenant_a):
        result = import_903(*write(tmp_path, GOOD_HEADER, GOOD_EPISODES, GOOD_REVIEWS))
        assert result.created == 2  # council B's A1 is not "the same child"
    with in_tenant(tenant_b):
        assert count(Child) == 1 and count(LegalStatus) == 0
    with in_tenant(tenant_a):
        assert count(Child) == 2


def test_cli_import_with_progress_and_modes(app, tenant_a, in_tenant, tmp_path):
    runner = app.test_cli_runner()
    paths = write(tmp_path, BAD_HEADER, BAD_EPISODES, BAD_REVIEWS)
    args = ["children", "import-903", "--tenant", tenant_a.slug, "--header", str(paths[0]),
            "--episodes", str(paths[1]), "--reviews", str(paths[2])]
    out = runner.invoke(args=args)
    assert out.exit_code == 1 and "nothing was imported" in out.output and "header.csv, row 4" in out.output
    out = runner.invoke(args=[*args, "--partial"])
    assert out.exit_code == 0, out.output
    assert "0 children created" in out.output or "created" in out.output
    with in_tenant(tenant_a):
        assert count(Child) == 0  # A1 and A2 both have bad rows; B1's header row is bad
    out = runner.invoke(args=["children", "import-903", "--tenant", "nowhere", "--header", str(paths[0]),
                              "--episodes", str(paths[1]), "--reviews", str(paths[2])])
    assert out.exit_code == 1 and "No council" in out.output


def test_import_job_runs_in_its_tenant(app, tenant_a, in_tenant, work_jobs, tmp_path):
    from permanence.cases.jobs import import_903_job
    from permanence.core.jobs import enqueue

    paths = write(tmp_path, GOOD_HEADER, GOOD_EPISODES, GOOD_REVIEWS)
    with in_tenant(tenant_a):
        enqueue(import_903_job, *map(str, paths), queue="imports", timeout=1800)
    work_jobs()
    with in_tenant(tenant_a):
        assert count(Child) == 2
