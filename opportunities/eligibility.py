"""Eligible learners in a few characters: "MD 1–4, PGY 1–2, PT/OT/SLP".

A pure function, no Django: the list's rows, its filter summary and an
opportunity's page use it. The Excel export keeps the full labels, which the
importer reads back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

# Learner codes with a year ("MD3", "PGY1") are grouped by their prefix, in
# this order; the rehabilitation programs share one slash-separated group.
YEAR_GROUPS = ("MD", "PGY")
REHAB = ("PT", "OT", "SLP")
SHORT_NAMES = {"RES": "Residents", "FAC": "Faculty"}
_YEAR_CODE = re.compile(r"^(?P<prefix>[A-Z]+?)(?P<year>[0-9]+)$")


def _year_runs(years: list[int]) -> str:
    """[1, 2, 3, 4] → "1–4"; [1, 3] → "1 and 3"; [1, 2, 4] → "1–2 and 4"."""
    runs: list[list[int]] = []
    for year in sorted(set(years)):
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    parts = [f"{run[0]}–{run[-1]}" if len(run) > 1 else str(run[0]) for run in runs]
    return " and ".join(parts)


def learners_compact(codes: Iterable[str], labels: Mapping[str, str] | None = None) -> str:
    """The codes as a short phrase, groups in a fixed order. A code this
    function does not know is shown by its label (or itself), after the rest."""
    labels = labels or {}
    years: dict[str, list[int]] = {prefix: [] for prefix in YEAR_GROUPS}
    rehab: set[str] = set()
    named: list[str] = []
    others: list[str] = []
    for code in dict.fromkeys(codes):
        match = _YEAR_CODE.match(code)
        if match and match["prefix"] in years:
            years[match["prefix"]].append(int(match["year"]))
        elif code in REHAB:
            rehab.add(code)
        elif code in SHORT_NAMES:
            named.append(code)
        else:
            others.append(labels.get(code, code))
    parts = [f"{prefix} {_year_runs(found)}" for prefix, found in years.items() if found]
    if rehab:
        parts.append("/".join(code for code in REHAB if code in rehab))
    parts.extend(SHORT_NAMES[code] for code in SHORT_NAMES if code in named)
    parts.extend(others)
    return ", ".join(parts)
