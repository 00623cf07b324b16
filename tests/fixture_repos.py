"""Building the scenario repositories of ``fixtures/repos/`` for tests.

Each scenario is a bash script that creates a git repository with pinned identities and
dates, so a scenario has the same commit SHAs on every run and machine. Other tests use
:func:`build_scenario` directly, or the session fixture :func:`scenario_repo`, which builds
each scenario once per test session; to use it, import it where pytest looks for fixtures
(``from tests.fixture_repos import scenario_repo`` in a test module or ``conftest.py``).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

#: Where the scenario scripts live.
REPOS = Path(__file__).resolve().parent.parent / "fixtures" / "repos"

#: Every scenario, by script name.
SCENARIOS = ("bare-minimum", "ai-no-governance", "mid-maturity", "high-maturity", "hostile",
             "deep-findings", "html-payloads")

#: The fake token planted in the hostile scenario's remote URL and ``config/settings.py``.
#: It must never appear in any output. Built from two parts, like in the script, so that
#: secret scanners do not flag this file.
# nosemgrep: hardcoded-credential-python
PLANTED_TOKEN = "ghp_" + "FAKEplantedTOKEN0123456789abcdefABCD"


def build_scenario(name: str, target_dir: Path) -> Path:
    """Build scenario ``name`` at ``target_dir`` (absent or empty) and return that path."""
    if name not in SCENARIOS:
        raise ValueError(f"unknown fixture scenario {name!r}; known: {', '.join(SCENARIOS)}")
    subprocess.run(["bash", str(REPOS / f"{name}.sh"), str(target_dir)], check=True)
    return target_dir


@pytest.fixture(scope="session")
def scenario_repo(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """``scenario_repo(name)`` builds a scenario once per session; tests must not change it."""
    built: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in built:
            built[name] = build_scenario(name, tmp_path_factory.mktemp(name) / "repo")
        return built[name]

    return get
