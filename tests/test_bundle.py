"""The evidence bundle: what it holds, that it is reproducible, and that verification
catches every change, checked by our code and by securesystemslib's DSSE implementation."""

from __future__ import annotations

import base64
import hashlib
import json
import random
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from securesystemslib.dsse import Envelope as SslibEnvelope
from securesystemslib.exceptions import VerificationError
from securesystemslib.signer import CryptoSigner, SSlibKey

from scanner import bundle, bundle_check, dsse
from scanner.bundle import BundleError
from scanner.bundle_check import FAILED, NOT_CHECKED, PASSED, Check
from scanner.catalog import Catalog
from scanner.commands import verify
from scanner.model import Report
from scanner.report import catalog_view, json_report
from tests.fixture_repos import PLANTED_TOKEN

# The organisation report fixture lives with the report tests; importing it shares it here.
from tests.report.conftest import org_report  # noqa: F401

GOLDEN = Path(__file__).parent / "golden" / "mid-maturity.json"
CHECKS = ("container", "manifest", "files", "hashes", "envelope", "statement", "signature")
ATTESTATION = (".aims/attestations.yaml", b"version: 1\nattestations: []\n")
#: Files up to this size get every byte flipped; larger ones a deterministic sample.
EXHAUSTIVE_BYTES = 4096
SAMPLE = 2000


@dataclass(frozen=True)
class Keys:
    private: Ed25519PrivateKey
    private_pem: Path
    public_pem: Path


def _pem(key: Ed25519PrivateKey, path: Path, passphrase: bytes | None = None) -> Path:
    encryption = (serialization.BestAvailableEncryption(passphrase) if passphrase
                  else serialization.NoEncryption())
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8, encryption))
    return path


