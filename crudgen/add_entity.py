"""Add an entity to a generated project, from the same entity template and fields DSL.

Run in the project directory (its `make entity` does this):

    PYTHONPATH=<template> python -m crudgen.add_entity "Book: title:str(9), author:ref(Author)"

It validates the whole service with the entity added, as a bake does, and reports every
error at once; then it writes the entity's package, tests and migration (on top of the
current Alembic head), registers its router, records it in the project's answers
(`.cookiecutter.json`, and `.cruft.json` when there is one) so that template updates
render it too, and merges what the new answers change into the README (its entity
lists, and the description where it is still the default: also in pyproject.toml and the
package's docstring), keeping the team's edits. When it refuses, it writes nothing, and
it never overwrites a file of the entity's (one that exists already is an error).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crudgen.entities import (
    ENTITIES_EXAMPLE,
    Entity,
    parse_declaration,
    planned_files,
    render_entity,
    service_entities,
)
from crudgen.imports import import_block
from crudgen.pyfmt import collection, layout
from crudgen.rerender import MergeConflict, default_answer, rerender
from crudgen.validate import validate_context

ANSWERS = ".cookiecutter.json"
CRUFT = ".cruft.json"
_REVISION = re.compile(r'^revision\s*(?::[^=]*)?=\s*["\'](?P<id>\w+)["\']', re.M)
_DOWN = re.compile(r"^down_revision\s*(?::[^=]*)?=(?P<value>.*)$", re.M)
_ROUTERS = re.compile(r"^ROUTERS: tuple\[APIRouter, \.\.\.\] = \((?P<names>[^)]*)\)\n", re.M)
# Project template files rendered from the answers as a whole, that the entity changes.
RERENDERED = ("README.md", "pyproject.toml", "src/{{cookiecutter.package_name}}/__init__.py")
_CHILDREN = re.compile(r'^include-path-regex = "\^/\((?P<paths>[^)]*)\)', re.M)


class Refused(Exception):
    """The entity cannot be added; args are one-line errors."""


@dataclass(frozen=True)
class Addition:
    """Everything the command writes, computed before anything is written."""

    entity: Entity
    context: dict[str, Any]
    texts: dict[Path, str]  # files rewritten whole: registry, answers, schemathesis.toml


def load_answers(project: Path) -> dict[str, Any]:
    """The project's recorded answers."""
    path = project / ANSWERS
    if not path.is_file():
        raise Refused(f"{project}: {ANSWERS} is missing; run this in a generated project")
    answers: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))["cookiecutter"]
    return answers


def alembic_head(versions: Path) -> str:
    """The single head revision of the project's migrations."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted(versions.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        if found := _REVISION.search(text):
            revisions.add(found["id"])
        if down := _DOWN.search(text):
            parents.update(re.findall(r"[\"'](\w+)[\"']", down["value"]))
    heads = sorted(revisions - parents)
    if len(heads) != 1:
        raise Refused(
            f"migrations: {len(heads)} heads ({', '.join(heads) or 'none'}); "
            "the new table goes on top of one head: merge them first (alembic merge heads)"
        )
    return heads[0]


def registry_text(text: str, package: str, plural: str) -> str:
    """registry.py with the entity's router imported and appended to ROUTERS."""
    found = _ROUTERS.search(text)
    if not found:
        raise Refused(f"registry.py: no ROUTERS tuple to add {plural!r} to")
    names = [*re.findall(r"\w+", found["names"]), plural]
    # one line, or wrapped in parentheses when it is too long
    alias = r"(?:router as \1|\(\n    router as \1,\n\))"
    router_line = re.compile(rf"^from {re.escape(package)}\.(\w+)\.router import {alias}\n", re.M)
    first = router_line.search(text)
    if not first:
        raise Refused("registry.py: no router import to add the entity's next to")
    specs = [f"{package}.{name}.router:router as {name}" for name in names]
    head = text[: first.start()] + import_block(package, *specs) + "\n"
    rest = router_line.sub("", text[first.start() :])
    text = head + rest
    assignment = layout(collection("ROUTERS: tuple[APIRouter, ...] = ", names, "()")) + "\n"
    return _ROUTERS.sub(lambda _: assignment, text, count=1)


def schemathesis_text(text: str, plural_path: str) -> str:
    """schemathesis.toml where the entity's writes may answer 422 for a missing parent."""
    found = _CHILDREN.search(text)
    if found:
        paths = f"{found['paths']}|{plural_path}"
        return text[: found.start("paths")] + paths + text[found.end("paths") :]
    return text.rstrip("\n") + (
        "\n\n# A schema-valid reference may name no row: 422 at the field (the schema cannot "
        "say which\n# ids exist). The stateful phase follows the links from each parent's "
        "create instead.\n[[operations]]\n"
        f'include-path-regex = "^/({plural_path})(/bulk|/[^/]+)?$"\n'
        'include-method-regex = "^(POST|PUT|PATCH)$"\n'
        "checks.positive_data_acceptance.expected-statuses = [\n"
        '    "2xx", "3xx", "401", "403", "404", "409", "412", "413", "422", "429", "5xx",\n]\n'
    )


