"""The program report for a program of 5,000 applications, 2,000 matches and
20,000 meetings: its queries and time, beside the same figures computed
naively (a query per row), and the ratio.

    .venv/bin/python bench/bench_report.py                      # the full size
    .venv/bin/python bench/bench_report.py --quick              # 500 / 200 / 2,000, in seconds
    .venv/bin/python bench/bench_report.py --skip-naive         # the real report only

Runs on a throwaway test database (SQLite in memory unless DATABASE_URL says
otherwise), so it never touches your data. The data is generated with
bulk_create by ``reports/tests/data.py``. "page" is the whole admin page
(figures, suppression, charts, template) through the test client; "figures"
is ``selectors.report_figures`` alone, which is what the naive version
(``reports/tests/naive.py``) replaces. Both must give the same figures, which
the script checks before printing the ratio.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentorship.settings")


class QueryCounter:
    """Counts every query (Django's own log keeps only the last 9,000)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _best(fn, repeat: int) -> tuple[float, object]:
    timings, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        timings.append(time.perf_counter() - started)
    return min(timings), result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a tenth of the size")
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    applications, matches, meetings = 5000 // scale, 2000 // scale, 20000 // scale

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ALLOWED_HOSTS = ["*"]
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from django.urls import reverse

        from applications.models import Application
        from conftest import make_user, mfa_enroll
        from matching.models import Match
        from mentoring.models import Meeting
        from programs.services import coordinator_add
        from reports import selectors
        from reports.tests import naive
        from reports.tests.data import build_program
        from tests.factories import ProgramFactory

        started = time.perf_counter()
        program = ProgramFactory(name="Bench", slug="bench")
        mentors = applications // 6
        build_program(
            program,
            mentees=applications - mentors,
            mentors=mentors,
            matches=matches,
            meetings=meetings,
            seed=3,
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(
            f"seeded {Application.objects.count():,} applications, {Match.objects.count():,} matches, "
            f"{Meeting.objects.count():,} meetings in {time.perf_counter() - started:.1f} s ({connection.vendor})"
        )
        user = make_user("coordinator@bench.example.edu", name="Bench Coordinator")
        coordinator_add(program=program, user=user, notify=False)
        mfa_enroll(user)
        client = Client()
        client.force_login(user)
        url = reverse("admin:reports_programreport_report", args=[program.pk])
        client.get(url)

        with CaptureQueriesContext(connection) as page_queries:
            response = client.get(url)
        assert response.status_code == 200, response.status_code
        page_time, _ = _best(lambda: client.get(url), args.repeat)
        scope = selectors.scope_for(program, tier=None, year=None, term=None)
        with CaptureQueriesContext(connection) as figure_queries:
            selectors.report_figures(scope, show_identity=True)
        real_time, real = _best(lambda: selectors.report_figures(scope, show_identity=True), args.repeat)
        print(f"page     {len(page_queries.captured_queries):6,} queries  best {page_time:8.3f} s")
        print(f"figures  {len(figure_queries.captured_queries):6,} queries  best {real_time:8.3f} s")
        if args.skip_naive:
            return
        naive_queries = QueryCounter()
        with connection.execute_wrapper(naive_queries):
            started = time.perf_counter()
            slow = naive.report_figures(scope, show_identity=True)
            naive_time = time.perf_counter() - started
        same = _comparable(real) == _comparable(slow)
        print(f"naive    {naive_queries.count:6,} queries  once {naive_time:8.3f} s")
        print(
            f"same figures: {'yes' if same else 'NO'}; naive / real: {naive_time / real_time:,.0f}x the time"
        )
        if not same:
            sys.exit(1)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def _comparable(figures) -> dict:
    data = dict(vars(figures))
    data["terms"] = [{**t, "term": t["term"].pk} for t in data["terms"]]
    data["outcomes"] = [{**o, "outcome": o["outcome"].pk} for o in data["outcomes"]]
    data["mentor_years"] = [{**m, "from": m["from"].pk, "to": m["to"].pk} for m in data["mentor_years"]]
    data["wait_days"] = sorted(data["wait_days"])
    return data


if __name__ == "__main__":
    main()
