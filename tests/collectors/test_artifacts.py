"""Artifacts: detect-secrets baselines, BOM formats, policy code, and the collector."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from collectors.artifacts import (
    COLLECTOR,
    MAX_LISTED,
    ArtifactError,
    UnrecognisedFormat,
    parse_bom,
    parse_detect_secrets,
    policy_code,
)
from scanner.evidence import Evidence, Gap, UnknownReason
from scanner.payloads import BomFile, PolicyCode, SecretsBaseline

BASELINE = json.dumps({
    "version": "1.5.0",
    "generated_at": "2026-03-01T10:00:00Z",
    "plugins_used": [{"name": "AWSKeyDetector"}],
    "results": {
        "config/settings.py": [
            {"type": "Secret Keyword", "hashed_secret": "a1", "line_number": 3,
             "is_secret": False},
            {"type": "AWS Access Key", "hashed_secret": "b2", "line_number": 9},
        ],
        "tests/fixtures.py": [{"type": "Base64 High Entropy String", "hashed_secret": "c3",
                               "line_number": 1}],
    },
})


def test_detect_secrets_baseline() -> None:
    assert parse_detect_secrets(".secrets.baseline", BASELINE, "2026-03-02") == SecretsBaseline(
        path=".secrets.baseline", tool="detect-secrets", version="1.5.0", results=3,
        unaudited=2, generated_at="2026-03-01T10:00:00Z", last_changed="2026-03-02")


@pytest.mark.parametrize("text", ["{not json", '{"version": "1.5.0"}', "[]"])
def test_detect_secrets_baseline_malformed(text: str) -> None:
    with pytest.raises(ArtifactError):
        parse_detect_secrets(".secrets.baseline", text, None)


CYCLONEDX_ML = json.dumps({
    "bomFormat": "CycloneDX", "specVersion": "1.6",
    "metadata": {"properties": [{"name": "cdx:ai:codegen:detected", "value": "true"}]},
    "components": [
        {"type": "library", "name": "requests",
         "components": [{"type": "library", "name": "urllib3"}]},
        {"type": "machine-learning-model", "name": "sentiment",
         "modelCard": {"modelParameters": {"task": "text-classification"}}},
        {"type": "data", "name": "reviews-dataset"},
    ],
})

SPDX3_AI = json.dumps({
    "@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld",
    "@graph": [
        {"type": "CreationInfo", "@id": "_:c", "specVersion": "3.0.1"},
        {"type": "software_Package", "spdxId": "urn:pkg"},
        {"type": "ai_AIPackage", "spdxId": "urn:model", "ai_typeOfModel": ["transformer"]},
        {"type": "dataset_DatasetPackage", "spdxId": "urn:data"},
        {"type": "Relationship", "spdxId": "urn:rel"},
    ],
})

STATEMENT = {"_type": "https://in-toto.io/Statement/v1",
             "subject": [{"name": "app.tar.gz", "digest": {"sha256": "ab"}},
                         {"name": "app.whl", "digest": {"sha256": "cd"}}],
             "predicateType": "https://slsa.dev/provenance/v1", "predicate": {}}
TEST_RESULT = "https://in-toto.io/attestation/test-result/v0.1"
ENVELOPE = json.dumps({"payloadType": "application/vnd.in-toto+json",
                       "payload": base64.b64encode(json.dumps(STATEMENT).encode()).decode(),
                       "signatures": [{"sig": "x"}]})

CYCLONEDX_XML = """<?xml version="1.0"?>
<!DOCTYPE bom [<!ENTITY boom "boom">]>
<bom xmlns="http://cyclonedx.org/schema/bom/1.5" version="1">
  <components>
    <component type="library"><name>flask</name></component>
    <component type="machine-learning-model"><name>&boom;</name></component>
  </components>
