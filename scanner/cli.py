"""The ``aims`` command line: the only place that reads flags, prints and exits.

Exit codes: 0 the scan completed; 1 the scan completed but a gate failed (reserved for
gates); 2 usage or input error (bad flag, not a repository, invalid config or attestation
file); 3 partial: the scan completed but some evidence could not be read; 70 internal
error (a bug: the message says so, ``AIMS_DEBUG=1`` shows the traceback).
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import re
import shutil
import sys
import traceback
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from scanner import __version__
from scanner.console import (
    EXIT_GATE,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_PARTIAL,
    EXIT_USAGE,
    command_line,
    default_cache_dir,
    fail,
)
from scanner.evidence import redact

#: Attestation file read from the scanned repository's HEAD when --attestations is not given.
IN_REPO_ATTESTATIONS = ".aims/attestations.yaml"
CONFIG_KEYS = {"version", "tools", "signatures", "sensitive_paths"}

log = logging.getLogger("aims")


def self_check() -> str | None:
    """Why ``rules``/``collectors`` are not this distribution's own packages, or None."""
    home = Path(__file__).resolve().parent.parent
    for name in ("rules", "collectors"):
        spec = importlib.util.find_spec(name)
        origin = Path(spec.origin).resolve() if spec and spec.origin else None
        if origin is None or origin.parent.parent != home:
            return (f"the '{name}' package found at {origin or 'nowhere'} is not aims' own "
                    f"(expected under {home}); another installed distribution shadows it. "
                    "Install aims in its own environment, e.g. 'pipx install "
                    "ai-maturity-scanner' or a dedicated virtualenv.")
    return None


def parse_moment(text: str) -> datetime:
    """``YYYY-MM-DD`` or an ISO date-time; naive values are UTC."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"not an ISO date or date-time: {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


_SPAN = re.compile(r"^\s*(\d+)\s*(d|day|days|w|week|weeks|m|month|months|y|year|years)\s*$",
                   re.I)
_DAYS = {"d": 1, "w": 7, "m": 30, "y": 365}


def parse_since(text: str, as_of: datetime) -> datetime:
    """A window start: a span back from ``as_of`` (``365d``, ``6 months``) or a date."""
    match = _SPAN.match(text)
    if match:
        days = int(match.group(1)) * _DAYS[match.group(2)[0].lower()]
        return as_of - timedelta(days=days)
    start = parse_moment(text)
    if start >= as_of:
        raise click.BadParameter(f"--since {text} is not before --as-of")
    return start


def read_config(path: Path | None) -> Mapping[str, Any]:
    """The ``--config`` file: catalog extensions (tools, signatures, sensitive paths)."""
    if path is None:
        return {}
    from scanner.yamlsafe import YamlError, load_yaml

    try:
        data = load_yaml(path.read_bytes())
    except (OSError, YamlError) as exc:
        fail(f"--config {path}: {exc}")
    if not isinstance(data, Mapping) or data.get("version") != 1:
        fail(f"--config {path}: expected a mapping with 'version: 1'")
    unknown = sorted(set(map(str, data)) - CONFIG_KEYS)
    if unknown:
        known = sorted(CONFIG_KEYS - {"version"})
        fail(f"--config {path}: unknown keys {unknown} (known: {known})")
    return data


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 88})
@click.version_option(__version__, prog_name="aims")
def cli() -> None:
    """aims, the AI Maturity Scanner: how well a repository governs AI-written code.

    It reads what the repository shows (hooks, CI, CODEOWNERS, AI tool settings, policies,
    AI attribution in history), decides each maturity indicator with cited evidence, and
    reports a 1-5 level for four governance domains (Model D) and a 1-5 security stage
    (Model S). Nothing is sent anywhere; a local scan needs no token.
    """
    problem = self_check()
    if problem:
        fail(problem)


def read_token(token_env: str | None, defaults: tuple[str, ...], platform: str) -> str:
    """The token from ``--token-env NAME``, else the platform's usual variables (never echoed)."""
    names = [token_env] if token_env else list(defaults)
    for name in names:
        value = os.environ.get(name, "").strip()
        if value:
            return value
    hint = ""
    if platform == "GitLab" and os.environ.get("CI_JOB_TOKEN"):
        hint = (" (CI_JOB_TOKEN cannot read project settings: add a project, group or personal "
                "access token with read_api and read_repository as a masked CI/CD variable)")
    fail(f"no token: {' or '.join(names)} is not set{hint} (a {platform} scan needs a token; a "
         "local scan of a clone does not)")


