"""Re-rendering a project file for changed answers: the change merged three-way into the
team's copy, a conflict refused naming the file; and the derived default description."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from crudgen import naming
from crudgen.extension import plurals_in_words
from crudgen.rerender import MergeConflict, default_answer, merge, render_file, rerender
from tests.conftest import bake

BASE = "# Title\n\nFor books.\n\n## API\n\n- books\n\n## Notes\n\nNone.\n"
OTHER = BASE.replace("For books.", "For books and reviews.").replace(
    "- books", "- books\n- reviews"
)
MORE = "Doctor: name:str(80); Visit: at:datetime, patient:ref(Patient)"


def answers(project: Path) -> dict[str, object]:
    """A baked project's recorded answers."""
    recorded = json.loads((project / ".cookiecutter.json").read_text(encoding="utf-8"))
    return dict(recorded["cookiecutter"])


# --- merge -------------------------------------------------------------------------------


def test_an_unedited_file_becomes_the_new_render() -> None:
    assert merge(BASE, BASE, OTHER, "README.md") == OTHER


def test_no_change_in_the_render_keeps_the_team_copy() -> None:
    ours = BASE + "\nOur line.\n"
    assert merge(ours, BASE, BASE, "README.md") == ours


def test_the_change_and_a_team_edit_elsewhere_both_stay() -> None:
    ours = BASE.replace("None.", "Ours: call the on-call.")
    merged = merge(ours, BASE, OTHER, "README.md")
    assert merged == OTHER.replace("None.", "Ours: call the on-call.")


def test_an_edit_to_the_changed_lines_is_a_one_line_conflict_naming_the_file() -> None:
    ours = BASE.replace("For books.", "For our books.")
    with pytest.raises(MergeConflict) as raised:
        merge(ours, BASE, OTHER, "project/README.md")
    (message,) = raised.value.args
    assert message.startswith("project/README.md: ")
    assert "\n" not in message


# --- the description ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "more", "words"),
    [
        ("Book", "", "books"),
        ("BlogPost", "", "blog posts"),
        ("Patient", MORE, "patients, doctors and visits"),
        (
            "Author",
            "Book: title:str(9);\nCategory(categories): name:str(9)",
            "authors, books and categories",
        ),
        # a declaration that does not parse is left for the pre-generation hook to report
        ("Book", "Review; Tag: x:int", "books and tags"),
    ],
)
def test_plurals_in_words_name_every_entity_as_declared(first: str, more: str, words: str) -> None:
    given = {"entity_name": first, "entity_plural": naming.pluralize(first), "more_entities": more}
    assert plurals_in_words(given) == words


def test_the_default_description_names_every_entity(tmp_path: Path) -> None:
    default = bake(tmp_path / "book")
    assert answers(default)["description"] == "An async CRUD service for books."
    clinic = bake(
        tmp_path / "clinic",
        {"project_name": "Clinic", "entity_name": "Patient", "more_entities": MORE},
    )
    sentence = "An async CRUD service for patients, doctors and visits."
    assert answers(clinic)["description"] == sentence
    assert default_answer("description", answers(clinic)) == sentence
    pyproject = tomllib.loads((clinic / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["description"] == sentence
    assert f"\n{sentence}\n" in (clinic / "README.md").read_text(encoding="utf-8")
    docstring = (clinic / "src" / "clinic" / "__init__.py").read_text(encoding="utf-8")
    assert sentence in docstring


# --- rendering one file ------------------------------------------------------------------


def test_a_file_renders_as_the_bake_wrote_it(tmp_path: Path) -> None:
    project = bake(tmp_path, {"more_entities": "Review: stars:int, book:ref(Book)"})
    for template_path in ("README.md", "src/{{cookiecutter.package_name}}/__init__.py"):
        relative, text = render_file(template_path, answers(project))
        assert (project / relative).read_text(encoding="utf-8") == text


def test_a_removed_file_stays_removed(tmp_path: Path) -> None:
    project = bake(tmp_path)
    (project / "README.md").unlink()
    old = answers(project)
    new = {**old, "more_entities": "Review: stars:int"}
    assert rerender(project, "README.md", old, new) is None
    assert rerender(project, "pyproject.toml", old, old) is None
