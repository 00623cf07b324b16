"""Benchmark of the deep code scan (``aims scan --deep``) over a large synthetic repository.

Builds (once, cached in the work directory) a deterministic repository of N source files
with ``git fast-import``: Python, JavaScript, TypeScript, Go, Java, YAML, Markdown and text
in nested directories, each 20-200 lines generated from templates with varied identifiers,
committed in a few large commits with pinned identities and dates (2025-12-01 to
2026-10-25), one in three of them carrying a ``Co-Authored-By: Claude`` trailer. Into it
are planted 20 fake secrets (assembled at runtime from parts) and 20 risky code patterns of
the bundled rules, plus a few vendored files, a lock file and a binary that must be skipped.

Every scan runs as ``python -m scanner scan ...`` in a fresh child process that reports its
own peak RSS and that of its largest child (detect-secrets workers, semgrep). Measured:

  1. floors: ``git cat-file --batch`` over every HEAD blob, and ``aims scan --no-deep``;
  2. a first deep scan with an empty cache: wall time, files per second, peak RSS, findings
     found against planted;
  3. an unchanged rerun with the same cache: wall time against the first scan (target under
     10 %), files scanned (must be 0), and whether the JSON report is byte-identical;
  4. a rerun after one changed file (one more commit in a shared clone): files rescanned.

Usage::

    python bench/deep_bench.py [--files N] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common import AS_OF, ROOT, verdict

START = datetime(2025, 12, 1, 9, 0, tzinfo=UTC)
LAST = datetime(2026, 10, 24, 17, 0, tzinfo=UTC)
CHANGED_AT = datetime(2026, 10, 25, 12, 0, tzinfo=UTC)
COMMITS = 24
AI_EVERY = 3  # commits 1, 4, 7, ... carry the AI trailer
PLANTED_SECRETS = 20
PLANTED_FLOWS = 20
RERUN_TARGET = 0.10
HUMANS = ("Ana Lima <ana@example.com>", "Ben Okafor <ben@example.com>",
          "Chen Wei <chen@example.com>", "Dara Novak <dara@example.com>")
AI_TRAILER = "Co-Authored-By: Claude <noreply@anthropic.com>"
SEMGREP_ENV = {"SEMGREP_ENABLE_VERSION_CHECK": "0", "SEMGREP_SEND_METRICS": "off"}

# Identifiers are drawn from neutral words: nothing here names personal data or credentials,
# so whatever the scan finds beyond the planted findings is noise of the engines.
NOUNS = ("order", "invoice", "widget", "ledger", "batch", "route", "metric", "shard",
         "bucket", "report", "schedule", "parcel", "quota", "vector", "tariff", "cargo",
         "sensor", "module", "layer", "stock", "lane", "depot", "voucher", "cluster",
         "window", "signal", "cursor", "segment", "trip", "rating", "forecast", "harbor",
         "panel", "recipe", "ticket", "fleet", "venue", "sample", "channel", "catalog")
VERBS = ("merge", "split", "rank", "filter", "scale", "round", "group", "trim", "collect",
         "expand", "balance", "sample", "shift", "count", "align", "pack", "settle", "sweep")
FIELDS = ("status", "region", "tier", "stage", "weight", "level", "size", "priority",
          "volume", "span", "depth", "score")
ADJECTIVES = ("largest", "oldest", "newest", "smallest", "busiest", "slowest", "nearest")
SERVICES = ("billing", "catalog", "routing", "ledger", "search", "inventory", "dispatch",
            "metrics", "pricing", "planner", "scheduler", "gateway", "reports", "storage")
TOPS = ("services", "libs", "tools", "web", "internal", "platform")
SUBS = ("core", "api", "model", "util", "jobs", "store", "views", "adapters", "domain")
#: Language mix by weight: (language, weight).
MIX = (("py", 30), ("js", 12), ("ts", 13), ("go", 15), ("java", 15), ("yaml", 6),
       ("md", 5), ("txt", 4))


# ----------------------------------------------------------------------------- templates


@dataclass
class Words:
    """Varied identifiers for one file, drawn from a seeded generator."""

    rng: random.Random

    def noun(self) -> str:
        """A noun."""
        return self.rng.choice(NOUNS)

    def verb(self) -> str:
        """A verb."""
        return self.rng.choice(VERBS)

    def pick(self, words: Sequence[str]) -> str:
        """One of ``words``."""
        return self.rng.choice(words)

    def number(self) -> int:
        """A small number."""
        return self.rng.randint(2, 97)


def _cap(word: str) -> str:
    return word[:1].upper() + word[1:]


def _py_block(w: Words, k: int) -> list[str]:
    noun, other, verb, fld = w.noun(), w.noun(), w.verb(), w.pick(FIELDS)
    if k % 3 == 0:
        return [f"def {verb}_{noun}_{k}(items, floor={w.number()}):",
                f'    """{_cap(verb)} every {noun} in items, {w.pick(ADJECTIVES)} first."""',
                "    picked = []",
                "    for item in items:",
                f"        if item is None or item.{fld} < floor:",
                "            continue",
                f"        picked.append(item.{fld} * {w.number()})",
                "    return sorted(picked, reverse=True)"]
    if k % 3 == 1:
        return [f"class {_cap(noun)}{_cap(other)}{k}:",
                f'    """Keeps {noun} and {other} figures together."""',
                "",
                f"    def __init__(self, {noun}_total, {other}_total={w.number()}):",
                f"        self.{noun}_total = {noun}_total",
                f"        self.{other}_total = {other}_total",
                "",
                f"    def {verb}(self):",
                f'        """{_cap(verb)} both figures."""',
                f"        return self.{noun}_total + self.{other}_total"]
    return [f"def {verb}_{noun}_by_{fld}_{k}(rows):",
            f'    """Count {noun} rows by {fld}."""',
            "    groups = {}",
            "    for row in rows:",
            f'        groups.setdefault(row["{fld}"], []).append(row)',
            "    return {group: len(members) for group, members in sorted(groups.items())}"]


def _js_block(w: Words, k: int, typed: bool) -> list[str]:
    noun, other, verb, fld = w.noun(), w.noun(), w.verb(), w.pick(FIELDS)
    name = f"{verb}{_cap(noun)}{k}"
    if k % 2 == 0:
        params = "items: Array<Record<string, number>>, floor: number" if typed else "items, floor"
        ret = ": number[]" if typed else ""
        return [f"export function {name}({params}){ret} {{",
                "  const picked = [];",
                "  for (const item of items) {",
                f"    if (!item || item.{fld} < floor) {{",
                "      continue;",
                "    }",
                f"    picked.push(item.{fld} * {w.number()});",
                "  }",
                "  return picked.sort((a, b) => b - a);",
                "}"]
    if typed:
        return [f"export class {_cap(noun)}{_cap(other)}{k} {{",
                f"  constructor(private readonly {noun}Total: number,",
                f"              private readonly {other}Total: number) {{}}",
                "",
                f"  {verb}(): number {{",
                f"    return this.{noun}Total + this.{other}Total * {w.number()};",
                "  }",
                "}"]
    return [f"export class {_cap(noun)}{_cap(other)}{k} {{",
            f"  constructor({noun}Total, {other}Total) {{",
            f"    this.{noun}Total = {noun}Total;",
            f"    this.{other}Total = {other}Total;",
            "  }",
            "",
            f"  {verb}() {{",
            f"    return this.{noun}Total + this.{other}Total * {w.number()};",
            "  }",
            "}"]


def _go_block(w: Words, k: int) -> list[str]:
    noun, other, verb, fld = w.noun(), w.noun(), w.verb(), w.pick(FIELDS)
    if k % 2 == 0:
        name = f"{_cap(verb)}{_cap(noun)}{k}"
        return [f"// {name} keeps every {noun} above the floor, scaled.",
                f"func {name}(items []int, floor int) []int {{",
                "\tpicked := make([]int, 0, len(items))",
                "\tfor _, item := range items {",
                "\t\tif item < floor {",
                "\t\t\tcontinue",
                "\t\t}",
                f"\t\tpicked = append(picked, item*{w.number()})",
                "\t}",
                "\treturn picked",
                "}"]
    kind = f"{_cap(noun)}{_cap(other)}{k}"
    return [f"// {kind} keeps {noun} figures together.",
            f"type {kind} struct {{",
            f"\t{_cap(fld)} int",
            "\tLabel string",
            "}",
            "",
            "// Describe returns a short label.",
            f"func (x {kind}) Describe() string {{",
            f'\treturn fmt.Sprintf("%s-%d", strings.ToLower(x.Label), x.{_cap(fld)})',
            "}"]


def _java_block(w: Words, k: int) -> list[str]:
    noun, verb = w.noun(), w.verb()
    return [f"    /** {_cap(verb)} every {noun} above the floor. */",
            f"    public static List<Integer> {verb}{_cap(noun)}{k}(List<Integer> items, "
            "int floor) {",
            "        List<Integer> picked = new ArrayList<>();",
            "        for (int item : items) {",
            "            if (item < floor) {",
            "                continue;",
            "            }",
            f"            picked.add(item * {w.number()});",
            "        }",
            "        return picked;",
            "    }"]


def _yaml_block(w: Words, k: int) -> list[str]:
    return [f"{w.noun()}_{k}:",
            f"  replicas: {w.number()}",
            f"  tier: {w.pick(ADJECTIVES)}",
            f"  {w.pick(FIELDS)}: {w.number()}",
            "  stages:",
            f"    - {w.verb()}",
            f"    - {w.verb()}"]


def _prose_block(w: Words, k: int, markdown: bool) -> list[str]:
    head = [f"## {_cap(w.verb())} the {w.noun()} ({k})", ""] if markdown else []
    return [*head,
            f"The {w.noun()} step will {w.verb()} each {w.noun()} by {w.pick(FIELDS)},",
            f"then {w.verb()} the {w.pick(ADJECTIVES)} {w.noun()} before the next run.",
            f"Allow {w.number()} minutes for the {w.noun()} queue to settle."]


@dataclass(frozen=True)
class Language:
    """How files of one language start, continue and end."""

    suffix: str
    header: Callable[[Words, str], list[str]]
    block: Callable[[Words, int], list[str]]
    footer: tuple[str, ...] = ()
    gap: int = 1


def _go_header(w: Words, _stem: str) -> list[str]:
    package = w.pick(SUBS)
    return [f"// Package {package} holds {w.noun()} helpers.", f"package {package}", "",
            "import (", '\t"fmt"', '\t"strings"', ")"]


def _java_header(w: Words, stem: str) -> list[str]:
    return [f"package com.acme.{w.pick(SERVICES)}.{w.pick(SUBS)};", "",
            "import java.util.ArrayList;", "import java.util.List;",
            "import java.util.logging.Logger;", "",
            f"/** {_cap(w.noun())} helpers. */", f"public final class {stem} {{",
            f"    private {stem}() {{}}"]


LANGUAGES = {
    "py": Language(".py", lambda w, _s: [f'"""{_cap(w.noun())} helpers for the '
                                         f'{w.pick(SERVICES)} service."""', "",
                                         "from __future__ import annotations"],
                   _py_block, gap=2),
    "js": Language(".js", lambda w, _s: [f"// {_cap(w.noun())} helpers."],
                   lambda w, k: _js_block(w, k, typed=False)),
    "ts": Language(".ts", lambda w, _s: [f"// {_cap(w.noun())} helpers."],
                   lambda w, k: _js_block(w, k, typed=True)),
    "go": Language(".go", _go_header, _go_block),
    "java": Language(".java", _java_header, _java_block, footer=("}",)),
    "yaml": Language(".yaml", lambda w, _s: [f"# {_cap(w.noun())} settings."], _yaml_block),
    "md": Language(".md", lambda w, _s: [f"# {_cap(w.noun())} notes"],
                   lambda w, k: _prose_block(w, k, markdown=True)),
    "txt": Language(".txt", lambda w, _s: [f"{_cap(w.noun())} notes"],
                    lambda w, k: _prose_block(w, k, markdown=False)),
}


