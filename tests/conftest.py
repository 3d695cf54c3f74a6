"""Bake projects once per session; each case is a set of answers a team might give."""

import asyncio
import hashlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from cookiecutter.main import cookiecutter

from tests import progress

TEMPLATE = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ALL_TYPES = (
    "title:str(200):unique, body:text?, price:decimal(10,2)=1.50, "
    "status:enum(draft|published)=draft, tags:json?, flag:bool=true, "
    "starts_at:datetime:index, contact:email?:unique, site:url?, ref:uuid?, "
    "views:bigint=0, score:float?, born_on:date?, rank:int:index"
)
# A service of several related entities: restrict, cascade, a nullable self-reference
# (set_null), a one-to-one, and a nullable reference ahead to a table created later; reviews
# belong to their reviewer (sub), categories to a tenant (org_id), and a note to its writer,
# who must see the review it references.
LIBRARY = {
    "project_name": "Library",
    "entity_name": "Author",
    "fields": "name:str(120):unique, born_on:date?, favorite:ref(Book)?:set_null",
    "more_entities": (
        "Book: title:str(200), pages:int?, author:ref(Author), tags:many(Tag); "
        "Tag: label:str(40):unique, related:many(Tag); "
        "Review: stars:int, body:text?, book:ref(Book):cascade, reviewer:claim(sub); "
        "Category(categories): name:str(80):unique, parent:ref(Category)?:set_null, "
        "tenant:claim(org_id); "
        "Profile: bio:text?, author:ref(Author):unique:cascade; "
        "Note: body:text, review:ref(Review):cascade, writer:claim(sub)"
    ),
}
CASES: dict[str, dict[str, str]] = {
    "book": {},
    "library": LIBRARY,
    "people": {
        "project_name": "People Directory",
        "entity_name": "Person",
        "fields": "name:str(100), email:email:unique, nickname:str(4)?",
    },
    "blog_posts": {
        "project_name": "Blog Engine",
        "entity_name": "BlogPost",
        "id_type": "int",
        "fields": (
            "title:str(200):unique, body:text:search, published:bool=false, published_at:datetime?"
        ),
    },
    "categories": {
        "project_name": "Catalog",
        "entity_name": "category",
        "fields": "name:str(80):unique:index, code:str(4)?",
    },
    "no_unique": {  # an open service: auth=none
        "project_name": "Plain Notes",
        "auth": "none",
        "entity_name": "Note",
        "fields": "body:text, priority:int?",
    },
    "all_types": {"project_name": "Every Type", "entity_name": "Specimen", "fields": ALL_TYPES},
    "long_names": {
        "project_name": "Northwind Procurement Purchase Order Svc",
        "entity_name": "PurchaseOrderLineItem",
        "id_type": "int",
        "fields": (
            "estimated_delivery_window_from:datetime:index, "
            "supplier_reference_code_prima:str(200):unique, "
            "quantity_ordered_in_base_units:decimal(12,3)=0, "
            "state:enum(draft|submitted_for_review)=draft, extra_attributes_for_integrati:json?"
        ),
    },
}
POSTGRES = os.environ.get("TEMPLATE_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432")


def bake(output_dir: Path, answers: dict[str, Any] | None = None, overwrite: bool = False) -> Path:
    """Generate a project with the cookiecutter API; returns its directory."""
    path = cookiecutter(
        str(TEMPLATE),
        no_input=True,
        output_dir=str(output_dir),
        extra_context=answers or {},
        overwrite_if_exists=overwrite,
    )
    return Path(path)


async def _sql(url: str, statement: str) -> object:
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return await connection.fetchval(statement)
    finally:
        await connection.close()


def sql(url: str, statement: str) -> object:
    """Run one statement on PostgreSQL at url (SQLAlchemy or plain form); its first value."""
    return asyncio.run(_sql(url, statement))


def run(
    args: list[str], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a command, capturing its output; never raises on a non-zero exit."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(args, cwd=cwd, env=full_env, capture_output=True, text=True, check=False)


def crudgen_command(
    project: Path, module: str, *args: str, template: Path = TEMPLATE
) -> tuple[int, str]:
    """Run a day-2 command (crudgen.add_entity, crudgen.change_fields) in project as its
    Makefile does; (exit code, stdout + stderr)."""
    env = {**os.environ, "PYTHONPATH": str(template)}
    done = run([sys.executable, "-m", f"crudgen.{module}", *args], cwd=project, env=env)
    return done.returncode, done.stdout + done.stderr


def tree(project: Path) -> dict[str, str]:
    """Every file of the project with its content hash."""
    return {
        str(path.relative_to(project)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(project.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts and ".git" not in path.parts
    }


def assert_refused_unchanged(
    project: Path, before: dict[str, str], code: int, output: str, error: str
) -> None:
    """A day-2 command refused: exit 1, the error among one-line errors, "Nothing was
    changed." last, and every file as it was."""
    assert code == 1, output
    assert error in output
    assert output.rstrip().endswith("Nothing was changed.")
    assert all(line.startswith(("error: ", "Nothing")) for line in output.splitlines())
    assert tree(project) == before


@pytest.fixture(scope="session")
def baked(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every case, baked once."""
    root = tmp_path_factory.mktemp("baked")
    return {name: bake(root / name, answers) for name, answers in CASES.items()}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the slow tier first, so the longest tests never start last on an idle core."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_configure(config: pytest.Config) -> None:
    """Progress by test module (tests/progress.py)."""
    progress.register(config)
