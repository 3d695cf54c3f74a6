"""tests/progress.py: each module says when it is done, with and without xdist."""

import pytest

from tests.conftest import TEMPLATE

pytest_plugins = ["pytester"]


@pytest.mark.parametrize("workers", ["0", "2"])
def test_each_module_says_when_it_is_done(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, workers: str
) -> None:
    monkeypatch.setenv("PYTHONPATH", str(TEMPLATE))
    pytester.makeconftest(
        "from tests import progress\n\n\n"
        "def pytest_configure(config):\n"
        "    progress.register(config)\n"
    )
    pytester.makepyfile(
        test_a="def test_1():\n    pass\n\n\ndef test_2():\n    pass\n",
        test_b="def test_3():\n    assert False\n",
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", workers)
    result.stdout.fnmatch_lines_random(
        ["[[]*[]] test_a.py: all 2 done", "[[]*[]] test_b.py: all 1 done, 1 failed"]
    )