@cli.command()
@click.argument("target", default=".")
@click.option("--format", "formats", multiple=True, metavar="FORMAT",
              help="Report format: table, json, sarif, markdown, html, gitlab-codequality. "
                   "Repeat it or give a comma list for several. Default: table on a "
                   "terminal, json otherwise.")
@click.option("-o", "--output", "outputs", multiple=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to FILE instead of standard output; with several "
                   "formats, once per --format in the same order.")
@click.option("--out-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write every format into DIR (aims-report.json, aims-report.sarif, "
                   "aims-report.md, aims-report.html, aims-codequality.json, aims-report.txt).")
@click.option("--sarif-unknown", is_flag=True,
              help="SARIF: also report indicators that could not be decided, as notes.")
@click.option("--bundle", "bundle_path", type=click.Path(path_type=Path), metavar="PATH",
              help="Also write a verifiable evidence bundle: a directory, or a .zip file.")
@click.option("--sign-key", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              metavar="PEM", help="Sign the bundle with this Ed25519 private key (PEM; "
                                  "passphrase from AIMS_SIGN_KEY_PASSPHRASE if encrypted).")
@click.option("--fail-under", "fail_under", metavar="SPEC",
              help="Exit 1 when below a level, e.g. 'stage=2,CLG=3' (stage and domain ids). "
                   "For an organisation: stage is the organisation's, a domain applies to "
                   "every repository.")
@click.option("--gate-basis", type=click.Choice(["floor", "ceiling"]), default="floor",
              show_default=True, help="--fail-under compares the floor (unknowns count "
                                      "against) or the ceiling (unknowns count in favour).")
@click.option("--history", "history_path", is_flag=False, flag_value="", default=None,
              metavar="[FILE]",
              help="Record this run in a history file (SQLite; default "
                   "<cache-dir>/history.sqlite); reports then show what changed since the "
                   "previous run and the trend. See 'aims trend'.")
@click.option("--since", "since_text", default="365d", show_default=True,
              help="History window start: a span back from --as-of (365d, 26w, 6m) or a date.")
@click.option("--as-of", "as_of_text",
              help="Fixed clock (ISO date/time, UTC) for reproducible runs. Default: now.")
@click.option("--attestations", type=click.Path(dir_okay=False, path_type=Path),
              help=f"Attestation file (YAML). Default: {IN_REPO_ATTESTATIONS} in the "
                   "scanned repository, if present.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Config file (YAML) extending the catalog: tools, signatures, "
                   "sensitive_paths.")
@click.option("--token-env", metavar="NAME",
              help="Read the token from this environment variable (default: GITHUB_TOKEN, "
                   "then GH_TOKEN for GitHub; GITLAB_TOKEN for GitLab).")
@click.option("--github-url", envvar="AIMS_GITHUB_URL", metavar="URL",
              help="GitHub Enterprise Server API URL, e.g. https://ghe.example.com/api/v3 "
                   "(default: from GH_HOST, else api.github.com).")
@click.option("--gitlab-url", envvar="AIMS_GITLAB_URL", metavar="URL",
              help="GitLab instance URL, e.g. https://gitlab.example.com (default: "
                   "CI_SERVER_URL inside GitLab CI, else https://gitlab.com).")
@click.option("--max-requests", type=click.IntRange(1), metavar="N",
              help="GitLab: stop after N API requests and report the projects covered.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path),
              envvar="AIMS_CACHE_DIR", help="Where clones, API answers and deep-scan results "
                                            "are kept between runs. Default: the user cache "
                                            "directory.")
