"""``aims verify``: check an evidence bundle's manifest, hashes, statement and signature.

Exit codes: 0 every check passed (without ``--key`` the signature is reported as not
checked, which does not fail); 1 a check failed, including a zip file whose members are
unsafe, duplicated or corrupt; 2 the path cannot be read, is neither a directory nor a
zip file, has a zip directory that cannot be read, is not a bundle (neither manifest.json
nor statement.dsse.json), or the key file is unusable.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

import click

from scanner.bundle import BundleError
from scanner.bundle_check import NOT_CHECKED, Check, passed, verify_bundle
from scanner.console import EXIT_GATE, EXIT_OK, fail
from scanner.dsse import KeyFileError, load_public_key
from scanner.report.table import clean

_WIDTH = max(len(s) for s in ("passed", "failed", NOT_CHECKED))


@click.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--key", "key_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Ed25519 public key (PEM) to check the signature with. Without it the "
                   "signature is not checked.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
def verify(path: Path, key_path: Path | None, fmt: str) -> None:
    """Check the evidence bundle at PATH (directory or .zip) and say exactly what fails."""
    try:
        key = load_public_key(key_path) if key_path is not None else None
    except KeyFileError as exc:
        fail(str(exc))
    try:
        checks = verify_bundle(path, key)
    except BundleError as exc:
        fail(clean(str(exc)))
    click.echo(render_json(checks) if fmt == "json" else render_text(checks), nl=False)
    sys.exit(EXIT_OK if passed(checks) else EXIT_GATE)


def render_text(checks: Sequence[Check]) -> str:
    """One line per check, its problems indented below, and the verdict."""
    lines = []
    for check in checks:
        lines.append(f"{check.status:<{_WIDTH}}  {check.name}: {clean(check.summary)}")
        lines += [f"{'':<{_WIDTH}}    {clean(problem)}" for problem in check.problems]
    failed = [check.name for check in checks if check.status == "failed"]
    signature = next((c for c in checks if c.name == "signature"), None)
    if failed:
        lines.append(f"FAILED: {', '.join(failed)}")
    elif signature is not None and signature.status == NOT_CHECKED:
        lines.append("OK: files intact; the signature was NOT checked (pass --key)")
    else:
        lines.append("OK: files intact and the signature is valid")
    return "\n".join(lines) + "\n"


def render_json(checks: Sequence[Check]) -> str:
    """The checks as JSON (sorted keys, trailing newline)."""
    document = {
        "passed": passed(checks),
        "signature_verified": any(c.name == "signature" and c.status == "passed"
                                 for c in checks),
        "checks": [{"name": c.name, "status": c.status, "summary": c.summary,
                    "problems": list(c.problems)} for c in checks],
    }
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
