"""The matching board for a round of 300 mentees and 100 mentors: how many
queries it takes and how long it renders (and runs the engine).

    .venv/bin/python bench/bench_board.py [--mentees 300] [--mentors 100]

Runs on a throwaway test database (SQLite in memory unless DATABASE_URL says
otherwise), so it never touches your data.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentorship.settings")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mentees", type=int, default=300)
    parser.add_argument("--mentors", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

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

        from matching import services
        from matching.models import MatchSource, Round
        from mentorship.management.commands.seed_demo import Command
        from programs.models import Program
        from tests.factories import populate

        Command().seed()
        dmp = Program.objects.get(slug="dmp")
        populate(dmp, mentees=args.mentees, mentors=args.mentors)
        round_ = Round.objects.create(program=dmp, name="Bench round")
        for mode in (MatchSource.STABLE, MatchSource.OPTIMAL):
            started = time.perf_counter()
            proposals = services.round_run(round_=round_, mode=mode)
            print(f"run {mode:8} {len(proposals):4} pairs  {time.perf_counter() - started:6.3f} s")

        client = Client()
        client.force_login(dmp.coordinators.get())
        url = reverse("admin:matching_round_board", args=[round_.pk])
        timings = []
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                timings.append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
        print(
            f"board {args.mentees} mentees x {args.mentors} mentors: {len(queries.captured_queries)} queries, "
            f"best {min(timings):.3f} s, {len(response.content) / 1024:.0f} KiB"
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
