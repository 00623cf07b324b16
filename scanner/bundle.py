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
import os
import re
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

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
#: A zip member declaring more than this is refused rather than read into memory.
MAX_MEMBER_BYTES = 1 << 30

PASSED, FAILED, NOT_CHECKED = "passed", "failed", "not checked"

_EVIDENCE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_UNSAFE_CHARS = re.compile(r"[^A-Za-z0-9._-]")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_PREFIX = 12


class BundleError(Exception):
    """A bundle that cannot be written or read (bad key, unwritable path, not a bundle)."""


@dataclass(frozen=True, slots=True)
class Check:
    """One verification step: passed, failed or not checked, with what exactly fails."""

    name: str
    status: str
    summary: str
    problems: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Contents:
    """The files of a bundle as read, and what was wrong with the container itself."""

    kind: str
    files: Mapping[str, bytes]
    problems: tuple[str, ...]


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


# Reading


def read_bundle(path: Path) -> Contents:
    """The files of a bundle directory or zip; BundleError when it is neither or unreadable."""
    if path.is_dir():
        contents = _read_directory(path)
    elif path.is_file():
        if not zipfile.is_zipfile(path):
            raise BundleError(f"{path} is neither a directory nor a zip file")
        contents = _read_zip(path)
    else:
        raise BundleError(f"{path}: no such file or directory")
    if MANIFEST not in contents.files and ENVELOPE not in contents.files:
        raise BundleError(f"{path} is not an aims evidence bundle: it has neither {MANIFEST} "
                          f"nor {ENVELOPE}")
    return contents


def _read_directory(path: Path) -> Contents:
    files: dict[str, bytes] = {}
    problems: list[str] = []
    try:
        walk = list(os.walk(path, onerror=_raise))
    except OSError as exc:
        raise BundleError(f"{path}: cannot read ({exc.strerror or exc})") from None
    for folder, dirs, names in walk:
        for name in sorted([*dirs, *names]):
            entry = Path(folder, name)
            rel = entry.relative_to(path).as_posix()
            if entry.is_symlink():
                problems.append(f"{rel!r}: a symbolic link, not a file")
            elif entry.is_file():
                try:
                    files[rel] = entry.read_bytes()
                except OSError as exc:
                    problems.append(f"{rel!r}: cannot read ({exc.strerror or exc})")
            elif not entry.is_dir():
                problems.append(f"{rel!r}: not a regular file")
    return Contents("directory", files, tuple(problems))


def _raise(error: OSError) -> None:
    raise error


def _read_zip(path: Path) -> Contents:
    files: dict[str, bytes] = {}
    problems: list[str] = []
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                problem = _member_problem(info, files)
                if problem:
                    problems.append(f"{info.filename!r}: {problem}")
                    continue
                try:
                    files[info.filename] = archive.read(info)
                except (zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError) as exc:
                    problems.append(f"{info.filename!r}: cannot be read ({exc})")
    except (zipfile.BadZipFile, OSError) as exc:
        raise BundleError(f"{path}: cannot read the zip file ({exc})") from None
    return Contents("zip file", files, tuple(problems))


def _member_problem(info: zipfile.ZipInfo, seen: Mapping[str, bytes]) -> str | None:
    name = info.filename
    parts = PurePosixPath(name).parts
    if name.startswith("/") or "\\" in name or re.match(r"^[A-Za-z]:", name):
        return "absolute path"
    if ".." in parts:
        return "path traversal ('..')"
    if info.is_dir() or not parts or "." in name.split("/") or "" in name.split("/"):
        return "not a plain file name"
    if name in seen:
        return "appears more than once"
    if info.file_size > MAX_MEMBER_BYTES:
        return f"too large ({info.file_size} bytes)"
    return None


# Checking


def verify_bundle(path: Path, key: Ed25519PublicKey | None) -> tuple[Check, ...]:
    """Every check of the bundle at ``path``, in order; BundleError when it cannot be read."""
    contents = read_bundle(path)
    count = f"{len(contents.files)} files"
    container = (Check("container", FAILED, f"{contents.kind} with problems", contents.problems)
                 if contents.problems else Check("container", PASSED, f"{contents.kind}, {count}"))
    return (container, *check_files(contents.files, key))


