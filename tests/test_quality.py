"""The linter and the type checker, configured in pyproject.toml, run with the tests."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent


def tool(name: str) -> str:
    """The tool from this interpreter's environment (the one the test command installed)."""
    local = Path(sys.executable).with_name(name)
    found = str(local) if local.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed; install the test extras: pip install -e '.[test]'")
    return found


def test_ruff_finds_nothing() -> None:
    done = subprocess.run([tool("ruff"), "check", "scanner", "collectors", "rules", "tests",
                           "bench", "fuzz"], cwd=PROJECT, capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_strict_is_clean() -> None:
    done = subprocess.run([tool("mypy")], cwd=PROJECT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_ci_runs_exactly_the_readme_test_command() -> None:
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    command = next(line for line in readme.splitlines()
                   if "pip install -q -e '.[test]'" in line)
    script = (PROJECT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert script[-1] == command
