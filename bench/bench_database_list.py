"""Benchmark of the Learner Mentorship Database list page (/database/).

Seeds 10,000 opportunities, serves the site with gunicorn on loopback and
loads two versions of the same page with wrk, in one run:

- the real view (opportunities.views.opportunity_list): one aggregate query
  per facet, two prefetch queries for the page, a COUNT for the paginator;
- a deliberately naive version defined below: a COUNT query per facet value,
  the many-to-many values fetched row by row in the template (N+1), and the
  paginator counting by loading every matching row.

Both render the same template for the same query string and the same member,
and the script checks they return the same rows before timing them. It
reports requests per second and p99 latency for each, and their ratio.

Run from the project root (needs ``wrk``: ``apt-get install -y wrk``):

    .venv/bin/python bench/bench_database_list.py              # 10,000 rows, 15 s per page
    .venv/bin/python bench/bench_database_list.py --quick      # 1,000 rows, 5 s per page

Uses a throwaway SQLite database under /tmp unless DATABASE_URL is given
(then that database is filled, so point it at a scratch one).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERY = "kind=formal&kind=summer&specialty=Family+Medicine&sort=-deadline&page=3"
SPECIALTIES = [
    "Anesthesiology",
    "Cardiology",
    "Dermatology",
    "Emergency Medicine",
    "Family Medicine",
    "General Surgery",
    "Internal Medicine",
    "Neurology",
    "Obstetrics and Gynaecology",
    "Ophthalmology",
    "Paediatrics",
    "Psychiatry",
]
SERVER_ENV = {
    "DJANGO_SETTINGS_MODULE": "mentorship.settings",
    "DEBUG": "false",
    "SECRET_KEY": "bench-only-secret-key-not-used-anywhere-else-0123456789",
    "ALLOWED_HOSTS": "127.0.0.1,testserver",
    "STATIC_MANIFEST": "false",
    "LOG_LEVEL": "WARNING",
    "PYTHONWARNINGS": "ignore:No directory at",
}


# --- The server side: imported by gunicorn -------------------------------------


def naive_list(request):
    """The same page as opportunity_list, written the naive way."""
    from django.core.paginator import Paginator
    from django.shortcuts import render

    from opportunities import selectors
    from opportunities.filters import DEADLINE_CHOICES, deadline_q
    from opportunities.models import Format, HostType, Kind, Opportunity
    from opportunities.views import _list_query, _query_without, _sort_options
    from programs.models import LearnerType, Specialty

    view = selectors.opportunity_search(request.GET)
    rows = list(view.queryset)  # every matching row, to count and slice them
    paginator = Paginator(rows, selectors.PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    fs = view.filterset
    chosen = view.active

    def facet(name, legend, options, q_for):
        others = fs.queryset_without(name)
        return selectors.Facet(
            name,
            legend,
            [
                selectors.FacetOption(
                    value, label, others.filter(q_for(value)).count(), value in chosen.get(name, [])
                )
                for value, label in options
            ],
        )

    from django.db.models import Q

    hosts = sorted({o.host_name for o in Opportunity.objects.published()})
    facets = [
        facet("kind", "Kind", Kind.choices, lambda v: Q(kind=v)),
        facet("host_type", "Host type", HostType.choices, lambda v: Q(host_type=v)),
        facet("host", "Host", [(h, h) for h in hosts], lambda v: Q(host_name=v)),
        facet(
            "specialty",
            "Specialty",
            [(s.name, s.name) for s in Specialty.objects.all()],
            lambda v: Q(specialties__name=v),
        ),
        facet(
            "learners",
            "Eligible learners",
            [(t.code, t.label) for t in LearnerType.objects.all()],
            lambda v: Q(eligible_learners__code=v),
        ),
        facet("deadline", "Deadline", DEADLINE_CHOICES, lambda v: deadline_q(v, view.today)),
        facet("format", "Format", Format.choices, lambda v: Q(format=v)),
    ]
    query = _query_without(request.GET, "page")
    return render(
        request,
        "opportunities/list.html",
        {
            "view": view,
            "page": page,
            "page_range": list(paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)),
            "facets": facets,
            "search": chosen.get("q", ""),
            "active_filters": selectors.describe_filters(view, compact=True)[:-1],
            "sort_description": selectors.describe_filters(view)[-1][1],
            "sort_options": _sort_options(view),
            "unknown_notices": view.unknown_notices(),
            "list_query": _list_query(request.GET),
            "page_query": query,
            "export_query": query,
            "last_updated": selectors.database_last_updated(),
        },
    )


# --- The driver -------------------------------------------------------------------


def setup_django(database_url: str) -> None:
    os.environ.update(SERVER_ENV)
    os.environ["DATABASE_URL"] = database_url
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def seed(count: int) -> str:
    """``count`` opportunities spread over the facets, and a member's session."""
    import datetime as dt

    from allauth.account.models import EmailAddress
    from django.core.management import call_command
    from django.test import Client

    from accounts.models import User
    from opportunities.models import Format, HostType, Kind, Opportunity, natural_key_for
    from programs.models import Specialty
    from programs.services import learner_types_ensure

    call_command("migrate", verbosity=0)
    if Opportunity.objects.count() != count:
        Opportunity.objects.all().delete()
        types = list(learner_types_ensure().values())
        specialties = [Specialty.objects.get_or_create(name=n)[0] for n in SPECIALTIES]
        rows = []
        for i in range(count):
            name, host = f"Mentorship opportunity {i:05d}", f"Department {i % 60}"
            rows.append(
                Opportunity(
                    name=name,
                    natural_key=natural_key_for(name, host),
                    kind=Kind.values[i % 3],
                    host_type=HostType.values[i % 6],
                    host_name=host,
                    description="Pairs learners with clinicians for a year of mentorship.",
                    website=f"https://example.org/{i}",
                    deadline=None if i % 11 == 0 else dt.date(2026, 6, 1) + dt.timedelta(days=i % 500),
                    is_rolling=i % 13 == 0,
                    format=Format.values[i % 3],
                    last_verified=dt.date(2025, 3, 1),
                )
            )
        created = Opportunity.objects.bulk_create(rows, batch_size=2000)
        through_s, through_t = Opportunity.specialties.through, Opportunity.eligible_learners.through
        through_s.objects.bulk_create(
            [
                through_s(opportunity_id=o.pk, specialty_id=specialties[(n + k) % len(specialties)].pk)
                for n, o in enumerate(created)
                for k in (0, 4)
            ],
            batch_size=5000,
        )
        through_t.objects.bulk_create(
            [
                through_t(opportunity_id=o.pk, learnertype_id=types[(n + k) % len(types)].pk)
                for n, o in enumerate(created)
                for k in (0, 1, 5)
            ],
            batch_size=5000,
        )
    from django.db import connection

    with connection.cursor() as cursor:  # fresh statistics, as a live database has
        cursor.execute("ANALYZE")
    user = User.objects.filter(email="bench@mail.example.edu").first()
    if user is None:
        user = User.objects.create_user(email="bench@mail.example.edu", password="bench-pass-2026")
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str, session: str) -> str:
    request = urllib.request.Request(url, headers={"Cookie": f"sessionid={session}"})
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback only
        assert response.status == 200, response.status
        return response.read().decode()


