"""Property-based bake tests, with `crudgen.validate.validate_context` as the oracle.

A (fast tier): every answer the validator accepts bakes into a project with no Jinja
residue that compiles and is `ruff check`, `ruff format --check` and `mypy --strict` clean.
R: every answer it refuses is refused with well-formed one-line errors; a real bake of it
fails in the pre-gen hook, prints exactly those lines and leaves no directory behind.
B (slow tier): a few accepted answers pass their generated project's own test suite.

Seeds are fixed. Profile "ci" (the default) runs 27 accepted examples of A (9 per Python
version), 200 answers through the oracle, 4 refused bakes and 3 suites of B; profile "many"
(`HYPOTHESIS_PROFILE=many`, or `PROPS_EXAMPLES=<n>`, default 300; `make props`) scales
them all from n.
Each failure class (one ruff rule, one mypy code, one failing generated test module ...)
raises its own exception type, so Hypothesis shrinks and reports every class apart. The
failing answers are printed by `note()`: schemathesis' pytest plugin, loaded in this
environment, blanks Hypothesis' own "Failing test case" arguments.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from cookiecutter.exceptions import FailedHookException
from hypothesis import HealthCheck, Phase, assume, event, given, note, seed, settings
from hypothesis import strategies as st

from crudgen.fields import parse_fields
from crudgen.validate import CHOICES, FLAGS, validate_context
from tests.conftest import BIN, POSTGRES, bake, run
from tests.strategies import Answers, answers, refused_answers, rendered_context
from tests.test_bake import JINJA_LEFTOVER
from tests.test_generated import drop_database

settings.register_profile(
    "ci",
    max_examples=25,
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=False,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],  # no explain: it re-runs bakes
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "many",
    parent=settings.get_profile("ci"),
    max_examples=int(os.environ.get("PROPS_EXAMPLES") or 300),
)


def profile_name() -> str:
    """HYPOTHESIS_PROFILE if it names one of ours; else "many" when PROPS_EXAMPLES is set."""
    chosen = os.environ.get("HYPOTHESIS_PROFILE", "")
    if chosen in ("ci", "many"):
        return chosen
    return "many" if os.environ.get("PROPS_EXAMPLES") else "ci"


PROFILE = profile_name()
BASE = settings.get_profile(PROFILE)
BAKES = BASE.max_examples  # property A, spread over the three Python versions
PYTHON_VERSIONS = ("3.11", "3.12", "3.13")
RUNNING = f"{sys.version_info[0]}.{sys.version_info[1]}"  # generated suites run on this one
ACCEPTED = settings(BASE, max_examples=math.ceil(BAKES / len(PYTHON_VERSIONS)))
ORACLE = settings(BASE, max_examples=BAKES * 8)  # validator only: cheap
REFUSED = settings(BASE, max_examples=max(4, BAKES // 10))
SUITES = settings(BASE, max_examples=3 if PROFILE == "ci" else max(3, BAKES // 25))

ANSWER_KEYS = (
    "project_name", "project_slug", "package_name", "description", "author_name",
    "author_email", "entity_name", "entity_plural", "fields", "more_entities", *CHOICES, *FLAGS,
)  # fmt: skip
ERROR_LINE = re.compile(r"(?P<input>[a-z_]+): (?P<value>\S.*?) — \S.*; e\.g\. ['\"].*")
COUNT_LINE = "{} answer(s) rejected; nothing was generated."
_FAILURES: dict[str, type[AssertionError]] = {}


class BakeFailure(AssertionError):
    """A baked project failed a check; subclassed once per failure class."""


def failure(label: str) -> type[AssertionError]:
    """The exception type of one failure class (e.g. `ruff RUF022`, `mypy [name-defined]`).

    Hypothesis tells failures apart by exception type and origin, so a class per label
    makes it shrink, and report, each class separately."""
    if label not in _FAILURES:
        name = "Bake_" + re.sub(r"\W+", "_", label).strip("_")
        _FAILURES[label] = type(name, (BakeFailure,), {"__doc__": label})
    return _FAILURES[label]


def jinja_leftovers(project: Path) -> list[str]:
    """Files of the baked project that still hold template syntax."""
    return [
        str(path.relative_to(project))
        for path in sorted(project.rglob("*"))
        if path.is_file() and JINJA_LEFTOVER.search(path.read_text(encoding="utf-8"))
    ]


@cache
def python_for(version: str) -> str | None:
    """An interpreter that can compile code for Python `version`: this one when it is as
    new, else a `pythonX.Y` on PATH that runs; None when there is neither."""
    if sys.version_info[:2] >= tuple(int(part) for part in version.split(".")):
        return sys.executable
    found = shutil.which(f"python{version}")
    if found and run([found, "--version"], cwd=Path.cwd()).returncode == 0:
        return found
    return None


def syntax_errors(project: Path, python_version: str) -> str:
    """What `python -m compileall -q` reports, with an interpreter of the project's version.

    Without one (3.12+ syntax, such as PEP 695 generics, cannot be compiled by 3.11), the
    check is skipped: ruff's parser, at the project's target version, still reports
    invalid syntax."""
    python = python_for(python_version)
    if python is None:
        event(f"compileall skipped: no python{python_version}")
        return ""
    result = run([python, "-m", "compileall", "-q", "-f", "."], cwd=project)
    return "" if result.returncode == 0 else result.stdout + result.stderr


class MypyCaches:
    """mypy --strict on a project in 1-3 s instead of 15-35 s: a warm cache per Python version.

    The first project of a version is checked cold with its files' mtimes set to 0, and its
    cache kept; later projects get a copy of it. Their files never have mtime 0, so mypy
    compares hashes and re-checks every project module, while the third-party modules
    (FastAPI, SQLAlchemy, Pydantic ...) come from the cache. A cache shared by projects
    baked in the same second would not be safe: same relative paths, sizes and mtimes.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def check(self, project: Path, python_version: str) -> subprocess.CompletedProcess[str]:
        """Run the project's own mypy configuration in the project directory."""
        warm = self.root / python_version
        cache = project.parent / "mypy-cache"
        if warm.exists():
            shutil.copytree(warm, cache)
        else:
            for path in project.rglob("*"):
                os.utime(path, (0, 0), follow_symlinks=False)
        try:
            result = run([str(BIN / "mypy"), "--cache-dir", str(cache)], cwd=project)
            if not warm.exists():
                shutil.copytree(cache, warm)
        finally:
            shutil.rmtree(cache, ignore_errors=True)
        return result


