from __future__ import annotations

import datetime


def database_last_updated() -> datetime.date | None:
    """The newest change to the database's records (none until it has any)."""
    return None