def rows_of(html: str) -> list[str]:
    return re.findall(r'class="db-card-title">\s*<a href="/database/\d+/[^"]*">([^<]+)</a>', html)


def to_ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit]


def run_wrk(url: str, session: str, seconds: int, connections: int) -> dict:
    output = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "--timeout",
            "30s",
            "-H",
            f"Cookie: sessionid={session}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p99 = to_ms(re.search(r"\s99%\s+([\d.]+\w+)", output).group(1))
    p50 = to_ms(re.search(r"\s50%\s+([\d.]+\w+)", output).group(1))
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": rps,
        "p50": p50,
        "p99": p99,
        "requests": requests,
        "errors": int(non_2xx.group(1)) if non_2xx else 0,
    }


def count_queries(path: str) -> int:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(email="bench@mail.example.edu"))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, response.status_code
    return len(queries)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rows", type=int)
    parser.add_argument("--seconds", type=int)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install -y wrk).")
    rows = args.rows or (1_000 if args.quick else 10_000)
    seconds = args.seconds or (5 if args.quick else 15)

    database_url = (
        os.environ.get("DATABASE_URL")
        or f"sqlite:///{tempfile.gettempdir()}/bench_database_list_{rows}.sqlite3"
    )
    setup_django(database_url)
    print(f"Seeding {rows:,} opportunities into {database_url.split('@')[-1]} ...", flush=True)
    session = seed(rows)

    # The naive view is only routed in the server; count its queries there too.
    from django.test.utils import override_settings

    real_queries = count_queries(f"/database/?{QUERY}")

    port = free_port()
    env = {**os.environ, **SERVER_ENV, "DATABASE_URL": database_url, "BENCH_DATABASE_LIST_SERVER": "1"}
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--chdir",
            str(ROOT / "bench"),
            "--workers",
            str(args.workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "bench_database_list:application",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                fetch(f"{base}/database/?{QUERY}", session)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        real_html = fetch(f"{base}/database/?{QUERY}", session)
        naive_html = fetch(f"{base}/naive/?{QUERY}", session)
        assert rows_of(real_html) == rows_of(naive_html) and len(rows_of(real_html)) == 25, "pages differ"

        with override_settings(ROOT_URLCONF=_naive_urlconf()):
            naive_queries = count_queries(f"/naive/?{QUERY}")

        print(
            f"\nLearner Mentorship Database list · {datetime.now(UTC):%Y-%m-%d %H:%M} UTC · "
            f"Python {platform.python_version()} · {os.cpu_count()} CPUs · gunicorn {args.workers} workers · "
            f"wrk 2 threads, {args.connections} connections, {seconds} s per page · {rows:,} opportunities · "
            f"{database_url.split(':')[0]}"
        )
        print(f"GET /database/?{QUERY}")
        header = f"{'page':<8} {'queries':>8} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9} {'requests':>9} {'errors':>7}"
        print(header)
        print("-" * len(header))
        results = {}
        for label, path, queries in (
            ("real", "/database/", real_queries),
            ("naive", "/naive/", naive_queries),
        ):
            fetch(f"{base}{path}?{QUERY}", session)  # warm
            r = run_wrk(f"{base}{path}?{QUERY}", session, seconds, args.connections)
            results[label] = r
            print(
                f"{label:<8} {queries:>8} {r['rps']:>9.1f} {r['p50']:>9.1f} {r['p99']:>9.1f} "
                f"{r['requests']:>9} {r['errors']:>7}",
                flush=True,
            )
        real, naive = results["real"], results["naive"]
        print(
            f"\nreal ÷ naive: {real['rps'] / naive['rps']:.1f}× the requests per second, "
            f"p99 {naive['p99'] / real['p99']:.1f}× lower ({real['p99']:.0f} ms vs {naive['p99']:.0f} ms)"
        )
    finally:
        server.terminate()
        server.wait(timeout=10)


def _naive_urlconf():
    """A URLconf module object with the naive page beside the site's URLs."""
    import types

    from django.urls import path

    from mentorship.urls import urlpatterns as site_urlpatterns
    from opportunities.views import member_required

    module = types.ModuleType("bench_database_list_urls")
    module.urlpatterns = [path("naive/", member_required(naive_list)), *site_urlpatterns]
    return module


if os.environ.get("BENCH_DATABASE_LIST_SERVER") == "1":
    # Imported by gunicorn: the site, with the naive page at /naive/.
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application

    settings.ROOT_URLCONF = _naive_urlconf()
    application = get_wsgi_application()


if __name__ == "__main__":
    main()