def _make_keys(folder: Path) -> Keys:
    folder.mkdir(parents=True, exist_ok=True)
    private = Ed25519PrivateKey.generate()
    public_pem = folder / "public.pem"
    public_pem.write_bytes(private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return Keys(private, _pem(private, folder / "private.pem"), public_pem)


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    return _make_keys(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="module")
def other_keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    return _make_keys(tmp_path_factory.mktemp("other-keys"))


@pytest.fixture(scope="module")
def catalog_doc(catalog: Catalog) -> dict[str, Any]:
    return catalog_view.as_dict(catalog)


@pytest.fixture(scope="module")
def write(catalog_doc: dict[str, Any]) -> Callable[..., Path]:
    """Write a bundle of the golden report; keyword arguments override write_bundle's."""
    text = GOLDEN.read_text(encoding="utf-8")

    def build(path: Path, **overrides: Any) -> Path:
        arguments: dict[str, Any] = {
            "report_text": text, "document": json.loads(text), "catalog_doc": catalog_doc,
            "attestation": ATTESTATION, "command": ["aims", "scan", ".", "--bundle", "b"],
            "tool_version": "0.1.0", "sign_key": None}
        bundle.write_bundle(path, **(arguments | overrides))
        return path

    return build


@pytest.fixture(scope="module")
def signed_dir(tmp_path_factory: pytest.TempPathFactory, write: Callable[..., Path],
               keys: Keys) -> Path:
    return write(tmp_path_factory.mktemp("signed") / "bundle", sign_key=keys.private_pem)


def _statuses(checks: tuple[Check, ...]) -> dict[str, str]:
    return {check.name: check.status for check in checks}


def _problems(checks: tuple[Check, ...]) -> str:
    return "\n".join(f"{c.name}: {c.summary} {' | '.join(c.problems)}" for c in checks)


def _files(path: Path) -> dict[str, bytes]:
    return dict(bundle_check.read_bundle(path).files)


# What a bundle holds


def test_bundle_holds_report_evidence_catalog_attestation_run_and_manifest(
        signed_dir: Path, catalog_doc: dict[str, Any]) -> None:
    files = _files(signed_dir)
    document = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert files["report.json"] == GOLDEN.read_bytes()
    assert json.loads(files["catalog.json"]) == catalog_doc
    assert files["attestations/attestations.yaml"] == ATTESTATION[1]
    evidence = {name for name in files if name.startswith("evidence/")}
    assert evidence == {f"evidence/{item['id']}.json" for item in document["evidence"]}
    for item in document["evidence"]:
        assert json.loads(files[f"evidence/{item['id']}.json"]) == item
    run = json.loads(files["run.json"])
    assert run == {"bundle_format": 1, "tool": {"name": "aims", "version": "0.1.0"},
                   "catalog_version": document["catalog_version"], "schema_version": "1.4",
                   "target": "local:mid-maturity", "as_of": "2026-11-01T00:00:00Z",
                   "attestation": "attestations.yaml",
                   "command": ["aims", "scan", ".", "--bundle", "b"]}
    manifest = json.loads(files["manifest.json"])["files"]
    assert set(manifest) == set(files) - {"manifest.json", "statement.dsse.json"}
    for name, entry in manifest.items():
        assert entry == {"sha256": hashlib.sha256(files[name]).hexdigest(),
                         "size": len(files[name])}
    for name, data in files.items():
        if name.endswith(".json") and name != "report.json":
            assert data == bundle.canonical_json(json.loads(data)), name


def test_statement_summarises_the_scan(signed_dir: Path) -> None:
    envelope = json.loads(_files(signed_dir)["statement.dsse.json"])
    statement = json.loads(dsse.Envelope.from_dict(envelope).payload)
    assert statement["predicateType"] == bundle.PREDICATE_TYPE
    assert statement["predicate"] == {
        "tool": {"name": "aims", "version": "0.1.0"}, "catalogVersion": "2026.11.2",
        "schemaVersion": "1.4", "target": "local:mid-maturity",
        "assessedAt": "2026-11-01T00:00:00Z", "partial": False, "organisation": None,
        "failures": [],
        "repositories": [{"repo": "local:mid-maturity", "code": "2-2-1-3",
                          "codeCeiling": "5-2-1-3", "stage": 3, "stageCeiling": 3}]}


def test_organisation_statement_names_stage_and_failures(
        tmp_path: Path, write: Callable[..., Path],
        org_report: Report) -> None:  # noqa: F811
    text = json_report.render(org_report)
    path = write(tmp_path / "org", report_text=text, document=json.loads(text))
    envelope = dsse.Envelope.from_dict(json.loads(_files(path)["statement.dsse.json"]))
    predicate = json.loads(envelope.payload)["predicate"]
    assert predicate["organisation"] == {"stage": 1, "stageCeiling": 1, "scanned": 3,
                                         "failed": 2}
    assert predicate["failures"] == ["local:aa-refused", "local:zz-gone"]
    assert predicate["partial"] is True
    assert [r["repo"] for r in predicate["repositories"]] == sorted(
        r["repo"] for r in json.loads(text)["repositories"])
    assert bundle_check.passed(bundle_check.verify_bundle(path, None))


def test_command_line_is_redacted(tmp_path: Path, write: Callable[..., Path]) -> None:
    userinfo = "https://ci:" + "hunter2secret" + "@gitlab.example.com/group/project.git"
    path = write(tmp_path / "b.zip", command=["aims", "scan", "--token", PLANTED_TOKEN, userinfo])
    files = _files(path)
    assert json.loads(files["run.json"])["command"] == [
        "aims", "scan", "--token", "ghp_***", "https://***@gitlab.example.com/group/project.git"]
    for name, data in files.items():
        assert PLANTED_TOKEN[4:].encode() not in data, name
        assert b"hunter2secret" not in data, name


@pytest.mark.parametrize(("name", "expected"), [
    (".aims/attestations.yaml", "attestations.yaml"),
    ("C:\\audit\\my file.yaml", "my_file.yaml"),
    ("../../etc/passwd", "passwd"),
    ("..", "attestations"),
    ("", "attestations"),
    ("ok-name_1.yml", "ok-name_1.yml"),
])
def test_attestation_keeps_only_a_safe_basename(name: str, expected: str) -> None:
    assert bundle.safe_basename(name) == expected


# Reproducible


@pytest.mark.parametrize("signed", [False, True])
def test_two_zips_of_the_same_inputs_are_byte_identical(
        tmp_path: Path, write: Callable[..., Path], keys: Keys, signed: bool) -> None:
    key = keys.private_pem if signed else None
    first = write(tmp_path / "a.zip", sign_key=key)
    second = write(tmp_path / "b.zip", sign_key=key)
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == sorted(i.filename for i in infos)
    assert {(i.date_time, i.external_attr >> 16, i.create_system) for i in infos} == {
        ((2026, 11, 1, 0, 0, 0), 0o100644, 3)}
    assert _files(first) == _files(write(tmp_path / "dir", sign_key=key))


# Verification passes, and says what was and was not checked


@pytest.mark.parametrize("kind", ["dir", "b.zip"])
def test_signed_bundle_verifies_with_its_key(tmp_path: Path, write: Callable[..., Path],
                                             keys: Keys, kind: str) -> None:
    path = write(tmp_path / kind, sign_key=keys.private_pem)
    public = dsse.load_public_key(keys.public_pem)
    checks = bundle_check.verify_bundle(path, public)
    assert tuple(c.name for c in checks) == CHECKS
    assert set(_statuses(checks).values()) == {PASSED}, _problems(checks)
    assert checks[-1].summary == f"valid Ed25519 signature by key id {dsse.key_id(public)}"
    without_key = bundle_check.verify_bundle(path, None)
    assert bundle_check.passed(without_key)
    assert without_key[-1].status == NOT_CHECKED
    assert "not verified: pass --key" in without_key[-1].summary


def test_unsigned_bundle(tmp_path: Path, write: Callable[..., Path], keys: Keys) -> None:
    path = write(tmp_path / "unsigned")
    assert json.loads((path / "statement.dsse.json").read_bytes())["signatures"] == []
    checks = bundle_check.verify_bundle(path, None)
    assert bundle_check.passed(checks)
    assert checks[-1] == Check("signature", NOT_CHECKED,
                               "unsigned bundle: there is no signature to check")
    with_key = bundle_check.verify_bundle(path, dsse.load_public_key(keys.public_pem))
    assert not bundle_check.passed(with_key)
    assert with_key[-1].summary == "the bundle is unsigned but --key was given"


# Every change is detected


def _flip(data: bytes, position: int) -> bytes:
    """The data with one byte changed to another value; the new value cycles through a
    neighbour (base64 slack), JSON whitespace and an arbitrary byte."""
    original = data[position]
    choices = (original ^ 0x01, 0x20, 0x0A, 0x09, (original + 1 + position % 255) % 256)
    changed = choices[position % len(choices)]
    if changed == original:
        changed = choices[-1]
    return data[:position] + bytes([changed]) + data[position + 1:]


def _positions(size: int, seed: str) -> list[int]:
    if size <= EXHAUSTIVE_BYTES:
        return list(range(size))
    sample = random.Random(seed).sample(range(1, size - 1), SAMPLE - 2)
    return sorted({0, size - 1, *sample})


def test_every_single_byte_change_to_a_signed_bundle_is_detected(signed_dir: Path,
                                                                  keys: Keys) -> None:
    public = dsse.load_public_key(keys.public_pem)
    files = _files(signed_dir)
    assert bundle_check.passed(bundle_check.check_files(files, public))
    undetected = []
    tried = 0
    for name, data in sorted(files.items()):
        for position in _positions(len(data), name):
            tried += 1
            changed = files | {name: _flip(data, position)}
            if bundle_check.passed(bundle_check.check_files(changed, public)):
                undetected.append((name, position))
    assert undetected == []
    assert tried > 20_000


def test_a_byte_changed_on_disk_is_detected_in_every_file(tmp_path: Path, signed_dir: Path,
                                                          keys: Keys) -> None:
    public = dsse.load_public_key(keys.public_pem)
    path = shutil.copytree(signed_dir, tmp_path / "copy")
    for name, data in sorted(_files(signed_dir).items()):
        (path / name).write_bytes(_flip(data, len(data) // 2))
        assert not bundle_check.passed(bundle_check.verify_bundle(path, public)), name
        (path / name).write_bytes(data)
    assert bundle_check.passed(bundle_check.verify_bundle(path, public))


def _file(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _drop(name: str) -> Callable[[Path], None]:
    return lambda path: (path / name).unlink()


def _put(name: str, data: bytes) -> Callable[[Path], object]:
    return lambda path: _file(path / name, data)


def _first_evidence(path: Path) -> None:
    sorted((path / "evidence").iterdir())[0].unlink()


def _replace(name: str, old: bytes, new: bytes) -> Callable[[Path], object]:
    return lambda path: _file(path / name, (path / name).read_bytes().replace(old, new, 1))


def _slack_base64(path: Path) -> None:
    """Change a signature's last base64 digit only in bits the decoder ignores."""
    envelope = json.loads((path / "statement.dsse.json").read_bytes())
    sig = envelope["signatures"][0]["sig"]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    assert sig.endswith("==")
    slack = sig[:-3] + alphabet[alphabet.index(sig[-3]) ^ 1] + "=="
    assert base64.b64decode(slack) == base64.b64decode(sig)
    envelope["signatures"][0]["sig"] = slack
    _file(path / "statement.dsse.json", bundle.canonical_json(envelope))


def _reformat(name: str, **dumps: Any) -> Callable[[Path], None]:
    def change(path: Path) -> None:
        value = json.loads((path / name).read_bytes())
        (path / name).write_text(json.dumps(value, sort_keys=True, **dumps) + "\n")
    return change


@pytest.mark.parametrize(("change", "check", "text"), [
    (_put("evidence/ev-extra.json", b"{}\n"), "files",
     "extra: 'evidence/ev-extra.json' (not listed in manifest.json)"),
    (_put(".DS_Store", b""), "files", "extra: '.DS_Store'"),
    (_first_evidence, "files", "missing: 'evidence/"),
    (_drop("report.json"), "files", "missing: 'report.json' (listed in manifest.json)"),
    (_put("report.json", b"{}\n"), "hashes", "'report.json': sha256 expected "),
    (_drop("manifest.json"), "manifest", "manifest.json is missing"),
    (_drop("statement.dsse.json"), "envelope", "statement.dsse.json is missing"),
    (_reformat("manifest.json", indent=4), "manifest", "not in canonical form"),
    (_reformat("manifest.json", separators=(",", ":")), "manifest", "not in canonical form"),
    (_reformat("statement.dsse.json", indent=1), "envelope", "not in canonical form"),
    (_replace("statement.dsse.json", b'": "', b'":  "'), "envelope", "not in canonical form"),
    (_replace("manifest.json", b"\n  ", b"\n\t"), "manifest", "not in canonical form"),
    (_slack_base64, "envelope", "sig is not canonical base64"),
    (lambda path: (path / "link.json").symlink_to(path / "run.json"), "container",
     "'link.json': a symbolic link, not a file"),
    (_put("manifest.json", b"[]\n"), "manifest", 'expected exactly {"files"'),
])
def test_added_removed_or_reformatted_files_are_reported(
        tmp_path: Path, signed_dir: Path, keys: Keys, change: Callable[[Path], object],
        check: str, text: str) -> None:
    path = shutil.copytree(signed_dir, tmp_path / "copy")
    change(path)
    public = dsse.load_public_key(keys.public_pem)
    checks = {c.name: c for c in bundle_check.verify_bundle(path, public)}
    assert checks[check].status == FAILED
    assert text in checks[check].summary + "\n".join(checks[check].problems)


def _envelope_with(path: Path, *signatures: dsse.Signature) -> None:
    raw = json.loads((path / "statement.dsse.json").read_bytes())
    envelope = dsse.Envelope.from_dict(raw)
    forged = dsse.Envelope(envelope.payload, envelope.payload_type, signatures)
    (path / "statement.dsse.json").write_bytes(bundle.canonical_json(forged.to_dict()))


def test_wrong_key_forged_signature_and_signature_count(
        tmp_path: Path, signed_dir: Path, keys: Keys, other_keys: Keys) -> None:
    ours = dsse.load_public_key(keys.public_pem)
    theirs = dsse.load_public_key(other_keys.public_pem)
    wrong_key = bundle_check.verify_bundle(signed_dir, theirs)[-1]
    assert wrong_key.status == FAILED
    assert wrong_key.problems == (f"signed by key id {dsse.key_id(ours)}, not by the given key "
                                  f"(key id {dsse.key_id(theirs)})",)

    path = shutil.copytree(signed_dir, tmp_path / "forged")
    envelope = dsse.Envelope.from_dict(json.loads((path / "statement.dsse.json").read_bytes()))
    pae = envelope.pae()
    _envelope_with(path, dsse.Signature(dsse.key_id(ours), other_keys.private.sign(pae)))
    forged = bundle_check.verify_bundle(path, ours)
    assert _statuses(forged)["envelope"] == PASSED
    assert forged[-1].summary == f"signature invalid for key id {dsse.key_id(ours)}"

    _envelope_with(path, dsse.Signature(dsse.key_id(ours), keys.private.sign(pae)),
                   dsse.Signature(dsse.key_id(theirs), other_keys.private.sign(pae)))
    assert bundle_check.verify_bundle(path, ours)[-1].summary == "expected 1 signature, found 2"


# Signing keys


def test_encrypted_key_signs_with_the_passphrase_from_the_environment(
        tmp_path: Path, write: Callable[..., Path], keys: Keys,
        monkeypatch: pytest.MonkeyPatch) -> None:
    passphrase = "correct horse battery"
    encrypted = _pem(keys.private, tmp_path / "encrypted.pem", passphrase.encode())
    monkeypatch.setenv(dsse.PASSPHRASE_ENV, passphrase)
    path = write(tmp_path / "b.zip", sign_key=encrypted)
    public = dsse.load_public_key(keys.public_pem)
    assert bundle_check.passed(bundle_check.verify_bundle(path, public))
    # Same key, same signature: Ed25519 is deterministic, encrypted or not.
    assert path.read_bytes() == write(tmp_path / "c.zip", sign_key=keys.private_pem).read_bytes()


def _ec_key(path: Path) -> Path:
    key = ec.generate_private_key(ec.SECP256R1())
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    return path


@pytest.mark.parametrize(("make", "passphrase", "message"), [
    (lambda d, k: _pem(k, d / "k.pem", b"secret-pass"), None,
     "is encrypted: set AIMS_SIGN_KEY_PASSPHRASE to its passphrase"),
    (lambda d, k: _pem(k, d / "k.pem", b"secret-pass"), "not-the-pass",
     "could not be decrypted: wrong passphrase in AIMS_SIGN_KEY_PASSPHRASE"),
    (lambda d, k: _file(d / "k.pem", b"just text\n"), None,
     "is not a PEM private key"),
    (lambda d, k: _ec_key(d / "k.pem"), None, "is not an Ed25519 key (found EC)"),
    (lambda d, k: d / "absent.pem", None, "cannot read"),
])
def test_bad_signing_keys_are_refused_clearly(
        tmp_path: Path, write: Callable[..., Path], keys: Keys,
        monkeypatch: pytest.MonkeyPatch, make: Callable[[Path, Ed25519PrivateKey], Path],
        passphrase: str | None, message: str) -> None:
    key_path = make(tmp_path, keys.private)
    if passphrase is None:
        monkeypatch.delenv(dsse.PASSPHRASE_ENV, raising=False)
    else:
        monkeypatch.setenv(dsse.PASSPHRASE_ENV, passphrase)
    with pytest.raises(BundleError) as caught:
        write(tmp_path / "bundle", sign_key=key_path)
    text = str(caught.value)
    assert message in text and str(key_path) in text
    assert "secret-pass" not in text and "not-the-pass" not in text and "BEGIN" not in text
    assert caught.value.__cause__ is None
    assert not (tmp_path / "bundle").exists()
    # The same check, before a scan, by the command line.
    with pytest.raises(BundleError) as early:
        bundle.load_signing_key(key_path)
    assert str(early.value) == text


@pytest.mark.parametrize(("overrides", "message"), [
    ({"catalog_doc": {"catalog_version": "1999.1"}}, "not with the catalog given (1999.1)"),
    ({"document": {**json.loads(GOLDEN.read_text(encoding="utf-8")),
                   "evidence": [{"id": "../escape"}]}},
     "evidence id '../escape' cannot be used as a file name"),
    ({"document": {**json.loads(GOLDEN.read_text(encoding="utf-8")), "as_of": "yesterday"}},
     "as_of 'yesterday' is not an ISO date-time"),
])
def test_bad_inputs_are_refused(tmp_path: Path, write: Callable[..., Path],
                                overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(BundleError, match=message.replace("(", r"\(").replace(")", r"\)")):
        write(tmp_path / "bundle", **overrides)


def test_existing_non_empty_directory_is_not_overwritten(tmp_path: Path,
                                                          write: Callable[..., Path]) -> None:
    target = tmp_path / "bundle"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    with pytest.raises(BundleError, match="already exists and is not an empty directory"):
        write(target)
    assert [p.name for p in target.iterdir()] == ["keep.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle"]
    (target / "keep.txt").unlink()
    assert bundle_check.passed(bundle_check.verify_bundle(write(target), None))


# Independent verification (securesystemslib's DSSE)


def test_securesystemslib_verifies_our_envelope(signed_dir: Path, keys: Keys) -> None:
    files = _files(signed_dir)
    public = keys.private.public_key()
    key = SSlibKey.from_crypto(public, keyid=dsse.key_id(public))
    envelope = SslibEnvelope.from_dict(json.loads(files["statement.dsse.json"]))
    assert envelope.payload_type == "application/vnd.in-toto+json"
    assert set(envelope.verify([key], 1)) == {dsse.key_id(public)}
    statement = json.loads(envelope.payload)
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    assert statement["subject"] == [{"name": "manifest.json", "digest": {
        "sha256": hashlib.sha256(files["manifest.json"]).hexdigest()}}]

    # And it rejects what we would reject: a changed payload, or another key.
    tampered = SslibEnvelope(envelope.payload.replace(b"2-2-1-3", b"5-5-5-5"),
                             envelope.payload_type, envelope.signatures)
    with pytest.raises(VerificationError):
        tampered.verify([key], 1)
    stranger = Ed25519PrivateKey.generate().public_key()
    with pytest.raises(VerificationError):
        envelope.verify([SSlibKey.from_crypto(stranger, keyid=dsse.key_id(public))], 1)


def test_securesystemslib_signs_the_same_envelope(signed_dir: Path, keys: Keys) -> None:
    ours = json.loads(_files(signed_dir)["statement.dsse.json"])
    public = keys.private.public_key()
    signer = CryptoSigner(keys.private, SSlibKey.from_crypto(public, keyid=dsse.key_id(public)))
    theirs = SslibEnvelope(dsse.Envelope.from_dict(ours).payload, dsse.IN_TOTO_PAYLOAD_TYPE, {})
    theirs.sign(signer)
    assert theirs.to_dict() == ours


# Zip files


def _zip(path: Path, members: list[tuple[str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members:
            archive.writestr(name, data)
    return path


@pytest.mark.filterwarnings("ignore:Duplicate name")
@pytest.mark.parametrize(("extra", "problem"), [
    (("../evil.json", b"{}"), "'../evil.json': path traversal ('..')"),
    (("evidence/../../evil.json", b"{}"), "path traversal"),
    (("/etc/evil.json", b"{}"), "'/etc/evil.json': absolute path"),
    (("C:/evil.json", b"{}"), "absolute path"),
    (("report.json", b"{}\n"), "'report.json': appears more than once"),
    (("evidence/", b""), "not a plain file name"),
])
def test_unsafe_zip_members_are_reported(tmp_path: Path, signed_dir: Path, keys: Keys,
                                         extra: tuple[str, bytes], problem: str) -> None:
    members = sorted(_files(signed_dir).items())
    path = _zip(tmp_path / "b.zip", [*members, extra])
    checks = bundle_check.verify_bundle(path, dsse.load_public_key(keys.public_pem))
    assert checks[0].status == FAILED
    assert problem in "\n".join(checks[0].problems)
    assert not bundle_check.passed(checks)


def test_zip_with_a_changed_member_fails_on_that_member(tmp_path: Path, signed_dir: Path,
                                                        keys: Keys) -> None:
    files = _files(signed_dir)
    files["catalog.json"] = files["catalog.json"].replace(b"Code", b"Cody", 1)
    path = _zip(tmp_path / "b.zip", sorted(files.items()))
    hashes = bundle_check.verify_bundle(path, dsse.load_public_key(keys.public_pem))[3]
    assert hashes.status == FAILED
    assert len(hashes.problems) == 1 and hashes.problems[0].startswith("'catalog.json': sha256")


def test_corrupt_zip_member_is_reported(tmp_path: Path, write: Callable[..., Path]) -> None:
    path = write(tmp_path / "b.zip")
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("report.json")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    container = bundle_check.verify_bundle(path, None)[0]
    assert container.status == FAILED
    assert container.problems[0].startswith("'report.json': cannot be read")


@pytest.mark.parametrize(("make", "message"), [
    (lambda p: p / "absent", "no such file or directory"),
    (lambda p: _file(p / "x.zip", b"not a zip"), "is neither a directory nor a zip"),
    (lambda p: _zip(p / "x.zip", [("a.txt", b"a")]), "is not an aims evidence bundle"),
    (lambda p: p, "is not an aims evidence bundle"),
])
def test_what_is_not_a_bundle(tmp_path: Path, make: Callable[[Path], Path],
                              message: str) -> None:
    with pytest.raises(BundleError, match=message):
        bundle_check.read_bundle(make(tmp_path))


# The command


def _invoke(*args: str) -> Any:
    return CliRunner().invoke(verify.verify, list(args))


def test_command_passes_and_says_whether_the_signature_was_checked(signed_dir: Path,
                                                                   keys: Keys) -> None:
    without_key = _invoke(str(signed_dir))
    assert without_key.exit_code == 0
    assert "not checked  signature: signed by key id " in without_key.output
    assert without_key.output.endswith(
        "OK: files intact; the signature was NOT checked (pass --key)\n")
    with_key = _invoke(str(signed_dir), "--key", str(keys.public_pem))
    assert with_key.exit_code == 0
    assert with_key.output.endswith("OK: files intact and the signature is valid\n")
    document = json.loads(_invoke(str(signed_dir), "--key", str(keys.public_pem),
                                  "--format", "json").output)
    assert document["passed"] is True and document["signature_verified"] is True
    assert [c["name"] for c in document["checks"]] == list(CHECKS)


def test_command_fails_with_exit_1_and_names_the_file(tmp_path: Path, signed_dir: Path,
                                                      keys: Keys, other_keys: Keys) -> None:
    path = shutil.copytree(signed_dir, tmp_path / "copy")
    (path / "run.json").write_bytes((path / "run.json").read_bytes().replace(b"aims", b"AIMS"))
    tampered = _invoke(str(path))
    assert tampered.exit_code == 1
    assert "failed       hashes: 1 files differ from manifest.json" in tampered.output
    assert "'run.json': sha256 expected " in tampered.output
    assert tampered.output.endswith("FAILED: hashes\n")
    wrong_key = _invoke(str(signed_dir), "--key", str(other_keys.public_pem))
    assert wrong_key.exit_code == 1
    assert "not by the given key" in wrong_key.output


@pytest.mark.parametrize(("args", "message"), [
    (["{tmp}/absent"], "no such file or directory"),
    (["{tmp}/key.pem"], "is neither a directory nor a zip file"),
    (["{bundle}", "--key", "{tmp}/absent.pem"], "cannot read"),
    (["{bundle}", "--key", "{private}"], "it holds a private key: pass the public key"),
    (["{bundle}", "--key", "{tmp}/key.pem"], "is not a PEM public key"),
])
def test_command_exits_2_for_unreadable_input(tmp_path: Path, signed_dir: Path, keys: Keys,
                                              args: list[str], message: str) -> None:
    (tmp_path / "key.pem").write_text("not a key\n")
    places = {"tmp": str(tmp_path), "bundle": str(signed_dir), "private": str(keys.private_pem)}
    result = _invoke(*(arg.format(**places) for arg in args))
    assert result.exit_code == 2
    assert message in result.output
    assert "BEGIN" not in result.output