def check_files(files: Mapping[str, bytes], key: Ed25519PublicKey | None) -> tuple[Check, ...]:
    """Check bundle files (path -> bytes): manifest, files, hashes, envelope, statement,
    signature (only with a key)."""
    entries, manifest_check = _check_manifest(files.get(MANIFEST))
    envelope, envelope_check = _check_envelope(files.get(ENVELOPE))
    return (
        manifest_check,
        _check_listing(files, entries),
        _check_hashes(files, entries),
        envelope_check,
        _check_statement(envelope, files.get(MANIFEST)),
        _check_signature(envelope, key),
    )


def passed(checks: Sequence[Check]) -> bool:
    """Whether no check failed (a signature not checked does not fail)."""
    return all(check.status != FAILED for check in checks)


def _failed(name: str, summary: str, *problems: str) -> Check:
    return Check(name, FAILED, summary, problems)


def _parse_canonical(raw: bytes, name: str) -> tuple[Any, str | None]:
    """The parsed JSON, or a problem: not UTF-8 JSON, or not byte-for-byte canonical."""
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        return None, f"{name} is not valid JSON ({exc})"
    if canonical_json(value) != raw:
        return None, f"{name} is not in canonical form (re-serialised bytes differ)"
    return value, None


def _check_manifest(raw: bytes | None) -> tuple[dict[str, tuple[str, int]] | None, Check]:
    if raw is None:
        return None, _failed("manifest", f"{MANIFEST} is missing")
    value, problem = _parse_canonical(raw, MANIFEST)
    if problem:
        return None, _failed("manifest", f"{MANIFEST} is unusable", problem)
    listed = value.get("files") if isinstance(value, dict) and set(value) == {"files"} else None
    if not isinstance(listed, dict):
        return None, _failed("manifest", f"{MANIFEST} is unusable",
                             'expected exactly {"files": {path: {"sha256", "size"}}}')
    entries: dict[str, tuple[str, int]] = {}
    bad = []
    for name, entry in listed.items():
        if (isinstance(entry, dict) and set(entry) == {"sha256", "size"}
                and isinstance(entry["sha256"], str) and _SHA256.match(entry["sha256"])
                and type(entry["size"]) is int and entry["size"] >= 0):
            entries[name] = (entry["sha256"], entry["size"])
        else:
            bad.append(f"{name!r}: expected {{\"sha256\": 64 hex digits, \"size\": bytes}}")
    if bad:
        return None, _failed("manifest", f"{MANIFEST} is unusable", *bad)
    return entries, Check("manifest", PASSED, f"canonical, lists {len(entries)} files")


def _check_listing(files: Mapping[str, bytes], entries: Mapping[str, Any] | None) -> Check:
    if entries is None:
        return Check("files", NOT_CHECKED, f"{MANIFEST} is unusable")
    present = set(files) - {MANIFEST, ENVELOPE}
    problems = [f"missing: {name!r} (listed in {MANIFEST})" for name in sorted(set(entries) -
                                                                                   present)]
    problems += [f"extra: {name!r} (not listed in {MANIFEST})" for name in sorted(present -
                                                                                   set(entries))]
    problems += [f"required: {name!r} is not listed in {MANIFEST}" for name in REQUIRED
                 if name not in entries]
    if problems:
        return _failed("files", f"the files do not match {MANIFEST}", *problems)
    return Check("files", PASSED, f"exactly the {len(entries)} files {MANIFEST} lists")


def _check_hashes(files: Mapping[str, bytes], entries: Mapping[str, tuple[str, int]] | None,
                  ) -> Check:
    if entries is None:
        return Check("hashes", NOT_CHECKED, f"{MANIFEST} is unusable")
    problems = []
    for name, (digest, size) in sorted(entries.items()):
        data = files.get(name)
        if data is None:
            continue
        actual = sha256(data)
        if actual != digest:
            problems.append(f"{name!r}: sha256 expected {digest[:_PREFIX]}…, actual "
                            f"{actual[:_PREFIX]}…; size expected {size}, actual {len(data)}")
        elif len(data) != size:
            problems.append(f"{name!r}: size expected {size}, actual {len(data)}")
    if problems:
        return _failed("hashes", f"{len(problems)} files differ from {MANIFEST}", *problems)
    return Check("hashes", PASSED, f"every file matches its SHA-256 in {MANIFEST}")


