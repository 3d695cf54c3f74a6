"""import_block() writes what ruff's isort rules want: exact cases, then ruff itself as oracle."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from crudgen.fields import EXAMPLE, parse_fields
from crudgen.imports import (
    import_block,
    model_base,
    model_imports,
    qualified,
    schema_imports,
)

RUFF = Path(sys.executable).with_name("ruff")
PKG = "book_service"
ALL_TYPES = (
    "title:str(200), body:text, pages:int, views:bigint, rating:float, price:decimal(10,2), "
    "active:bool, published_on:date, released_at:datetime, ref:uuid, contact:email, "
    "homepage:url, meta:json, status:enum(draft|published)"
)
ADJUSTMENT = "book_service.inventory_adjustments.schemas"


@pytest.mark.parametrize(
    ("specs", "expected"),
    [
        ((), ""),
        (("typing:Any",), "from typing import Any"),
        (("sqlalchemy as sa",), "import sqlalchemy as sa"),
        # sections: future, stdlib, third party, first party (the package and tests)
        (
            (
                "tests.books.factories:payload",
                "book_service.core.models:Base",
                "sqlalchemy as sa",
                "os",
                "datetime:datetime",
                "__future__:annotations",
            ),
            "from __future__ import annotations\n\n"
            "import os\n"
            "from datetime import datetime\n\n"
            "import sqlalchemy as sa\n\n"
            "from book_service.core.models import Base\n"
            "from tests.books.factories import payload",
        ),
        (("tests", "book_service"), "import book_service\nimport tests"),
        (
            ("book_service_extra:x", "testsuite:y", "book_service.api:z"),
            "from book_service_extra import x\nfrom testsuite import y\n\n"
            "from book_service.api import z",
        ),
        (
            ("collections.abc:Callable", "os.path", "enum:StrEnum", "pydantic:Field"),
            "import os.path\nfrom collections.abc import Callable\nfrom enum import StrEnum\n\n"
            "from pydantic import Field",
        ),
        # one `from` line per module, names merged and deduplicated
        (
            ("pydantic:Field", "pydantic:BaseModel", "pydantic:Field", "pydantic:ConfigDict"),
            "from pydantic import BaseModel, ConfigDict, Field",
        ),
        (
            ("uuid:uuid4", "uuid:UUID", "uuid", "uuid:UUID"),
            "import uuid\nfrom uuid import UUID, uuid4",
        ),
        # names: CONSTANTS, then Classes, then functions; a one-letter capital is a class
        (
            (
                "x:func",
                "x:Klass",
                "x:CONST",
                "x:A",
                "x:_private",
                "x:MAX_LIMIT",
                "x:Base",
                "x:apply",
            ),
            "from x import CONST, MAX_LIMIT, A, Base, Klass, _private, apply, func",
        ),
        # an aliased name alone on its module, as main.py imports the router
        (
            ("book_service.books.router:router as books_router", "book_service:__version__"),
            "from book_service import __version__\n"
            "from book_service.books.router import router as books_router",
        ),
        # relative imports last, furthest first: the parent package, the package, a module
        (
            (".schemas:BookRead", ".:service", "..core.database:SessionDep", "fastapi:Path"),
            "from fastapi import Path\n\n"
            "from ..core.database import SessionDep\n"
            "from . import service\n"
            "from .schemas import BookRead",
        ),
        # modules and plain imports ignore case
        (("Zeta:a", "alpha:b"), "from alpha import b\nfrom Zeta import a"),
        (("Zeta", "alpha", "Beta"), "import alpha\nimport Beta\nimport Zeta"),
        (
            ("sqlalchemy.orm:Mapped", "sqlalchemy", "sqlalchemy.ext.asyncio:AsyncSession"),
            "import sqlalchemy\nfrom sqlalchemy.ext.asyncio import AsyncSession\n"
            "from sqlalchemy.orm import Mapped",
        ),
        # over 100 characters: parentheses, one name a line, trailing comma
        (
            tuple(f"{ADJUSTMENT}:InventoryAdjustment{s}" for s in ("Read", "Create", "ListParams")),
            f"from {ADJUSTMENT} import (\n"
            "    InventoryAdjustmentCreate,\n"
            "    InventoryAdjustmentListParams,\n"
            "    InventoryAdjustmentRead,\n"
            ")",
        ),
        # exactly 100 characters stays on one line
        (
            ("m" * 10 + ":" + "n" * 77,),
            "from " + "m" * 10 + " import " + "n" * 77,
        ),
        (
            ("m" * 10 + ":" + "n" * 78,),
            "from " + "m" * 10 + " import (\n    " + "n" * 78 + ",\n)",
        ),
    ],
)
def test_import_block_renders_exact(specs: tuple[str, ...], expected: str) -> None:
    assert import_block(PKG, *specs) == expected


@pytest.mark.parametrize(
    ("fields", "id_type", "expected"),
    [
        (
            EXAMPLE,
            "uuid",
            "from datetime import datetime\n"
            "from decimal import Decimal\n"
            "from enum import StrEnum\n"
            "from uuid import UUID, uuid4\n\n"
            "import sqlalchemy as sa\n"
            "from sqlalchemy.orm import Mapped, mapped_column\n\n"
            "from ..core.models import Base, enum_values",
        ),
        (
            "pages:int?",
            "int",
            "from datetime import datetime\n\n"
            "import sqlalchemy as sa\n"
            "from sqlalchemy.orm import Mapped, mapped_column\n\n"
            "from ..core.models import Base",
        ),
        (
            ALL_TYPES,
            "int",
            "from datetime import date, datetime\n"
            "from decimal import Decimal\n"
            "from enum import StrEnum\n"
            "from typing import Any\n"
            "from uuid import UUID\n\n"
            "import sqlalchemy as sa\n"
            "from sqlalchemy.orm import Mapped, mapped_column\n\n"
            "from ..core.models import Base, enum_values",
        ),
    ],
)
def test_model_imports_renders_exact(fields: str, id_type: str, expected: str) -> None:
    assert (
        model_imports(parse_fields(fields, "Book", "book"), PKG, id_type, "postgresql") == expected
    )


@pytest.mark.parametrize(
    ("fields", "id_type", "expected"),
    [
        (
            EXAMPLE,
            "uuid",
            "from datetime import datetime\n"
            "from decimal import Decimal\n"
            "from typing import Annotated, Literal\n"
            "from uuid import UUID\n\n"
            "from pydantic import MISSING, BaseModel, ConfigDict, Field\n\n"
            "from ..core.pagination import DEFAULT_LIMIT, MAX_LIMIT\n"
            "from ..core.schemas import digits\n"
            "from .models import BookStatus",
        ),
        (
            "pages:int?",
            "int",
            "from datetime import datetime\n"
            "from typing import Literal\n\n"
            "from pydantic import MISSING, BaseModel, ConfigDict, Field\n\n"
            "from ..core.pagination import DEFAULT_LIMIT, MAX_LIMIT\n"
            "from ..core.schemas import Int32",
        ),
        (
            ALL_TYPES,
            "int",
            "from datetime import date, datetime\n"
            "from decimal import Decimal\n"
            "from typing import Annotated, Any, Literal\n"
            "from uuid import UUID\n\n"
            "from pydantic import MISSING, BaseModel, ConfigDict, EmailStr, Field\n\n"
            "from ..core.pagination import DEFAULT_LIMIT, MAX_LIMIT\n"
            "from ..core.schemas import (\n"
            "    Int32,\n"
            "    IsoDate,\n"
            "    JsonBool,\n"
            "    JsonFloat,\n"
            "    JsonSafeInt,\n"
            "    UtcDatetime,\n"
            "    UuidText,\n"
            "    digits,\n"
            ")\n"
            "from .models import BookStatus",
        ),
    ],
)
def test_schema_imports_renders_exact(fields: str, id_type: str, expected: str) -> None:
    parsed = parse_fields(fields, "Book", "book")
    assert schema_imports(parsed, PKG, "books", id_type) == expected


# --- ruff's isort rules as the oracle --------------------------------------------------------


def ruff_isort(directory: Path, blocks: list[str]) -> tuple[int, str]:
    """(exit code, diff) of `ruff check --select I` over one file per import block."""
    (directory / "ruff.toml").write_text(
        '[lint.isort]\nknown-first-party = ["book_service", "tests"]\n'
    )
    for number, block in enumerate(blocks):
        # a trailing statement after the block, as in the generated modules
        text = f'"""Generated module {number}."""\n\n{block}\n\nUSED = 1\n'
        (directory / f"module_{number}.py").write_text(text)
    command = [str(RUFF), "check", "--no-cache", "--select", "I", "--line-length", "100"]
    result = subprocess.run(
        [*command, "--diff", "."], capture_output=True, text=True, cwd=directory
    )
    return result.returncode, result.stdout + result.stderr


FIELD_SETS = [
    ("Book", "books", EXAMPLE),
    ("Book", "books", ALL_TYPES),
    ("Book", "books", "pages:int?"),
    ("Book", "books", "a:uuid?, b:datetime, c:date?, d:json, e:email"),
    (
        "InventoryAdjustment",
        "inventory_adjustments",
        "reason_code:enum(damaged|lost|found), adjusted_at:datetime, quantity:decimal(12,3)",
    ),
    ("OrderItem", "order_items", "zeta:enum(a|b)?, alpha:enum(c|d), mid:enum(e|f)"),
]


def generated_blocks() -> list[str]:
    blocks = []
    for entity, plural, text in FIELD_SETS:
        fields = parse_fields(text, entity, plural)
        for id_type in ("uuid", "int"):
            blocks.append(model_imports(fields, PKG, id_type, "postgresql"))
            blocks.append(model_imports(fields, PKG, id_type, "sqlite"))
            blocks.append(schema_imports(fields, PKG, plural, id_type))
    cls, many = "InventoryAdjustment", "inventory_adjustments"
    blocks.append(
        import_block(
            PKG,
            f"{PKG}.core.pagination:CursorPage",
            f"{PKG}.core.pagination:Filter",
            f"{PKG}.core.pagination:apply_filters",
            f"{PKG}.core.pagination:keyset_page",
            f"{PKG}.{many}.models:{cls}",
            f"{PKG}.{many}.schemas:{cls}Create",
            f"{PKG}.{many}.schemas:{cls}ListParams",
            f"{PKG}.{many}.schemas:{cls}Read",
        )
    )
    names = ("BULK", "CREATE", "LIST", "READ", "FIELDS", "assert_problem", "path", "payload")
    blocks.append(import_block(PKG, *(f"tests.{many}.factories:{n}" for n in names)))
    blocks.append(
        import_block(
            PKG,
            "__future__:annotations",
            "collections.abc:AsyncIterator",
            "sqlalchemy as sa",
            "fastapi:FastAPI",
            "httpx:AsyncClient",
            f"{PKG}.core.models:Base",
            f"{PKG}.{many}.models:{cls}",
            "tests.conftest:client",
        )
    )
    blocks.append(
        import_block(
            PKG,
            f"{PKG}:__version__",
            f"{PKG}.core:health",
            f"{PKG}.core.config:Settings",
            f"{PKG}.core.config:get_settings",
            f"{PKG}.core.logs:RequestIdMiddleware",
            f"{PKG}.core.logs:configure_logging",
            f"{PKG}.{many}.router:router as {many}_router",
        )
    )
    return blocks


def test_generated_blocks_pass_ruff_isort(tmp_path: Path) -> None:
    blocks = generated_blocks()
    assert len(blocks) == 40
    assert ruff_isort(tmp_path, blocks) == (0, "")


@pytest.mark.parametrize(
    "specs",
    [
        ("x:func", "x:Klass", "x:CONST", "x:A", "x:_private", "x:Z", "y:Field as F"),
        ("Zeta:a", "alpha:b", "Zeta", "alpha", "Beta", "os", "__future__:annotations"),
        (
            "sqlalchemy.orm:Mapped",
            "sqlalchemy",
            "sqlalchemy.ext.asyncio:AsyncSession",
            "sqlalchemy_utils:x",
        ),
        tuple(f"{ADJUSTMENT}:InventoryAdjustment{s}" for s in ("Read", "Create", "ListParams")),
        ("m" * 10 + ":" + "n" * 77, "m" * 10 + ":" + "n" * 78),
        ("tests.a:b", "book_service.c:d", "book_service_extra:e", "testsuite:f"),
    ],
)
def test_import_block_passes_ruff_isort(tmp_path: Path, specs: tuple[str, ...]) -> None:
    result = ruff_isort(tmp_path, [import_block(PKG, *specs)])
    assert result == (0, ""), result[1]


def test_schema_imports_enum_classes_pass_ruff_isort(tmp_path: Path) -> None:
    # These fields pass validate_context() for the entity Book.
    fields = parse_fields("ab_c:enum(x|y), abb:enum(x|y)", "Book", "book")
    block = schema_imports(fields, PKG, "books", "int")
    assert ruff_isort(tmp_path, [block]) == (0, "")


def test_import_block_numbered_modules_pass_ruff_isort(tmp_path: Path) -> None:
    block = import_block(PKG, "mod10:x", "mod9:y")
    assert ruff_isort(tmp_path, [block]) == (0, "")


def test_import_block_alias_with_other_names_passes_ruff_isort(tmp_path: Path) -> None:
    block = import_block(PKG, "pydantic:Field as F", "pydantic:BaseModel")
    assert ruff_isort(tmp_path, [block]) == (0, "")


def test_model_imports_on_sqlite_use_the_aware_and_exact_types() -> None:
    fields = parse_fields("price:decimal(10,2), at:datetime", "Book", "book", database="sqlite")
    block = model_imports(fields, PKG, "int", "sqlite")
    assert block.endswith(
        "from ..core.models import Base\nfrom ..core.sqlite import AwareDateTime, ScaledDecimal"
    )


def test_model_of_class_base_imports_the_declarative_base_aliased() -> None:
    fields = parse_fields("state:enum(a|b)", "Base", "base")
    block = model_imports(fields, PKG, "uuid", "postgresql", "Base")
    assert model_base("Base") == "CoreBase"
    assert model_base("Book") == "Base"
    # ruff orders a module's lines by their first names: Base (a class) before enum_values
    assert block.endswith(
        "from ..core.models import Base as CoreBase\nfrom ..core.models import enum_values"
    )


@pytest.mark.parametrize(
    ("class_name", "fields", "module", "annotation"),
    [
        ("Any", "payload:json?", "typing", "Mapped[dict[str, typing.Any] | None]"),
        ("Decimal", "price:decimal(10,2)", "decimal", "Mapped[decimal.Decimal]"),
    ],
)
def test_model_class_named_like_an_annotation_import_gets_it_qualified(
    class_name: str, fields: str, module: str, annotation: str
) -> None:
    parsed = parse_fields(fields, class_name, class_name.lower())
    block = model_imports(parsed, PKG, "uuid", "postgresql", class_name)
    assert f"import {module}\n" in block
    assert f"import {class_name}" not in block
    line = qualified(parsed[0].model_line, class_name)
    assert f": {annotation} = mapped_column" in line.head
    assert qualified(parsed[0].model_line, "Book") == parsed[0].model_line


def test_enum_named_after_the_class_prefix_is_not_qualified() -> None:
    parsed = parse_fields("kind:enum(a|b)", "Any", "any")
    assert qualified(parsed[0].model_line, "Any").head == "kind: Mapped[AnyKind] = mapped_column"
