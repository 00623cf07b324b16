"""Verifying an evidence bundle: every check :mod:`scanner.bundle` makes possible, in order.

Each check says passed, failed or not checked and names exactly what fails (which file,
the expected and actual digest prefixes, missing or extra files, a non-canonical file, a
signature by another key). A zip is read member by member with path traversal, duplicate
names and oversized members refused, so reading a hostile bundle cannot write anything or
exhaust memory.
"""

from __future__ import annotations

import json
import os
import re
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from scanner import dsse
from scanner.bundle import (
    ENVELOPE,
    MANIFEST,
    PREDICATE_TYPE,
    REQUIRED,
    STATEMENT_TYPE,
    BundleError,
    canonical_json,
    sha256,
)

PASSED, FAILED, NOT_CHECKED = "passed", "failed", "not checked"
#: A zip member declaring more than this is refused rather than read into memory.
MAX_MEMBER_BYTES = 1 << 30
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
#: How many hex digits of a digest a message shows.
_PREFIX = 12


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
