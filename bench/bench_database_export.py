"""Benchmark of the Learner Mentorship Database export (opportunities/exports.py).

Streams 50,000 and 200,000 opportunities from the database into a workbook,
once through the real exporter (openpyxl write-only mode, rows from
``.iterator()``, each website a hyperlink spooled to disk by
``mentorship.xlsx``), and once into openpyxl's default mode (the whole
workbook in memory) from the same rows, each case in its own subprocess so peak memory
(ru_maxrss) is that case's alone. Reports rows per second, peak RSS and the
growth of RSS over the process's baseline (Django loaded, before the export).

Run from the project root:

    .venv/bin/python bench/bench_database_export.py            # 50k and 200k rows
    .venv/bin/python bench/bench_database_export.py --quick    # 5k and 20k rows, a smoke run

Uses a throwaway SQLite database under /tmp unless DATABASE_URL is given
(then that database is filled, so point it at a scratch one).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUDGET_MB = 60
MODES = ["write-only", "default"]


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentorship.settings")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-used-anywhere-else-0123456789")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def seed(total: int, summer: int) -> None:
    """``total`` opportunities, ``summer`` of them summer opportunities (the
    smaller case's filter), each with two specialties and three learner types."""
    import datetime as dt

    from django.core.management import call_command

    from opportunities.models import Format, HostType, Kind, Opportunity, natural_key_for
    from programs.models import LearnerType, Specialty

    call_command("migrate", verbosity=0)
    if Opportunity.objects.count() == total:
        return
    Opportunity.objects.all().delete()
    types = [
        LearnerType.objects.update_or_create(code=code, defaults={"label": label, "order": i})[0]
        for i, (code, label) in enumerate(
            [("MD1", "MD year 1"), ("MD2", "MD year 2"), ("PGY1", "PGY1 resident")]
        )
    ]
    specialties = [Specialty.objects.get_or_create(name=n)[0] for n in ("Family Medicine", "Psychiatry")]
    through_s, through_t = Opportunity.specialties.through, Opportunity.eligible_learners.through
    batch = 5000
    for start in range(0, total, batch):
        rows = []
        for i in range(start, min(total, start + batch)):
            name, host = f"Mentorship opportunity {i:07d}", f"Department of Medicine {i % 300}"
            rows.append(
                Opportunity(
                    name=name,
                    natural_key=natural_key_for(name, host),
                    kind=Kind.SUMMER if i < summer else (Kind.FORMAL if i % 2 else Kind.INFORMAL),
                    host_type=HostType.values[i % len(HostType.values)],
                    host_name=host,
                    description="Pairs learners with clinicians for a year of mentorship, "
                    "career conversations and shadowing in clinic. " * 2,
                    how_to_join="Apply on the website; a coordinator will be in touch.",
                    website=f"https://example.org/opportunities/{i}",
                    contact_email=f"contact{i}@example.org",
                    deadline=dt.date(2027, 1, 1) + dt.timedelta(days=i % 365),
                    cost="Free",
                    format=Format.values[i % 3],
                    last_verified=dt.date(2025, 3, 1),
                )
            )
        created = Opportunity.objects.bulk_create(rows)
        through_s.objects.bulk_create(
            [through_s(opportunity_id=o.pk, specialty_id=s.pk) for o in created for s in specialties]
        )
        through_t.objects.bulk_create(
            [through_t(opportunity_id=o.pk, learnertype_id=t.pk) for o in created for t in types]
        )


def current_rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


class RssSampler:
    """The largest resident set size seen while the export runs (sampled
    every 20 ms from another thread), so an earlier peak does not count."""

    def __init__(self):
        import threading

        self.peak = current_rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, current_rss_mb())

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, current_rss_mb())


