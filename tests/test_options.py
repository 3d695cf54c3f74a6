"""Every option value proven: a pairwise set (tier 1, static checks) and the full
database x id_type x pagination x soft_delete matrix (tier 2, each project's own tests)."""

import itertools
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import BIN, LIBRARY, POSTGRES, bake, run
from tests.test_bake import JINJA_LEFTOVER, package_dir, rendered_files

OPTIONS: dict[str, list[Any]] = {
    "database": ["postgresql", "sqlite"],
    "id_type": ["uuid", "int"],
    "pagination": ["cursor", "offset"],
    "soft_delete": [False, True],
    "docker": [True, False],
    "ci": ["github", "gitlab", "none"],
    "python_version": ["3.11", "3.12", "3.13"],
    "auth": ["oidc", "none"],
}
# Every pair of option values appears in at least one row (checked below).
# database, id_type, pagination, soft_delete, docker, ci, python_version, auth
PAIRWISE = [
    ("sqlite", "uuid", "cursor", True, True, "gitlab", "3.11", "oidc"),
    ("postgresql", "int", "offset", False, False, "gitlab", "3.13", "none"),
    ("sqlite", "uuid", "offset", False, True, "github", "3.12", "none"),
    ("postgresql", "int", "cursor", True, False, "none", "3.12", "none"),
    ("sqlite", "uuid", "offset", True, True, "none", "3.13", "none"),
    ("postgresql", "uuid", "cursor", False, False, "github", "3.11", "oidc"),
    ("postgresql", "int", "offset", False, True, "none", "3.11", "oidc"),
    ("sqlite", "int", "cursor", True, False, "github", "3.13", "oidc"),
    ("postgresql", "int", "offset", False, True, "gitlab", "3.12", "oidc"),
    ("postgresql", "uuid", "cursor", False, True, "github", "3.11", "none"),
]
FIELDS = "title:str(120):unique, price:decimal(8,2)?, due_at:datetime?, status:enum(open|done)=open"
# On PostgreSQL the title is also searched (pg_trgm), so its plan test meets every option.
SEARCHED = FIELDS.replace("title:str(120):unique", "title:str(120):unique:search")


def answers(index: int) -> dict[str, Any]:
    """The cookiecutter answers of one pairwise row."""
    chosen = dict(zip(OPTIONS, PAIRWISE[index], strict=True))
    return {**chosen, "project_name": f"Pairwise {index}", "fields": FIELDS}