def _check_envelope(raw: bytes | None) -> tuple[dsse.Envelope | None, Check]:
    if raw is None:
        return None, _failed("envelope", f"{ENVELOPE} is missing")
    value, problem = _parse_canonical(raw, ENVELOPE)
    if problem:
        return None, _failed("envelope", f"{ENVELOPE} is unusable", problem)
    try:
        envelope = dsse.Envelope.from_dict(value)
    except ValueError as exc:
        return None, _failed("envelope", f"{ENVELOPE} is not a DSSE envelope", str(exc))
    if envelope.payload_type != dsse.IN_TOTO_PAYLOAD_TYPE:
        return None, _failed("envelope", "wrong payload type",
                             f"payloadType expected {dsse.IN_TOTO_PAYLOAD_TYPE}, actual "
                             f"{envelope.payload_type!r}")
    return envelope, Check("envelope", PASSED, f"canonical DSSE, {dsse.IN_TOTO_PAYLOAD_TYPE}")


def _check_statement(envelope: dsse.Envelope | None, manifest: bytes | None) -> Check:
    if envelope is None:
        return Check("statement", NOT_CHECKED, f"{ENVELOPE} is unusable")
    statement, problem = _parse_canonical(envelope.payload, "the statement")
    if problem:
        return _failed("statement", "the payload is not a usable statement", problem)
    if not isinstance(statement, dict):
        return _failed("statement", "the payload is not a JSON object")
    problems = []
    if statement.get("_type") != STATEMENT_TYPE:
        problems.append(f"_type expected {STATEMENT_TYPE}, actual {statement.get('_type')!r}")
    if statement.get("predicateType") != PREDICATE_TYPE:
        problems.append(f"predicateType expected {PREDICATE_TYPE}, actual "
                        f"{statement.get('predicateType')!r}")
    if not isinstance(statement.get("predicate"), dict):
        problems.append("predicate is not an object")
    expected = sha256(manifest or b"")
    if manifest is None:
        problems.append(f"the subject cannot be checked: {MANIFEST} is missing")
    elif statement.get("subject") != [{"name": MANIFEST, "digest": {"sha256": expected}}]:
        problems.append(f"the subject does not match {MANIFEST}: expected only {MANIFEST} "
                        f"with sha256 {expected[:_PREFIX]}…, actual "
                        f"{_subject_text(statement.get('subject'))}")
    if problems:
        return _failed("statement", "the statement does not match the bundle", *problems)
    return Check("statement", PASSED,
                 f"in-toto Statement v1 about {MANIFEST} (sha256 {expected[:_PREFIX]}…)")


def _subject_text(subject: object) -> str:
    if not isinstance(subject, list):
        return repr(subject)
    names = []
    for entry in subject:
        digest = entry.get("digest") if isinstance(entry, dict) else None
        sha = digest.get("sha256") if isinstance(digest, dict) else None
        name = entry.get("name") if isinstance(entry, dict) else None
        names.append(f"{name!r} with sha256 {str(sha)[:_PREFIX]}…")
    return ", ".join(names) or "no subject"


def _check_signature(envelope: dsse.Envelope | None, key: Ed25519PublicKey | None) -> Check:
    if envelope is None:
        return Check("signature", NOT_CHECKED, f"{ENVELOPE} is unusable")
    ids = ", ".join(s.keyid for s in envelope.signatures)
    if key is None:
        return Check("signature", NOT_CHECKED,
                     f"signed by key id {ids}, not verified: pass --key" if ids else
                     "unsigned bundle: there is no signature to check")
    expected = dsse.key_id(key)
    if not envelope.signatures:
        return _failed("signature", "the bundle is unsigned but --key was given")
    if len(envelope.signatures) != 1:
        return _failed("signature", f"expected 1 signature, found {len(envelope.signatures)}",
                       f"key ids: {ids}")
    signature = envelope.signatures[0]
    if signature.keyid != expected:
        return _failed("signature", "signed by another key",
                       f"signed by key id {signature.keyid}, not by the given key (key id "
                       f"{expected})")
    if not dsse.signature_valid(envelope, signature, key):
        return _failed("signature", f"signature invalid for key id {signature.keyid}")
    return Check("signature", PASSED, f"valid Ed25519 signature by key id {expected}")
