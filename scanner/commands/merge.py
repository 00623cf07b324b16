"""``aims merge``: join the reports or evidence bundles of a sharded scan into one report.

Inputs are either all JSON reports or all evidence bundles (a directory or a ``.zip``);
bundles are verified first (their signatures too with ``--key``) and can be merged into a
new bundle with ``--bundle``. Every format ``aims scan`` writes can be written from the
merged report. Exit codes as for ``scan``: 0 merged; 2 an input cannot be read, is not an
aims organisation report, fails verification, or the shards are not of one run or
overlap; 3 the merged report is partial.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import click

from scanner.bundle import BundleError, load_signing_key, write_bundle
from scanner.catalog import load_catalog
from scanner.console import EXIT_PARTIAL, EXIT_USAGE, command_line, fail
from scanner.dsse import KeyFileError, load_public_key
from scanner.merge import MergeError, merge_bundles, merge_shards
from scanner.model import Report
from scanner.outputs import Output, OutputError, plan_outputs, split_formats
from scanner.report import catalog_view
from scanner.report.table import clean


@click.command()
@click.argument("shards", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "formats", multiple=True, metavar="FORMAT",
              help="Report format, as for scan: table, json, sarif, markdown, html, "
                   "gitlab-codequality (repeat or comma-separate). Default: table on a "
                   "terminal, json otherwise.")
@click.option("-o", "--output", "outputs", multiple=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to FILE (once per --format, in the same order).")
@click.option("--out-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write every format into DIR under its usual name.")
@click.option("--sarif-unknown", is_flag=True,
              help="SARIF: also report indicators that could not be decided, as notes.")
@click.option("--bundle", "bundle_path", type=click.Path(path_type=Path), metavar="PATH",
              help="Also write the merged evidence bundle (a directory, or a .zip file); "
                   "the shards must be bundles.")
@click.option("--sign-key", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              metavar="PEM", help="Sign the merged bundle with this Ed25519 private key.")
@click.option("--key", "key_path", type=click.Path(dir_okay=False, path_type=Path),
              metavar="PEM", help="Ed25519 public key the shard bundles must be signed with.")
@click.option("-q", "--quiet", is_flag=True, help="Errors only.")
def merge(shards: tuple[Path, ...], formats: tuple[str, ...],  # noqa: PLR0917 - click
          outputs: tuple[Path, ...], out_dir: Path | None, sarif_unknown: bool,
          bundle_path: Path | None, sign_key: Path | None, key_path: Path | None,
          quiet: bool) -> None:
    """Merge the reports of a sharded scan (aims scan ... --shard K/N) into the report of
    the whole organisation or group, identical to an unsharded scan's.

    SHARD is a JSON report, or an evidence bundle (a directory or .zip); give all N.
    """
    try:
        plan = plan_outputs(split_formats(formats), outputs, out_dir,
                            terminal=sys.stdout.isatty())
    except OutputError as exc:
        fail(str(exc))
    bundles = [path.is_dir() or path.suffix.lower() == ".zip" for path in shards]
    if any(bundles) and not all(bundles):
        fail("give the shards either all as JSON reports or all as bundles, not a mix")
    if not all(bundles) and (bundle_path is not None or key_path is not None):
        fail(f"{'--bundle' if bundle_path is not None else '--key'} needs the shards as "
             "evidence bundles (directories or .zip files)")
    if sign_key is not None:
        if bundle_path is None:
            fail("--sign-key signs the merged bundle: give --bundle PATH too")
        try:
            load_signing_key(sign_key)
        except BundleError as exc:
            fail(f"--sign-key: {exc}")
    try:
        key = load_public_key(key_path) if key_path is not None else None
    except KeyFileError as exc:
        fail(f"--key: {exc}")
    try:
        if all(bundles):
            merged = merge_bundles(shards, key)
            report, catalog, attestation = merged.report, merged.catalog, merged.attestation
        else:
            report = merge_shards([(str(path), functools.partial(_read_json, path))
                                   for path in shards])
            catalog, attestation = catalog_view.as_dict(load_catalog()), None
    except MergeError as exc:
        fail(clean(str(exc)))
    written, report_text, document = _write_outputs(plan, report, catalog,
                                                    sarif_unknown=sarif_unknown,
                                                    bundle=bundle_path is not None)
    if bundle_path is not None and report_text is not None:
        try:
            write_bundle(bundle_path, report_text=report_text, document=document,
                         catalog_doc=catalog, attestation=attestation, command=command_line(),
                         tool_version=report.tool_version, sign_key=sign_key)
        except BundleError as exc:
            fail(f"--bundle: {exc}")
        written.append(bundle_path)
    organisation = report.organisation
    assert organisation is not None  # merge_shards refuses reports without one
    if not quiet and written:
        click.echo(f"aims: {clean(organisation.target)}: {len(shards)} shards, "
                   f"{len(report.repositories)} repositories, organisation stage "
                   f"{organisation.stage.floor}; written to "
                   f"{', '.join(str(path) for path in written)}", err=True)
    if report.partial:
        if not quiet:
            click.echo("aims: partial result: some evidence could not be read (exit 3)",
                       err=True)
        sys.exit(EXIT_PARTIAL)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        fail(f"{path}: cannot read ({exc.strerror or exc})")
    except (UnicodeDecodeError, ValueError) as exc:
        fail(f"{path}: not a JSON report ({exc})")


def _write_outputs(plan: Sequence[Output], report: Report, catalog: Any, *,
                   sarif_unknown: bool, bundle: bool
                   ) -> tuple[list[Path], str | None, Mapping[str, Any]]:
    """Every format asked for, rendered and written as ``scan`` does it; the files written,
    and the report's text and document when the bundle needs them."""
    # publish imports the engine, and with it the rules: only after the CLI's self-check.
    from scanner.publish import (  # noqa: PLC0415
        PublishError,
        View,
        report_forms,
        write_outputs,
    )

    color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    report_text, document = report_forms(report, plan, bundle=bundle)
    view = View(report=report, report_text=report_text, document=document, catalog=catalog,
                diff=None, trend=(), sarif_unknown=sarif_unknown, color=color,
                width=min(shutil.get_terminal_size().columns, 120) if color else 80,
                detail=False)
    try:
        done = write_outputs(plan, view)
    except PublishError as exc:
        fail(str(exc))
    for text in done.stdout:
        click.echo(text, nl=False)
    for line in done.refused:
        click.echo(f"aims: error: {line}", err=True)
    if done.refused:
        sys.exit(EXIT_USAGE)
    return list(done.written), report_text, document