def with_entity(answers: Mapping[str, Any], spec: str) -> dict[str, Any]:
    """The answers with the entity appended to more_entities, and the description derived
    again when it is still the template's default for the old entities (it names them
    all); a description the team typed stays."""
    more = str(answers.get("more_entities") or "").strip().rstrip(";")
    added = {**answers, "more_entities": f"{more}; {spec}" if more else spec}
    if answers.get("description") == default_answer("description", answers):
        added["description"] = default_answer("description", added)
    return added


def recorded_texts(project: Path, spec: str) -> dict[Path, str]:
    """The answer files (.cookiecutter.json, and .cruft.json when there is one) with the
    entity recorded, so that bakes and template updates render it too."""
    answers_path = project / ANSWERS
    recorded = json.loads(answers_path.read_text(encoding="utf-8"))
    recorded["cookiecutter"] = with_entity(recorded["cookiecutter"], spec)
    texts = {answers_path: json.dumps(recorded, indent=2, sort_keys=True) + "\n"}
    cruft = project / CRUFT
    if cruft.is_file():
        state = json.loads(cruft.read_text(encoding="utf-8"))
        state["context"]["cookiecutter"] = with_entity(state["context"]["cookiecutter"], spec)
        texts[cruft] = json.dumps(state, indent=2) + "\n"
    return texts


def rerendered_texts(
    project: Path, old: Mapping[str, Any], new: Mapping[str, Any]
) -> dict[Path, str]:
    """The files rendered from the answers as a whole (the README lists every entity; the
    description is in three files), with the answers' change merged into the team's copy:
    cruft update cannot bring it, as it renders both sides with the new answers."""
    texts = {}
    for template_path in RERENDERED:
        try:
            changed = rerender(project, template_path, old, new)
        except MergeConflict as conflict:
            raise Refused(*conflict.args) from None
        if changed:
            texts[changed[0]] = changed[1]
    return texts


def plan(project: Path, spec: str) -> Addition:
    """Check everything and compute every change; raises Refused with all errors."""
    answers = load_answers(project)
    try:
        entity = parse_declaration(spec.strip())
    except ValueError:
        rule = "give one entity as Name: fields or Name(plural): fields"
        example = ENTITIES_EXAMPLE.split("; ")[1]
        raise Refused(f"entity: {spec!r} — {rule}; e.g. {example!r}") from None
    updated = with_entity(answers, spec.strip())
    errors = [
        error.replace("more_entities: ", "entity: ", 1) for error in validate_context(updated)
    ]
    package = str(answers["package_name"])
    registry = project / "src" / package / "registry.py"
    if not registry.is_file():
        errors.append(f"{registry}: missing; the entity's router could not be registered")
    if errors:
        raise Refused(*errors)
    ordered = [*service_entities(answers), entity]  # the new table comes last
    head = alembic_head(project / "migrations" / "versions")
    context = entity.context(answers, down_revision=head, faults=False, entities=ordered)
    existing = [path for path in planned_files(project, context) if path.exists()]
    if existing:
        raise Refused(f"{existing[0]}: exists already; nothing was written")
    texts = {registry: registry_text(registry.read_text(encoding="utf-8"), package, entity.plural)}
    texts.update(recorded_texts(project, spec.strip()))
    toml = project / "schemathesis.toml"
    if entity.has_references and toml.is_file():
        texts[toml] = schemathesis_text(toml.read_text(encoding="utf-8"), entity.plural_path)
    texts.update(rerendered_texts(project, answers, updated))
    return Addition(entity, context, texts)


def apply(project: Path, addition: Addition) -> list[Path]:
    """Write the entity's files, then the rewritten ones; returns every path written."""
    written = render_entity(project, addition.context)
    for path, text in addition.texts.items():
        path.write_text(text, encoding="utf-8")
    return [*written, *addition.texts]


def main(argv: list[str]) -> int:
    """`python -m crudgen.add_entity SPEC` in the project directory."""
    if len(argv) != 1:
        print(f"usage: python -m crudgen.add_entity {ENTITIES_EXAMPLE.split('; ')[1]!r}")
        return 2
    project = Path.cwd()
    try:
        addition = plan(project, argv[0])
    except Refused as refused:
        for error in refused.args:
            print(f"error: {error}", file=sys.stderr)
        print("Nothing was changed.", file=sys.stderr)
        return 1
    written = apply(project, addition)
    revision = addition.context["__revision"]
    print(f"Added {addition.entity.class_name}: {len(written)} files, migration {revision}.")
    for path in written:
        print(f"  {path.relative_to(project)}")
    print("Next: make migrate, then make test.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