@pytest.fixture(scope="session")
def mypy_caches(tmp_path_factory: pytest.TempPathFactory) -> MypyCaches:
    """Warm mypy caches of this worker (xdist workers each keep their own)."""
    return MypyCaches(tmp_path_factory.mktemp("mypy-caches"))


def _first(pattern: str, text: str, fallback: str) -> str:
    """The first match's group 1 in text, else fallback."""
    match = re.search(pattern, text, re.MULTILINE)
    return match[1] if match else fallback


def check_baked(project: Path, python_version: str, mypy: MypyCaches) -> None:
    """Raise one failure class per broken check, cheapest checks first."""
    leftovers = jinja_leftovers(project)
    if leftovers:
        raise failure("jinja residue")("\n".join(leftovers))
    problems = syntax_errors(project, python_version)
    if problems:
        raise failure("compileall")(problems)
    ruff = str(BIN / "ruff")
    lint = run([ruff, "check", "--no-cache", "--output-format", "concise", "."], cwd=project)
    if lint.returncode != 0:
        code = _first(r"^\S+:\d+:\d+: ([A-Z]+[0-9]+)", lint.stdout, "error")
        raise failure(f"ruff {code}")(lint.stdout + lint.stderr)
    fmt = run([ruff, "format", "--check", "--diff", "--no-cache", "."], cwd=project)
    if fmt.returncode != 0:
        raise failure("ruff format")(fmt.stdout + fmt.stderr)
    typed = mypy.check(project, python_version)
    if typed.returncode != 0:
        code = _first(r"error: .*  \[([a-z-]+)\]$", typed.stdout, "error")
        raise failure(f"mypy [{code}]")(typed.stdout + typed.stderr)


def accepted_answers_bake_clean(python_version: str) -> Callable[..., None]:
    """Property A for one Python version: its own seed, so each version sees other answers,
    and its own test, so xdist runs the versions in parallel."""

    @seed(PYTHON_VERSIONS.index(python_version))
    @ACCEPTED
    @given(chosen=answers(python_version))
    def test(
        tmp_path_factory: pytest.TempPathFactory, mypy_caches: MypyCaches, chosen: Answers
    ) -> None:
        """Property A: accepted answers bake into lint-, format- and type-clean projects."""
        note(f"answers = {chosen!r}")
        assume(not validate_context(rendered_context(chosen)))
        root = tmp_path_factory.mktemp("accepted")
        check_baked(bake(root, chosen), python_version, mypy_caches)
        shutil.rmtree(root)  # failing projects stay, for a look

    return test


test_accepted_answers_bake_clean_py311 = accepted_answers_bake_clean("3.11")
test_accepted_answers_bake_clean_py312 = accepted_answers_bake_clean("3.12")
test_accepted_answers_bake_clean_py313 = accepted_answers_bake_clean("3.13")


