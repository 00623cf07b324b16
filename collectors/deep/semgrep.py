"""semgrep over the HEAD tree: the bundled data-flow and risky-pattern rules, no network.

semgrep always runs as a subprocess, with the rule files shipped in ``rules/`` (never the
registry), metrics and the version check off, and its settings and log kept out of $HOME.
Its JSON is turned into per-file hits by ``parse_output``, a pure function; no snippet of
the scanned code is ever kept.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

RULES_DIR = Path(__file__).with_name("rules")

MISSING = ("semgrep is not installed; install it with pip install "
           "'ai-maturity-scanner[deep]' (or put semgrep 1.182.0 on PATH)")

#: Rule severities as the report names them.
SEVERITIES = {"ERROR": "high", "WARNING": "medium", "INFO": "low"}
CATEGORIES = frozenset({"dataflow", "risky-pattern"})

#: semgrep's file suffixes for the languages the bundled rules are written in (keys as
#: rules may spell them). YAML is only in scope under .github/, where workflows live.
LANGUAGE_SUFFIXES: Mapping[str, tuple[str, ...]] = {
    "python": (".py", ".pyi"),
    "py": (".py", ".pyi"),
    "javascript": (".cjs", ".js", ".jsx", ".mjs"),
    "js": (".cjs", ".js", ".jsx", ".mjs"),
    "typescript": (".ts", ".tsx"),
    "ts": (".ts", ".tsx"),
    "java": (".java",),
    "go": (".go",),
    "golang": (".go",),
    "yaml": (".yml", ".yaml"),
}
_CODE_SUFFIXES = frozenset(
    suffix for language, suffixes in LANGUAGE_SUFFIXES.items() if language != "yaml"
    for suffix in suffixes)

#: semgrep skips a file once this many rules have timed out on it; passed explicitly so
#: the subprocess deadline below is a real upper bound.
TIMEOUT_THRESHOLD = 3
#: Start-up allowance of the subprocess deadline (rule parsing, target discovery).
STARTUP_SECONDS = 120
VERSION_TIMEOUT = 60


class SemgrepError(Exception):
    """semgrep is missing or failed; the message is one line with no scanned content."""


@dataclass(frozen=True, slots=True)
class Semgrep:
    """A semgrep executable that answered ``--version``."""

    executable: str
    version: str


@dataclass(frozen=True, slots=True)
class FlowHit:
    """One rule match in one file; no snippet of the code."""

    rule: str          # the bare rule id
    category: str      # "dataflow" | "risky-pattern"
    severity: str      # "high" | "medium" | "low"
    line: int
    end_line: int
    message: str       # semgrep's message, metavariables interpolated, on one line


@dataclass(frozen=True, slots=True)
class SemgrepRun:
    """What one semgrep run said about the paths it was handed."""

    hits: Mapping[str, tuple[FlowHit, ...]]   # scanned completely, possibly nothing found
    excluded: tuple[str, ...]                 # not scanned, e.g. .semgrepignore (sorted)
    failures: Mapping[str, str]               # scan incomplete: path -> why (no content)


def find_semgrep() -> Semgrep:
    """The semgrep next to ``sys.executable``, else the one on PATH, with its version."""
    beside = Path(sys.executable).with_name("semgrep")
    found = str(beside) if beside.is_file() and os.access(beside, os.X_OK) else None
    executable = found or shutil.which("semgrep")
    if executable is None:
        raise SemgrepError(MISSING)
    packaged = _packaged_version(executable)
    if packaged is not None:
        return Semgrep(executable=executable, version=packaged)
    with tempfile.TemporaryDirectory(prefix="aims-semgrep-") as private:
        try:
            done = subprocess.run([executable, "--version"], env=_env(Path(private)),
                                  capture_output=True, text=True, timeout=VERSION_TIMEOUT,
                                  check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SemgrepError(f"semgrep --version failed: {_one_line(str(exc))}") from exc
    if done.returncode != 0:
        raise SemgrepError(f"semgrep --version failed (exit {done.returncode}): "
                           f"{_last_line(done.stderr)}")
    return Semgrep(executable=executable, version=_last_line(done.stdout))


def _packaged_version(executable: str) -> str | None:
    """The version of the semgrep installed with this Python, when ``executable`` is its
    script: ``semgrep --version`` alone takes over two seconds, on every scan."""
    try:
        dist = importlib.metadata.distribution("semgrep")
    except importlib.metadata.PackageNotFoundError:
        return None
    target = Path(executable).resolve()
    for file in dist.files or ():
        if file.name == "semgrep" and Path(str(dist.locate_file(file))).resolve() == target:
            return dist.version
    return None


def rules_digest(rules: Path = RULES_DIR) -> str:
    """sha256 hex over the rule files' relative names and bytes, in name order."""
    digest = hashlib.sha256()
    for name, path in sorted(_rule_files(rules).items()):
        digest.update(name.encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def in_scope(path: str) -> bool:
    """Whether some bundled rule may apply to this repo-relative path."""
    pure = PurePosixPath(path)
    if pure.suffix in _CODE_SUFFIXES:
        return True
    if pure.name in ("action.yml", "action.yaml"):  # composite actions, anywhere
        return True
    return pure.suffix in LANGUAGE_SUFFIXES["yaml"] and pure.parts[0] == ".github"


def run_semgrep(semgrep: Semgrep, root: Path, paths: Sequence[str], *, timeout: float,
                jobs: int, rules: Path = RULES_DIR) -> SemgrepRun:
    """Scan ``root`` (files at their repo-relative paths plus a ``.semgrepignore``).

    semgrep looks at every file under ``root`` that a rule's language covers, but only
    ``paths`` are reported: for speed, put nothing else there that is in scope.
    """
    if not paths:
        return SemgrepRun(hits={}, excluded=(), failures={})
    seconds = max(1, math.ceil(timeout))   # semgrep takes whole seconds
    # Each file stops after TIMEOUT_THRESHOLD rule timeouts, `jobs` files at a time.
    deadline = STARTUP_SECONDS + seconds * TIMEOUT_THRESHOLD * math.ceil(len(paths) / jobs)
    with tempfile.TemporaryDirectory(prefix="aims-semgrep-") as private:
        state = Path(private)
        output = state / "out.json"
        # The target is the root itself, not the paths: semgrep scans a file named on
        # the command line even when .semgrepignore excludes it, and one --include per
        # path is slow and overflows semgrep-core's argv at a few thousand files.
        # --project-root keeps an enclosing git checkout's ignore files out of it.
        argv = [semgrep.executable, "scan", "--config", str(rules.resolve()), "--json",
                "-o", str(output), "--metrics=off", "--disable-version-check",
                "--no-rewrite-rule-ids", "--no-git-ignore", "--project-root", ".",
                "--timeout", str(seconds),
                "--timeout-threshold", str(TIMEOUT_THRESHOLD),
                # The caller decides which files are too big; semgrep's own limit would
                # silently drop some of them.
                "--max-target-bytes", "0",
                "--jobs", str(jobs), "--quiet", "."]
        try:
            done = subprocess.run(argv, cwd=root, env=_env(state), capture_output=True,
                                  text=True, timeout=deadline, check=False)
        except subprocess.TimeoutExpired as exc:
            raise SemgrepError(f"semgrep did not finish within {deadline} s") from exc
        except OSError as exc:
            raise SemgrepError(f"semgrep could not be started: {_one_line(str(exc))}") from exc
        data = _read_output(output)
        if done.returncode not in (0, 1) or data is None:
            raise SemgrepError(f"semgrep failed (exit {done.returncode}): "
                               f"{_reason(data, done.stderr)}")
    return parse_output(data, paths)


def parse_output(data: Mapping[str, Any], paths: Sequence[str]) -> SemgrepRun:
    """Turn semgrep's JSON into per-file outcomes; paths not handed over are ignored.

    Each handed-over path lands in exactly one of ``hits``, ``excluded`` and ``failures``.
    A failed scan is incomplete, so what the other rules found in that file is dropped
    with it rather than passed off as the whole answer.
    Raises SemgrepError for a run-wide error, a rule without the expected metadata or
    output of an unexpected shape.
    """
    try:
        return _parse(data, set(paths))
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise SemgrepError(f"semgrep output not understood ({type(exc).__name__}: "
                           f"{_one_line(str(exc))})") from exc


def _parse(data: Mapping[str, Any], wanted: set[str]) -> SemgrepRun:
    found: dict[str, list[FlowHit]] = {
        path: [] for path in data["paths"]["scanned"] if path in wanted}
    for result in data["results"]:
        if result["path"] in wanted:
            found.setdefault(result["path"], []).append(_hit(result))
    reasons: dict[str, set[str]] = {}
    for error in data["errors"]:
        path = error.get("path")
        if path in wanted:
            reasons.setdefault(path, set()).add(_describe(error))
        elif path is None and error.get("level") == "error":
            raise SemgrepError(f"semgrep reported: {_first_line(str(error.get('message')))}")
    failures = {path: "; ".join(sorted(reasons[path])) for path in sorted(reasons)}
    hits = {path: tuple(sorted(found[path], key=_hit_order))
            for path in sorted(found.keys() - failures.keys())}
    excluded = tuple(sorted(wanted - found.keys() - failures.keys()))
    return SemgrepRun(hits=hits, excluded=excluded, failures=failures)


def _hit(result: Mapping[str, Any]) -> FlowHit:
    rule = str(result["check_id"])
    extra = result["extra"]
    category = extra.get("metadata", {}).get("category")
    if category not in CATEGORIES:
        raise SemgrepError(f"rule {rule}: metadata category {category!r} is not one of "
                           f"{', '.join(sorted(CATEGORIES))}")
    severity = SEVERITIES.get(extra["severity"])
    if severity is None:
        raise SemgrepError(f"rule {rule}: severity {extra['severity']!r} is not one of "
                           f"{', '.join(SEVERITIES)}")
    return FlowHit(rule=rule, category=category, severity=severity,
                   line=int(result["start"]["line"]), end_line=int(result["end"]["line"]),
                   message=_one_line(str(extra["message"])))


def _hit_order(hit: FlowHit) -> tuple[int, int, str, str]:
    return (hit.line, hit.end_line, hit.rule, hit.message)


def _describe(error: Mapping[str, Any]) -> str:
    # The error type and rule only: semgrep's messages can quote the scanned code.
    kind = str(error.get("type", "error"))
    rule = error.get("rule_id")
    return f"{kind} in rule {rule}" if rule else kind


def _rule_files(rules: Path) -> dict[str, Path]:
    return {path.relative_to(rules).as_posix(): path for path in rules.rglob("*")
            if path.suffix in (".yml", ".yaml") and path.is_file()}


def _env(state: Path) -> dict[str, str]:
    # Inherited SEMGREP_* settings (an app token, a registry URL) could turn on login,
    # metrics or the registry, so none is passed on.
    env = {key: value for key, value in os.environ.items() if not key.startswith("SEMGREP_")}
    env.update(SEMGREP_ENABLE_VERSION_CHECK="0", SEMGREP_SEND_METRICS="off",
               SEMGREP_SETTINGS_FILE=str(state / "settings.yml"),
               SEMGREP_LOG_FILE=str(state / "semgrep.log"))
    return env


def _read_output(output: Path) -> Mapping[str, Any] | None:
    try:
        data = json.loads(output.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _reason(data: Mapping[str, Any] | None, stderr: str) -> str:
    errors = [error for error in (data or {}).get("errors", ())
              if error.get("level") == "error" and error.get("message")]
    if errors:
        return _first_line(str(errors[0]["message"]))
    return _last_line(stderr) or "no readable JSON output"


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _last_line(text: str) -> str:
    return next((line.strip() for line in reversed(text.splitlines()) if line.strip()), "")


def _one_line(text: str) -> str:
    return " ".join(text.split())
