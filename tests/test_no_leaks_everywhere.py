"""Secrets stay secret everywhere: every command, format, bundle, log, history and cache.

Secrets are generated for each run (this file holds none) and put where a scanner meets
them. Credentials, which must appear in no byte anything writes:

- ``GITHUB_TOKEN`` and ``GITLAB_TOKEN`` (the tokens the fake GitHub and GitLab accept, and
  for two commands tokens they refuse), ``AIMS_SIGN_KEY_PASSPHRASE`` (the passphrase of the
  signing key generated here; its key material is searched for too) and an unrelated
  ``OPENAI_API_KEY``, all in the environment.

Planted secrets, in what is scanned:

- in the repository: a committed ``.env``; agent settings, an MCP configuration, pre-commit
  hooks, a workflow and a GitLab CI file holding tokens where each keeps commands, URLs or
  variables; a broken workflow with a token on the bad line; a commit message; the
  credentials of the ``origin`` URL;
- in the platforms' data: a pull request body (GitHub), a merge request description
  (GitLab) and their commit messages;
- in the ``--config`` file, a valid one and a broken one.

Every command of :data:`INVOCATIONS` runs in this process (standard output, standard error
and every log record down to DEBUG captured) or, where marked, as a real ``aims`` process,
so that the real stderr and logging handlers and the scanner's child processes are covered
too. Then every byte under the reports, the bundles (zip members unpacked), the
``--cache-dir`` tree (SQLite files read raw) and the history file is searched for each
secret, every 12-character piece of it and its base64 form (HTTP basic authentication,
DSSE payloads).

The cache keeps copies of the platforms' content (:data:`PLATFORM_COPIES`: the clones and
the API answers, pull request bodies included), which hold the planted secrets as the
platform does, so only credentials are looked for there; git stores the clones' objects
compressed, so a raw search finds a plain copy kept beside them, not the content itself.
Everything else in the cache (the code scan's blob cache, the resumable scan's journal) is
derived from the scan and must hold no secret of either kind.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import os
import secrets
import string
import subprocess
import sys
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from scanner.cli import main
from tests.conftest import RepoBuilder, pinned_git_env
from tests.fixture_repos import build_scenario
from tests.github_fake import FakeGitHub, FakeOrg, FakeRepo, make_bare
from tests.gitlab_fake import FakeGitLab, FakeGroup, FakeInstance, FakeProject

ROOT = Path(__file__).resolve().parent.parent
AS_OF = ("--as-of", "2026-11-01")
FORMATS = ("table", "json", "sarif", "markdown", "html", "gitlab-codequality")
#: A leaked piece this long is recognisable (random secrets share no 12 characters by chance).
PIECE = 12
#: What of the cache directory is a copy of the platforms' content (see the module docstring).
PLATFORM_COPIES = frozenset({"clones", "github", "gitlab", "http-cache.sqlite"})

# Published prefixes, built from parts so that this file carries no secret-shaped string.
_GITHUB = ("ghp" + "_", 36)
_GITLAB = ("glpat" + "-", 20)
#: Secrets the scan holds, by name: prefix and length of the random part.
CREDENTIALS: dict[str, tuple[str, int]] = {
    "env GITHUB_TOKEN": _GITHUB,
    "env GITLAB_TOKEN": _GITLAB,
    "env AIMS_SIGN_KEY_PASSPHRASE": ("", 32),
    "env OPENAI_API_KEY": ("sk" + "-proj-", 48),
    "refused GITHUB_TOKEN": _GITHUB,
    "refused GITLAB_TOKEN": _GITLAB,
}
#: Secrets in what is scanned, by where they are planted.
PLANTED: dict[str, tuple[str, int]] = {
    ".env GitHub token": _GITHUB,
    ".env GitLab token": _GITLAB,
    ".env database password": ("", 24),
    "agent settings env": _GITHUB,
    "agent settings allow rule": _GITLAB,
    "agent settings hook": _GITHUB,
    "MCP server env": _GITHUB,
    "MCP server URL": _GITLAB,
    "pre-commit hook repository URL": _GITLAB,
    "pre-commit hook entry": _GITHUB,
    "workflow step": _GITHUB,
    "GitLab CI script": _GITLAB,
    "broken workflow": _GITLAB,
    "commit message": _GITLAB,
    "origin URL": _GITLAB,
    "config file": _GITHUB,
    "broken config file": _GITHUB,
    "pull request": _GITHUB,
    "merge request": _GITLAB,
}
#: The environment of every command: variable -> credential.
ENVIRONMENT = {"GITHUB_TOKEN": "env GITHUB_TOKEN", "GITLAB_TOKEN": "env GITLAB_TOKEN",
               "AIMS_SIGN_KEY_PASSPHRASE": "env AIMS_SIGN_KEY_PASSPHRASE",
               "OPENAI_API_KEY": "env OPENAI_API_KEY"}
#: Variables that would point a command elsewhere than this test's files and servers.
UNSET = ("GH_TOKEN", "GH_HOST", "CI_JOB_TOKEN", "CI_SERVER_URL", "AIMS_GITHUB_URL",
         "AIMS_GITLAB_URL", "AIMS_HISTORY", "AIMS_DEBUG")
_ALPHABET = string.ascii_letters + string.digits


def generate(shapes: Mapping[str, tuple[str, int]]) -> dict[str, str]:
    """A fresh random secret of each shape."""
    return {name: prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))
            for name, (prefix, length) in shapes.items()}


def base64_forms(value: bytes) -> tuple[bytes, ...]:
    """The value as it appears inside any base64 text, at each of the three alignments."""
    # The first and last four characters also encode the neighbouring bytes.
    return tuple(base64.b64encode(b"\0" * shift + value)[4:-4] for shift in range(3))


def needles(value: str) -> tuple[bytes, ...]:
    """What gives a secret away: itself, any 12 characters of it, its base64 forms."""
    raw = value.encode()
    pieces = {raw[i:i + PIECE] for i in range(len(raw) - PIECE + 1)}
    return (raw, *sorted(pieces), *base64_forms(raw))


@dataclass(frozen=True)
class Key:
    """A signing key generated for the run, its private half encrypted with the passphrase."""

    private_pem: Path
    public_pem: Path
    material: tuple[bytes, ...]
    """The raw private key, its hex and base64 forms, and the PEM file's base64 lines."""