@click.option("--deep/--no-deep", default=None,
              help="Also scan the code: secrets (detect-secrets) and risky data flows "
                   "(bundled semgrep rules), each tied to the commit that wrote it. Default: "
                   "on for a local path, off for GitHub and GitLab targets.")
@click.option("--deep-timeout", type=click.FloatRange(1, 3600), default=30.0,
              show_default=True, metavar="SECONDS",
              help="Deep scan: time allowed per file (per rule and file for semgrep); a file "
                   "over it is reported as not scanned.")
@click.option("--resume/--no-resume", default=True, show_default=True,
              help="GitHub and GitLab: keep each finished repository in --cache-dir so that "
                   "a killed scan, started again with the same options, continues where it "
                   "stopped (within 24 hours, with the interrupted run's clock).")
@click.option("--concurrency", type=click.IntRange(1, 16), default=4, show_default=True,
              help="Repositories read at the same time.")
@click.option("--include-archived", is_flag=True, help="Also scan archived repositories.")
@click.option("--include-forks", is_flag=True, help="Also scan forks.")
@click.option("--shard", "shard_text", metavar="K/N",
              help="Scan only shard K of N: each repository belongs to exactly one shard by "
                   "a stable hash of its name. Combine the N reports with 'aims merge'.")
@click.option("--repos", "repo_globs", multiple=True, metavar="GLOB",
              help="Only repositories whose name or owner/name matches (repeatable).")
@click.option("-v", "--verbose", count=True, help="Show progress and every indicator; -vv "
                                                  "adds debug logs.")