</bom>
"""


@pytest.mark.parametrize(("path", "text", "expected"), [
    ("bom.json", CYCLONEDX_ML, ("cyclonedx", "1.6", 4, 2, True)),
    ("dist/app.cdx.json", '{"bomFormat": "CycloneDX", "specVersion": "1.4"}',
     ("cyclonedx", "1.4", 0, 0, False)),
    ("model.spdx3.json", SPDX3_AI, ("spdx", "3.0.1", 3, 2, False)),
    ("sbom.json", json.dumps({"spdxVersion": "SPDX-2.3", "packages": [{}, {}, {}]}),
     ("spdx", "2.3", 3, 0, False)),
    ("app.spdx", "SPDXVersion: SPDX-2.2\nPackageName: a\nPackageName: b\n",
     ("spdx", "2.2", 2, 0, False)),
    ("build.intoto.jsonl", ENVELOPE + "\n", ("slsa", "https://slsa.dev/provenance/v1", 2, 0,
                                             False)),
    ("test.intoto.json", json.dumps({**STATEMENT, "predicateType": TEST_RESULT}),
     ("in-toto", TEST_RESULT, 2, 0, False)),
    ("bom.xml", CYCLONEDX_XML, ("cyclonedx", "1.5", 2, 1, False)),
])
def test_parse_bom(path: str, text: str, expected: tuple[Any, ...]) -> None:
    bom = parse_bom(path, text)
    assert (bom.format, bom.spec_version, bom.components, bom.ai_components,
            bom.ai_codegen) == expected
    assert bom.path == path


@pytest.mark.parametrize(("path", "text", "error"), [
    ("bom.json", '{"bomFormat": ', ArtifactError),
    ("bom.json", '{"name": "my-package"}', UnrecognisedFormat),
    ("bom.xml", "<project><component/></project>", UnrecognisedFormat),
    ("x.intoto.jsonl", '{"payloadType": "a", "payload": "%%%"}\n', ArtifactError),
    ("x.intoto.jsonl", '{"hello": 1}\n', UnrecognisedFormat),
    # a DSSE payload nested far deeper than json can recurse
    ("x.intoto.jsonl", json.dumps({"payloadType": "a", "payload": base64.b64encode(
        b"[" * 100_000 + b"]" * 100_000).decode()}) + "\n", ArtifactError),
    ("bom.json", "[" * 100_000 + "]" * 100_000, ArtifactError),
    ("x.spdx", "just text\n", UnrecognisedFormat),
])
def test_parse_bom_malformed(path: str, text: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        parse_bom(path, text)


def test_policy_code_lists_at_most_fifty_sorted_paths() -> None:
    paths = [f"policy/p{i:03d}.rego" for i in range(MAX_LISTED + 10, 0, -1)]
    found = policy_code("opa", paths)
    assert found.files == MAX_LISTED + 10
    assert found.paths == tuple(sorted(paths)[:MAX_LISTED])


# --------------------------------------------------------------------------- collector


def test_collector_over_a_repository(repo: Any, context_of: Any) -> None:
    repo.write(".secrets.baseline", BASELINE)
    repo.write("bom.json", CYCLONEDX_ML)
    repo.commit("baseline", when=datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    repo.write(".gitleaks.toml", "[allowlist]\npaths = ['x']\n")
    repo.write("sbom.json", '{"bomFormat": "CycloneDX", "components": [')   # malformed
    repo.write("package.bom.json", "{}")                                     # not a BOM name
    repo.write("policy/deny.rego", "package main\n")
    repo.write("policy/lib/util.rego", "package lib\n")
    repo.write("sentinel/cost.sentinel", "main = rule { true }\n")
    repo.commit("more", when=datetime(2026, 4, 1, 9, 0, tzinfo=UTC))
    items: dict[str, Any] = {i.provenance.locator: i for i in COLLECTOR.run(context_of(repo))}
    assert sorted(items) == ["tree:**/*.rego", "tree:**/*.sentinel", "tree:.gitleaks.toml",
                             "tree:.secrets.baseline", "tree:bom.json", "tree:sbom.json"]
    gap = items["tree:sbom.json"]
    assert isinstance(gap, Gap) and gap.kind == BomFile.KIND
    assert gap.reason == UnknownReason.UNREADABLE
    baseline = items["tree:.secrets.baseline"]
    assert isinstance(baseline, Evidence)
    assert (baseline.payload.results, baseline.payload.last_changed) == (3, "2026-03-02")
    assert items["tree:.gitleaks.toml"].payload == SecretsBaseline(
        path=".gitleaks.toml", tool="gitleaks", version=None, results=None, unaudited=None,
        generated_at=None, last_changed="2026-04-01")
    assert items["tree:bom.json"].payload.ai_components == 2
    assert items["tree:**/*.rego"].payload == PolicyCode(
        engine="opa", paths=("policy/deny.rego", "policy/lib/util.rego"), files=2)
    assert items["tree:**/*.sentinel"].payload.files == 1
    assert items["tree:bom.json"].provenance.collector == "artifacts@1"


def test_collector_unrecognised_bom_is_unsupported(repo: Any, context_of: Any) -> None:
    repo.write("sbom-settings.json", '{"output": "dist/"}')
    repo.symlink("bom.json", "../../elsewhere/bom.json")
    repo.commit("init")
    items: dict[str, Any] = {i.provenance.locator: i for i in COLLECTOR.run(context_of(repo))}
    assert items["tree:sbom-settings.json"].reason == UnknownReason.UNSUPPORTED
    assert "outside the repository" in items["tree:bom.json"].detail