def make_key(folder: Path, passphrase: str) -> Key:
    """An Ed25519 key pair in ``folder``, the private key encrypted with ``passphrase``."""
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.BestAvailableEncryption(passphrase.encode()))
    (folder / "private.pem").write_bytes(pem)
    (folder / "public.pem").write_bytes(private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    raw = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                serialization.NoEncryption())
    body = tuple(line for line in pem.splitlines() if line and not line.startswith(b"-----"))
    return Key(folder / "private.pem", folder / "public.pem",
               (raw, raw.hex().encode(), *base64_forms(raw), *body))


@dataclass(frozen=True)
class World:
    """Everything the commands run against, and where their outputs go."""

    credentials: Mapping[str, str]
    planted: Mapping[str, str]
    key: Key
    repo: Path
    github: str
    gitlab: str
    work: Path
    """Every output, bundle, history and cache of the commands, and nothing else."""

    def fill(self, template: str) -> str:
        """An argument with its ``{placeholder}`` filled in."""
        return template.format(repo=self.repo, github=self.github, gitlab=self.gitlab,
                               out=self.work / "out", cache=self.work / "cache",
                               history=self.work / "history.sqlite",
                               key=self.key.private_pem, pub=self.key.public_pem,
                               config=self.repo.parent / "aims.yaml",
                               bad_config=self.repo.parent / "broken.yaml")

    def leaks(self, data: bytes, *, credentials_only: bool = False) -> list[str]:
        """The names of the secrets (and the signing key) that ``data`` gives away."""
        looked_for = dict(self.credentials) if credentials_only \
            else {**self.credentials, **self.planted}
        found = [name for name, value in looked_for.items()
                 if any(needle in data for needle in needles(value))]
        if any(material in data for material in self.key.material):
            found.append("signing key")
        return found


@dataclass(frozen=True)
class Invocation:
    """One command line, the exit code and a text that show it did what it is here for."""

    name: str
    args: tuple[str, ...]
    code: int
    says: str
    """Printed (standard output or error) when the command did its job."""
    env: Mapping[str, str] = field(default_factory=dict)
    """Variables set to another credential for this command only: variable -> credential."""
    process: bool = False
    """Run as a real ``aims`` process instead of in this one."""


