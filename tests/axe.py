"""axe-core for browser tests: the accessibility engine injected into a page by Playwright.

axe-core comes from the npm registry, installed into .ci/node/ (by .ci/run, or here on first
use when npm is there); $AXE_CORE_JS names another copy of axe.min.js. Without it the test
is skipped, unless POLICYGEN_REQUIRE_BROWSER=1 (CI) makes that a failure.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PREFIX = ROOT / ".ci" / "node"
PACKAGE = "axe-core@4"
SERIOUS = ("serious", "critical")


@functools.lru_cache(maxsize=1)
def axe_source() -> str:
    path = Path(os.environ.get("AXE_CORE_JS") or PREFIX / "node_modules" / "axe-core" / "axe.min.js")
    if not path.exists() and "AXE_CORE_JS" not in os.environ and shutil.which("npm"):
        subprocess.run(["npm", "install", "--no-save", "--no-audit", "--no-fund", "--prefix", str(PREFIX), PACKAGE],
                       capture_output=True, text=True, timeout=300)
    if not path.exists():
        why = f"axe-core is not installed ({path}; npm install --prefix .ci/node {PACKAGE})"
        if os.environ.get("POLICYGEN_REQUIRE_BROWSER") == "1":
            pytest.fail(why, pytrace=False)
        pytest.skip(why)
    return path.read_text(encoding="utf-8")


def violations(page, impacts=SERIOUS) -> list[str]:
    """axe's violations of ``impacts`` on the page as it is now (open shadow roots included),
    one line each: rule, impact, the elements."""
    if not page.evaluate("() => !!window.axe"):
        page.add_script_tag(content=axe_source())
    found = page.evaluate("() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations)")
    return [f"{v['id']} ({v['impact']}): {v['help']}: " + ", ".join(str(n["target"]) for n in v["nodes"])
            for v in found if v["impact"] in impacts]