def child(mode: str, query: str) -> dict:
    """One export in this process: the real exporter or openpyxl's default mode."""
    import gc

    from django.db import connection
    from django.http import QueryDict

    from opportunities.exports import database_sheets, write_database_xlsx
    from opportunities.selectors import opportunity_search

    connection.ensure_connection()
    view = opportunity_search(QueryDict(query))
    view.queryset.count()  # warm the connection and the query planner
    gc.collect()
    baseline = current_rss_mb()
    out = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)  # noqa: SIM115
    started = time.perf_counter()
    with RssSampler() as sampler:
        if mode == "write-only":
            rows = write_database_xlsx(out, view)
        else:
            from openpyxl import Workbook

            from mentorship.xlsx import Link, sanitize_cell

            workbook = Workbook()  # default mode: every cell an object in memory
            workbook.remove(workbook.active)
            rows = 0
            for sheet in database_sheets(view):
                ws = workbook.create_sheet(sheet.title)
                ws.append([c if isinstance(c, str) else c.header for c in sheet.columns])
                for row in sheet.rows:
                    ws.append([v.url if isinstance(v, Link) else sanitize_cell(v) for v in row])
                    rows += sheet.title == "Opportunities"
            workbook.save(out)
    elapsed = time.perf_counter() - started
    out.close()
    size = os.path.getsize(out.name)
    os.unlink(out.name)
    return {
        "mode": mode,
        "rows": rows,
        "seconds": elapsed,
        "rows_per_s": rows / elapsed,
        "peak_rss_mb": sampler.peak,
        "baseline_mb": baseline,
        "growth_mb": sampler.peak - baseline,
        "file_mb": size / 1024 / 1024,
    }


def run_case(mode: str, query: str, database_url: str) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--query", query, "--database-url", database_url],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--child", choices=MODES)
    parser.add_argument("--query", default="")
    parser.add_argument("--database-url", default="")
    parser.add_argument(
        "--skip-default-at-max",
        action="store_true",
        help="Skip default mode at the largest size.",
    )
    args = parser.parse_args()

    if args.child:
        setup_django(args.database_url)
        print(json.dumps(child(args.child, args.query)))
        return

    small, large = (5_000, 20_000) if args.quick else (50_000, 200_000)
    database_url = (
        os.environ.get("DATABASE_URL")
        or f"sqlite:///{tempfile.gettempdir()}/bench_database_export_{large}.sqlite3"
    )
    setup_django(database_url)
    print(
        f"Seeding {large:,} opportunities ({small:,} summer) into {database_url.split('@')[-1]} ...",
        flush=True,
    )
    started = time.perf_counter()
    seed(large, small)
    print(f"  ready in {time.perf_counter() - started:.0f}s", flush=True)

    print(
        f"\nLearner Mentorship Database export · {datetime.now(UTC):%Y-%m-%d %H:%M} UTC · "
        f"Python {platform.python_version()} · {os.cpu_count()} CPUs"
    )
    header = (
        f"{'rows':>8} {'mode':<13} {'rows/s':>9} {'time s':>7} {'baseline MB':>12} "
        f"{'peak RSS MB':>12} {'export MB':>10} {'file MB':>8}"
    )
    print(header)
    print("-" * len(header))
    results = []
    for rows, query in ((small, "kind=summer"), (large, "")):
        for mode in MODES:
            if mode != "write-only" and rows == large and args.skip_default_at_max:
                continue
            r = run_case(mode, query, database_url)
            assert r["rows"] == rows, r
            results.append(r)
            print(
                f"{r['rows']:>8,} {mode:<13} {r['rows_per_s']:>9,.0f} {r['seconds']:>7.1f} "
                f"{r['baseline_mb']:>12.1f} {r['peak_rss_mb']:>12.1f} {r['growth_mb']:>10.1f} {r['file_mb']:>8.1f}",
                flush=True,
            )

    by = {(r["rows"], r["mode"]): r for r in results}
    wo_small, wo_large = by[(small, "write-only")], by[(large, "write-only")]
    print()
    print(
        f"write-only at {small:,} rows: the export's peak memory (RSS above the process's "
        f"{wo_small['baseline_mb']:.0f} MB baseline) is {wo_small['growth_mb']:.1f} MB "
        f"(budget {BUDGET_MB} MB: {'OK' if wo_small['growth_mb'] < BUDGET_MB else 'OVER'})"
    )
    flat = wo_large["growth_mb"] - wo_small["growth_mb"] < 10
    print(
        f"write-only from {small:,} to {large:,} rows: {wo_small['growth_mb']:.1f} → "
        f"{wo_large['growth_mb']:.1f} MB ({'flat' if flat else 'NOT flat'})"
    )
    if (small, "default") in by:
        d = by[(small, "default")]
        print(
            f"default mode at {small:,} rows: {d['growth_mb'] / max(wo_small['growth_mb'], 0.1):.1f}× the memory growth, "
            f"{wo_small['rows_per_s'] / d['rows_per_s']:.2f}× the write-only speed ratio (write-only ÷ default)"
        )


if __name__ == "__main__":
    main()
