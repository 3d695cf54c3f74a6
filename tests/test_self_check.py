"""The template's own Python (crudgen, hooks, tests, tools, bench) is held to the checks it
generates for its projects: `make lint` and `make typecheck`, run by CI with the suite."""

import pytest

from tests.conftest import BIN, TEMPLATE, run


@pytest.mark.parametrize(
    "command",
    [["ruff", "check", "."], ["ruff", "format", "--check", "."], ["mypy"]],
    ids=["ruff", "format", "mypy"],
)
def test_the_template_itself_is_clean(command: list[str]) -> None:
    result = run([str(BIN / command[0]), *command[1:]], cwd=TEMPLATE)
    assert result.returncode == 0, f"{' '.join(command)}:\n{result.stdout}{result.stderr}"
