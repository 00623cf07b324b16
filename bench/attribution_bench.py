"""Benchmark of the attribution collector against a plain ``git log`` over a large history.

Builds (once, cached in the work directory) a deterministic synthetic repository with
``git fast-import``: pinned identities and dates, about 5 % of commits carrying varied AI
signals, plus decoys that must not match (people named Claude, vendor employees, ordinary
merges). Then times, best of three:

  (a) ``git log --format=%B HEAD`` read fully through a pipe, and
  (b) ``COLLECTOR.run`` of :mod:`collectors.attribution` over a ``LocalSource``,

and measures peak memory of (b) in child processes at N/4 and N commits, so one can see
whether memory grows with history length. Usage::

    python bench/attribution_bench.py [--commits N] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

if TYPE_CHECKING:
    from collectors.base import Context

START = datetime(2019, 1, 1, tzinfo=UTC)
STEP = timedelta(minutes=15)
AI_EVERY = 20  # one commit in 20 carries an AI signal (5 %)
DECOY_EVERY = 33  # human commits that look a bit like AI ones
HUMANS = [f"Dev {i} <dev{i}@example.com>" for i in range(40)]


@dataclass(frozen=True)
class Shape:
    """How one synthetic commit looks."""

    message: str
    author: str | None = None
    committer: str | None = None
    merge: bool = False


def _ai_shapes(i: int, human: str) -> list[Shape]:
    name = human.partition(" <")[0]
    return [
        Shape(f"Fix parser edge case {i}\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n"),
        Shape(f"Add cache layer {i}\n\nMore details here.\n\n"
              "🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\n"
              "Co-Authored-By: Claude Opus 4.6 <noreply@anthropic.com>\n"),
        Shape("Initial plan\n",
              author="copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>"),
        Shape(f"Refactor module {i}\n\n"
              "Co-authored-by: Copilot <223556219+Copilot@users.noreply.github.com>\n"),
        Shape(f"Update docs {i}\n\nMade-with: Cursor\n"
              "Co-authored-by: Cursor <cursoragent@cursor.com>\n"),
        Shape(f"feat: add option {i}\n", author=f"{name} (aider) <dev@example.com>",
              committer=f"{name} (aider) <dev@example.com>"),
        Shape(f"Tweak logging {i}\n\n"
              "Co-authored-by: aider (anthropic/claude-sonnet-4) <aider@aider.chat>\n"),
        Shape(f"mm: fix leak {i}\n\nLong explanation of the fix.\n\n"
              "Assisted-by: Claude:claude-opus-4-6 coccinelle\n"
              f"Signed-off-by: {human}\n"),
        Shape(f"Merge pull request #{i} from acme/codex/resolve-config-{i}\n\nResolve config\n",
              merge=True),
        Shape(f"Merge branch 'claude/add-docs-line-{i:05d}' into 'main'\n\nSee merge request\n",
              merge=True),
        Shape(f"Devin change {i}\n\nCo-Authored-By: {human}\n",
              author="Devin AI <158243242+devin-ai-integration[bot]@users.noreply.github.com>"),
        Shape(f"Speed up render {i}\n\n"
              "Amp-Thread-ID: https://ampcode.com/threads/T-0a1b2c3d-0000-4000-8000-000000000000\n"
              "Co-authored-by: Amp <amp@ampcode.com>\n"),
        Shape(f"fix(tui): wrap {i}\n\n💘 Generated with Crush\n\nAssisted-by: Crush:glm-5.1\n"),
        Shape(f"Tidy tests {i}\n\n🤖 Generated with [Claude Code](https://claude.ai/code)\n"),
        Shape(f"Apply suggestion {i}\n\nCo-authored-by: google-labs-jules[bot] "
              "<161369871+google-labs-jules[bot]@users.noreply.github.com>\n"),
        Shape(f"Agent checkpoint {i}\n\nReplit-Commit-Author: Agent\n"
              "Replit-Commit-Session-Id: 5e3a0000-0000-4000-8000-000000000000\n"),
        Shape(f"Codex task {i}\n", author="Codex <codex@openai.com>"),
        Shape(f"Checkpointed change {i}\n\nEntire-Checkpoint: a1b2c3d4e5f6\n"),
    ]


def _decoys(i: int, human: str) -> list[Shape]:
    return [
        Shape(f"Fix typo {i}\n", author="Claude Smith <claude@example.com>"),
        Shape(f"Pair work {i}\n\nCo-authored-by: Boris <boris@anthropic.com>\n"),
        Shape(f"Review fixes {i}\n\nCo-authored-by: Jane Doe <jane@example.com>\n"
              f"Signed-off-by: {human}\n"),
        Shape(f"Merge pull request #{i} from acme/fix-bug-{i}\n\nFix bug\n", merge=True),
        Shape(f"Merge branch 'feature/x-{i}' into 'main'\n", merge=True),
        Shape(f"Docs: mention that claude code and cursor exist {i}\n\n"
              "We tried them; nothing here was generated.\n"),
    ]


def shape_of(i: int) -> tuple[Shape, bool]:
    """The commit at position ``i`` and whether it carries an AI signal."""
    human = HUMANS[(i * 7) % len(HUMANS)]
    if i % AI_EVERY == 7:
        shapes = _ai_shapes(i, human)
        return shapes[(i // AI_EVERY) % len(shapes)], True
    if i % DECOY_EVERY == 5:
        decoys = _decoys(i, human)
        return decoys[(i // DECOY_EVERY) % len(decoys)], False
    body = "" if i % 2 else f"\nExplain why change {i} was needed and what it touches.\n"
    return Shape(f"Change {i}: update component {i % 97}\n{body}"), False


def fast_import_stream(commits: int) -> Iterator[bytes]:
    """The ``git fast-import`` input for the synthetic history."""
    for i in range(commits):
        shape, _ = shape_of(i)
        human = HUMANS[(i * 7) % len(HUMANS)]
        stamp = int((START + i * STEP).timestamp())
        message = shape.message.encode()
        content = f"line {i}\n".encode()
        parts = [
            f"commit refs/heads/main\nmark :{i + 1}\n".encode(),
            f"author {shape.author or human} {stamp} +0000\n".encode(),
            f"committer {shape.committer or shape.author or human} {stamp} +0000\n".encode(),
            f"data {len(message)}\n".encode(), message, b"\n",
        ]
        if i:
            parts.append(f"from :{i}\n".encode())
        if shape.merge and i > 1:
            parts.append(f"merge :{i - 1}\n".encode())
        parts += [f"M 100644 inline src/f{i % 200}.txt\ndata {len(content)}\n".encode(),
                  content, b"\n"]
        yield b"".join(parts)


def expected_ai(commits: int) -> int:
    """How many commits of the synthetic history carry an AI signal."""
    return sum(1 for i in range(commits) if shape_of(i)[1])


def build(workdir: Path, commits: int) -> Path:
    """The synthetic repository for ``commits`` commits, built once and cached."""
    path = workdir / f"attribution-{commits}"
    if (path / ".built").exists():
        return path
    subprocess.run(["rm", "-rf", str(path)], check=True)
    path.mkdir(parents=True)
    env = {**os.environ, "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True, env=env)
    started = time.perf_counter()
    proc = subprocess.Popen(["git", "fast-import", "--quiet"], cwd=path, env=env,
                            stdin=subprocess.PIPE)
    assert proc.stdin is not None
    for chunk in fast_import_stream(commits):
        proc.stdin.write(chunk)
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit("git fast-import failed")
    (path / ".built").write_text(f"{commits}\n")
    print(f"built {path} ({commits:,} commits) in {time.perf_counter() - started:.1f} s")
    return path


def window(commits: int) -> tuple[datetime, datetime]:
    """A window covering every synthetic commit."""
    return START - timedelta(days=1), START + commits * STEP + timedelta(days=1)


def plain_log(path: Path) -> None:
    """(a) the baseline: plain ``git log --format=%B HEAD`` read fully through a pipe."""
    proc = subprocess.Popen(["git", "log", "--format=%B", "HEAD"], cwd=path,
                            stdout=subprocess.PIPE)
    assert proc.stdout is not None
    while proc.stdout.read(1 << 20):
        pass
    proc.wait()


def context_for(path: Path, commits: int) -> Context:
    """A collector context over the repository whose window covers every commit."""
    from collectors.base import Context
    from collectors.sources.local import LocalSource
    from scanner.catalog import load_catalog

    since, until = window(commits)
    source = LocalSource(path)
    return Context(source=source, info=source.info(), catalog=load_catalog(), as_of=until,
                   since=since)


def collector_run(ctx: Context) -> dict[str, int]:
    """(b) the attribution collector over the repository; returns the figures it found."""
    from collectors.attribution import COLLECTOR
    from scanner.evidence import Evidence
    from scanner.payloads import Attribution, History

    figures: dict[str, int] = {}
    for item in COLLECTOR.run(ctx):
        if isinstance(item, Evidence) and isinstance(item.payload, Attribution):
            figures["ai_commits"] = item.payload.ai_commits
        elif isinstance(item, Evidence) and isinstance(item.payload, History):
            figures["commits"] = item.payload.commits
    return figures


def _cpu() -> float:
    """CPU seconds used so far by this process and its finished children (git)."""
    me, children = (resource.getrusage(who)
                    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def best_of(runs: int, action: Callable[[], object]) -> tuple[float, float]:
    """Best wall-clock and best CPU time (this process + git) of ``runs`` runs."""
    wall = cpu = float("inf")
    for _ in range(runs):
        started, used = time.perf_counter(), _cpu()
        action()
        wall = min(wall, time.perf_counter() - started)
        cpu = min(cpu, _cpu() - used)
    return wall, cpu


def memory_child(path: Path, commits: int) -> None:
    """Run (b) once under tracemalloc and print peak figures as JSON (child process)."""
    import tracemalloc

    ctx = context_for(path, commits)
    tracemalloc.start()
    figures = collector_run(ctx)
    _current, peak = tracemalloc.get_traced_memory()
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"peak_traced": peak, "peak_rss_kib": rss_kib, **figures}))


def memory_of(path: Path, commits: int) -> dict[str, int]:
    """Peak memory of (b) measured in a fresh child process."""
    out = subprocess.run([sys.executable, __file__, "--memory-child", str(path),
                          "--commits", str(commits)], check=True, capture_output=True,
                         text=True).stdout
    result: dict[str, int] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> None:
    """Build, time and report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path,
                        default=Path(tempfile.gettempdir()) / "aims-bench")
    parser.add_argument("--memory-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child, args.commits)
        return

    n = args.commits
    small = max(n // 4, 1)
    path, small_path = build(args.workdir, n), build(args.workdir, small)
    expected = expected_ai(n)

    ctx = context_for(path, n)
    figures = collector_run(ctx)  # warm-up, and the correctness check
    print(f"commits:              {figures['commits']:,}")
    print(f"AI commits expected:  {expected:,}")
    print(f"AI commits found:     {figures['ai_commits']:,}")
    assert figures["commits"] == n, figures
    assert figures["ai_commits"] == expected, (figures, expected)

    plain_log(path)
    a, a_cpu = best_of(3, lambda: plain_log(path))
    b, b_cpu = best_of(3, lambda: collector_run(ctx))
    print(f"(a) git log --format=%B:      {a:.3f} s wall, {a_cpu:.3f} s CPU")
    print(f"(b) attribution collector:    {b:.3f} s wall, {b_cpu:.3f} s CPU "
          f"({n / b:,.0f} commits/s)")
    print(f"ratio b/a:                    {b / a:.2f} wall, {b_cpu / a_cpu:.2f} CPU")

    for count, repo in ((small, small_path), (n, path)):
        mem = memory_of(repo, count)
        print(f"memory of (b) at {count:>9,} commits: peak traced "
              f"{mem['peak_traced'] / 2**20:6.2f} MiB, peak RSS "
              f"{mem['peak_rss_kib'] / 1024:6.1f} MiB")


if __name__ == "__main__":
    main()
