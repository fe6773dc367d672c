"""Apps depend one way: accounts -> programs -> notifications -> applications,
opportunities -> matching -> mentoring -> reports, with the project package (mentorship/) on top.

Every .py file of every app is parsed, templatetags, management commands and
migrations included, and every import in it is read wherever it stands (at the
top, inside a function, inside ``AppConfig.ready``), together with
``importlib.import_module("...")`` and a migration's ``dependencies``. An
import of an app on a higher level, or of a peer on the same level, fails.
A lower app that must tell a higher one sends a signal (see README, "Layout").

An app's ``tests/`` are left out: nothing the site runs imports them, and some
tests of a lower app watch the effect it has through the whole site (the
allauth email that lands in the outgoing-email table, a learner applying while
Redis is down), which needs the apps above.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# The documented order, also in README.md ("Layout"). An app may import the
# apps on lower levels, never one on its own level (applications and
# opportunities know nothing of each other) or above.
LEVELS = {
    "accounts": 0,
    "programs": 1,
    "notifications": 2,
    "applications": 3,
    "opportunities": 3,
    "matching": 4,
    "mentoring": 5,
    "reports": 6,
    "mentorship": 7,
}

# Building blocks of the project package that every app uses (the admin site's
# mixins, the xlsx writer, the Celery app). They import no app, which the test
# below checks, so they sit under the order rather than on top of it.
SHARED = {"mentorship.admin", "mentorship.xlsx", "mentorship.celery"}


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, dotted module) for every import in the file, anywhere in it."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the file's package
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            # "from mentorship import xlsx" imports mentorship.xlsx.
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            found.append((node.lineno, node.args[0].value))
        elif (
            isinstance(node, ast.Assign)
            and path.parent.name == "migrations"
            and any(getattr(t, "id", "") == "dependencies" for t in node.targets)
            and isinstance(node.value, ast.List)
        ):
            for item in node.value.elts:
                if isinstance(item, ast.Tuple) and isinstance(item.elts[0], ast.Constant):
                    found.append((item.lineno, item.elts[0].value))
    return found


def app_of(module: str) -> str | None:
    top = module.split(".")[0]
    if top not in LEVELS:
        return None
    if any(module == shared or module.startswith(f"{shared}.") for shared in SHARED):
        return None
    return top


def python_files(app: str) -> list[Path]:
    return sorted(p for p in (ROOT / app).rglob("*.py") if "tests" not in p.relative_to(ROOT).parts)


def forbidden_edges(app: str) -> list[str]:
    edges = []
    for path in python_files(app):
        for line, module in sorted(imported_modules(path)):
            target = app_of(module)
            if target is None or target == app:
                continue
            if LEVELS[target] >= LEVELS[app]:
                edges.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    return edges


def test_the_order_names_every_app_and_nothing_else():
    apps = {p.parent.name for p in ROOT.glob("*/apps.py")}
    assert apps == set(LEVELS)


@pytest.mark.parametrize("app", LEVELS)
def test_an_app_imports_only_the_apps_below_it(app):
    assert forbidden_edges(app) == []


@pytest.mark.parametrize("module", sorted(SHARED))
def test_the_shared_modules_of_the_project_package_import_no_app(module):
    path = ROOT / (module.replace(".", "/") + ".py")
    imports = [m for _, m in imported_modules(path) if m.split(".")[0] in LEVELS and m != module]
    assert imports == []


def test_the_walk_sees_imports_inside_functions_and_relative_ones(tmp_path, monkeypatch):
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    app = tmp_path / "programs" / "templatetags"
    app.mkdir(parents=True)
    (app / "tags.py").write_text(
        "from . import helpers\n"
        "from .. import models\n"
        "def tag():\n"
        "    from matching.selectors import x\n"
        "    import importlib\n"
        "    importlib.import_module('applications.views')\n"
        "from mentorship.xlsx import Sheet\n"
        "from mentorship import views\n"
    )
    (tmp_path / "programs" / "tests").mkdir()
    (tmp_path / "programs" / "tests" / "test_it.py").write_text("import matching\n")
    assert forbidden_edges("programs") == [
        "programs/templatetags/tags.py:4 imports matching.selectors.x",
        "programs/templatetags/tags.py:6 imports applications.views",
        "programs/templatetags/tags.py:8 imports mentorship.views",
    ]


def test_the_readme_states_the_same_order():
    readme = (ROOT / "README.md").read_text()
    assert (
        "accounts → programs → notifications → applications, opportunities → matching → mentoring → reports → "
        "mentorship" in readme
    )
