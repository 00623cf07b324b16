"""What the platform benchmarks share: template repositories, the scan child, verdicts.

Each benchmark runs every scan as ``python -m scanner scan ...`` in a fresh child process
(this module's :func:`run_child`), which reports its exit code and its own peak RSS, while
the fake server stays in the parent so that its request log can be counted.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

AS_OF = "2026-11-01"
TEMPLATES = ("high-maturity", "ai-no-governance", "bare-minimum")


def templates(workdir: Path) -> list[Path]:
    """The template repositories, each built and made bare once (cached in ``workdir``)."""
    from tests.fixture_repos import build_scenario
    from tests.github_fake import make_bare

    bares = []
    for name in TEMPLATES:
        bare = workdir / "templates" / f"{name}.git"
        if not (bare / "HEAD").exists():
            work = workdir / "templates" / name
            subprocess.run(["rm", "-rf", str(work), str(bare)], check=True)
            work.parent.mkdir(parents=True, exist_ok=True)
            make_bare(build_scenario(name, work), bare)
        bares.append(bare)
    return bares


def run_child(script: str, args: Sequence[str], env: Mapping[str, str], *,
              profile: Path | None = None) -> tuple[float, dict[str, int], str]:
    """Run ``aims`` with ``args`` in a child process: wall seconds, its result, its stderr."""
    started = time.perf_counter()
    child = [sys.executable, script, "--scan-child", str(profile or ""), *args]
    done = subprocess.run(child, check=False, env={**env, "PYTHONPATH": str(ROOT)}, cwd=ROOT,
                          capture_output=True, text=True)
    wall = time.perf_counter() - started
    last = done.stdout.strip().splitlines()[-1:] or ["{}"]
    return wall, json.loads(last[0]), done.stderr


def scan_child(profile: str, argv: list[str]) -> None:
    """Run the CLI in this (child) process; print its exit code and peak RSS as JSON."""
    from scanner.cli import main

    if profile:
        import cProfile

        profiler = cProfile.Profile()
        code = profiler.runcall(main, argv)
        profiler.dump_stats(profile)
    else:
        code = main(argv)
    print(json.dumps({"code": code, "rss_kib": peak_rss_kib()}))


def peak_rss_kib() -> int:
    """This process's own peak resident memory in KiB.

    Linux's ``ru_maxrss`` of a child starts at its parent's peak (the fork before exec is
    counted), which would report the benchmark's own size; ``VmHWM`` is the process's own.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass  # not Linux: ru_maxrss is the best there is
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def clean_env(*drop: str) -> dict[str, str]:
    """This process's environment without the named variables (tokens, instance URLs)."""
    return {k: v for k, v in os.environ.items() if k not in drop}


def verdict(ok: bool) -> str:
    """``met`` or ``not met``."""
    return "met" if ok else "not met"