@click.option("-q", "--quiet", is_flag=True, help="No progress messages; errors only.")
def scan(target: str, formats: tuple[str, ...], outputs: tuple[Path, ...],
         out_dir: Path | None, sarif_unknown: bool, bundle_path: Path | None,
         sign_key: Path | None, fail_under: str | None, gate_basis: str,
         history_path: str | None, since_text: str, as_of_text: str | None,
         attestations: Path | None, config_path: Path | None,
         token_env: str | None, github_url: str | None, gitlab_url: str | None,
         max_requests: int | None, cache_dir: Path | None, deep: bool | None,
         deep_timeout: float, resume: bool, concurrency: int, include_archived: bool,
         include_forks: bool, shard_text: str | None, repo_globs: tuple[str, ...],
         verbose: int, quiet: bool) -> None:
    """Scan TARGET: a local git repository (default: the current directory), a GitHub
    organisation or repository, or a GitLab group (with subgroups) or project.

    \b
    Targets:
      PATH                         a local clone; no token, nothing leaves the machine
      github:ORG  github:ORG/REPO  GitHub (also https://github.com/ORG[/REPO]); needs a
                                   token in GITHUB_TOKEN or GH_TOKEN
      gitlab:GROUP[/SUB...]        GitLab group with its subgroups, or a project
      gitlab:GROUP/PROJECT         (also https://gitlab.com/GROUP/...); needs a token
                                   in GITLAB_TOKEN (read_api, read_repository)

    \b
    Exit codes:
      0  scan completed
      1  scan completed but a gate failed (--fail-under)
      2  usage or input error
      3  partial: some evidence could not be read (see "Could not be read")
      70 internal error (a bug; AIMS_DEBUG=1 shows the traceback)
    """
    logging.basicConfig(level=logging.DEBUG if verbose > 1 else logging.WARNING,
                        format="aims: %(levelname)s: %(message)s", stream=sys.stderr)
    if shutil.which(os.environ.get("GIT_PYTHON_GIT_EXECUTABLE") or "git") is None:
        fail("git is not installed or not on PATH (set GIT_PYTHON_GIT_EXECUTABLE to use "
             "another git)")
    from collectors.sources.github import api_url_for, parse_target
    from collectors.sources.gitlab import instance_url_for
    from collectors.sources.gitlab import parse_target as parse_gitlab
    from collectors.sources.selection import Selection, parse_shard
    from scanner.catalog import CatalogError, load_catalog

    given_as_of = parse_moment(as_of_text) if as_of_text else None
    now = datetime.now(UTC).replace(microsecond=0)
    parse_since(since_text, given_as_of or now)  # a bad window fails before anything starts
    try:
        catalog = load_catalog(read_config(config_path))
    except CatalogError as exc:
        fail(f"--config {config_path}: {exc}" if config_path else f"catalog: {exc}")
    show_progress = not quiet and (verbose > 0 or sys.stderr.isatty())

    def note(msg: str) -> None:
        if show_progress:
            click.echo(f"aims: {msg}", err=True)

    delivery = plan_delivery(formats, outputs, out_dir, sarif_unknown=sarif_unknown,
                             bundle=bundle_path, sign_key=sign_key, fail_under=fail_under,
                             basis=gate_basis, history=history_path,
                             cache_dir=cache_dir or default_cache_dir())
    github = parse_target(target, api_url_for(github_url, os.environ.get("GH_HOST")))
    gitlab = (None if github is not None else
              parse_gitlab(target, instance_url_for(gitlab_url, os.environ.get("CI_SERVER_URL"))))
    try:
        shard = parse_shard(shard_text) if shard_text else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--shard") from None
    if shard is not None and (github is None and gitlab is None):
        fail("--shard splits an organisation or group scan; a local path is one repository")
    selection = Selection(include_archived=include_archived, include_forks=include_forks,
                          patterns=repo_globs, shard=shard)
    platform = github is not None or gitlab is not None
    token = (read_token(token_env, ("GITHUB_TOKEN", "GH_TOKEN"), "GitHub") if github else
             read_token(token_env, ("GITLAB_TOKEN",), "GitLab") if gitlab else "")
    journal = None
    if platform and resume:
        key = journal_key(github or gitlab, token=token, since=since_text,
                          as_of=as_of_text, config=config_path, attestations=attestations,
                          selection=selection, deep=deep, deep_timeout=deep_timeout,
                          catalog=catalog.version)
        journal = open_journal(cache_dir or default_cache_dir(), key, given_as_of, now,
                               quiet=quiet)
    as_of = journal.as_of if journal is not None else (given_as_of or now)
    since = parse_since(since_text, as_of)
    with deep_scan(deep if deep is not None else not platform, explicit=deep is True,
                   cache_dir=cache_dir or default_cache_dir(), timeout=deep_timeout) as extra:
        report, options = run_scan(target, github, gitlab, extra, journal, catalog=catalog,
                                   as_of=as_of, since=since, attestations=attestations,
                                   token=token, cache_dir=cache_dir,
                                   selection=selection, concurrency=concurrency,
                                   max_requests=max_requests, note=note,
                                   show_progress=show_progress, quiet=quiet, verbose=verbose)
    deliver(report, options, delivery, journal, verbose=verbose, quiet=quiet)


def journal_key(target: Any, *, token: str, since: str, as_of: str | None,
                config: Path | None, attestations: Path | None, selection: Any,
                deep: bool | None, deep_timeout: float, catalog: str) -> dict[str, str]:
    """Everything that decides a platform scan's results: a journal is resumed only when
    all of it is the same (the token by fingerprint, files by content)."""
    from collectors.sources.etag_cache import token_fingerprint
    from scanner.engine import file_digest

    def digest(path: Path | None) -> str:
        try:
            return file_digest(path.read_bytes()) if path else ""
        except OSError:
            return "unreadable"  # reported properly when the file is actually read

    return {"target": repr(target), "tool": __version__, "catalog": catalog,
            "token": token_fingerprint(token), "since": since,
            "as_of": as_of or "", "config": digest(config),
            "attestations": digest(attestations), "selection": repr(selection),
            "deep": repr(deep), "deep_timeout": repr(deep_timeout)}


