"""Hook specifications: the only ways a plugin can change what the core does.

Each hook is called through ``permanence.plugins.call_hook`` with the tenant's enabled
plugins only. Arguments are passed by keyword.
"""

import pluggy

hookspec = pluggy.HookspecMarker("permanence")


@hookspec
def validate_terms_of_reference(tor, settings):
    """Extra checks on a tenant's terms of reference, run after the core's own validation.

    Called when a tenant's configuration is loaded (CLI, admin upload). ``tor`` is the
    parsed configuration, ``settings`` the plugin's own settings from the tenant file.
    Return a list of error strings (empty when all is well); any error stops the load.
    """


@hookspec
def cohort_candidates(tenant_id, body, part, settings):
    """Children an agenda part should consider, from a source the configuration cannot read
    (e.g. Knowsley's part 4 draws on performance data from Power BI).

    Called when the panel administrator asks for proposed children for a sitting. Return a
    list of child ids (of the tenant) or an empty list; results of all plugins are merged.
    """


@hookspec
def send_decision_record(tenant_id, record, settings):
    """Send a child's decision record to a case record system (FWi, Protocol, ICS, ...).

    Called after the chair approves the minutes. ``record`` is a dict with the child's case
    number, the sitting, the outcome, decisions and actions, and the rendered HTML. Return a
    reference string from the receiving system, or None if this plugin did not send it.
    """
