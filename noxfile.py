"""The project's sessions: ``nox`` runs the default list (what CI runs), ``nox -s bench`` more.

Python versions come from the classifiers in pyproject.toml. Interpreters installed with pyenv
are found even when they are not on PATH, and under CI a missing interpreter fails the run.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
PYPROJECT = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
PYTHONS = re.findall(r'"Programming Language :: Python :: (3\.\d+)"', PYPROJECT)
OLDEST, NEWEST = PYTHONS[0], PYTHONS[-1]

nox.options.sessions = ["tests", "lint", "mypy", "unasync", "docs"]
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_external_run = True
if os.environ.get("CI"):
    nox.options.error_on_missing_interpreters = True


def _expose_pyenv_interpreters() -> None:
    """Put the newest pyenv build of each supported minor version on PATH for nox to find."""
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    if not root.is_dir():
        return
    found: dict[str, tuple[tuple[int, ...], Path]] = {}
    for entry in root.iterdir():
        match = re.fullmatch(r"(3\.\d+)\.(\d+)", entry.name)
        if match is None or match.group(1) not in PYTHONS or not (entry / "bin").is_dir():
            continue
        key = tuple(int(part) for part in entry.name.split("."))
        if match.group(1) not in found or key > found[match.group(1)][0]:
            found[match.group(1)] = (key, entry / "bin")
    extra = [str(path) for _, path in sorted(found.values(), reverse=True)]
    os.environ["PATH"] = os.pathsep.join([*extra, os.environ.get("PATH", "")])


_expose_pyenv_interpreters()


# The long property and chaos suites run on the oldest and the newest Python only: the
# others run everything else (CI stays within its time).
EDGE_ONLY = ["tests/fuzz", "tests/soak"]


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """Run the test suite (tests and the docs' examples) under coverage."""
    session.install(".[tests]")
    args = list(session.posargs)
    if not args and session.python not in (OLDEST, NEWEST):
        args = [f"--ignore={path}" for path in EDGE_ONLY]
    session.run("coverage", "run", "-m", "pytest", *args)


@nox.session(python=NEWEST)
def coverage_report(session: nox.Session) -> None:
    """Combine the coverage of every Python and report it."""
    session.install("coverage[toml]")
    session.run("coverage", "combine")
    session.run("coverage", "report", "--fail-under=85")


@nox.session(python=NEWEST)
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check (generated files are excluded)."""
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=[OLDEST, NEWEST])
def mypy(session: nox.Session) -> None:
    """mypy --strict over src, tests, scripts, benchmarks, the docs' code and this file."""
    session.install(".[typing,docs]", "nox")
    session.run(
        "mypy", "src", "tests", "scripts", "benchmarks", "docs/_ext", "docs/conf.py", "noxfile.py"
    )


@nox.session(python=NEWEST)
def unasync(session: nox.Session) -> None:
    """Check that every generated _sync module is current and every rule is used."""
    session.run("python", "scripts/unasync.py", "--check")


@nox.session(python=NEWEST)
def docs(session: nox.Session) -> None:
    """Build the docs with warnings as errors and nitpicky references."""
    session.install(".[docs,tests]")
    session.run("pytest", "-q", "-p", "no:randomly", "tests/unit/test_docs_tools.py")
    session.run(
        "sphinx-build", "-W", "-n", "--keep-going", "-b", "html", "docs", "docs/_build/html"
    )


@nox.session(python=NEWEST)
def bench(session: nox.Session) -> None:
    """Run the benchmarks in benchmarks/ (not part of the default sessions)."""
    # marathon-python is the peer scenario 1 compares with: installed here only.
    session.install(".", "marathon")
    scripts = sorted((ROOT / "benchmarks").glob("bench_*.py"))
    if not scripts:
        session.skip("no benchmark yet")
    for script in scripts:
        session.run("python", str(script), *session.posargs)
    session.run("python", str(ROOT / "benchmarks" / "chart.py"))
