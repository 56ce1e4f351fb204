"""Median, 95th percentile and the ratio to a floor measured in the same run, printed as a table; a
process's memory."""

from __future__ import annotations

import statistics


def p95(values) -> float:
    """The 95th percentile by rank (the value 95% of the samples are at or below)."""
    values = sorted(values)
    return values[max(0, int(round(len(values) * 0.95)) - 1)]


def median(values) -> float:
    return statistics.median(values)


def print_rows(title: str, floor: list[float], rows: dict[str, list[float]], unit: str = "ms",
               fmt: str = ",.1f") -> None:
    """``title``, the floor's median and p95, then per row: samples, median, p95, median / floor median."""
    base = median(floor)
    print(f"\n{title}")
    print(f"  {'':40} {'n':>3} {'median ' + unit:>12} {'p95 ' + unit:>12} {'x floor':>9}")
    print(f"  {'floor':40} {len(floor):>3} {base:>12{fmt}} {p95(floor):>12{fmt}} {1:>9.1f}")
    for name, values in rows.items():
        print(f"  {name:40} {len(values):>3} {median(values):>12{fmt}} {p95(values):>12{fmt}} "
              f"{median(values) / base:>9,.1f}")


def memory_kb(pid: int | str = "self") -> dict[str, int]:
    """A process's resident memory now (VmRSS) and at its highest so far (VmHWM), in kB."""
    values = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(("VmRSS:", "VmHWM:")):
                values[line.split(":")[0]] = int(line.split()[1])
    return values
