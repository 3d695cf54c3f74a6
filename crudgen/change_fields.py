"""Change an entity's fields in a generated project: add, drop or alter them with the DSL.

Run in the project directory (its `make field` does this):

    PYTHONPATH=<template> python -m crudgen.change_fields Book --add "isbn:str(13)?:unique"
    PYTHONPATH=<template> python -m crudgen.change_fields Book --drop pages
    PYTHONPATH=<template> python -m crudgen.change_fields Book --alter "title:str(300):unique"

A table that has rows cannot take every change, so besides the bake's validation of the
new answers it refuses what the rows would not survive: a NOT NULL column added without a
default, a column made NOT NULL without a default to fill its NULLs, a unique column with a
default (every row would get the same value), a type change or a narrower str(n). Every
error is reported at once and nothing is written. Otherwise it writes a migration on top of
the single head (`migration_ops`: the same column and index definitions as a bake with the
new spec); re-renders the entity's package, tests and factories from the entity template,
merging the change three-way into the team's copies (an edit to the lines it changes is a
conflict, refused naming the file); records the new spec in `.cookiecutter.json` and
`.cruft.json`, so a template update renders the field and adds no migration; and merges
the change into the README. References and claims are out of its reach (they change other
entities' files): write those by hand with `make revision`.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crudgen.add_entity import (
    ANSWERS,
    CRUFT,
    RERENDERED,
    Refused,
    alembic_head,
    load_answers,
)
from crudgen.entities import (
    Entity,
    declared_entities,
    entity_contexts,
    render_entity,
    revision_id,
)
from crudgen.fields import Field, parse_fields, split_items
from crudgen.migration_ops import migration_text, shape
from crudgen.rerender import MergeConflict, merge, rerender
from crudgen.validate import DASH, fields_errors, show, validate_context

USAGE = 'python -m crudgen.change_fields Book --add "isbn:str(13)?:unique" --drop pages'
# The DSL names of the inputs, as `make field` spells them.
ADD, DROP, ALTER = "ADD", "DROP", "ALTER"
_DEFAULTS = {"str": "=x", "text": "=x", "int": "=0", "bigint": "=0", "float": "=0.5"}
_DEFAULTS |= {"decimal": "=0", "bool": "=false"}


def _error(key: str, value: object, rule: str, example: str) -> str:
    """One error line, as validate words them: `<input>: <value> — <rule>; e.g. <example>`."""
    return f"{key}: {show(value)}{DASH}{rule}; e.g. {example!r}"


@dataclass(frozen=True)
class Request:
    """What the command was asked: the entity, and field items to add, drop and alter."""

    entity: str
    add: list[str] = field(default_factory=list)
    drop: list[str] = field(default_factory=list)
    alter: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Plan:
    """Everything the command writes and removes, computed before anything is written."""

    entity: Entity
    summary: list[str]
    migration: Path
    texts: dict[Path, str]
    removed: list[Path]


def dsl_name(item: str) -> str:
    """The field's name as the DSL item writes it (`author` of `author:ref(Author)`)."""
    return item.split(":", 1)[0].strip()


def _parse(item: str, entity: Entity, answers: Mapping[str, Any]) -> Field:
    """One item parsed as the project's options render it (database, soft delete, ids)."""
    (parsed,) = parse_fields(
        item,
        entity.class_name,
        entity.table,
        database=str(answers["database"]),
        soft_delete=answers["soft_delete"] is True,
        id_type=str(answers["id_type"]),
    )
    return parsed


