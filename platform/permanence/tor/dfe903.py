"""The DfE's SSDA903 validation rules as the council's import policy names them: each collection
year's rule codes and what they say, read from ``data/dfe903_rules.json``. That file is written
from the pinned validator package (``deploy/dfe903-requirements.txt``), so a ``tor.yaml`` naming
a rule can be checked when it loads, without starting the validator (which runs only in its
own virtualenv, see ``imports.dfe_rules``). Regenerate it when the pin changes:
``echo '{"list_rules": ["2023", ...]}' | .venv-903/bin/python platform/permanence/imports/dfe903_runner.py``."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

_FILE = Path(__file__).with_name("data") / "dfe903_rules.json"


@cache
def _data() -> dict:
    return json.loads(_FILE.read_text(encoding="utf-8"))


def package() -> str:
    """The validator package and version the rule codes come from."""
    return _data()["package"]


def years() -> tuple[str, ...]:
    """Collection years with a rule pack, by the year they end: "2026" is 2025-26."""
    return tuple(sorted(_data()["rules"]))


def year_label(year: str) -> str:
    """ "2026" -> "2025-26", as the DfE names collection years."""
    return f"{int(year) - 1}-{year[2:4]}"


def rules(year: str) -> Mapping[str, str]:
    """Rule code -> what the rule says, in ``year``'s rule pack."""
    return MappingProxyType(_data()["rules"].get(year, {}))


def describe(code: str) -> str:
    """What a rule says, from the newest pack that has it ("" for an unknown code)."""
    for year in reversed(years()):
        if code in rules(year):
            return rules(year)[code]
    return ""


def unknown_codes(codes) -> list[str]:
    """The codes no year's rule pack has."""
    known = {code for year in years() for code in rules(year)}
    return [code for code in codes if code not in known]
