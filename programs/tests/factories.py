from __future__ import annotations

from itertools import count

from programs.models import Program

_numbers = count(1)


def make_program(**fields) -> Program:
    n = next(_numbers)
    defaults = {
        "name": f"Program {n}",
        "slug": f"program-{n}",
        "summary": "A program.",
        "audience": "Everyone.",
        "contact_email": f"program{n}@example.edu",
        "is_published": True,
    }
    return Program.objects.create(**{**defaults, **fields})
