"""Demo data for this app, loaded by ``manage.py seed_demo`` after the programs."""


def seed() -> None:
    pass
