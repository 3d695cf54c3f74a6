"""Progress by test module while the suite runs, for a run that is mostly xdist dots.

Each module is a tier of its own (test_generated.py: the baked projects' own suites;
test_properties.py: the property bakes; ...). Every PERIOD seconds one line lists the
modules still running with their done/total counts, and a module that finishes says so
with its time and failures. Counts come from the reports the workers send back, so the
controller needs no markers: a module's total is its share of the collected ids.
"""

import time
from collections import Counter
from collections.abc import Sequence

import pytest

PERIOD = 60.0  # seconds between two progress lines


def module_of(nodeid: str) -> str:
    """The test module's path in a node id."""
    return nodeid.split("::", 1)[0]


def minutes(seconds: float) -> str:
    """m:ss."""
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


class Progress:
    """Counts finished tests by module and writes the progress lines."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.total: Counter[str] = Counter()
        self.done: Counter[str] = Counter()
        self.failed: Counter[str] = Counter()
        self.started = self.last = time.monotonic()

    def collected(self, nodeids: Sequence[str]) -> None:
        """Take the totals from the first full collection (every worker collects all)."""
        if not self.total:
            self.total = Counter(module_of(nodeid) for nodeid in nodeids)

    def write(self, line: str) -> None:
        """A line of its own in the terminal, between the dots."""
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            if reporter._tw.width_of_current_line:  # after dots: xdist's own line is open
                reporter.write("\n")
            reporter.write_line(line)

    @pytest.hookimpl
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.collected([item.nodeid for item in session.items])

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        module = module_of(report.nodeid)
        if report.failed and report.when != "teardown":
            self.failed[module] += 1
        if report.when != "teardown" or not self.total:
            return
        self.done[module] += 1
        now = time.monotonic()
        if self.done[module] == self.total[module]:
            failures = f", {self.failed[module]} failed" if self.failed[module] else ""
            self.write(
                f"[{minutes(now - self.started)}] {module}: all {self.total[module]} done{failures}"
            )
        if now - self.last >= PERIOD:
            self.last = now
            running = [
                f"{module} {self.done[module]}/{total}"
                for module, total in sorted(self.total.items())
                if 0 < self.done[module] < total
            ]
            finished = sum(self.done.values())
            self.write(
                f"[{minutes(now - self.started)}] {finished}/{sum(self.total.values())} done; "
                f"running: {', '.join(running) or 'starting'}"
            )


class XdistProgress(Progress):
    """The same, in the xdist controller: it collects nothing, its workers report the ids."""

    @pytest.hookimpl
    def pytest_xdist_node_collection_finished(self, node: object, ids: Sequence[str]) -> None:
        self.collected(ids)


def register(config: pytest.Config) -> None:
    """Count in the process that prints: the controller under xdist, else the only one."""
    if hasattr(config, "workerinput"):
        return  # an xdist worker: the controller counts its reports
    distributed = getattr(config.option, "numprocesses", None) and config.pluginmanager.hasplugin(
        "xdist"
    )
    plugin = XdistProgress(config) if distributed else Progress(config)
    config.pluginmanager.register(plugin, "template-progress")