def find_entity(answers: Mapping[str, Any], name: str) -> tuple[int, Entity]:
    """(position among the declared entities, entity) of the one name denotes (its name,
    class or plural); Refused with the declared ones otherwise."""
    declared = declared_entities(answers)
    for position, entity in enumerate(declared):
        if name.strip() in (entity.name, entity.class_name, entity.plural, entity.snake):
            return position, entity
    names = [entity.class_name for entity in declared]
    close = difflib.get_close_matches(name, names, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    rule = f"no such entity{hint}; declared: {', '.join(names)}"
    raise Refused(_error("ENTITY", name, rule, close[0] if close else names[0]))


def with_fields(answers: Mapping[str, Any], position: int, fields: str) -> dict[str, Any]:
    """The answers with the entity at position (in declared order) given these fields; a
    declaration in more_entities keeps its name, plural and place, the others their text."""
    if position == 0:
        return {**answers, "fields": fields}
    more = str(answers.get("more_entities") or "")
    (column, item), *_ = [pair for pair in split_items(more, ";\n") if pair[1]][position - 1 :]
    start = column - 1
    head = item[: item.index(":")]  # the name and plural: the first colon ends them
    return {
        **answers,
        "more_entities": f"{more[:start]}{head}: {fields}{more[start + len(item) :]}",
    }


def _items(text: str) -> list[str]:
    return [item for _, item in split_items(text) if item]


def nullable(item: str) -> str:
    """The item with '?' after its type: `isbn:str(13)?:unique` of `isbn:str(13):unique`."""
    return re.sub(r"^([^:]+:\s*\w+\s*(?:\([^()]*\))?)\s*\??", r"\1?", item, count=1)


def _add_rules(new: Field, item: str) -> list[str]:
    """Why a table with rows cannot take this column, or nothing."""
    if new.kind in ("ref", "claim", "many"):
        return []  # _reach_rules says so
    if not new.nullable and new.default is None:
        rule = "a column added to a table with rows needs '?' or a default for them"
        return [_error(ADD, item, rule, nullable(item))]
    if new.unique and new.default is not None:
        rule = "a unique column with a default would give every row the same value"
        return [_error(ADD, item, rule, nullable(item.split("=", 1)[0]))]
    return []


def _alter_rules(old: Field, new: Field, old_item: str, item: str) -> list[str]:
    """Why the rows could lose data (or break the migration) by this change, or nothing."""
    if old.kind != new.kind:
        rule = (
            f"changing the type ({old.kind} to {new.kind}) could lose data; add a new field "
            "and copy the values in a migration of your own"
        )
        return [_error(ALTER, item, rule, old_item)]
    errors = []
    if old.args != new.args:
        widened = old.kind == "str" and int(new.args[0]) > int(old.args[0])
        if old.kind == "str" and not widened:
            rule = f"narrowing str({old.args[0]}) to str({new.args[0]}) could cut stored values"
            errors.append(_error(ALTER, item, rule + "; widen it or keep it", old_item))
        elif not widened:
            rule = f"changing the {old.kind} arguments could lose data or refuse stored values"
            errors.append(_error(ALTER, item, rule, old_item))
    if old.nullable and not new.nullable and new.default is None:
        rule = "rows may hold NULL here; NOT NULL needs a default to fill them"
        example = item + _DEFAULTS[new.kind] if new.kind in _DEFAULTS else old_item
        errors.append(_error(ALTER, item, rule, example))
    if new.unique and new.default is not None and not old.unique:
        rule = "a unique column with a default would fill its NULLs with one value"
        errors.append(_error(ALTER, item, rule, old_item))
    if old == new:
        errors.append(_error(ALTER, item, "the field is like that already", old_item))
    return errors


def _reach_rules(key: str, item: str, fields: list[Field]) -> list[str]:
    """References, links and claims change other entities' files (nested routes, the fuzz
    configuration, ownership tests): out of this command's reach."""
    if not any(f.kind in ("ref", "claim", "many") for f in fields):
        return []
    rule = (
        "references, many fields and claims are not changed by this command (other "
        "entities' files depend on them); change the models and run make revision"
    )
    return [_error(key, item, rule, "isbn:str(13)?")]


def edited_fields(
    entity: Entity, answers: Mapping[str, Any], request: Request
) -> tuple[str, list[str], list[str]]:
    """(the entity's new fields text, what changed as DSL lines, every error): drops
    first, then alterations, then additions at the end."""
    items = _items(entity.fields)
    by_name = {dsl_name(item): item for item in items}
    errors: list[str] = []
    summary: list[str] = []
    database = str(answers["database"])

    def parsed(key: str, item: str) -> Field | None:
        problems = fields_errors(item, entity.name, database)
        errors.extend(problem.replace("fields: ", f"{key}: ", 1) for problem in problems)
        return None if problems else _parse(item, entity, answers)

    def unknown(key: str, name: str, example: Callable[[str], str]) -> None:
        close = difflib.get_close_matches(name, list(by_name), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        rule = f"{entity.class_name} has no field {name!r}{hint}; its fields: {entity.fields}"
        errors.append(_error(key, name, rule, example(close[0] if close else items[0])))

    for name in request.drop:
        if name not in by_name:
            unknown(DROP, name, dsl_name)
            continue
        errors += _reach_rules(DROP, name, [_parse(by_name[name], entity, answers)])
        items.remove(by_name.pop(name))
        summary.append(f"drop {name}")
    for item in request.alter:
        name = dsl_name(item)
        if name not in by_name:
            unknown(ALTER, name, lambda found: by_name[found])
            continue
        new = parsed(ALTER, item)
        if new is None:
            continue
        old = _parse(by_name[name], entity, answers)
        reach = _reach_rules(ALTER, item, [old, new])
        errors += reach or _alter_rules(old, new, by_name[name], item)
        items[items.index(by_name[name])] = item
        summary.append(f"alter {by_name[name]} to {item}")
    for item in request.add:
        name = dsl_name(item)
        if name in by_name:
            rule = f"{entity.class_name} has a field {name!r} already; change it with ALTER"
            errors.append(_error(ADD, item, rule, by_name[name]))
            continue
        new = parsed(ADD, item)
        if new is None:
            continue
        errors += _reach_rules(ADD, item, [new]) + _add_rules(new, item)
        items.append(item)
        by_name[name] = item
        summary.append(f"add {item}")
    if not items:
        rule = "an entity keeps at least one field"
        errors.append(_error(DROP, ", ".join(request.drop), rule, request.drop[-1]))
    return ", ".join(items), summary, errors


def entity_context(answers: Mapping[str, Any], class_name: str) -> dict[str, Any]:
    """The entity template's context for one entity, as a bake renders it."""
    for entity, context in entity_contexts(answers):
        if entity.class_name == class_name:
            return context
    raise KeyError(class_name)


def rendered_entity(context: Mapping[str, Any]) -> dict[str, str]:
    """The entity's files (relative path -> text) as the entity template renders them,
    but its create migration: released migrations are never rewritten."""
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / str(context["__project"])
        paths = render_entity(root, context)
        return {
            str(path.relative_to(root)): path.read_text(encoding="utf-8")
            for path in paths
            if path.relative_to(root).parts[0] != "migrations"
        }


def merged_entity(
    project: Path, old: Mapping[str, str], new: Mapping[str, str]
) -> tuple[dict[Path, str], list[Path], list[str]]:
    """(texts to write, files to remove, conflicts): the change from the old render to the
    new one, merged three-way into the project's copies. A file the team removed stays
    removed; a file the change adds or removes must not hold edits of the team's."""
    texts: dict[Path, str] = {}
    removed: list[Path] = []
    conflicts: list[str] = []
    for relative in sorted({*old, *new}):
        target = project / relative
        current = target.read_text(encoding="utf-8") if target.is_file() else None
        base, other = old.get(relative), new.get(relative)
        if base is None:  # the change adds the file
            assert other is not None
            if current is None:
                texts[target] = other
            elif current != other:
                conflicts.append(f"{target}: the change adds this file, which exists already")
            continue
        if current is None:
            continue  # the team removed it
        if other is None:  # the change removes the file
            if current == base:
                removed.append(target)
            else:
                conflicts.append(f"{target}: the change removes this file, which has your edits")
            continue
        try:
            merged = merge(current, base, other, str(target))
        except MergeConflict as conflict:
            conflicts.append(str(conflict.args[0]))
            continue
        if merged != current:
            texts[target] = merged
    return texts, removed, conflicts


def recorded_texts(
    project: Path, update: Callable[[dict[str, Any]], dict[str, Any]]
) -> dict[Path, str]:
    """The answer files (.cookiecutter.json, and .cruft.json when there is one) with the
    new spec, written as a bake and cruft write them."""
    path = project / ANSWERS
    recorded = json.loads(path.read_text(encoding="utf-8"))
    recorded["cookiecutter"] = update(recorded["cookiecutter"])
    texts = {path: json.dumps(recorded, indent=2, sort_keys=True) + "\n"}
    cruft = project / CRUFT
    if cruft.is_file():
        state = json.loads(cruft.read_text(encoding="utf-8"))
        state["context"]["cookiecutter"] = update(state["context"]["cookiecutter"])
        texts[cruft] = json.dumps(state, indent=2) + "\n"
    return texts


def plan(project: Path, request: Request) -> Plan:
    """Check everything and compute every change; raises Refused with all errors."""
    answers = load_answers(project)
    position, entity = find_entity(answers, request.entity)
    if not (request.add or request.drop or request.alter):
        raise Refused(_error("ADD", "", "give ADD, DROP or ALTER (or several)", "isbn:str(13)?"))
    fields, summary, errors = edited_fields(entity, answers, request)
    updated = with_fields(answers, position, fields)
    if not errors:
        errors += [e for e in validate_context(updated) if e not in errors]
    versions = project / "migrations" / "versions"
    try:
        head = alembic_head(versions)
    except Refused as refused:
        errors += refused.args
    if errors:
        raise Refused(*errors)
    old_context = entity_context(answers, entity.class_name)
    new_context = entity_context(updated, entity.class_name)
    texts, removed, conflicts = merged_entity(
        project, rendered_entity(old_context), rendered_entity(new_context)
    )
    for template_path in RERENDERED:
        try:
            changed = rerender(project, template_path, answers, updated)
        except MergeConflict as conflict:
            conflicts.append(str(conflict.args[0]))
            continue
        if changed:
            texts[changed[0]] = changed[1]
    if conflicts:
        raise Refused(*conflicts)
    old_shape, new_shape = shape(old_context), shape(new_context)
    package = str(answers["package_name"])
    revision = revision_id("fields", package, entity.table, head, entity.fields, fields)
    verb = summary[0].split()[0] if len(summary) == 1 else "change"
    what = dsl_name(summary[0].split(maxsplit=1)[1]) if len(summary) == 1 else "fields"
    migration = versions / f"{revision}_{verb}_{entity.table}_{what}.py"
    texts[migration] = migration_text(
        old_shape, new_shape, revision=revision, down_revision=head, summary=summary
    )
    texts |= recorded_texts(project, lambda recorded: with_fields(recorded, position, fields))
    return Plan(entity, summary, migration, texts, removed)


def apply(plan: Plan) -> list[Path]:
    """Write and remove the planned files; returns every path touched."""
    for path, text in plan.texts.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for path in plan.removed:
        path.unlink()
    return [*plan.texts, *plan.removed]


def parse_args(argv: list[str]) -> Request:
    """ENTITY, then --add/--alter fields (comma separated, repeatable) and --drop names;
    empty values are ignored, so `make field` can pass all three."""
    parser = argparse.ArgumentParser(prog="python -m crudgen.change_fields", usage=USAGE)
    parser.add_argument("entity")
    for option in ("--add", "--drop", "--alter"):
        parser.add_argument(option, action="append", default=[], metavar="FIELDS")
    args = parser.parse_args(argv)
    return Request(
        args.entity,
        *(
            [item for text in values for item in _items(text)]
            for values in (args.add, args.drop, args.alter)
        ),
    )


def main(argv: list[str]) -> int:
    """`python -m crudgen.change_fields ENTITY --add ... --drop ... --alter ...`."""
    request = parse_args(argv)
    project = Path.cwd()
    try:
        changes = plan(project, request)
    except Refused as refused:
        for error in refused.args:
            sys.stderr.write(f"error: {error}\n")
        sys.stderr.write("Nothing was changed.\n")
        return 1
    touched = apply(changes)
    sys.stdout.write(f"Changed {changes.entity.class_name}: {'; '.join(changes.summary)}.\n")
    sys.stdout.write(f"{len(touched)} files, migration {changes.migration.name.split('_')[0]}:\n")
    for path in touched:
        gone = " (removed)" if path in changes.removed else ""
        sys.stdout.write(f"  {path.relative_to(project)}{gone}\n")
    sys.stdout.write("Next: make migrate, then make test.\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