def _scan(name: str, target: str, *flags: str, says: str = "partial result", code: int = 3,
          env: Mapping[str, str] | None = None, process: bool = False) -> Invocation:
    # Every scan is partial (exit 3): the planted broken workflow cannot be read.
    return Invocation(name, ("scan", target, *AS_OF, "--cache-dir", "{cache}", *flags), code,
                      says, env or {}, process)


_ON_GITHUB = ("--github-url", "{github}")
_ON_GITLAB = ("--gitlab-url", "{gitlab}")
_SIGNED = ("--sign-key", "{key}")
_EVERY_FORMAT = ("--format", ",".join(FORMATS))

#: Every command, in order (later ones read what earlier ones wrote). The code scan runs
#: where it adds something (the local scan and one GitHub scan), to keep the run short.
INVOCATIONS = (
    _scan("scan local, code scan, every format, signed zip bundle, history, -vv", "{repo}",
          "--config", "{config}", *_EVERY_FORMAT, "--out-dir", "{out}/local", "--bundle",
          "{out}/local-bundle.zip", *_SIGNED, "--history", "{history}", "-vv"),
    *(_scan(f"scan local, {fmt} on stdout, -v", "{repo}", "--no-deep", "--config",
            "{config}", "--format", fmt, "-v") for fmt in FORMATS),
    _scan("scan local, signed bundle directory, -q", "{repo}", "--no-deep", "--format",
          "json", "-o", "{out}/local-shallow.json", "--bundle", "{out}/local-bundle",
          *_SIGNED, "-q", says=""),  # -q: nothing to say
    _scan("scan local, broken config file", "{repo}", "--config", "{bad_config}", code=2,
          says="broken.yaml: invalid YAML"),
    _scan("scan GitHub as a process, code scan, every format, signed zip bundle, history, -vv",
          "github:acme", *_ON_GITHUB, "--deep", *_EVERY_FORMAT, "--out-dir", "{out}/github",
          "--bundle", "{out}/github-bundle.zip", *_SIGNED, "--history", "{history}", "-vv",
          process=True),
    _scan("scan GitHub, every format, unsigned bundle directory, -vv", "github:acme",
          *_ON_GITHUB, *_EVERY_FORMAT, "--out-dir", "{out}/github-shallow", "--bundle",
          "{out}/github-bundle", "-vv"),
    _scan("scan GitHub with a refused token", "github:acme", *_ON_GITHUB, "-vv", code=2,
          says="GitHub refused the token", env={"GITHUB_TOKEN": "refused GITHUB_TOKEN"}),
    _scan("scan GitLab, every format, signed bundle directory, history, -vv", "gitlab:acme",
          *_ON_GITLAB, *_EVERY_FORMAT, "--out-dir", "{out}/gitlab", "--bundle",
          "{out}/gitlab-bundle", *_SIGNED, "--history", "{history}", "-vv"),
    _scan("scan GitLab with a refused token", "gitlab:acme", *_ON_GITLAB, "-vv", code=2,
          says="GitLab refused the token", env={"GITLAB_TOKEN": "refused GITLAB_TOKEN"}),
    Invocation("catalog table", ("catalog",), 0, "Model D"),
    Invocation("catalog json", ("catalog", "--format", "json"), 0, '"catalog_version"'),
    Invocation("diff text", ("diff", "{out}/local-shallow.json", "{out}/local/aims-report.json"),
               0, "regressed  GDA-3b: unknown -> unmet"),
    Invocation("diff json, fail on regression",
               ("diff", "--format", "json", "--fail-on-regression", "{out}/local-shallow.json",
                "{out}/local/aims-report.json"), 1, '"regressed": true'),
    Invocation("trend table", ("trend", "--history", "{history}"), 0, "local:orders"),
    Invocation("trend json", ("trend", "--history", "{history}", "--format", "json"), 0,
               '"target": "gitlab:acme"'),
    *(Invocation(f"verify {bundle}, {fmt}",
                 ("verify", f"{{out}}/{bundle}", "--key", "{pub}", "--format", fmt), 0, says)
      for bundle in ("local-bundle.zip", "local-bundle", "github-bundle.zip", "gitlab-bundle")
      for fmt, says in (("text", "valid Ed25519 signature"), ("json", '"status": "passed"'))),
    Invocation("verify an unsigned bundle as a process", ("verify", "{out}/github-bundle"), 0,
               "the signature was NOT checked", process=True),
)