# ----------------------------------------------------------------------------- plants


def _chars(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LOWER = UPPER.lower()
DIGITS = "0123456789"


def fake_secret(kind: str, rng: random.Random) -> list[str]:
    """A fake secret value of ``kind``, assembled from parts (one line, or PEM lines)."""
    if kind == "aws":
        return ["AK" + "IA" + _chars(rng, UPPER + DIGITS, 16)]
    if kind == "github":
        return ["gh" + "p_" + _chars(rng, UPPER + LOWER + DIGITS, 36)]
    if kind == "slack":
        return ["xo" + "xb-" + _chars(rng, DIGITS, 11) + "-" + _chars(rng, DIGITS, 12) + "-"
                + _chars(rng, LOWER + DIGITS, 24)]
    if kind == "stripe":
        return ["sk" + "_live_" + _chars(rng, UPPER + LOWER + DIGITS, 24)]
    armour = "RSA PRI" + "VATE KEY-----"
    return ["-----BEGIN " + armour, _chars(rng, UPPER + LOWER + DIGITS, 64),
            "-----END " + armour]


#: Secret kinds in turn, with the languages each may be planted in.
SECRET_KINDS = (("aws", ("py", "yaml", "go")), ("github", ("js", "ts", "py")),
                ("slack", ("go", "yaml")), ("stripe", ("ts", "py", "js")), ("pem", ("py",)))


def secret_lines(language: str, kind: str, noun: str, rng: random.Random
                 ) -> tuple[list[str], int]:
    """The planted lines and the 0-based index of the line detect-secrets should report."""
    value = fake_secret(kind, rng)
    if kind == "pem":
        return [f'FALLBACK_{noun.upper()}_PEM = """{value[0]}', *value[1:], '"""'], 0
    line = {"py": f'FALLBACK_{noun.upper()}_ACCESS = "{value[0]}"',
            "js": f'export const fallback{_cap(noun)}Access = "{value[0]}";',
            "ts": f'export const fallback{_cap(noun)}Access = "{value[0]}";',
            "go": f'const fallback{_cap(noun)}Access = "{value[0]}"',
            "yaml": f'fallback_{noun}_access: "{value[0]}"'}[language]
    return [line], 0


def flow_lines(n: int, noun: str) -> tuple[str, str, list[str], int]:
    """The ``n``-th planted risky pattern: rule id, language, lines, and the 0-based index
    of the line the rule should report."""
    shapes = [
        ("pii-to-network-python", "py",
         [f"def push_{noun}_profile(user_email, endpoint):",
          f'    """Send the {noun} profile upstream."""',
          "    import requests", "",
          '    return requests.post(endpoint, json={"email": user_email}, timeout=10)'], 4),
        ("tls-verification-disabled-go", "go",
         [f"// insecure{_cap(noun)}Client skips certificate checks for the {noun} mirror.",
          f"func insecure{_cap(noun)}Client() *http.Client {{",
          "\tcfg := &tls.Config{InsecureSkipVerify: true}",
          "\treturn &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}}",
          "}"], 2),
        ("pii-to-log-python", "py",
         [f"def note_{noun}_signup(user_email):",
          f'    """Log a {noun} signup."""',
          "    import logging", "",
          '    logging.getLogger(__name__).info("signup from %s", user_email)'], 4),
        ("tls-verification-disabled-js", "js",
         ['const https = require("https");',
          f"export const {noun}Agent = new https.Agent({{ rejectUnauthorized: false }});"], 1),
        ("pii-to-log-java", "java",
         [f"    static void note{_cap(noun)}Signup(String email) {{",
          f'        Logger.getLogger("{noun}").info("signup from " + email);',
          "    }"], 1),
    ]
    return shapes[n % len(shapes)]


@dataclass(frozen=True)
class Plant:
    """A planted finding: where it is and what should report it."""

    what: str  # secret kind or rule id
    path: str
    line: int  # 1-based
    ai: bool  # planted by an AI-attributed commit


# ----------------------------------------------------------------------------- repository


@dataclass
class Design:
    """The synthetic tree: files by commit, plants, and the extra files that are skipped."""

    files: dict[str, bytes] = field(default_factory=dict)
    commit_of: dict[str, int] = field(default_factory=dict)
    secrets: list[Plant] = field(default_factory=list)
    flows: list[Plant] = field(default_factory=list)
    expected_skips: Counter[str] = field(default_factory=Counter)


def _language_of(i: int) -> str:
    rng = random.Random(f"lang-{i}")
    return rng.choices([m[0] for m in MIX], weights=[m[1] for m in MIX])[0]


def _path_of(i: int, language: str, w: Words) -> tuple[str, str]:
    depth = w.rng.randint(1, 3)
    parts = [w.pick(TOPS), w.pick(SERVICES), *(w.pick(SUBS) for _ in range(depth - 1))]
    stem = (f"{_cap(w.noun())}{_cap(w.noun())}{i}" if language == "java"
            else f"{w.noun()}_{w.noun()}_{i}")
    return "/".join([*parts, stem + LANGUAGES[language].suffix]), stem


def _commit_of(i: int, n: int) -> int:
    return i * COMMITS // n


def _is_ai(commit: int) -> bool:
    return commit % AI_EVERY == 1


def _plant_slots(n: int, count: int, allowed: Callable[[int], Sequence[str]],
                 taken: set[int]) -> list[int]:
    """File indices spread over the tree whose language fits the ``k``-th plant."""
    slots = []
    for k in range(count):
        i = (k * n) // count + n // (2 * count)
        for _ in range(n):
            if i not in taken and _language_of(i) in allowed(k):
                break
            i = (i + 1) % n
        taken.add(i)
        slots.append(i)
    return slots


def design(n: int) -> Design:
    """The synthetic tree for ``n`` source files (deterministic)."""
    taken: set[int] = set()
    secret_slots = _plant_slots(n, PLANTED_SECRETS,
                                lambda k: SECRET_KINDS[k % len(SECRET_KINDS)][1], taken)
    flow_slots = _plant_slots(n, PLANTED_FLOWS, lambda k: (flow_lines(k, "x")[1],), taken)
    secret_at = {i: k for k, i in enumerate(secret_slots)}
    flow_at = {i: k for k, i in enumerate(flow_slots)}
    out = Design()
    for i in range(n):
        language = _language_of(i)
        spec = LANGUAGES[language]
        w = Words(random.Random(f"file-{i}"))
        path, stem = _path_of(i, language, w)
        target = 20 + int(w.rng.betavariate(1.2, 3.0) * 180)
        lines = spec.header(w, stem)
        k = 0
        while len(lines) < target - len(spec.footer):
            lines += [""] * spec.gap + spec.block(w, k)
            k += 1
        commit = _commit_of(i, n)
        if i in secret_at:
            kind = SECRET_KINDS[secret_at[i] % len(SECRET_KINDS)][0]
            planted, index = secret_lines(language, kind, w.noun(), w.rng)
            line = _append(lines, planted, index, spec.gap)
            out.secrets.append(Plant(kind, path, line, _is_ai(commit)))
        elif i in flow_at:
            rule, _language, planted, index = flow_lines(flow_at[i], w.noun())
            if language == "go":  # the TLS client needs two more imports
                at = lines.index('\t"fmt"')
                lines[at:at + 1] = ['\t"crypto/tls"', '\t"fmt"', '\t"net/http"']
            line = _append(lines, planted, index, spec.gap)
            out.flows.append(Plant(rule, path, line, _is_ai(commit)))
        lines += spec.footer
        out.files[path] = ("\n".join(lines) + "\n").encode()
        out.commit_of[path] = commit
    _add_skipped(out)
    return out


def _append(lines: list[str], planted: list[str], index: int, gap: int) -> int:
    """Append ``planted`` to ``lines``; the 1-based number of its ``index``-th line."""
    lines += [""] * gap
    line = len(lines) + index + 1
    lines += planted
    return line


def _add_skipped(out: Design) -> None:
    """Vendored files (one holding a fake secret that must not be reported), a lock file
    and a binary, all in the first commit."""
    rng = random.Random("skipped")
    vendored = {
        "node_modules/left-pad/index.js": "module.exports = (s, n) => String(s).padStart(n);\n",
        "node_modules/left-pad/config.js":
            f'module.exports = {{ fallback: "{fake_secret("github", rng)[0]}" }};\n',
        "vendor/github.com/acme/retry/retry.go": "package retry\n\nconst Attempts = 3\n",
        "third_party/fastmath/fastmath.py": "def halve(x):\n    return x / 2\n",
        "web/static/app.min.js": "(function(){var a=1;return a})();\n",
    }
    for path, text in vendored.items():
        out.files[path] = text.encode()
        out.expected_skips["vendored or generated"] += 1
    out.files["web/package-lock.json"] = b'{"lockfileVersion": 3, "packages": {}}\n'
    out.expected_skips["lock file"] += 1
    out.files["assets/logo.png"] = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
                                    + bytes(rng.randrange(256) for _ in range(512)))
    out.expected_skips["binary"] += 1
    for path in (*vendored, "web/package-lock.json", "assets/logo.png"):
        out.commit_of[path] = 0


