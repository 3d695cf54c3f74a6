"""/docs and /redoc render with no internet: headless Chromium, every host but the loopback
made unresolvable, against the default project (auth=oidc) under uvicorn.

Swagger UI must show one operation block per operation of the service's OpenAPI document,
and ReDoc one section per operation id. The control: FastAPI's stock Swagger UI page, whose
script comes from cdn.jsdelivr.net, stays blank under the same flags.

Needs Debian's `chromium` (`apt-get install chromium`); `.ci/run` installs it. Without it
the test is skipped, except under CI=true, where it fails.
"""

import json
import os
import re
import shutil
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.openapi.docs import get_swagger_ui_html

from tests.conftest import bake
from tests.test_schemathesis_cli import served

pytestmark = pytest.mark.slow

Service = tuple[str, dict[tuple[str, str], str]]
BROWSER = shutil.which("chromium")
RENDER_DEADLINE = 90.0  # seconds for one page
FLAGS = (
    "--headless",
    "--no-sandbox",  # root in CI
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # No internet, whatever the machine has: every host but the loopback fails to resolve.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--virtual-time-budget=15000",  # let the page's scripts run before the DOM is taken
)


def rendered(url: str, profile: Path) -> str:
    """The page's DOM once its scripts have run, as headless Chromium sees it offline."""
    assert BROWSER
    command = [BROWSER, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", url]
    done = subprocess.run(command, capture_output=True, text=True, timeout=RENDER_DEADLINE)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """The default project served on loopback (its docs need no database): its base URL
    and its operation ids by (method, path)."""
    if BROWSER is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed: .ci/run installs it (apt-get install chromium)")
        pytest.skip("needs Debian's chromium: apt-get install chromium")
    tmp_path = tmp_path_factory.mktemp("docs")
    project = bake(tmp_path, {"database": "sqlite"})
    env = {"PYTHONPATH": str(project / "src"), "LOG_LEVEL": "WARNING"}
    with served(project, "book_service", env, tmp_path / "uvicorn.log") as base:
        with urllib.request.urlopen(f"{base}/openapi.json", timeout=10) as response:
            spec = json.load(response)
        operations = {
            (method, path): operation["operationId"]
            for path, item in spec["paths"].items()
            for method, operation in item.items()
        }
        yield base, operations


def test_swagger_ui_shows_every_operation(service: Service, tmp_path: Path) -> None:
    base, operations = service
    page = rendered(f"{base}/docs", tmp_path)
    blocks = re.findall(r'class="opblock opblock-(\w+)', page)
    paths = set(re.findall(r'data-path="([^"]+)"', page))
    assert len(blocks) == len(operations), page[-3000:]
    assert sorted(blocks) == sorted(method for method, _ in operations)
    assert paths == {path for _, path in operations}


def test_redoc_shows_every_operation(service: Service, tmp_path: Path) -> None:
    base, operations = service
    page = rendered(f"{base}/redoc", tmp_path)
    sections = set(re.findall(r'data-section-id="operation/([^"]+)"', page))
    assert sections == set(operations.values()), page[-3000:]


def test_control_the_stock_page_stays_blank(service: Service, tmp_path: Path) -> None:
    base, _ = service
    stock = tmp_path / "stock.html"
    stock.write_bytes(get_swagger_ui_html(openapi_url=f"{base}/openapi.json", title="t").body)
    page = rendered(stock.as_uri(), tmp_path / "profile")
    assert re.search(r'<div id="swagger-ui">\s*</div>', page), page[-3000:]