@dataclass(frozen=True)
class Ran:
    """What one command printed and logged, and its exit code."""

    code: int
    out: str
    err: str
    log: str


# --- the world: repository, servers, environment --------------------------------------


def plant_repository(root: Path, planted: Mapping[str, str]) -> Path:
    """The mid-maturity scenario plus a commit that plants secrets where scanners read,
    and the config files next to it."""
    path = build_scenario("mid-maturity", root / "orders")
    builder = RepoBuilder(path=path, env=pinned_git_env(root))
    builder.write(".env", f"GITHUB_TOKEN={planted['.env GitHub token']}\n"
                          f"GITLAB_TOKEN={planted['.env GitLab token']}\n"
                          f"DATABASE_PASSWORD={planted['.env database password']}\n")
    builder.write(".claude/settings.json", json.dumps({
        "env": {"GITHUB_TOKEN": planted["agent settings env"]},
        "permissions": {
            "allow": [f"Bash(curl -H 'PRIVATE-TOKEN: {planted['agent settings allow rule']}' "
                      "https://gitlab.example.com/api/v4/projects)"],
            "deny": ["Read(./.env)"]},
        "hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{
            "type": "command",
            "command": "gitleaks protect --staged && curl -H 'Authorization: token "
                       f"{planted['agent settings hook']}' https://audit.example.com/log"}]}]},
    }, indent=2))
    builder.write(".mcp.json", json.dumps({"mcpServers": {"github": {
        "command": "docker",
        "args": ["run", "-i", "--rm", "-e", "GITHUB_PERSONAL_ACCESS_TOKEN",
                 "ghcr.io/github/github-mcp-server"],
        "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": planted["MCP server env"]}}, "tickets": {
        "type": "sse",
        "url": f"https://mcp.example.com/sse?api_key={planted['MCP server URL']}"}}}, indent=2))
    hooks = (path / ".pre-commit-config.yaml").read_text()
    builder.write(".pre-commit-config.yaml", hooks + (
        f"  - repo: https://oauth2:{planted['pre-commit hook repository URL']}"
        "@gitlab.example.com/acme/hooks.git\n    rev: v1.0.0\n    hooks:\n      - id: acme\n"
        "  - repo: local\n    hooks:\n      - id: notify\n        name: notify\n"
        "        language: system\n"
        f"        entry: \"curl -H 'Authorization: token {planted['pre-commit hook entry']}' "
        "https://hooks.example.com\"\n"))
    builder.write(".gitlab-ci.yml", (
        "secret_detection:\n  image: zricethezav/gitleaks\n  script:\n"
        "    - gitleaks detect --source .\n"
        f"    - \"curl --header 'PRIVATE-TOKEN: {planted['GitLab CI script']}' "
        "https://gitlab.example.com/api/v4/projects\"\n"))
    builder.write(".github/workflows/release.yml", (
        "name: release\non: [pull_request]\njobs:\n  scan:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - uses: actions/checkout@v4\n"
        "      - run: gitleaks detect --source . --redact\n"
        f"      - run: \"curl -H 'Authorization: token {planted['workflow step']}' "
        "https://api.example.com/release\"\n"))
    builder.write(".github/workflows/broken.yml",
                  f"name: broken\non: push\nenv:\n  TOKEN: \"{planted['broken workflow']}\n"
                  "jobs: [\n")
    builder.commit(f"Configure the agent and the release\n\nold token {planted['commit message']}",
                   when=datetime(2026, 9, 1, 10, tzinfo=UTC))
    builder.git("remote", "add", "origin",
                f"https://oauth2:{planted['origin URL']}@gitlab.example.com/acme/orders.git")
    (root / "aims.yaml").write_text(
        f"# read-only token for the scanner: {planted['config file']}\nversion: 1\n"
        "sensitive_paths:\n  - {category: payments, patterns: ['**/billing/']}\n")
    (root / "broken.yaml").write_text(
        f"version: 1\ntools:\n  - {{id: x, name: \"{planted['broken config file']}\n")
    return path