def _stamp(commit: int) -> int:
    span = (LAST - START) / max(COMMITS - 1, 1)
    return int((START + commit * span).timestamp())


def _commit_chunk(files: Sequence[tuple[str, bytes]], *, mark: int, parent: str | None,
                  when: int, who: str, message: str) -> Iterator[bytes]:
    """One ``git fast-import`` commit adding or replacing ``files``."""
    body = message.encode()
    yield (f"commit refs/heads/main\nmark :{mark}\nauthor {who} {when} +0000\n"
           f"committer {who} {when} +0000\ndata {len(body)}\n").encode() + body + b"\n"
    if parent:
        yield f"from {parent}\n".encode()
    for path, data in files:
        yield f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n"


def _fast_import(repo: Path, chunks: Iterator[bytes]) -> None:
    proc = subprocess.Popen(["git", "fast-import", "--quiet"], cwd=repo, env=_git_env(),
                            stdin=subprocess.PIPE)
    assert proc.stdin is not None
    for chunk in chunks:
        proc.stdin.write(chunk)
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit("git fast-import failed")


def _git_env() -> dict[str, str]:
    return {**os.environ, "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}


def _history(tree: Design) -> Iterator[bytes]:
    by_commit: dict[int, list[tuple[str, bytes]]] = {}
    for path, data in sorted(tree.files.items()):
        by_commit.setdefault(tree.commit_of[path], []).append((path, data))
    for c in range(COMMITS):
        who = HUMANS[c % len(HUMANS)]
        message = f"Add {NOUNS[c % len(NOUNS)]} modules ({c + 1} of {COMMITS})\n"
        if _is_ai(c):
            message += f"\n{AI_TRAILER}\n"
        yield from _commit_chunk(by_commit.get(c, []), mark=c + 1,
                                 parent=f":{c}" if c else None, when=_stamp(c), who=who,
                                 message=message)


def build(workdir: Path, n: int, tree: Design) -> Path:
    """The bare synthetic repository for ``n`` files, built once and cached."""
    repo = workdir / f"deep-{n}"
    if (repo / ".built").exists():
        return repo
    shutil.rmtree(repo, ignore_errors=True)
    repo.mkdir(parents=True)
    started = time.perf_counter()
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(repo)], check=True,
                   env=_git_env())
    _fast_import(repo, _history(tree))
    (repo / ".built").write_text(f"{n}\n")
    print(f"built {repo} ({len(tree.files):,} files, {COMMITS} commits) in "
          f"{time.perf_counter() - started:.1f} s")
    return repo