def open_journal(cache_dir: Path, key: dict[str, str], as_of: datetime | None, now: datetime,
                 *, quiet: bool) -> Any:
    """The run's journal; says so when an interrupted run is resumed."""
    import sqlite3

    from scanner.journal import Journal

    try:
        journal = Journal.open(cache_dir, key, as_of=as_of, now=now)
    except (OSError, sqlite3.Error) as exc:
        click.echo(f"aims: warning: cannot keep a resume journal under {cache_dir} "
                   f"({getattr(exc, 'strerror', None) or exc}); a killed scan will start over",
                   err=True)
        return None
    done = journal.done()
    if done and not quiet:
        click.echo(f"aims: resuming the interrupted run as of {journal.as_of.isoformat()}: "
                   f"{done} repositories already done (--no-resume starts over)", err=True)
    return journal


@contextlib.contextmanager
def deep_scan(wanted: bool, *, explicit: bool, cache_dir: Path, timeout: float
              ) -> Iterator[tuple[Any, ...]]:
    """The deep-scan collector when wanted, with its blob cache open for the scan.

    semgrep missing is an error when ``--deep`` was asked for; when the deep scan is only
    the default of a local scan, secrets are still scanned and data flows become unknown.
    """
    if not wanted:
        yield ()
        return
    import sqlite3

    from collectors.deep.cache import BlobCache
    from collectors.deep.collector import DeepSettings, deep_collector, default_workers
    from collectors.deep.semgrep import SemgrepError, find_semgrep

    semgrep, missing = None, ""
    try:
        semgrep = find_semgrep()
    except SemgrepError as exc:
        if explicit:
            fail(f"--deep: {exc}")
        missing = str(exc)
        click.echo(f"aims: warning: {missing}; data flows are not scanned (--no-deep turns "
                   "the code scan off)", err=True)
    location = cache_dir / "deep" / "blobs.sqlite"
    try:
        cache = BlobCache(location)
    except (OSError, sqlite3.Error) as exc:
        click.echo(f"aims: warning: deep-scan cache {location} cannot be used ({exc}); "
                   "every file is scanned", err=True)
        cache = BlobCache(None)
    with cache:
        settings = DeepSettings(cache=cache, timeout=timeout, workers=default_workers(),
                                semgrep=semgrep, semgrep_missing=missing)
        yield (deep_collector(settings),)


def run_scan(target: str, github: Any, gitlab: Any, extra: tuple[Any, ...], journal: Any, *,
             catalog: Any,
             as_of: datetime, since: datetime, attestations: Path | None,
             token: str, cache_dir: Path | None, selection: Any, concurrency: int,
             max_requests: int | None, note: Any, show_progress: bool, quiet: bool,
             verbose: int) -> tuple[Any, Any]:
    """Scan the target (local path, GitHub or GitLab); the report and the scan options."""
    if github is not None:
        from scanner.github_scan import GitHubRun, scan_github

        options = scan_options(catalog, as_of, since, attestations, None)
        run = GitHubRun(target=github, token=token, cache_dir=cache_dir or default_cache_dir(),
                        selection=selection, concurrency=concurrency, extra=extra,
                        journal=journal)
        report, stats = run_remote(lambda make: scan_github(run, options, note=note,
                                                            make_reporter=make),
                                   quiet=quiet, verbose=verbose)
        note(f"GitHub API: {stats.requests} requests, {stats.not_modified} answered 304 (free), "
             f"{stats.counted} counted against the rate limit, {stats.rate_limited} refused "
             "for rate limits")
        return report, options
    if gitlab is not None:
        from scanner.gitlab_scan import GitLabRun, scan_gitlab

        options = scan_options(catalog, as_of, since, attestations, None)
        lab = GitLabRun(target=gitlab, token=token, cache_dir=cache_dir or default_cache_dir(),
                        selection=selection, concurrency=concurrency,
                        max_requests=max_requests, extra=extra, journal=journal,
                        ca_file=os.environ.get("CI_SERVER_TLS_CA_FILE") or None)
        report, lab_stats = run_remote(lambda make: scan_gitlab(lab, options, note=note,
                                                                make_reporter=make),
                                       quiet=quiet, verbose=verbose)
        budget = f" of a budget of {lab_stats.budget}" if lab_stats.budget else ""
        note(f"GitLab API: {lab_stats.requests} requests{budget}, {lab_stats.rate_limited} "
             f"answered 429 (waited {lab_stats.waited:.0f} s)")
        return report, options
    return scan_local(Path(target), catalog, as_of, since, attestations,
                      note if show_progress else None, extra)