def github_org(bare: Path, values: Mapping[str, str]) -> FakeOrg:
    """An organisation with the planted repository and a pull request carrying a token."""
    token = values["pull request"]
    pull = {"number": 3, "merged_at": "2026-10-01T10:00:00Z", "author": "alice",
            "author_is_bot": False, "head_ref": "feature/release", "base_ref": "main",
            "body": f"Deploy with token {token}", "approvals": [("bob", False)],
            "commits": [(f"release\n\ntoken {token}\n"
                         "Co-Authored-By: Claude <noreply@anthropic.com>\n",
                         "alice@example.com", "alice")]}
    return FakeOrg("acme", [FakeRepo("orders", bare, pulls=[pull])],
                   tokens={values["env GITHUB_TOKEN"]: "owner"})


def gitlab_instance(bare: Path, values: Mapping[str, str]) -> FakeInstance:
    """A group with the planted project and a merge request carrying a token."""
    token = values["merge request"]
    merge_request = {"iid": 3, "merged_at": "2026-10-01T10:00:00Z", "author": "alice",
                     "source_branch": "feature/release",
                     "description": f"Deploy with token {token}", "approved_by": ["bob"],
                     "commits": [(f"release\n\ntoken {token}\n"
                                  "Co-authored-by: Claude <noreply@anthropic.com>\n",
                                  "Alice", "alice@example.com")]}
    return FakeInstance(tokens={values["env GITLAB_TOKEN"]: 50},
                        groups=[FakeGroup("acme")],
                        projects=[FakeProject("acme/orders", git_dir=bare,
                                              merge_requests=[merge_request])])


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The planted repository served by both fakes, with the credentials in the environment."""
    credentials, planted = generate(CREDENTIALS), generate(PLANTED)
    every = {**credentials, **planted}
    root = tmp_path_factory.mktemp("planted")
    repo = plant_repository(root, planted)
    bare = make_bare(repo, root / "remote" / "orders.git")
    (root / "keys").mkdir()
    key = make_key(root / "keys", credentials["env AIMS_SIGN_KEY_PASSPHRASE"])
    work = tmp_path_factory.mktemp("work")
    (work / "out").mkdir()
    with (pytest.MonkeyPatch.context() as patch, FakeGitHub(github_org(bare, every)) as hub,
          FakeGitLab(gitlab_instance(bare, every)) as lab):
        for name in UNSET:
            patch.delenv(name, raising=False)
        for name, credential in ENVIRONMENT.items():
            patch.setenv(name, credentials[credential])
        yield World(credentials, planted, key, repo, hub.url, lab.url, work)


# --- running the commands --------------------------------------------------------------


def run_in_process(args: list[str]) -> Ran:
    """``main(args)`` with standard output, standard error and every log record captured."""
    buffers = [io.BytesIO() for _ in range(3)]
    out, err, log = (io.TextIOWrapper(buffer, encoding="utf-8") for buffer in buffers)
    handler = logging.StreamHandler(log)
    root = logging.getLogger()
    level = root.level
    # Added before main() runs, so the CLI's logging.basicConfig leaves the handlers alone.
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        with redirect_stdout(out), redirect_stderr(err):
            code = main(args)
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    for stream in (out, err, log):
        stream.flush()
    return Ran(code, *(buffer.getvalue().decode("utf-8", "replace") for buffer in buffers))


def run_as_process(args: list[str]) -> Ran:
    """``python -m scanner args``: real stderr and logging handlers, real child processes."""
    done = subprocess.run([sys.executable, "-m", "scanner", *args], cwd=ROOT,
                          capture_output=True, env=dict(os.environ), timeout=120, check=False)
    return Ran(done.returncode, done.stdout.decode("utf-8", "replace"),
               done.stderr.decode("utf-8", "replace"), "")


@pytest.fixture(scope="module")
def runs(world: World) -> dict[str, Ran]:
    """Every invocation, run in order."""
    results = {}
    for invocation in INVOCATIONS:
        args = [world.fill(arg) for arg in invocation.args]
        with pytest.MonkeyPatch.context() as patch:
            for name, credential in invocation.env.items():
                patch.setenv(name, world.credentials[credential])
            results[invocation.name] = (run_as_process(args) if invocation.process
                                        else run_in_process(args))
    return results


# --- nothing leaks ---------------------------------------------------------------------


@pytest.mark.parametrize("invocation", INVOCATIONS, ids=lambda i: i.name)
def test_no_command_prints_or_logs_a_secret(invocation: Invocation, runs: dict[str, Ran],
                                            world: World) -> None:
    ran = runs[invocation.name]
    assert (ran.code, invocation.says in ran.out + ran.err) == (invocation.code, True), ran.err
    leaked = [f"{channel}: {', '.join(names)}"
              for channel, text in (("stdout", ran.out), ("stderr", ran.err), ("log", ran.log))
              if (names := world.leaks(text.encode()))]
    assert not leaked, "\n".join(leaked)


def files_under(path: Path) -> Iterator[tuple[Path, bytes]]:
    """Every file under ``path`` (or ``path`` itself), zip members too (as ``zip/member``)."""
    for item in sorted([path] if path.is_file() else path.rglob("*")):
        if item.is_file() and not item.is_symlink():
            yield item, item.read_bytes()
            if zipfile.is_zipfile(item):
                with zipfile.ZipFile(item) as archive:
                    for member in archive.namelist():
                        yield item / member, archive.read(member)


@pytest.mark.parametrize(("area", "at_least"), [
    ("out", 100),           # reports of every format and bundles (zip members unpacked)
    ("cache", 10),          # clones, API answers, the code scan's blob cache, the journal
    ("history.sqlite", 1),
])
def test_no_file_written_holds_a_secret(area: str, at_least: int, runs: dict[str, Ran],
                                        world: World) -> None:
    files = list(files_under(world.work / area))
    assert len(files) >= at_least
    leaked = []
    for path, data in files:
        relative = path.relative_to(world.work)
        copy = relative.parts[0] == "cache" and relative.parts[1] in PLATFORM_COPIES
        if names := world.leaks(data, credentials_only=copy):
            leaked.append(f"{relative}: {', '.join(names)}")
    assert not leaked, "\n".join(leaked)


# --- the search recognises what it looks for ---------------------------------------------


def _middle(value: str) -> str:
    return value[len(value) // 2 - PIECE // 2:][:PIECE]


@pytest.mark.parametrize("disguise", [
    lambda value: f"token={value}\n",
    lambda value: f"...{_middle(value)}...",
    lambda value: base64.b64encode(f"x-access-token:{value}".encode()).decode(),
    lambda value: base64.b64encode(json.dumps({"note": value}).encode()).decode(),
], ids=["whole", "12 characters", "basic authentication", "base64 payload"])
def test_the_search_recognises_a_secret_however_it_is_written(disguise: Any, world: World
                                                              ) -> None:
    for name, value in {**world.credentials, **world.planted}.items():
        assert world.leaks(disguise(value).encode()) == [name]
    assert world.leaks(_middle(world.planted["commit message"])[1:].encode()) == []


def test_zip_members_are_searched_unpacked(tmp_path: Path, world: World) -> None:
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as writing:
        writing.writestr("report.json", world.planted[".env GitHub token"] * 20)
    assert [world.leaks(data) for _path, data in files_under(archive)] \
        == [[], [".env GitHub token"]]


# --- the commands really read what was planted -----------------------------------------


def _report(world: World, name: str) -> Any:
    return json.loads((world.work / "out" / name / "aims-report.json").read_text())


@pytest.mark.parametrize("name", ["local", "github"])
def test_the_code_scan_found_the_planted_env_file(name: str, runs: dict[str, Ran],
                                                  world: World) -> None:
    found = {(finding["path"], finding["line"], finding["type"], finding["fingerprint"][:7])
             for item in _report(world, name)["evidence"] if item["kind"] == "code.secrets"
             for finding in item["payload"]["findings"]}
    assert {(".env", 1, "GitHub Token", "scrypt:"), (".env", 2, "GitLab Token", "scrypt:")} \
        <= found


@pytest.mark.parametrize("name", ["local", "github", "github-shallow", "gitlab"])
def test_every_scan_read_the_planted_repository(name: str, runs: dict[str, Ran],
                                                world: World) -> None:
    report = _report(world, name)
    (repo,) = report["repositories"]
    assert repo["repo"].endswith("orders")
    agent_files = {item["payload"]["path"] for item in report["evidence"]
                   if item["kind"] == "tree.ai_config" and "payload" in item}
    assert {".claude/settings.json", ".mcp.json"} <= agent_files
    unreadable = {item["provenance"]["locator"] for item in report["evidence"] if "gap" in item}
    assert "tree:.github/workflows/broken.yml" in unreadable


def test_the_local_report_names_the_origin_without_its_credentials(runs: dict[str, Ran],
                                                                   world: World) -> None:
    assert "gitlab.example.com/acme/orders.git" in json.dumps(_report(world, "local"))