def changed_clone(repo: Path, into: Path, tree: Design) -> str:
    """A shared clone of ``repo`` with one more commit that edits one unplanted file."""
    shutil.rmtree(into, ignore_errors=True)
    subprocess.run(["git", "clone", "-q", "--bare", "--shared", str(repo), str(into)],
                   check=True, env=_git_env())
    planted = {p.path for p in (*tree.secrets, *tree.flows)}
    path = next(p for p in sorted(tree.files) if p.endswith(".py") and p not in planted)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=into, check=True, text=True,
                          capture_output=True, env=_git_env()).stdout.strip()
    data = tree.files[path] + b"\n\ndef changed_here():\n    return 1\n"
    _fast_import(into, _commit_chunk([(path, data)], mark=1, parent=head,
                                     when=int(CHANGED_AT.timestamp()), who=HUMANS[0],
                                     message="Touch one module\n"))
    return path


# ----------------------------------------------------------------------------- measuring


def blob_floor(repo: Path) -> tuple[float, int, int]:
    """Best of three: ``git cat-file --batch`` over every HEAD blob (seconds, blobs, bytes)."""
    listing = subprocess.run(["git", "ls-tree", "-r", "-z", "--format=%(objectname)", "HEAD"],
                             cwd=repo, check=True, capture_output=True).stdout
    blobs = [b for b in listing.split(b"\0") if b]
    feed = b"\n".join(blobs) + b"\n"
    best, size = float("inf"), 0
    for _ in range(3):
        started = time.perf_counter()
        out = subprocess.run(["git", "cat-file", "--batch"], cwd=repo, input=feed,
                             check=True, capture_output=True).stdout
        best = min(best, time.perf_counter() - started)
        size = len(out)
    return best, len(blobs), size