def scan_options(catalog: Any, as_of: datetime, since: datetime, attestations: Path | None,
                 source: Any) -> Any:
    """Scan options with the attestation file: ``--attestations``, else the repository's."""
    from collectors.sources.base import Unreadable
    from scanner.attest import AttestationError, load_attestations
    from scanner.engine import ScanOptions, file_digest

    data, name = None, None
    if attestations is not None:
        try:
            data, name = attestations.read_bytes(), str(attestations)
        except OSError as exc:
            fail(f"--attestations {attestations}: {exc.strerror or exc}")
    elif source is not None:
        try:
            data, _blob = source.read(IN_REPO_ATTESTATIONS, 1024 * 1024)
            name = f"tree:{IN_REPO_ATTESTATIONS}"
        except Unreadable:
            pass
    records: tuple[Any, ...] = ()
    if data is not None:
        try:
            records = load_attestations(
                data, known_ids=catalog.model.ids(), as_of=as_of,
                max_age_days=catalog.model.attestation_max_age_days,
                favourable_no={q.id for q in catalog.model.questions if q.favourable == "no"})
        except AttestationError as exc:
            fail(f"attestations {name}: {exc}")
    return ScanOptions(catalog=catalog, as_of=as_of, since=since, attestations=records,
                       attestation_file=name,
                       attestation_digest=file_digest(data) if data is not None else None,
                       attestation_data=data)


def scan_local(path: Path, catalog: Any, as_of: datetime, since: datetime,
               attestations: Path | None, progress: Any, extra: tuple[Any, ...]
               ) -> tuple[Any, Any]:
    """One local repository: its report and the scan options used."""
    from collectors.registry import LOCAL
    from collectors.sources.base import SourceError
    from collectors.sources.local import LocalSource
    from scanner.engine import scan as scan_one

    try:
        source = LocalSource(path)
    except SourceError as exc:
        fail(str(exc))
    options = scan_options(catalog, as_of, since, attestations, source)
    return scan_one(source, options, progress=progress, collectors=(*LOCAL, *extra)), options


def run_remote(work: Any, *, quiet: bool, verbose: int) -> Any:
    """Run a platform scan with a progress bar on a terminal, log lines otherwise."""
    from collectors.sources.base import SourceError
    from scanner.progress import BarReporter, LineReporter

    bar = not quiet and not verbose and sys.stderr.isatty()
    holder: list[BarReporter] = []

    def make(total: int) -> Any:
        if bar:
            holder.append(BarReporter(total).__enter__())
            return holder[0]
        echo = (lambda _m: None) if quiet else (lambda m: click.echo(f"aims: {m}", err=True))
        return LineReporter(echo, total, steps=verbose > 1)

    try:
        return work(make)
    except SourceError as exc:
        fail(str(exc))
    finally:
        for reporter in holder:
            reporter.__exit__(None, None, None)


def plan_delivery(formats: tuple[str, ...], outputs: tuple[Path, ...], out_dir: Path | None,
                  *, sarif_unknown: bool, bundle: Path | None, sign_key: Path | None,
                  fail_under: str | None, basis: str, history: str | None,
                  cache_dir: Path) -> Any:
    """What to do with the report, checked before the scan so a mistake costs nothing."""
    from scanner.bundle import BundleError, load_signing_key
    from scanner.gates import GateError, parse_gates
    from scanner.history import default_history_path
    from scanner.outputs import OutputError, plan_outputs, split_formats
    from scanner.publish import Delivery

    try:
        plan = plan_outputs(split_formats(formats), outputs, out_dir,
                            terminal=sys.stdout.isatty())
    except OutputError as exc:
        fail(str(exc))
    try:
        gates = parse_gates(fail_under) if fail_under else ()
    except GateError as exc:
        fail(f"--fail-under: {exc}")
    if sign_key is not None:
        if bundle is None:
            fail("--sign-key signs the evidence bundle: give --bundle PATH too")
        try:
            load_signing_key(sign_key)
        except BundleError as exc:
            fail(f"--sign-key: {exc}")
    return Delivery(outputs=plan, sarif_unknown=sarif_unknown, bundle=bundle,
                    sign_key=sign_key, gates=gates, basis=basis,
                    history=None if history is None else
                    (Path(history) if history else default_history_path(cache_dir)),
                    command=command_line())


