"""Every page a demo user reaches works: each role of each demo council, and the central
administrator, signs in through the form, follows every link from the home page and requests
every GET route of the URL map with the demo's ids (see ``walk_support`` for what fails a walk
and how it is bounded). The figures are printed in the test summary."""

from __future__ import annotations

from collections import Counter

import pytest

from permanence.accounts.roles import ROLES
from permanence.demo.services import DEMO_TENANTS
from walk_support import _clean_database, demo, record, timed, walk  # noqa: F401 (the demo, once per module)

USERS = [(slug, role) for slug in DEMO_TENANTS for role in ROLES] + [(None, "platform_admin")]


@pytest.fixture(scope="module")
def shared():
    """What the walks share: expensive downloads made, routes seen refused at the door."""
    return Counter()


@pytest.mark.parametrize("key", USERS, ids=[f"{slug}-{role}" if slug else role for slug, role in USERS])
def test_every_page_a_user_reaches_works(app, demo, shared, key, request):
    walked, seconds = timed(lambda: walk(app, demo, key, shared))
    record(request.config, walked, seconds)
    assert walked.pages > 1
    if walked.defects:
        pytest.fail(f"{walked.person.email} met {len(walked.defects)} problems:\n" + "\n".join(walked.defects),
                    pytrace=False)
