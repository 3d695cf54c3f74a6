"""Several entities and references: the spec, its order, its errors, and what each
reference becomes in the column, the schema and the migration."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crudgen.entities import (
    Entity,
    creation_order,
    declared_entities,
    incoming_context,
    parse_declaration,
    reference_context,
    render_entity,
    service_entities,
    split_declarations,
)
from crudgen.fields import FieldsError, parse_fields
from crudgen.pyfmt import flat
from crudgen.validate import spec_errors, validate_context
from tests.conftest import bake

LIBRARY = (
    "Book: title:str(200), author:ref(Author)\n"
    "Review: stars:int, book:ref(Book):cascade\n"
    "Category(categories): name:str(80), parent:ref(Category)?:set_null\n"
    "Profile: bio:text?, author:ref(Author):unique:cascade"
)
ANSWERS = {
    "entity_name": "Author",
    "fields": "name:str(120), favorite:ref(Book)?:set_null",
    "more_entities": LIBRARY,
    "package_name": "library",
    "project_slug": "library",
    "database": "postgresql",
    "id_type": "uuid",
    "pagination": "cursor",
    "soft_delete": False,
}


# --- the spec --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "items"),
    [
        ("", []),
        ("Book: a:int", ["Book: a:int"]),
        ("A: a:int; B: b:int", ["A: a:int", "B: b:int"]),
        ("A: a:int\nB: b:int\n", ["A: a:int", "B: b:int"]),
        ('A: a:str(5)="x; y", b:int; B: c:int', ['A: a:str(5)="x; y", b:int', "B: c:int"]),
        ("A: a:enum(x|y);;B: b:int", ["A: a:enum(x|y)", "B: b:int"]),
    ],
)
def test_declarations_split_on_semicolons_and_newlines_outside_quotes(
    text: str, items: list[str]
) -> None:
    assert split_declarations(text) == items


def test_a_declaration_names_the_entity_its_plural_and_fields() -> None:
    assert parse_declaration("Person(people): name:str(80)") == Entity(
        "Person", "name:str(80)", "people"
    )
    assert parse_declaration(" Blog Post : title:str(20) ").plural == "blog_posts"


@pytest.mark.parametrize("text", ["Book", "Book:", "Book(books):  ", ": a:int"])
def test_a_malformed_declaration_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"\S"):
        parse_declaration(text)


def test_the_first_entity_comes_from_the_single_entity_answers() -> None:
    names = [entity.class_name for entity in declared_entities(ANSWERS)]
    assert names == ["Author", "Book", "Review", "Category", "Profile"]


def test_parents_are_created_before_children_and_a_nullable_link_may_point_ahead() -> None:
    order = [entity.class_name for entity in service_entities(ANSWERS)]
    assert order.index("Book") < order.index("Review")
    assert order.index("Author") < order.index("Book") < order.index("Review")
    assert order.index("Author") < order.index("Profile")
    # Author.favorite -> Book is nullable: it cannot be created first, so it points ahead
    author = next(e for e in service_entities(ANSWERS) if e.class_name == "Author")
    favorite = reference_context(author, service_entities(ANSWERS))[0]
    assert (favorite["column"], favorite["forward"]) == ("favorite_id", True)


def test_a_declared_order_is_kept_where_references_allow() -> None:
    entities = [Entity("A", "x:int"), Entity("B", "a:ref(A)"), Entity("C", "x:int")]
    assert [e.name for e in creation_order(entities)] == ["A", "B", "C"]
    entities = [Entity("B", "a:ref(A)"), Entity("A", "x:int")]
    assert [e.name for e in creation_order(entities)] == ["A", "B"]


def test_the_foreign_key_of_a_forward_reference_comes_with_its_target() -> None:
    ordered = service_entities(ANSWERS)
    book = next(e for e in ordered if e.class_name == "Book")
    incoming = incoming_context(book, ordered)
    assert [(ref["table"], ref["column"], ref["on_delete"]) for ref in incoming] == [
        ("author", "favorite_id", "set_null")
    ]


def test_nested_lists_are_made_for_a_parent_referenced_once() -> None:
    entity = Entity("Transfer", "source:ref(Account), target:ref(Account), note:ref(Memo)?")
    ordered = [Entity("Account", "x:int"), Entity("Memo", "x:int"), entity]
    refs = reference_context(entity, ordered)
    assert [(ref["column"], ref["nested"]) for ref in refs] == [
        ("source_id", False),
        ("target_id", False),
        ("note_id", True),
    ]


def test_revision_ids_and_migrations_chain_in_creation_order(tmp_path: Path) -> None:
    answers = {"project_name": "Library", "entity_name": "Author", "fields": "name:str(120)"}
    answers["more_entities"] = "Book: title:str(9), author:ref(Author)"
    first = bake(tmp_path / "a", answers)
    again = bake(tmp_path / "b", answers)
    versions = {
        path.name.split("_", 1)[1]: path for path in (first / "migrations/versions").glob("*.py")
    }
    assert sorted(versions) == ["create_author.py", "create_book.py"]
    author_revision = versions["create_author.py"].name.split("_")[0]
    book = versions["create_book.py"].read_text()
    assert f'down_revision: str | None = "{author_revision}"' in book
    assert "down_revision: str | None = None" in versions["create_author.py"].read_text()
    for path in versions.values():  # the same answers give byte-identical files
        assert (again / "migrations/versions" / path.name).read_bytes() == path.read_bytes()


# --- references in the fields DSL ------------------------------------------------------


def test_a_reference_is_an_indexed_id_column_with_its_delete_rule() -> None:
    author, parent, owner = parse_fields(
        "author:ref(Author), parent:ref(Category)?:set_null, owner:ref(User):unique:cascade",
        "Book",
        "book",
        id_type="int",
    )
    assert (author.name, author.nullable, author.index) == ("author_id", False, True)
    assert flat(author.model_line) == (
        "author_id: Mapped[int] = mapped_column(sa.BigInteger(), "
        'sa.ForeignKey("author.id", ondelete="RESTRICT"), index=True)'
    )
    assert flat(parent.migration_foreign_key) == (
        'sa.ForeignKeyConstraint(["parent_id"], ["category.id"], '
        'name=op.f("fk_book_parent_id_category"), ondelete="SET NULL")'
    )
    # `user` is an SQL word: the target table is the plural
    assert 'ondelete="CASCADE"' in flat(owner.model_line)
    assert '"users.id"' in flat(owner.model_line)
    assert "unique=True" in flat(owner.model_line)


def test_a_reference_takes_the_id_type_in_every_layer() -> None:
    (uuid_ref,) = parse_fields("author:ref(Author)", "Book", "book", id_type="uuid")
    (int_ref,) = parse_fields(
        "author:ref(Author)", "Book", "book", database="sqlite", id_type="int"
    )
    assert flat(uuid_ref.schema_line("create")) == "author_id: UuidText"
    assert flat(int_ref.schema_line("create")) == "author_id: JsonSafeInt"
    assert flat(int_ref.sa_type()) == "sa.Integer()"  # as SQLite's integer primary key
    assert uuid_ref.filters == [("author_id", "eq")]
    assert not uuid_ref.sortable


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("author:ref", "ref needs the entity it points at; e.g. 'author:ref(Author)'"),
        ("author:ref()", "ref needs the entity it points at; e.g. 'author:ref(Author)'"),
        (
            "author_id:ref(Author)",
            "a reference named 'author_id' would be stored as 'author_id_id': name it after "
            "what it points at; e.g. 'author:ref(Author)'",
        ),
        (
            "author:ref(Author):set_null",
            "set_null needs a nullable reference (add '?'); e.g. 'author:ref(Author)?:set_null'",
        ),
        (
            "author:ref(Author)?:cascade:set_null",
            "choose one delete rule of cascade, set_null; e.g. 'author:ref(Author):set_null'",
        ),
        (
            "title:str(20):cascade",
            "delete rule 'cascade' applies to references only; e.g. 'title:ref(Author)?:cascade'",
        ),
        (
            "author:ref(Author)=x",
            "a reference takes no default (make it nullable); e.g. 'author:ref(Author)?'",
        ),
    ],
)
def test_reference_syntax_errors_are_one_line_with_an_example(text: str, message: str) -> None:
    with pytest.raises(FieldsError) as raised:
        parse_fields(text)
    assert str(raised.value) == f"fields: {text!r} (item 1, column 1) — {message}"


# --- the spec as a whole ---------------------------------------------------------------


BASE = {"entity_name": "Author", "fields": "name:str(100)", "database": "postgresql"}


@pytest.mark.parametrize(
    ("more", "expected"),
    [
        (
            "Book: title:str(200), author:ref(Autor)",
            "more_entities: 'Book' — 'author' refers to 'Autor', which is not declared "
            "(did you mean 'Author'?); e.g. 'author:ref(Author)'",
        ),
        (
            "Book: title:str(200), shelf:ref(Shelf)",
            "more_entities: 'Book' — 'shelf' refers to 'Shelf', which is not declared; "
            "e.g. 'shelf:ref(Author)'",
        ),
        (
            "Book: title:str(200); book: pages:int",
            "more_entities: 'book' — entity 'Book' is declared twice; e.g. 'BookItem'",
        ),
        (
            "Writer(authors): name:str(9)",
            "more_entities: 'Writer' — package 'authors' is declared twice; e.g. 'WriterItem'",
        ),
        (
            "Chicken: egg:ref(Egg); Egg: chicken:ref(Chicken)",
            "more_entities: 'Chicken' — required references form a cycle Chicken -> Egg -> "
            "Chicken, so no row could be created first; make one of them nullable with '?'; "
            "e.g. 'egg:ref(Egg)?'",
        ),
        (
            "Category: parent:ref(Category)",
            "more_entities: 'Category' — required references form a cycle Category -> "
            "Category, so no row could be created first; make one of them nullable with '?'; "
            "e.g. 'parent:ref(Category)?'",
        ),
        (
            "Book",
            "more_entities: 'Book' — declare each entity as Name: fields or Name(plural): "
            "fields, separated by ';'; e.g. 'Author: name:str(120); Book: title:str(200), "
            "author:ref(Author)'",
        ),
        (
            "None: name:str(9)",
            "more_entities: None entity_name: 'None' — its class 'None' would be a Python "
            "keyword; e.g. 'NoneItem'",
        ),
        (
            "Book: title:str(9), author:ref(Author):set_null",
            "more_entities: Book fields: 'author:ref(Author):set_null' (item 2, column 15) — "
            "set_null needs a nullable reference (add '?'); e.g. 'author:ref(Author)?:set_null'",
        ),
        (
            "Person(person): name:str(9)",
            "more_entities: Person entity_plural: 'person' — plural must differ from the "
            "singular 'person'; e.g. 'persons' or pick another entity name",
        ),
    ],
)
def test_every_spec_error_is_one_line(more: str, expected: str) -> None:
    assert validate_context({**BASE, "more_entities": more}) == [expected]


def test_every_spec_error_is_reported_at_once() -> None:
    more = "Book: t:str(9), author:ref(Autor); Book: x:int; Egg: egg:ref(Egg)"
    errors = validate_context({**BASE, "more_entities": more})
    assert len(errors) == 3
    assert all("\n" not in error for error in errors)


def test_the_first_entity_may_reference_itself_and_others() -> None:
    answers = {**BASE, "fields": "name:str(9), boss:ref(Author)?, book:ref(Book)?"}
    assert validate_context({**answers, "more_entities": "Book: author:ref(Author)"}) == []
    assert spec_errors({**BASE, "fields": "boss:ref(Author)"}) == [
        "fields: 'Author' — required references form a cycle Author -> Author, so no row "
        "could be created first; make one of them nullable with '?'; e.g. 'boss:ref(Author)?'"
    ]


def test_the_library_spec_is_valid() -> None:
    assert validate_context(ANSWERS) == []


def test_a_refused_spec_generates_nothing(tmp_path: Path) -> None:
    from cookiecutter.exceptions import FailedHookException

    answers = {**BASE, "more_entities": "Book: author:ref(Autor)"}
    with pytest.raises(FailedHookException):
        bake(tmp_path, answers)
    assert list(tmp_path.iterdir()) == []


# --- rendering -------------------------------------------------------------------------


def test_an_entity_never_overwrites_a_file(tmp_path: Path) -> None:
    project = bake(tmp_path, {"project_name": "Library"})
    ordered = service_entities({**ANSWERS, "more_entities": "", "fields": "name:str(9)"})
    answers = json.loads((project / ".cookiecutter.json").read_text())["cookiecutter"]
    context: dict[str, Any] = Entity("Book", "title:str(9)").context(
        answers, down_revision=None, faults=False, entities=ordered
    )
    service = (project / "src" / "library" / "books" / "service.py").read_bytes()
    with pytest.raises(FileExistsError, match="exists already; nothing was written"):
        render_entity(project, context)
    assert (project / "src" / "library" / "books" / "service.py").read_bytes() == service


@pytest.mark.parametrize("name", ["StrEnum", "Mapped"])
def test_an_entity_named_like_a_class_its_models_module_imports_is_refused(name: str) -> None:
    """Found by the property tests: an entity StrEnum with an enum field redefined the
    StrEnum its models module imports."""
    errors = validate_context({**BASE, "entity_name": name})
    assert errors == [
        f"entity_name: {name!r} — its model class {name!r} would hide the {name} every "
        f"generated models.py imports; e.g. '{name}Item'"
    ]


@pytest.mark.parametrize("name", ["OffsetPage", "UtcDatetime", "EmailStr"])
def test_an_entity_named_like_a_class_other_modules_import_is_served(name: str) -> None:
    """Only the entity's models.py holds its class: a name other modules import is free."""
    assert validate_context({**BASE, "entity_name": name}) == []