@dataclass
class Run:
    """One ``aims scan`` child: its figures, progress lines and report."""

    label: str
    wall: float
    code: int
    rss_kib: int
    child_rss_kib: int
    lines: list[tuple[float, str]]
    report: bytes

    def counts(self, engine: str) -> tuple[int, int] | None:
        """(scanned, answered from the cache) from the ``-v`` progress line of ``engine``."""
        pattern = re.compile(rf"{engine}: ([\d,]+) file\(s\) scanned, ([\d,]+) answered")
        for _t, line in self.lines:
            found = pattern.search(line)
            if found:
                return int(found[1].replace(",", "")), int(found[2].replace(",", ""))
        return None

    def payload(self, kind: str) -> dict[str, Any]:
        """The payload of the evidence of ``kind`` in the JSON report ({} when absent)."""
        for item in _evidence(json.loads(self.report)):
            if item.get("kind") == kind:
                return dict(item.get("payload") or {})
        return {}


def _evidence(node: Any) -> Iterator[dict[str, Any]]:
    """Every evidence-like object (with ``kind`` and ``payload``) anywhere in the report."""
    if isinstance(node, dict):
        if "kind" in node and "payload" in node:
            yield node
        for value in node.values():
            yield from _evidence(value)
    elif isinstance(node, list):
        for value in node:
            yield from _evidence(value)