@pytest.fixture(scope="session")
def pairwise(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    """Every pairwise row, baked once."""
    root = tmp_path_factory.mktemp("pairwise")
    return {index: bake(root / str(index), answers(index)) for index in range(len(PAIRWISE))}


def test_pairwise_rows_cover_every_pair_of_option_values() -> None:
    names = list(OPTIONS)
    for (i, a), (j, b) in itertools.combinations(enumerate(names), 2):
        needed = set(itertools.product(OPTIONS[a], OPTIONS[b]))
        seen = {(row[i], row[j]) for row in PAIRWISE}
        assert needed <= seen, f"{a} x {b} misses {needed - seen}"


@pytest.mark.parametrize("index", range(len(PAIRWISE)))
def test_pairwise_bake_is_clean(pairwise: dict[int, Path], index: int) -> None:
    project = pairwise[index]
    leftovers = [
        p for p in rendered_files(project) if JINJA_LEFTOVER.search(p.read_text(encoding="utf-8"))
    ]
    assert leftovers == []
    for command in (
        ["ruff", "check", "--no-cache", "."],
        ["ruff", "format", "--check", "."],
        ["mypy", "--no-incremental"],
    ):
        result = run([str(BIN / command[0]), *command[1:]], cwd=project)
        assert result.returncode == 0, f"{command}: {result.stdout}"


@pytest.mark.parametrize("index", range(len(PAIRWISE)))
def test_pairwise_bake_keeps_only_chosen_files(pairwise: dict[int, Path], index: int) -> None:
    chosen = dict(zip(OPTIONS, PAIRWISE[index], strict=True))
    project, core = pairwise[index], package_dir(pairwise[index]) / "core"
    expected = {
        core / "postgresql.py": chosen["database"] == "postgresql",
        core / "sqlite.py": chosen["database"] == "sqlite",
        core / "keyset.py": chosen["pagination"] == "cursor",
        core / "offset.py": chosen["pagination"] == "offset",
        project / "Dockerfile": chosen["docker"],
        project / "compose.yaml": chosen["docker"],
        project / ".github" / "workflows" / "ci.yml": chosen["ci"] == "github",
        project / ".gitlab-ci.yml": chosen["ci"] == "gitlab",
        core / "oidc.py": chosen["auth"] == "oidc",
    }
    assert {str(path): path.exists() for path in expected} == {
        str(p): v for p, v in expected.items()
    }
    soft_tests = list(project.glob("tests/*/test_soft_delete.py"))
    assert bool(soft_tests) == chosen["soft_delete"]
    pyproject = (project / "pyproject.toml").read_text()
    version = str(chosen["python_version"])
    assert f'requires-python = ">={version}"' in pyproject
    assert f'target-version = "py{version.replace(".", "")}"' in pyproject
    driver = "asyncpg" if chosen["database"] == "postgresql" else "aiosqlite"
    assert f'"{driver}>=' in pyproject
    if chosen["pagination"] == "offset":  # no docstring or comment speaks of keyset pages
        sources = [p for p in rendered_files(project) if p.suffix == ".py"]
        mentions = [p for p in sources if "keyset" in p.read_text(encoding="utf-8").lower()]
        assert mentions == []


def dockerfile_copies(text: str) -> list[str]:
    """Sources of the Dockerfile's COPY lines that come from the build context."""
    sources = []
    for line in text.splitlines():
        parts = line.split()
        if parts[:1] == ["COPY"] and not any(p.startswith("--from") for p in parts):
            sources += [p for p in parts[1:-1] if not p.startswith("--")]
    return sources


@pytest.mark.parametrize("index", [i for i, row in enumerate(PAIRWISE) if row[4]])
def test_docker_files_are_consistent(pairwise: dict[int, Path], index: int) -> None:
    """No Docker engine here: check the files statically, as far as they can be."""
    chosen = dict(zip(OPTIONS, PAIRWISE[index], strict=True))
    project = pairwise[index]
    dockerfile = (project / "Dockerfile").read_text()
    assert len(re.findall(r"^FROM ", dockerfile, re.MULTILINE)) == 2
    assert f"ARG PYTHON_VERSION={chosen['python_version']}" in dockerfile
    assert re.search(r"^USER app$", dockerfile, re.MULTILINE), (
        "the final stage must not run as root"
    )
    for source in dockerfile_copies(dockerfile):
        assert source == "uv.lock*" or (project / source).exists(), source  # uv.lock: make install
    # A fresh bake has no uv.lock yet: the image resolves one, so `docker compose up` works.
    assert "RUN [ -f uv.lock ] || uv lock\n" in dockerfile
    package = package_dir(project).name
    assert f'"{package}.main:create_app", "--factory"' in dockerfile
    compose = yaml.safe_load((project / "compose.yaml").read_text())
    services = compose["services"]
    assert services["migrate"]["command"] == ["alembic", "upgrade", "head"]
    # One build: `app` builds and tags the image, `migrate` runs that tag and never pulls it.
    assert [name for name, service in services.items() if "build" in service] == ["app"]
    assert services["migrate"]["image"] == services["app"]["image"] == project.name
    assert services["migrate"]["pull_policy"] == "never"
    assert services["app"]["pull_policy"] == "build"
    assert services["app"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "/health/ready" in " ".join(services["app"]["healthcheck"]["test"])
    url = services["app"]["environment"]["DATABASE_URL"]
    if chosen["database"] == "postgresql":
        assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
        # Published on loopback away from 5432, so a local PostgreSQL does not clash with it.
        assert services["db"]["ports"] == ["127.0.0.1:${POSTGRES_PORT:-5433}:5432"]
        assert url.startswith("postgresql+asyncpg://")
        assert "@db:5432/" in url
    else:
        assert "db" not in services
        assert url.startswith("sqlite+aiosqlite:////app/data/")


@pytest.mark.parametrize("index", [i for i, row in enumerate(PAIRWISE) if row[5] != "none"])
def test_ci_workflow_runs_every_check(pairwise: dict[int, Path], index: int) -> None:
    chosen = dict(zip(OPTIONS, PAIRWISE[index], strict=True))
    project = pairwise[index]
    if chosen["ci"] == "github":
        job = yaml.safe_load((project / ".github/workflows/ci.yml").read_text())["jobs"]["check"]
        commands = "\n".join(step.get("run", "") for step in job["steps"])
        setup = next(s for s in job["steps"] if s.get("uses", "").startswith("astral-sh/setup-uv"))
        assert setup["with"]["python-version"] == chosen["python_version"]
        has_service = "postgres" in job.get("services", {})
    else:
        job = yaml.safe_load((project / ".gitlab-ci.yml").read_text())["check"]
        commands = "\n".join(job["before_script"] + job["script"])
        assert job["image"] == f"python:{chosen['python_version']}-slim"
        has_service = bool(job.get("services"))
    for needed in (
        "ruff check",
        "ruff format --check",
        "mypy",
        "alembic upgrade head",
        "alembic check",
        "pytest",
    ):
        assert needed in commands, needed
    assert has_service == (chosen["database"] == "postgresql")


MATRIX = list(
    itertools.product(
        ["postgresql", "sqlite"], ["uuid", "int"], ["cursor", "offset"], [False, True]
    )
)


MULTI = [
    dict(zip(("database", "id_type", "pagination", "soft_delete"), row, strict=True))
    for row in (  # postgresql-uuid-cursor without soft delete is the named library case
        ("postgresql", "int", "offset", True),
        ("sqlite", "int", "cursor", True),
        ("sqlite", "uuid", "offset", False),
    )
]


@pytest.mark.slow
@pytest.mark.parametrize(("database", "id_type", "pagination", "soft_delete"), MATRIX)
def test_matrix_project_passes_its_own_suite(
    tmp_path: Path, database: str, id_type: str, pagination: str, soft_delete: bool
) -> None:
    name = f"m_{database[:2]}_{id_type}_{pagination}_{int(soft_delete)}"
    chosen = {
        "database": database,
        "id_type": id_type,
        "pagination": pagination,
        "soft_delete": soft_delete,
    }
    # Three rows generate the related-entity service instead of one entity; with the named
    # library case they cover both id types and paginations on each database, and soft
    # delete on each.
    fields = SEARCHED if database == "postgresql" else FIELDS
    spec = {**LIBRARY, "project_name": name} if chosen in MULTI else {"fields": fields}
    project = bake(tmp_path, {**chosen, "project_name": name, **spec})
    url = (
        f"{POSTGRES}/{name}"
        if database == "postgresql"
        else f"sqlite+aiosqlite:///{tmp_path}/{name}.db"
    )
    result = run(
        [str(BIN / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        # Options are what this tier proves; the named cases fuzz at the full depth.
        env={"DATABASE_URL": url, "FUZZ_EXAMPLES": "5"},
    )
    assert result.returncode == 0, result.stdout[-5000:]
    assert re.search(r"\d+ passed", result.stdout)
    assert "failed" not in result.stdout
    if chosen in MULTI:  # the related-entity service is lint and type clean on each database
        for command in (["ruff", "check", "."], ["ruff", "format", "--check", "."], ["mypy"]):
            done = run([str(BIN / command[0]), *command[1:]], cwd=project)
            assert done.returncode == 0, done.stdout + done.stderr


def test_make_run_serves_on_the_host_and_port_asked_for(pairwise: dict[int, Path]) -> None:
    project = pairwise[0]
    default = run(["make", "-n", "run"], cwd=project)
    chosen = run(["make", "-n", "run", "PORT=8123", "HOST=0.0.0.0"], cwd=project)
    assert "--host 127.0.0.1 --port 8000 " in default.stdout, default.stdout + default.stderr
    assert "--host 0.0.0.0 --port 8123 " in chosen.stdout, chosen.stdout + chosen.stderr
