"""Hook specifications: the only ways a plugin can change what the core does.

Each hook is called through ``permanence.plugins.call_hook`` with the tenant's enabled
plugins only (none in ``SAFE_MODE``). Arguments are passed by keyword. ``settings`` is always
the tenant's whole ``plugins.settings`` mapping from its terms of reference; a plugin reads
its own entry, keyed by its entry-point name. No hook is ``firstresult``: every enabled
plugin is called and the core receives the list of their results. See docs/plugins.md.
"""

import pluggy

hookspec = pluggy.HookspecMarker("permanence")


@hookspec
def validate_terms_of_reference(tor, settings):
    """Extra checks on a tenant's terms of reference, run after the core's own validation passed.

    Called by ``tor.services.parse_tor`` whenever a configuration is loaded: ``permanence
    tenants validate/load``, the demo, a central admin upload, a council's proposal. ``tor``
    is the parsed ``TermsOfReference``; ``settings`` the tenant's ``plugins.settings``.
    Return a list of problems, empty when all is well: each an error string (located at
    ``plugins``) or a ``(path, message)`` pair whose path is a tuple into the document, e.g.
    ``(("plugins", "settings", "my_plugin", "csv"), "cannot read ...")``, so the error names
    its line. Any problem stops the load and nothing is stored.
    """


@hookspec
def cohort_candidates(tenant_id, tor, body, part, settings):
    """Children an agenda part should consider, from a source the configuration cannot read
    (e.g. Knowsley's part 4 draws on performance data from Power BI).

    Called by ``tor.services.plugin_cohort_candidates`` for each part of a sitting that takes
    children from cohort rules, inside the tenant's context (so ORM queries are already scoped
    to it). ``tor`` is the ``TermsOfReference``, ``body`` and ``part`` its ``Body`` and
    ``AgendaPart``; ``settings`` the tenant's ``plugins.settings``. Return the children for
    this part: each a ``permanence.plugins.Candidate`` (child id, the source the proposal names,
    e.g. "Power BI extract x.csv, row 3", and optionally the extract's reason) or a bare child id;
    an empty list when the part is not this plugin's. The core merges all plugins' children; a
    child a plugin names for a part is proposed in that part. Raise
    ``permanence.plugins.PluginDataError`` naming the file, row and value when the data is
    unusable: the panel administrator sees the message and the other parts are still proposed.
    """


@hookspec
def describe_terms_of_reference(tor, settings):
    """What the plugin does for this council, in English, for the rendered terms of reference: a
    rule a plugin carries out is read back like any other ("Children listed in the Power BI
    extract ... are proposed for Part 4"). Return a sentence, or None to say nothing.
    """


@hookspec
def send_decision_record(tenant_id, record, pdf, manifest, key, settings):
    """Deliver one child's decision record to a case record system (FWi, Protocol, ICS, ...).

    Called by the ``deliveries`` feature's job, one job per record and destination, with ``enabled``
    set to that one destination plugin: when the ToR's ``when`` says (``minutes_approved``, after
    the chair approves the minutes, the default; or ``outcome_recorded``, when the item's outcome
    stands), and when the panel administrator sends it again. ``record`` is the decision record as a
    dict (``minutes.records.DecisionRecord``: the sitting, children, outcome, decision, actions);
    ``pdf`` the record as PDF bytes; ``manifest`` the dict an import needs (case numbers, document
    type, date, meeting, outcome, author, record id, the PDF's SHA-256: ``deliveries.services.manifest``);
    ``key`` the idempotency key, stable across retries of one delivery: deliver under it so a second
    call with the same key makes no second copy (a file name, an ``Idempotency-Key`` header, a
    Message-ID). Return a ``permanence.plugins.Delivered`` (or a reference string), or None if this
    plugin did not send it. Raise ``permanence.plugins.DeliveryRefused`` when trying again cannot
    help (a setting the operator must fix, a 4xx answer); any other exception is retried.
    """
