"""Plugins: pluggy hook specifications, discovery by entry point, enabled per tenant.

The core runs with no plugin at all. A plugin is an installed package that declares an
entry point in the ``permanence.plugins`` group; a tenant enables it by name in its
terms of reference (``plugins: [name]``). Every call goes through ``call_hook``, which
only calls the plugins the tenant has enabled. ``SAFE_MODE`` disables all plugins.
"""

from __future__ import annotations

from dataclasses import dataclass

import pluggy

from . import hookspecs

ENTRY_POINT_GROUP = "permanence.plugins"
hookimpl = pluggy.HookimplMarker("permanence")


@dataclass(frozen=True)
class Candidate:
    """A child a plugin puts forward for an agenda part (``cohort_candidates``), and where from:
    ``source`` says which extract and row ("Power BI extract scrutiny.csv, row 3") and is kept on
    the proposal; ``reason`` is the extract's own words, if any."""

    child_id: int
    source: str
    reason: str = ""


class PluginDataError(ValueError):
    """A plugin's data cannot be used (a row naming an unknown agenda part, say). The message names
    the file, row and value; the core shows it to the panel administrator and carries on."""

@dataclass(frozen=True)
class Delivered:
    """What a destination plugin answers ``send_decision_record`` with: the receiving system's
    reference (a file name, the endpoint's document id, the Message-ID) and whether the system itself
    acknowledged it (an endpoint's answer) rather than only taking it (a folder, a mailbox)."""

    reference: str | None = None
    acknowledged: bool = False


class DeliveryRefused(Exception):
    """A delivery that trying again cannot fix (a setting missing on the server, a 4xx answer): the
    delivery is marked failed at once, with this message, for the panel administrator to send again
    once it is put right."""


_manager: pluggy.PluginManager | None = None


def get_manager() -> pluggy.PluginManager:
    global _manager
    if _manager is None:
        manager = pluggy.PluginManager("permanence")
        manager.add_hookspecs(hookspecs)
        manager.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
        _manager = manager
    return _manager


def available_plugins() -> list[str]:
    return sorted(name for name, _ in get_manager().list_name_plugin())


def implementers(hook: str) -> list[str]:
    """The installed plugins that implement ``hook`` (e.g. the destinations of decision records)."""
    return sorted({impl.plugin_name for impl in getattr(get_manager().hook, hook).get_hookimpls()})


def call_hook(name: str, *, enabled: list[str] | tuple[str, ...], safe_mode: bool = False, **kwargs):
    """Call hook ``name`` on the plugins in ``enabled`` only; returns the list of results."""
    if safe_mode or not enabled:
        return []
    manager = get_manager()
    wanted = set(enabled)
    others = [plugin for plugin_name, plugin in manager.list_name_plugin() if plugin_name not in wanted]
    caller = manager.subset_hook_caller(name, remove_plugins=others)
    return caller(**kwargs)


def init_app(app) -> None:
    if not app.config.get("SAFE_MODE"):
        get_manager()
