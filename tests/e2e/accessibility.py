"""axe-core in the browser tests: the serious and critical accessibility violations of a page.

axe-core comes from the npm registry (``scripts/ensure-axe.sh``, run by ``make test``, which
passes its path in ``SUPPORTBOT_TEST_AXE``). The console's pages forbid scripts they do not
serve themselves, so the pages checked are opened in a browser context that bypasses the
Content-Security-Policy (``bypass_csp=True``): only the check's own script needs it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tests.databases import unavailable

AXE_ENV = "SUPPORTBOT_TEST_AXE"
#: What fails a page: the impacts axe calls serious or critical.
FAILING = ("serious", "critical")


def axe_script() -> Path:
    path = os.environ.get(AXE_ENV, "").strip()
    if not path or not Path(path).is_file():
        unavailable(
            f"axe-core not found ({AXE_ENV})", "set it to what scripts/ensure-axe.sh prints"
        )
    return Path(path)


def serious_violations(page: Any, *, exclude: tuple[str, ...] = ()) -> list[str]:
    """Each serious or critical violation on ``page`` now: rule, impact and where."""
    page.add_script_tag(path=str(axe_script()))
    options = {"resultTypes": ["violations"]}
    context = {"exclude": [[selector] for selector in exclude]} if exclude else None
    results = page.evaluate(
        "([context, options]) => context ? axe.run(context, options) : axe.run(document, options)",
        [context, options],
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        for v in results["violations"]
        if v["impact"] in FAILING
    ]
