"""What every destination of decision records (``send_decision_record``) shares in its settings,
so each destination plugin checks the same keys the same way and the ``deliveries`` feature reads
them with the same defaults. Plain Python: nothing here touches Flask or the database.

Common keys under ``plugins.settings.<destination>``:

``when``
    ``minutes_approved`` (default: the chair approved the sitting's minutes) or
    ``outcome_recorded`` (the item's outcome stands: recorded, or signed off where it needs it).
``document_type``
    What the case record system files it as; default ``Permanence Panel decision``.
``bodies``
    Body ids whose decision records go; default every body.
``outcomes``
    Outcome ids whose decision records go ("when permanence is agreed"); default every outcome.
``person_steps``
    What the terms of reference say a person records by hand, each ``{role, task, within_working_days}``:
    an action for the child's holder of that ToR role, due that many working days after the trigger.
"""

from __future__ import annotations

import re

WHEN = ("minutes_approved", "outcome_recorded")
DEFAULT_WHEN = "minutes_approved"
DEFAULT_DOCUMENT_TYPE = "Permanence Panel decision"
COMMON_KEYS = frozenset({"when", "document_type", "bodies", "outcomes", "person_steps"})
STEP_KEYS = frozenset({"role", "task", "within_working_days"})
MAX_WORKING_DAYS = 60
ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,63}$")


def own_settings(settings, name: str) -> dict:
    """The destination's own entry of the council's ``plugins.settings`` (empty when absent)."""
    own = (settings or {}).get(name)
    return dict(own) if isinstance(own, dict) else {}


def when(own: dict) -> str:
    return own.get("when") or DEFAULT_WHEN


def document_type(own: dict) -> str:
    return own.get("document_type") or DEFAULT_DOCUMENT_TYPE


def takes_body(own: dict, body_id: str) -> bool:
    """Whether the destination takes the records of ``body_id`` (its person steps follow this)."""
    bodies = own.get("bodies")
    return not bodies or body_id in bodies


def applies_to(own: dict, body_id: str, outcome_id: str | None) -> bool:
    """Whether a record of ``body_id`` with ``outcome_id`` goes to this destination."""
    outcomes = own.get("outcomes")
    return takes_body(own, body_id) and (not outcomes or outcome_id in outcomes)


def person_steps(own: dict) -> list[dict]:
    return [dict(step) for step in own.get("person_steps") or ()]


def enabled_settings(name: str, tor, settings) -> dict | None:
    """The destination's settings when the council enabled it, else None (it says nothing then)."""
    return own_settings(settings, name) if name in tor.plugins.enabled else None


def when_phrase(own: dict) -> str:
    """When the record goes, as the rendered terms of reference say it."""
    return "the minutes are approved" if when(own) == "minutes_approved" else "its outcome is recorded"


def settings_to_check(name: str, tor, settings, own_keys: set[str] | frozenset[str]) -> tuple[dict | None, list]:
    """A destination's settings and the problems the shared checks found: (None, []) when the
    council has not enabled it, (None, problems) when its settings are not a mapping (nothing more
    to check), else (its settings, problems) for the plugin to add its own checks to."""
    if name not in tor.plugins.enabled:
        return None, []
    own = (settings or {}).get(name)
    problems = check_common(name, own, tor, own_keys)
    return (own if isinstance(own, dict) else None), problems


def check_common(name: str, own, tor, own_keys: set[str] | frozenset[str]) -> list:
    """Problems with a destination's settings, each ``(path, message)``: its own keys ``own_keys``
    plus the common ones, strict (an unknown key is refused), roles, bodies and outcomes checked
    against the terms of reference."""
    at = ("plugins", "settings", name)
    if not isinstance(own, dict):
        return [(("plugins", "settings"), f"give {name}'s settings under plugins.settings.{name}")]
    problems = []
    for key in sorted(set(own) - set(own_keys) - COMMON_KEYS):
        allowed = ", ".join(sorted(set(own_keys) | COMMON_KEYS))
        problems.append((at + (key,), f"{name} has no setting {key!r}; its settings are {allowed}"))
    value = own.get("when", DEFAULT_WHEN)
    if value not in WHEN:
        problems.append((at + ("when",), f"when must be one of {', '.join(WHEN)}, not {value!r}"))
    value = own.get("document_type", DEFAULT_DOCUMENT_TYPE)
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        problems.append((at + ("document_type",), "document_type must be text of 1 to 200 characters"))
    body_ids = {body.id: body for body in tor.bodies}
    for key, known in (("bodies", set(body_ids)),
                       ("outcomes", {o.id for body in tor.bodies for o in body.outcomes})):
        values = own.get(key)
        if values is None:
            continue
        if not isinstance(values, list) or not values:
            problems.append((at + (key,), f"{key} must be a list of ids"))
            continue
        for i, value in enumerate(values):
            if value not in known:
                problems.append((at + (key, i), f"no {key[:-1]} {value!r} in these terms of reference; "
                                                f"known: {', '.join(sorted(known))}"))
    steps = own.get("person_steps")
    if steps is not None and not isinstance(steps, list):
        problems.append((at + ("person_steps",), "person_steps must be a list of {role, task, within_working_days}"))
        steps = []
    for i, step in enumerate(steps or []):
        where = at + ("person_steps", i)
        if not isinstance(step, dict):
            problems.append((where, "each person step is {role, task, within_working_days}"))
            continue
        for key in sorted(set(step) - STEP_KEYS):
            problems.append((where + (key,), f"a person step has no setting {key!r}; "
                                             f"its settings are {', '.join(sorted(STEP_KEYS))}"))
        role = step.get("role")
        if role not in tor.roles:
            problems.append((where + ("role",), f"no role {role!r} in these terms of reference; "
                                                f"known: {', '.join(sorted(tor.roles))}"))
        task = step.get("task")
        if not isinstance(task, str) or len(task.strip()) < 10 or len(task) > 500:
            problems.append((where + ("task",), "task must say what is to be done, in 10 to 500 characters"))
        days = step.get("within_working_days")
        if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= MAX_WORKING_DAYS:
            problems.append((where + ("within_working_days",),
                             f"within_working_days must be a whole number from 0 to {MAX_WORKING_DAYS}"))
    return problems


def check_env_name(path: tuple, value, what: str) -> list:
    """An environment variable's name (the secret itself never sits in the terms of reference)."""
    if not isinstance(value, str) or not ENV_NAME.match(value):
        return [(path, f"{what} must name an environment variable (capitals, digits and _), not give a value")]
    return []