# Shrunk failing examples, kept as named regressions (each once failed a check of A).
REGRESSIONS: dict[str, dict[str, object]] = {
    "entity sorting before Base (RUF022)": {"entity_name": "Article"},
    "package sorting after tests (I001)": {"project_name": "User Directory"},
    "everyday field names": {
        "fields": "type:str(20):unique, from:date, order:int:index, date:date?, json:int?"
    },
    "one list filter": {"fields": "a:bool"},
    "no list filter": {"fields": "a:json"},
    "long entity with soft delete": {"entity_name": "InventoryItemRecordLn", "soft_delete": True},
    "FIELDS over 100 columns": {
        "fields": ", ".join(f"{letter * 20}:int" for letter in "abcd"),
    },
    "wide decimal": {"fields": "a:decimal(1000,0):unique"},
    "quotes and backslashes in free text": {
        "project_name": 'Say "hi"',
        "description": 'Say "hi" \\8',
    },
    "enum members I, L, O": {"fields": "a:enum(i|b|l|o)"},
}


@pytest.mark.parametrize("name", REGRESSIONS)
def test_regressions_bake_clean(tmp_path: Path, mypy_caches: MypyCaches, name: str) -> None:
    project = bake(tmp_path, REGRESSIONS[name])
    check_baked(project, "3.11", mypy_caches)


def assert_well_formed(error: str, context: dict[str, Any]) -> None:
    """`<input>: <value> — <rule>; e.g. <example>`, on one printable line."""
    assert error.isprintable(), f"not one printable line: {error!r}"
    match = ERROR_LINE.fullmatch(error)
    assert match, f"not `<input>: <value> — <rule>; e.g. <example>`: {error!r}"
    key = match["input"]
    assert key in ANSWER_KEYS, error
    # the value as given; a field error shows the item instead, an entity's the entity
    if key not in ("fields", "more_entities"):
        shown = repr(context[key])
        shown = shown if len(shown) <= 100 else shown[:97] + "..."
        assert error.startswith(f"{key}: {shown} — "), error


def bad_options() -> st.SearchStrategy[dict[str, object]]:
    """Nothing, or a choice or flag input replaced by a value cookiecutter would not give."""
    bad = st.sampled_from(("", "maybe", "UUID", "3.10", None, 3, "sqlite3", "yes please"))
    return st.dictionaries(st.sampled_from((*CHOICES, *FLAGS)), bad, max_size=2)


@ORACLE
@given(chosen=st.one_of(refused_answers(), answers(valid_only=False)), options=bad_options())
def test_refusals_are_one_line_each(chosen: Answers, options: dict[str, object]) -> None:
    """Property R (oracle only): refusals are well formed; acceptances parse."""
    note(f"answers = {chosen!r}, then {options!r}")
    context = {**rendered_context(chosen), **options}
    errors = validate_context(context)
    for error in errors:
        assert_well_formed(error, context)
    if not errors:
        assert parse_fields(str(context["fields"]))


@contextmanager
def captured_stderr() -> Iterator[list[str]]:
    """Capture file descriptor 2 (where hook subprocesses write) into the yielded list."""
    lines: list[str] = []
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield lines
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            lines += sink.read().decode("utf-8", "replace").splitlines()


@REFUSED
@given(chosen=refused_answers())
def test_refused_answers_generate_nothing(
    tmp_path_factory: pytest.TempPathFactory, chosen: Answers
) -> None:
    """Property R (real bakes): the hook refuses, prints the errors, leaves nothing."""
    note(f"answers = {chosen!r}")
    context = rendered_context(chosen)
    errors = validate_context(context)
    assume(errors)
    output = tmp_path_factory.mktemp("refused")
    with captured_stderr() as lines, pytest.raises(FailedHookException):
        bake(output, chosen)
    assert lines == [f"error: {e}" for e in errors] + [COUNT_LINE.format(len(errors))]
    assert list(output.iterdir()) == []


def database_url(chosen: Answers, root: Path, name: str) -> str:
    """Where a generated suite runs: a database of its own on PostgreSQL or SQLite."""
    if chosen["database"] == "postgresql":
        return f"{POSTGRES}/{name}"
    return f"sqlite+aiosqlite:///{root}/{name}.db"


@pytest.mark.slow
@SUITES
@given(chosen=answers(python_version=RUNNING))
def test_accepted_answers_pass_their_own_suite(
    tmp_path_factory: pytest.TempPathFactory, chosen: Answers
) -> None:
    """Property B: a generated project's own test suite passes on its database."""
    note(f"answers = {chosen!r}")
    assume(not validate_context(rendered_context(chosen)))
    root = tmp_path_factory.mktemp("suite")
    project = bake(root, chosen)
    name = f"props_{uuid.uuid4().hex[:16]}"
    command = [str(BIN / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    env = {"DATABASE_URL": database_url(chosen, root, name), "TEST_DATABASE_URL": ""}
    try:
        result = run(command, cwd=project, env=env)
    finally:
        if chosen["database"] == "postgresql":
            for suffix in ("", "_test", "_test_live", "_test_migrations"):
                drop_database(name + suffix)
    if result.returncode != 0:
        module = _first(r"^(?:FAILED|ERROR) (?:\S+/)?(test_\w+\.py)", result.stdout, "suite")
        raise failure(f"suite {module}")(result.stdout[-6000:] + result.stderr[-2000:])
    shutil.rmtree(root)