def deliver(report: Any, options: Any, delivery: Any, journal: Any, *, verbose: int,
            quiet: bool) -> None:
    """Write every output, the bundle and the history; exit 1 on a failed gate, 3 if partial."""
    from scanner.publish import PublishError, publish

    color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    width = min(shutil.get_terminal_size().columns, 120) if color else 80
    try:
        outcome = publish(report, options, delivery, color=color, width=width,
                          detail=verbose > 0,
                          warn=lambda msg: click.echo(f"aims: warning: {msg}", err=True))
    except PublishError as exc:
        fail(str(exc))
    if journal is not None:
        journal.finish()  # the report is written: nothing is left to resume
    for text in outcome.stdout:
        click.echo(text, nl=False)
    if not quiet and outcome.written:
        paths = ", ".join(str(path) for path in outcome.written)
        click.echo(f"aims: {summary_line(report)}; report written to {paths}", err=True)
    for line in outcome.refused:
        click.echo(f"aims: error: {line}", err=True)
    for line in outcome.gate_failures:
        click.echo(f"aims: gate failed: {line}", err=True)
    if outcome.refused:
        sys.exit(EXIT_USAGE)
    if outcome.gate_failures:
        sys.exit(EXIT_GATE)
    if report.partial:
        if not quiet:
            click.echo("aims: partial result: some evidence could not be read (exit 3)",
                       err=True)
        sys.exit(EXIT_PARTIAL)


def summary_line(report: Any) -> str:
    """One line naming the result, for the terminal when the report goes to a file."""
    organisation = report.organisation
    if organisation is not None:
        return (f"{organisation.target}: {len(report.repositories)} repositories, "
                f"organisation stage {organisation.stage.floor}")
    repo = report.repositories[0]
    return f"{repo.repo}: Model D {repo.code}, Model S stage {repo.stage.floor}"


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
def catalog(fmt: str) -> None:
    """Print the indicators and questions with their levels and rationale."""
    from scanner.catalog import load_catalog
    from scanner.report import catalog_view

    click.echo(catalog_view.render(load_catalog(), fmt), nl=False)


def _add_commands() -> None:
    """The sub-commands defined in their own modules (none imports collectors or rules)."""
    from scanner.commands import history_commands, merge, verify

    for command in (history_commands.diff, history_commands.trend, merge.merge, verify.verify):
        cli.add_command(command)


_add_commands()


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point; returns the exit code."""
    try:
        arguments = list(sys.argv[1:] if argv is None else argv)
        # The bundle records the exact command line; keep it for the sub-command to read.
        cli.main(args=arguments, prog_name="aims", standalone_mode=False,
                 obj={"argv": ("aims", *arguments)})
    except click.exceptions.Abort:
        click.echo("aims: aborted", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return EXIT_USAGE
    except SystemExit as exc:
        return int(exc.code or 0) if isinstance(exc.code, int) else EXIT_USAGE
    except Exception as exc:
        if os.environ.get("AIMS_DEBUG"):
            traceback.print_exc()
        message = redact(f"{type(exc).__name__}: {exc}")
        click.echo(f"aims: internal error: {message}. This is a bug in aims; please report "
                   "it (AIMS_DEBUG=1 shows the traceback).", err=True)
        return EXIT_INTERNAL
    return EXIT_OK
