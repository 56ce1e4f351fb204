"""Links that work, for the referral notices (a separate module: the referral tests' ``council``
and ``clock`` fixtures share their names with those tests/test_mail_links.py borrows)."""

from __future__ import annotations

from referrals_support import clock, council  # noqa: F401
from test_mail_links import SERVED_AT, follow_every_link, served_at  # noqa: F401
from test_referrals import new_item_id, refer


def test_referral_notices_link_to_the_referral(served_at, app, client, login, council, work_jobs):
    c = council("permanence-panel-pptm")  # quality_assurance_by: team-manager
    login(c["worker"])
    item_id = new_item_id(refer(client, "permanence-panel-pptm", c["children"][0].id, c["meetings"][1],
                                "plan-ratification", data={}))
    client.post(f"/permanence-panel-pptm/referrals/{item_id}/send-for-qa")
    login(c["manager"])
    client.post(f"/permanence-panel-pptm/referrals/{item_id}/return", data={"comments": "Add the parallel plan"})
    work_jobs()
    checked = follow_every_link(app, client, login, c["tenant"])
    assert any("a referral to quality-assure" in s for s in checked)
    assert any("your referral is returned" in s for s in checked)
    assert {link for links in checked.values() for link in links} == {
        f"{SERVED_AT}/permanence-panel-pptm/referrals/{item_id}"}
