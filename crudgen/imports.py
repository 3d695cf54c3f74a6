"""Render an import block the way ruff's isort rules want it, from "module:Name" specs.

Templates list what a module needs (fixed imports plus whatever the fields ask for);
this function groups, merges and orders them so the generated file is lint clean
without a formatter pass.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import replace

from crudgen.fields import KNOWN_IMPORTS, Field, imports_for
from crudgen.pyfmt import Arg, Call, layout


def _section(module: str, first_party: str) -> int:
    if module.startswith("."):
        return 4
    root = module.split(".")[0]
    if root == "__future__":
        return 0
    if root in sys.stdlib_module_names:
        return 1
    return 3 if root in (first_party, "tests") else 2


def _natural(text: str) -> list[tuple[int, str]]:
    """Case-insensitive natural order, as ruff sorts modules and names (mod9 < mod10)."""
    return [
        (int(part), "") if part.isdigit() else (-1, part)
        for part in re.split(r"(\d+)", text.lower())
    ]


def _module_key(module: str) -> tuple[int, list[tuple[int, str]]]:
    """Relative modules furthest first (`..core` before `.` before `.schemas`), as ruff does."""
    rest = module.lstrip(".")
    return (len(rest) - len(module), _natural(rest))


def _name_key(name: str) -> tuple[int, list[tuple[int, str]]]:
    """CONSTANTS, then Classes, then functions and variables (ruff's order-by-type)."""
    bare = name.split(" as ")[0]
    if bare.isupper() and len(bare) > 1:
        return (0, _natural(bare))
    return (1, _natural(bare)) if bare[:1].isupper() else (2, _natural(bare))


def import_block(first_party: str, *specs: str) -> str:
    """Return isort-ordered import lines for specs like "typing:Any" or "sqlalchemy as sa"."""
    plain: dict[int, set[str]] = {}
    froms: dict[int, dict[str, set[str]]] = {}
    for spec in specs:
        module, _, name = spec.partition(":")
        section = _section(module, first_party)
        if name:
            froms.setdefault(section, {}).setdefault(module, set()).add(name)
        else:
            plain.setdefault(section, set()).add(module)
    blocks = []
    for section in sorted(set(plain) | set(froms)):
        lines = [f"import {m}" for m in sorted(plain.get(section, ()), key=_natural)]
        modules = sorted(froms.get(section, {}).items(), key=lambda item: _module_key(item[0]))
        for module, names in modules:
            combined = sorted((n for n in names if " as " not in n), key=_name_key)
            aliased = [[name] for name in names if " as " in name]
            # one line per alias; a module's lines in the order of their first names, as ruff
            groups = [combined, *aliased] if combined else aliased
            groups.sort(key=lambda group: (_name_key(group[0]), group[0]))
            lines += [_from_line(module, group) for group in groups]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _from_line(module: str, names: list[str]) -> str:
    line = f"from {module} import {', '.join(names)}"
    if len(line) <= 100:
        return line
    body = "".join(f"    {name},\n" for name in names)
    return f"from {module} import (\n{body})"


def model_base(class_name: str) -> str:
    """The name the entity's models.py gives the declarative base: `Base`, or `CoreBase`
    where the entity's own class is called Base (`class Base(CoreBase)`)."""
    return "CoreBase" if class_name == "Base" else "Base"


def model_imports(
    fields: list[Field], package: str, id_type: str, database: str, class_name: str = ""
) -> str:
    """Import block of `<plural>/models.py` (of the model `class_name`)."""
    base = model_base(class_name)
    specs = ["datetime:datetime", "sqlalchemy as sa", "sqlalchemy.orm:Mapped"]
    specs += ["sqlalchemy.orm:mapped_column"]
    specs += ["..core.models:Base" + ("" if base == "Base" else f" as {base}")]
    if id_type == "uuid":
        specs += ["uuid:UUID", "uuid:uuid4"]
    if any(f.kind == "enum" for f in fields):
        specs += ["enum:StrEnum", "..core.models:enum_values"]
    if database == "sqlite":
        specs += ["..core.sqlite:AwareDateTime"]
        specs += ["..core.sqlite:ScaledDecimal" for f in fields if f.kind == "decimal"]
    annotations = imports_for(*(f.annotation for f in fields))
    taken = KNOWN_IMPORTS.get(class_name)  # the model class Any: `import typing`, `typing.Any`
    specs += [spec.partition(":")[0] if spec == taken else spec for spec in annotations]
    return import_block(package, *specs)


def qualified(line: Call, class_name: str) -> Call:
    """A field's model line, naming the import the model class takes by its module:
    `Mapped[dict[str, typing.Any] | None]` in the model class Any."""
    taken = KNOWN_IMPORTS.get(class_name)
    if taken is None:
        return line
    module = taken.partition(":")[0]
    head = re.sub(rf"(?<![.\w]){re.escape(class_name)}\b", f"{module}.{class_name}", line.head)
    return replace(line, head=head)


def schema_imports(
    fields: list[Field],
    package: str,
    plural: str,
    id_type: str,
    pagination: str = "cursor",
    links: Sequence[Arg] = (),
) -> str:
    """Import block of `<plural>/schemas.py`; links: the lines its many fields add."""
    specs = ["datetime:datetime", "typing:Literal", "pydantic:BaseModel", "pydantic:ConfigDict"]
    specs += ["pydantic:Field", "..core.pagination:DEFAULT_LIMIT"]
    specs += ["..core.pagination:MAX_LIMIT"]
    specs += ["..core.offset:MAX_OFFSET"] if pagination == "offset" else []
    specs += ["uuid:UUID"] if id_type == "uuid" else []
    specs += [f".models:{f.enum_class}" for f in fields if f.kind == "enum"]
    shared = {"decimal": "digits", "datetime": "UtcDatetime", "date": "IsoDate"}
    shared |= {"uuid": "UuidText", "int": "Int32", "bigint": "JsonSafeInt", "float": "JsonFloat"}
    shared |= {"bool": "JsonBool"}
    ref_kind = {"uuid": "uuid", "int": "bigint"}  # a reference is typed like the ids
    kinds = [ref_kind[f.id_type] if f.kind == "ref" else f.kind for f in fields]
    specs += [f"..core.schemas:{shared[kind]}" for kind in kinds if kind in shared]
    lines = [layout(f.schema_line(mode)) for f in fields for mode in ("create", "update", "read")]
    lines += [layout(line) for f in fields for line in f.filter_lines]
    if links:
        lines += [layout(line) for line in links]
        specs += ["..core.links:MAX_LINKS", "pydantic:MISSING"]
        specs += ["..core.schemas:" + ("UuidText" if id_type == "uuid" else "JsonSafeInt")]
    return import_block(package, *specs, *imports_for(*lines))
