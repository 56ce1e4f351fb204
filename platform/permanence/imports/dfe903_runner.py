"""Runs the DfE's SSDA903 validation rules (package ``lac_validator``) on tables read as JSON
from stdin and writes their findings as JSON on stdout. It runs in its own pinned virtualenv
(``.venv-903``, see ``deploy/dfe903-requirements.txt``), started by ``dfe_rules``, because
the validator needs pandas < 2 and rich < 14, which the platform's own environment cannot
hold; so it imports only the standard library and ``lac_validator``.

Input: {"year": "2026", "local_authority": "E08000011",
        "tables": {"Header": {"name": "header.csv", "text": "..."}, ...}}
  or   {"list_rules": ["2023", ...]} for each year's rule codes and descriptions.
Output: {"ok": true, "rule_pack": "lac2025_26", "findings": [...], "rules_failed": [...]}
  or   {"ok": false, "error": "..."}.

Each CSV is rewritten with exactly the validator's columns for its table (the validator
recognises a table by its column set), its blank rows dropped as the platform drops them, and
the row number of each kept row remembered: a finding's RowID (the validator's 0-based index
of data rows) is mapped back to the row as the platform's reports count it (header = row 1).
"""

import contextlib
import csv
import io
import json
import logging
import sys


def _normalise(table, name, text, column_names):
    """The table's CSV with the validator's columns, the original row number and CHILD of each
    data row, and the validator's columns the file does not have."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        header = [h.strip().lstrip("\ufeff").upper() for h in next(reader)]
    except StopIteration:
        header = []
    wanted = column_names[table]
    at = {col: header.index(col) for col in wanted if col in header}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(wanted)
    rows, children = [], []
    for number, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        cells = [values[at[c]].strip() if c in at and at[c] < len(values) else "" for c in wanted]
        writer.writerow(cells)
        rows.append(number)
        children.append(cells[wanted.index("CHILD")] if "CHILD" in at else "")
    missing = [c for c in wanted if c not in at]
    return out.getvalue().encode("utf-8"), rows, children, missing


def list_rules(years):
    from lac_validator.rules.ruleset_utils import get_year_ruleset

    return {"ok": True, "rules": {year: {str(rule.code): str(rule.message)
                                         for rule in get_year_ruleset(year).values()} for year in years}}


def validate(request):
    from lac_validator import lac_validator
    from lac_validator.config import column_names
    from lac_validator.report import Report
    from lac_validator.rules.ruleset_utils import get_year_ruleset

    year = str(request["year"])
    registry = get_year_ruleset(year)
    files, kept = [], {}
    for table, item in request["tables"].items():
        if table not in column_names:
            return {"ok": False, "error": f"the validator has no table called {table}"}
        content, rows, children, missing = _normalise(table, item["name"], item["text"], column_names)
        kept[table] = (item["name"], rows, children, missing)
        files.append({"name": f"{table}.csv", "file_content": content, "description": "This year"})
    metadata = {"collectionYear": year, "localAuthority": request.get("local_authority") or ""}
    v = lac_validator.LacValidator(metadata=metadata, files=files, registry=registry, selected_rules=None)
    report = Report(v.ds_results, registry)
    findings = []
    error_cols = [c for c in report.report.columns if c.startswith("ERR_")]
    rules = {str(rule.code): rule for rule in registry.values()}
    for col in error_cols:
        code = col[4:]
        rule = rules.get(code)
        hits = report.report[report.report[col] == True]  # noqa: E712 (pandas mask)
        for table, row_id in zip(hits["Table"], hits["RowID"]):
            if table not in kept:
                continue
            name, rows, children, missing = kept[table]
            index = int(row_id)
            findings.append({
                "file": name, "table": table,
                "row": rows[index] if 0 <= index < len(rows) else None,
                "child": children[index] if 0 <= index < len(children) else None,
                "rule": code, "description": str(rule.message) if rule else "",
                "columns": sorted(str(f) for f in (rule.affected_fields or ())) if rule else []})
    findings.sort(key=lambda f: (f["file"], f["row"] or 0, f["rule"]))
    return {"ok": True, "rule_pack": f"lac{int(year) - 1}_{year[2:4]}", "findings": findings,
            "rules_failed": sorted(str(c) for c in v.fails),
            "missing_columns": {kept[t][0]: kept[t][3] for t in kept if kept[t][3]}}


def main():
    logging.disable(logging.CRITICAL)  # the validator logs every rule; stdout carries only the answer
    request = json.load(sys.stdin)
    with contextlib.redirect_stdout(sys.stderr):  # a stray print() must not spoil the JSON
        try:
            answer = list_rules(request["list_rules"]) if "list_rules" in request else validate(request)
        except Exception as exc:  # reported to the platform, which shows it beside the import
            first = next((line.strip() for line in str(exc).splitlines() if line.strip()), "")
            answer = {"ok": False, "error": f"{type(exc).__name__}: {first}"[:500]}
    json.dump(answer, sys.stdout)


if __name__ == "__main__":
    main()
