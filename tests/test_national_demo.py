"""The national data generator (``permanence demo national``): its small size, as CI runs it.

Run twice from the same seed on an emptied database, it writes the same councils, case numbers and
row counts; every council has children with histories, five years of sittings with decisions,
actions and papers, an audit trail, the tracker's milestones, and nothing outside its own council.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from permanence.cases.models import Child
from permanence.core.context import tenant_context
from permanence.core.jobs import commit
from permanence.demo.national import (PRESETS, build_national, council_sizes, only_councils, plan_councils,
                                      totals)
from permanence.extensions import db
from permanence.tenancy.models import Tenant

TODAY = date(2026, 11, 24)
SMALL = PRESETS["small"]


def _build(app, seed=1, only=None):
    with app.app_context():
        built = []
        with pytest.MonkeyPatch.context() as patch:  # the e-mails are kept, not printed (and only here)
            patch.setitem(app.config, "MAIL_ECHO", False)
            for plan, counts in build_national(councils=SMALL["councils"],
                                               children_per_council_mean=SMALL["children_per_council_mean"],
                                               seed=seed, tracker=True, today=TODAY, only=only):
                commit()
                built.append((plan.slug, counts))
        plans = plan_councils(SMALL["councils"], SMALL["children_per_council_mean"], seed)
        plans = [plan for plan in plans if only is None or plan.index in only]
        numbers = {}
        for plan in plans:
            tenant = db.session.execute(select(Tenant).where(Tenant.slug == plan.slug)).scalar_one()
            with tenant_context(tenant.id):
                numbers[plan.slug] = [
                    (c.case_number, c.first_name, c.last_name, c.date_of_birth)
                    for c in db.session.execute(select(Child).order_by(Child.case_number)).scalars()]
        return built, numbers, totals(plans)


def test_small_national_set_is_the_same_from_the_same_seed(app, empty_database):
    first, numbers, counted = _build(app)
    assert [slug for slug, _ in first] == ["national-0001", "national-0002", "national-0003"]
    assert counted["children"] == 300 == sum(len(v) for v in numbers.values())
    assert numbers["national-0001"][0][0] == "NAT-0001-00001"
    assert all(name.startswith("NAT-") for rows in numbers.values() for name, *_ in rows)
    # Five years of history: reviews, sittings with heard items, actions and papers, the audit trail,
    # and the milestones the tracker computed.
    assert counted["reviews"] > 2 * counted["children"]
    assert counted["meetings"] > 100
    assert counted["agenda items"] > counted["children"]
    assert counted["actions"] >= 2 * counted["documents"] > 0
    assert counted["audit events"] > 15 * counted["children"]
    assert counted["milestones"] > counted["children"]
    # A second run adds nothing (existing councils are skipped).
    with app.app_context():
        assert all(counts == {} for _, counts in
                   build_national(councils=3, children_per_council_mean=100, seed=1, today=TODAY))
    empty_database()
    again, numbers_again, counted_again = _build(app)
    assert numbers_again == numbers
    assert counted_again == counted
    with app.app_context():  # each council's children are its own, however the rows went in
        for tenant in db.session.execute(select(Tenant)).scalars().all():
            with tenant_context(tenant.id):
                assert db.session.execute(select(func.count(Child.id)).where(
                    ~Child.case_number.startswith(f"NAT-{tenant.slug[-4:]}-"))).scalar_one() == 0
    assert [counts for _, counts in again] == [counts for _, counts in first]
    # One council built alone (``--only 2``) is the same council as among the three: its children,
    # histories and five years of panels, row for row (for benchmarking alone against among many).
    empty_database()
    alone, numbers_alone, _ = _build(app, only={2})
    with app.app_context():
        assert [t.slug for t in db.session.execute(select(Tenant)).scalars()] == ["national-0002"]
    assert numbers_alone == {"national-0002": numbers["national-0002"]}
    assert alone == [first[1]]


def test_only_names_councils_of_the_plan_or_the_largest():
    with pytest.MonkeyPatch.context() as patch:  # plan_councils reads the ToR folders from the app
        patch.setattr("permanence.demo.national.tor_folders", lambda: [Path("a"), Path("b")])
        plans = plan_councils(150, 667, seed=1)
    largest = only_councils(plans, "largest")
    assert len(largest) == 1 and largest[0].children == max(council_sizes(150, 667, seed=1))
    assert largest[0].tor_folder == plans[largest[0].index - 1].tor_folder
    assert [p.slug for p in only_councils(plans, "58, 3")] == ["national-0003", "national-0058"]
    assert only_councils(plans, None) == only_councils(plans, "") == plans
    for bad in ("151", "0", "big", ","):
        with pytest.raises(ValueError):
            only_councils(plans, bad)


def test_sizes_are_skewed_and_add_up():
    sizes = council_sizes(150, 667, seed=1)
    assert sum(sizes) == 150 * 667
    assert max(sizes) > 3 * sorted(sizes)[75]  # a few large councils
    assert sum(200 <= s <= 800 for s in sizes) > 75  # many of 200 to 800
    assert council_sizes(150, 667, seed=1) == sizes


def test_a_council_loaded_without_milestones_has_its_tracker_columns_and_the_nightly_run_agrees(app, empty_database):
    """The national size leaves the milestones to the nightly run; the tracker's legal status and plan
    route are there from the load (worked out in the database), and the recompute says the same."""
    from permanence.tracker.jobs import nightly_tracker_job
    from permanence.tracker.models import TrackerLine

    with app.app_context():
        with pytest.MonkeyPatch.context() as patch:
            patch.setitem(app.config, "MAIL_ECHO", False)
            for _plan, _counts in build_national(councils=1, children_per_council_mean=60, seed=3, tracker=False,
                                                 today=TODAY):
                commit()
        tenant = db.session.execute(select(Tenant)).scalars().one()
        with tenant_context(tenant.id):
            children = db.session.execute(select(func.count(Child.id))).scalar_one()
            loaded = {line.child_id: (line.legal_status, line.plan_route)
                      for line in db.session.execute(select(TrackerLine)).scalars()}
            assert len(loaded) == children > 0
            assert sum(1 for status, _ in loaded.values() if status) > children // 2
            nightly_tracker_job(TODAY.isoformat())
            commit()
            recomputed = {line.child_id: (line.legal_status, line.plan_route)
                          for line in db.session.execute(select(TrackerLine)).scalars()}
    assert recomputed == loaded
