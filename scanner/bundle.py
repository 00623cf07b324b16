"""The evidence bundle: everything an auditor needs to re-check a scan, sealed by a manifest.

Layout (a directory, or a zip file when the path ends in ``.zip``)::

    report.json            the JSON report, exactly as the scan wrote it
    evidence/<id>.json     every evidence item and gap of the report, one file each
    catalog.json           the catalog the scan decided with
    attestations/<name>    the attestation file used, byte for byte (when there was one)
    run.json               tool, catalog and schema versions, target, as_of, command line
    manifest.json          {"files": {path: {"sha256", "size"}}} for every file above
    statement.dsse.json    a DSSE envelope around an in-toto Statement v1 whose subject is
                           manifest.json, signed with Ed25519 when a key is given

Every JSON file but ``report.json`` is canonical (sorted keys, two-space indent, UTF-8,
trailing newline); verification re-serialises the manifest, the envelope and the
statement and compares bytes, so a changed space is caught as surely as a changed digest.
Without a signature the bundle only shows accidental damage: anyone can rebuild the
manifest and statement. Zip members carry fixed timestamps (the report's ``as_of``) and
permissions, so two bundles of the same inputs are byte-identical (with the same zlib).

The statement's ``predicateType`` is :data:`PREDICATE_TYPE`. in-toto asks for a versioned
URI under a namespace one controls; the project has no domain yet, so it lives under the
reserved ``.invalid`` top-level domain (RFC 6761), which will never resolve or belong to
anyone else. Change it (and the ``v1``) when the project gets a real home.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from scanner import dsse
from scanner.console import write_atomically
from scanner.evidence import redact
from scanner.report.json_report import TOOL_NAME

BUNDLE_FORMAT = 1
MANIFEST = "manifest.json"
ENVELOPE = "statement.dsse.json"
REQUIRED = ("catalog.json", "report.json", "run.json")
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://ai-maturity-scanner.invalid/evidence-bundle/v1"

_EVIDENCE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_UNSAFE_CHARS = re.compile(r"[^A-Za-z0-9._-]")


class BundleError(Exception):
    """A bundle that cannot be written or read (bad key, unwritable path, not a bundle)."""


def canonical_json(value: Any) -> bytes:
    """The one byte form of a JSON value in a bundle."""
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, separators=(",", ": "))
    return (text + "\n").encode("utf-8")


def sha256(data: bytes) -> str:
    """SHA-256 hex digest."""
    return hashlib.sha256(data).hexdigest()


# Writing


def write_bundle(path: Path, *, report_text: str, document: Mapping[str, Any],
                 catalog_doc: Mapping[str, Any], attestation: tuple[str, bytes] | None,
                 command: Sequence[str], tool_version: str, sign_key: Path | None) -> None:
    """Write the bundle to a directory, or to a zip file when ``path`` ends in ``.zip``."""
    if document["catalog_version"] != catalog_doc["catalog_version"]:
        raise BundleError(f"the report was made with catalog {document['catalog_version']}, "
                          f"not with the catalog given ({catalog_doc['catalog_version']})")
    moment = _zip_time(str(document["as_of"]))
    key = load_signing_key(sign_key) if sign_key is not None else None
    files = _files(report_text, document, catalog_doc, attestation=attestation, command=command,
                   tool_version=tool_version)
    manifest = canonical_json({"files": {name: {"sha256": sha256(data), "size": len(data)}
                                         for name, data in sorted(files.items())}})
    statement = canonical_json(_statement(document, tool_version, manifest))
    envelope = dsse.sign(statement, dsse.IN_TOTO_PAYLOAD_TYPE, key)
    files |= {MANIFEST: manifest, ENVELOPE: canonical_json(envelope.to_dict())}
    try:
        if path.suffix.lower() == ".zip":
            _write_zip(path, files, moment)
        else:
            _write_directory(path, files)
    except OSError as exc:
        raise BundleError(f"cannot write the bundle {path}: {exc.strerror or exc}") from None


def load_signing_key(path: Path) -> Ed25519PrivateKey:
    """The Ed25519 key in a PEM file (passphrase from ``$AIMS_SIGN_KEY_PASSPHRASE``), so a bad
    key can be refused before a scan; BundleError says what is wrong without key material."""
    try:
        return dsse.load_private_key(path)
    except dsse.KeyFileError as exc:
        raise BundleError(str(exc)) from None


def _files(report_text: str, document: Mapping[str, Any], catalog_doc: Mapping[str, Any], *,
           attestation: tuple[str, bytes] | None, command: Sequence[str],
           tool_version: str) -> dict[str, bytes]:
    attestation_name = None if attestation is None else safe_basename(attestation[0])
    files = {
        "report.json": report_text.encode("utf-8"),
        "catalog.json": canonical_json(catalog_doc),
        "run.json": canonical_json({
            "bundle_format": BUNDLE_FORMAT,
            "tool": {"name": TOOL_NAME, "version": tool_version},
            "catalog_version": catalog_doc["catalog_version"],
            "schema_version": document["schema_version"],
            "target": _target(document),
            "as_of": document["as_of"],
            "attestation": attestation_name,
            # Tokens must never reach an audit folder, even when passed on the command line.
            "command": [redact(argument) for argument in command],
        }),
    }
    for item in document["evidence"]:
        ident = str(item["id"])
        name = f"evidence/{ident}.json"
        if not _EVIDENCE_ID.match(ident):
            raise BundleError(f"evidence id {ident!r} cannot be used as a file name")
        if name in files:
            raise BundleError(f"evidence id {ident} appears twice in the report")
        files[name] = canonical_json(item)
    if attestation is not None:
        files[f"attestations/{attestation_name}"] = attestation[1]
    return files


def safe_basename(name: str) -> str:
    """The last component of a path (either separator), with only ``[A-Za-z0-9._-]`` kept."""
    base = _UNSAFE_CHARS.sub("_", name.replace("\\", "/").rsplit("/", 1)[-1]).lstrip(".")
    return base or "attestations"


def _target(document: Mapping[str, Any]) -> str | None:
    repos = [r["repo"] for r in document["repositories"]]
    target: str | None = document.get("target")
    return target or (repos[0] if len(repos) == 1 else None)


def _statement(document: Mapping[str, Any], tool_version: str, manifest: bytes) -> dict[str, Any]:
    organisation = document.get("organisation")
    repositories = [{"repo": r["repo"], "code": r["model_d"]["code"],
                     "codeCeiling": r["model_d"]["code_ceiling"], "stage": r["model_s"]["stage"],
                     "stageCeiling": r["model_s"]["stage_ceiling"]}
                    for r in document["repositories"]]
    return {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": MANIFEST, "digest": {"sha256": sha256(manifest)}}],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "tool": {"name": TOOL_NAME, "version": tool_version},
            "catalogVersion": document["catalog_version"],
            "schemaVersion": document["schema_version"],
            "target": _target(document),
            # The scan's fixed clock: evidence was read as of this moment.
            "assessedAt": document["as_of"],
            "partial": document["partial"],
            "repositories": sorted(repositories, key=lambda r: str(r["repo"])),
            "organisation": None if not organisation else {
                "stage": organisation["stage"]["floor"],
                "stageCeiling": organisation["stage"]["ceiling"],
                "scanned": organisation["scanned"], "failed": organisation["failed"]},
            "failures": sorted(str(f["repo"]) for f in document.get("failures") or ()),
        },
    }


def _zip_time(as_of: str) -> tuple[int, int, int, int, int, int]:
    try:
        moment = datetime.fromisoformat(as_of)
    except ValueError:
        raise BundleError(f"the report's as_of {as_of!r} is not an ISO date-time") from None
    moment = moment.astimezone(UTC) if moment.tzinfo else moment
    # Zip timestamps only span 1980-2107; they carry no meaning here beyond being fixed.
    year = min(max(moment.year, 1980), 2107)
    return (year, moment.month, moment.day, moment.hour, moment.minute, moment.second)


def _write_zip(path: Path, files: Mapping[str, bytes],
               moment: tuple[int, int, int, int, int, int]) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=moment)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            archive.writestr(info, files[name])
    write_atomically(path, buffer.getvalue())


def _write_directory(path: Path, files: Mapping[str, bytes]) -> None:
    if path.exists() and not (path.is_dir() and not any(path.iterdir())):
        raise BundleError(f"{path} already exists and is not an empty directory: remove it or "
                          "choose another bundle path")
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written aside and renamed, so a reader never sees half a bundle.
    staging = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"))
    try:
        for name in sorted(files):
            target = staging / name
            target.parent.mkdir(exist_ok=True)
            target.write_bytes(files[name])
        staging.chmod(0o755)
        if path.exists():
            path.rmdir()
        staging.rename(path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