def scan(label: str, repo: Path, out: Path, cache: Path, *extra: str) -> Run:
    """Run ``aims scan`` on ``repo`` in a fresh child process, timing its progress lines."""
    args = ["scan", str(repo), *extra, "--cache-dir", str(cache), "--as-of", AS_OF,
            "--format", "json", "-o", str(out), "-v"]
    env = {**os.environ, **SEMGREP_ENV, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryFile("w+") as result:
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, __file__, "--scan-child", *args], cwd=ROOT,
                                env=env, stdout=result, stderr=subprocess.PIPE, text=True)
        assert proc.stderr is not None
        lines = [(time.perf_counter() - started, line.rstrip("\n")) for line in proc.stderr]
        proc.wait()
        wall = time.perf_counter() - started
        result.seek(0)
        last = result.read().strip().splitlines()[-1:] or ["{}"]
    figures = json.loads(last[0])
    return Run(label, wall, int(figures.get("code", -1)), int(figures.get("rss_kib", 0)),
               int(figures.get("child_rss_kib", 0)), lines,
               out.read_bytes() if out.exists() else b"{}")


def scan_child(argv: list[str]) -> None:
    """Run the CLI in this (child) process; print its exit code and peak RSS figures."""
    from scanner.cli import main

    code = main(argv)
    me, children = (resource.getrusage(who).ru_maxrss
                    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    print(json.dumps({"code": code, "rss_kib": me, "child_rss_kib": children}))


# ----------------------------------------------------------------------------- reporting


def _found(plants: Sequence[Plant], findings: Sequence[dict[str, Any]],
           same: Callable[[Plant, dict[str, Any]], bool]) -> tuple[int, int]:
    """(planted and found, of those attributed to an AI commit by the scan)."""
    found = ai = 0
    for plant in plants:
        hit = next((f for f in findings if f.get("path") == plant.path
                    and f.get("line") == plant.line and same(plant, f)), None)
        if hit is not None:
            found += 1
            ai += hit.get("ai_attributed") is True
    return found, ai


def _skips(payload: dict[str, Any]) -> dict[str, int]:
    return {s["reason"]: s["count"] for s in payload.get("skipped", ())}


def describe(run: Run, tree: Design) -> None:
    """Findings of a deep scan against what was planted."""
    secrets, flows = run.payload("code.secrets"), run.payload("code.flows")
    found_s = secrets.get("findings", [])
    found_f = flows.get("findings", [])
    hit_s, ai_s = _found(tree.secrets, found_s, lambda _p, _f: True)
    hit_f, ai_f = _found(tree.flows, found_f, lambda p, f: f.get("rule") == p.what)
    print(f"  files examined:    secrets {secrets.get('files', 0):,}, "
          f"data flows {flows.get('files', 0):,} (excluded {flows.get('excluded', 0)})")
    print(f"  skipped (secrets): {_skips(secrets)}; expected {dict(tree.expected_skips)}")
    print(f"  skipped (flows):   {_skips(flows)}")
    planted_ai_s = sum(p.ai for p in tree.secrets)
    planted_ai_f = sum(p.ai for p in tree.flows)
    print(f"  secrets: planted {len(tree.secrets)}, found {hit_s} "
          f"({verdict(hit_s >= len(tree.secrets))}: found >= planted), "
          f"{len(found_s) - hit_s} other finding(s); AI-attributed {ai_s} of "
          f"{planted_ai_s} planted by AI commits")
    print(f"  flows:   planted {len(tree.flows)}, found {hit_f}, "
          f"{len(found_f) - hit_f} other finding(s); AI-attributed {ai_f} of "
          f"{planted_ai_f} planted by AI commits")
    missed = [p for p in tree.flows
              if not _found([p], found_f, lambda p, f: f.get("rule") == p.what)[0]]
    for plant in missed[:5]:
        print(f"    missed flow: {plant.what} at {plant.path}:{plant.line}")
    others = Counter(f.get("type") for f in found_s
                     if (f.get("path"), f.get("line")) not in
                     {(p.path, p.line) for p in tree.secrets})
    others_f = Counter(f.get("rule") for f in found_f
                       if (f.get("path"), f.get("line")) not in
                       {(p.path, p.line) for p in tree.flows})
    if others or others_f:
        print(f"  other findings by type/rule: {dict(others)} {dict(others_f)}")


def timeline(run: Run) -> None:
    """The deep scan's progress lines with their time since the child started."""
    for t, line in run.lines:
        if re.search(r": (deep scan|secrets|data flows)|warning|error|partial", line):
            print(f"  {t:7.1f} s  {line}")


def _mib(kib: int) -> str:
    return f"{kib / 1024:.0f}"


def _pair(counts: tuple[int, int] | None, which: int) -> str:
    return "-" if counts is None else f"{counts[which]:,}"


def table(floor: tuple[float, int, int], runs: Sequence[Run], files: int) -> None:
    """The compact table of every run."""
    print(f"\n{'run':<16}{'wall s':>9}{'files/s':>9}{'scanned s/f':>14}{'cached s/f':>14}"
          f"{'RSS MiB':>9}{'child MiB':>10}{'exit':>6}")
    print(f"{'cat-file floor':<16}{floor[0]:>9.2f}{floor[1] / floor[0]:>9,.0f}")
    for run in runs:
        s, f = run.counts("secrets"), run.counts("data flows")
        scanned = f"{_pair(s, 0)}/{_pair(f, 0)}"
        cached = f"{_pair(s, 1)}/{_pair(f, 1)}"
        rate = f"{files / run.wall:,.0f}" if s else ""
        print(f"{run.label:<16}{run.wall:>9.2f}{rate:>9}{scanned:>14}{cached:>14}"
              f"{_mib(run.rss_kib):>9}{_mib(run.child_rss_kib):>10}{run.code:>6}")


def main() -> None:
    """Build, scan four times and report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--workdir", type=Path,
                        default=Path(tempfile.gettempdir()) / "aims-bench")
    parser.add_argument("--scan-child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scan_child is not None:
        scan_child(args.scan_child)
        return
    if args.files < 200:  # room for the 40 planted findings among the languages they need
        parser.error("--files must be at least 200")

    print(f"load average at start: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")
    tree = design(args.files)
    repo = build(args.workdir, args.files, tree)
    runs_dir = args.workdir / f"deep-{args.files}-runs"
    shutil.rmtree(runs_dir, ignore_errors=True)
    runs_dir.mkdir(parents=True)
    cache = runs_dir / "cache"

    floor = blob_floor(repo)
    print(f"(1) git cat-file --batch over {floor[1]:,} HEAD blobs ({floor[2] / 2**20:.1f} MiB):"
          f" {floor[0]:.2f} s")
    no_deep = scan("no-deep", repo, runs_dir / "no-deep.json", runs_dir / "cache-no-deep",
                   "--no-deep")
    print(f"(1) aims scan --no-deep: {no_deep.wall:.2f} s, peak RSS {_mib(no_deep.rss_kib)} "
          f"MiB, exit {no_deep.code}")

    first = scan("first deep", repo, runs_dir / "first.json", cache, "--deep")
    examined = int(first.payload("code.secrets").get("files", 0))
    extra = first.wall - no_deep.wall
    print(f"(2) first deep scan: {first.wall:.2f} s ({extra:.2f} s beyond --no-deep), "
          f"peak RSS {_mib(first.rss_kib)} MiB (largest child {_mib(first.child_rss_kib)} "
          f"MiB), exit {first.code}")
    print(f"  files per second: {examined / extra:,.1f} over the deep part, "
          f"{examined / first.wall:,.1f} over the whole scan ({examined:,} files examined)")
    timeline(first)
    describe(first, tree)

    rerun = scan("unchanged rerun", repo, runs_dir / "rerun.json", cache, "--deep")
    ratio = rerun.wall / first.wall
    same = rerun.report == first.report
    secrets_done, flows_done = rerun.counts("secrets"), rerun.counts("data flows")
    none = secrets_done is not None and flows_done is not None and not (
        secrets_done[0] or flows_done[0])
    print(f"(3) unchanged rerun: {rerun.wall:.2f} s = {ratio:.1%} of the first scan "
          f"(target < {RERUN_TARGET:.0%}: {verdict(ratio < RERUN_TARGET)}); deep part "
          f"{rerun.wall - no_deep.wall:.2f} s; files scanned: secrets {_pair(secrets_done, 0)},"
          f" data flows {_pair(flows_done, 0)} (target 0: {verdict(none)}); report "
          f"byte-identical to the first: {'yes' if same else 'NO'}; exit {rerun.code}")
    timeline(rerun)

    changed_repo = runs_dir / "changed"
    path = changed_clone(repo, changed_repo, tree)
    changed = scan("one change", changed_repo, runs_dir / "changed.json", cache, "--deep")
    secrets_done, flows_done = changed.counts("secrets"), changed.counts("data flows")
    print(f"(4) one changed file ({path}): {changed.wall:.2f} s; files rescanned: secrets "
          f"{_pair(secrets_done, 0)}, data flows {_pair(flows_done, 0)} (expected 1 each); "
          f"exit {changed.code}")

    table(floor, [no_deep, first, rerun, changed], examined)
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    if len({run.payload("code.flows").get("rules") for run in (first, rerun, changed)}) > 1:
        print("warning: the bundled rule files changed during the benchmark, so the data-flow "
              "results of one run could not be reused by the next; run it again")


if __name__ == "__main__":
    main()
