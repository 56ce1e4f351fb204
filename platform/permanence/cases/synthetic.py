"""Synthetic SSDA903 extracts: made-up children (ids only, no names) for tests and benchmarks.

Each child has a plausible journey: enters care (RNE S) under s20, an EPO or an
ICO, changes legal status and placement a few times (episodes joined by REC
X1), and either is still looked after or leaves (home, adoption, SGO). Reviews
follow the statutory cycle. The same seed always gives the same files.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from .imports import EPISODE_COLUMNS, HEADER_COLUMNS, REVIEW_COLUMNS

EXTRACT_DAY = date(2026, 3, 31)
_NEXT_STATUS = {"V2": ["C1", "V2"], "L2": ["C1"], "C1": ["C2", "E1", "C1"], "C2": ["C2", "E1"], "E1": ["E1"]}
_FOSTER = ["U6", "U3", "U4", "U1", "U5"]


@dataclass(frozen=True)
class Expected:
    """What the import should make of one synthetic child."""

    periods: int
    statuses: int
    placements: int
    reviews: int
    entered_care: date


def _d(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def write_synthetic_903(folder: Path, count: int = 500, *, seed: int = 903, first_id: int = 100_000
                        ) -> tuple[Path, Path, Path, dict[str, Expected]]:
    """Write header.csv, episodes.csv and reviews.csv for ``count`` children into ``folder``."""
    rng = random.Random(seed)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = folder / "header.csv", folder / "episodes.csv", folder / "reviews.csv"
    expected: dict[str, Expected] = {}
    with open(paths[0], "w", newline="") as h, open(paths[1], "w", newline="") as e, \
            open(paths[2], "w", newline="") as r:
        header, episodes, reviews = csv.writer(h), csv.writer(e), csv.writer(r)
        header.writerow(HEADER_COLUMNS)
        episodes.writerow(EPISODE_COLUMNS)
        reviews.writerow(REVIEW_COLUMNS)
        for n in range(count):
            child = str(first_id + n)
            dob = EXTRACT_DAY - timedelta(days=rng.randint(200, 17 * 365))
            header.writerow([child, rng.choice("MF"), _d(dob), rng.choice(["WBRI", "MWBC", "BAFR", "AIND"]),
                             "", "", ""])
            start = dob + timedelta(days=rng.randint(1, (EXTRACT_DAY - dob).days - 120))
            expected[child] = _journey(rng, child, start, episodes, reviews, dob)
    return (*paths, expected)


def _journey(rng, child, start, episodes, reviews, dob) -> Expected:
    status = rng.choice(["V2", "L2", "C1"])
    place = rng.choice(_FOSTER[:3])
    day = start
    rows = []
    statuses = placements = 1
    changes = rng.randint(0, 4)
    for i in range(changes + 1):
        rows.append([day, "S" if i == 0 else None, status, place])
        if i == changes:
            break
        day = day + timedelta(days=rng.randint(20, 200))
        if day >= EXTRACT_DAY - timedelta(days=30):
            break
        if rng.random() < 0.5:
            new = rng.choice(_NEXT_STATUS[status])
            rows[-1].append("L")
            statuses += new != status
            status = new
        else:
            place = rng.choice(_FOSTER)
            rows[-1].append("P")
            placements += 1
    leaves = rng.random() < 0.3
    end = min(day + timedelta(days=rng.randint(30, 300)), EXTRACT_DAY) if leaves else None
    if leaves and status == "E1":
        final = ("A5", "E11")
    else:
        final = (None, rng.choice(["E4A", "E45", "E13"]))
    if leaves and final[0]:
        # placed for adoption before the order: one more placement episode
        adopt_day = day + timedelta(days=10)
        rows[-1].append("P")
        rows.append([adopt_day, None, status, final[0]])
        placements += 1
        end = max(end, adopt_day + timedelta(days=30))
    need = rng.choice(["N1", "N2", "N4", "N5"])  # fixed for the period of care
    for i, row in enumerate(rows):
        decom, _, ls, pl = row[:4]
        rne = "S" if i == 0 else rows[i - 1][4]
        last = i == len(rows) - 1
        dec = (end if leaves else None) if last else rows[i + 1][0]
        rec = (final[1] if leaves else "") if last else "X1"
        reason = "CARPL" if not last and rows[i + 1][3] != pl else ""
        provider = "PR1" if pl.startswith("U") else "PR4"
        episodes.writerow([child, _d(decom), rne, ls, need, pl, provider,
                           _d(dec) if dec else "", rec, reason, "", "", ""])
    review_day, count = start + timedelta(days=rng.randint(10, 27)), 0
    last_day = end or EXTRACT_DAY
    gap = 92
    while review_day < last_day:
        code = "PN0" if (review_day - dob).days < 4 * 365 else rng.choice(["PN1", "PN3", "PN5"])
        reviews.writerow([child, _d(dob), review_day.isoformat() if count % 5 == 4 else _d(review_day), code])
        count += 1
        review_day += timedelta(days=gap)
        gap = 182
    return Expected(periods=1, statuses=statuses, placements=placements, reviews=count, entered_care=start)
