"""Governance artifacts kept in the repository: secrets baselines, BOMs, policy code.

Which files count comes from the file catalog (``artifacts``). Secrets-scanner files become
:class:`~scanner.payloads.SecretsBaseline` (detect-secrets baselines are read for their
findings; other tools' files only for presence and age). SBOM, AI-BOM and attestation files
become :class:`~scanner.payloads.BomFile`, their format read from the content: CycloneDX
(JSON, or XML read with regular expressions so that no entity is ever expanded), SPDX 2
(JSON, tag-value), SPDX 3 JSON-LD, in-toto statements and DSSE envelopes. Policy-as-code
files are summarised per engine as :class:`~scanner.payloads.PolicyCode`.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from collectors.base import Collector, Context, lone_surrogate
from collectors.sources.base import Unreadable
from scanner.evidence import Item, UnknownReason
from scanner.payloads import BomFile, PolicyCode, SecretsBaseline

#: BOMs and baselines can be large; bigger files become a gap.
READ_LIMIT = 20 * 1024 * 1024
#: Policy-code paths listed per engine (the total is always given).
MAX_LISTED = 50
#: CycloneDX component types that describe AI: models and their data sets.
AI_COMPONENT_TYPES = frozenset({"machine-learning-model", "data"})
#: cdxgen's AI code-generation provenance properties.
CODEGEN_PREFIX = "cdx:ai:codegen:"

_XML_NAMESPACE = re.compile(r'xmlns(?::\w+)?\s*=\s*["\']http://cyclonedx\.org/schema/bom/'
                            r'([\d.]+)["\']')
_XML_COMPONENT = re.compile(r"<(?:\w+:)?component\b([^>]*)>")
_XML_AI_TYPE = re.compile(r'\btype\s*=\s*["\'](?:machine-learning-model|data)["\']')
_XML_CODEGEN = re.compile(r'\bname\s*=\s*["\']cdx:ai:codegen:')
_SPDX_TAG_VERSION = re.compile(r"^SPDXVersion:\s*SPDX-(\S+)", re.MULTILINE)
_SPDX_TAG_PACKAGE = re.compile(r"^PackageName:", re.MULTILINE)
_VERSION_IN_URL = re.compile(r"/(\d+\.\d+(?:\.\d+)?)/")


class ArtifactError(ValueError):
    """An artifact file's content could not be understood; the message says why."""


class UnrecognisedFormat(ArtifactError):
    """Well-formed content in no format this collector knows."""


# --------------------------------------------------------------------------- secrets


def parse_detect_secrets(path: str, text: str, last_changed: str | None) -> SecretsBaseline:
    """A detect-secrets baseline: version, generation time, findings and unaudited ones."""
    data = _json(text)
    results = data.get("results") if isinstance(data, Mapping) else None
    if not isinstance(results, Mapping):
        raise ArtifactError("not a detect-secrets baseline (no results mapping)")
    findings = [f for group in results.values() if isinstance(group, list)
                for f in group if isinstance(f, Mapping)]
    version, generated = data.get("version"), data.get("generated_at")
    return SecretsBaseline(
        path=path, tool="detect-secrets",
        version=str(version) if version is not None else None,
        results=len(findings),
        unaudited=sum(1 for f in findings if "is_secret" not in f),
        generated_at=str(generated) if generated is not None else None,
        last_changed=last_changed)


# --------------------------------------------------------------------------- BOMs


def _json(text: str | bytes) -> Any:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ArtifactError(f"invalid JSON at line {exc.lineno}, column {exc.colno}: "
                            f"{exc.msg}") from None
    except RecursionError:
        raise ArtifactError("nesting too deep") from None
    if lone_surrogate(data):
        raise ArtifactError("invalid JSON: an escape for a lone UTF-16 surrogate")
    return data


def _walk(root: Any) -> Iterator[Mapping[str, Any]]:
    """Every mapping inside a JSON value (iterative: BOMs can nest deeply)."""
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            yield node
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def _cyclonedx(path: str, data: Mapping[str, Any]) -> BomFile:
    components: list[Mapping[str, Any]] = []
    stack = [data.get("components")]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            for item in node:
                if isinstance(item, Mapping):
                    components.append(item)
                    stack.append(item.get("components"))
    codegen = any(isinstance(m.get("name"), str) and m["name"].startswith(CODEGEN_PREFIX)
                  for m in _walk(data))
    spec = data.get("specVersion")
    return BomFile(path=path, format="cyclonedx", spec_version=str(spec) if spec else None,
                   components=len(components),
                   ai_components=sum(1 for c in components
                                     if isinstance(c.get("type"), str)
                                     and c["type"] in AI_COMPONENT_TYPES),
                   ai_codegen=codegen)


def _spdx3(path: str, data: Mapping[str, Any]) -> BomFile:
    graph = data.get("@graph")
    elements = [e for e in graph if isinstance(e, Mapping)] if isinstance(graph, list) else []
    types = [str(e.get("type") or e.get("@type") or "") for e in elements]
    spec = next((str(e["specVersion"]) for e in elements if e.get("specVersion")), None)
    if spec is None:
        found = _VERSION_IN_URL.search(str(data.get("@context", "")))
        spec = found.group(1) if found else None
    return BomFile(path=path, format="spdx", spec_version=spec,
                   components=sum(1 for t in types if t.endswith("Package")),
                   ai_components=sum(1 for t in types
                                     if "AIPackage" in t or "DatasetPackage" in t),
                   ai_codegen=False)


def _statement(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """An in-toto statement, unwrapping a DSSE envelope."""
    if "payloadType" in data:
        try:
            decoded = base64.b64decode(str(data.get("payload", "")), validate=True)
            inner = _json(decoded)
        except (binascii.Error, ValueError) as exc:
            raise ArtifactError(f"DSSE envelope with an unreadable payload: {exc}") from None
        if not isinstance(inner, Mapping):
            raise ArtifactError("DSSE payload is not an in-toto statement")
        return inner
    return data


def _in_toto(path: str, records: list[Mapping[str, Any]]) -> BomFile:
    statements = [_statement(r) for r in records]
    predicates = sorted({str(s.get("predicateType", "")) for s in statements} - {""})
    subjects = sum(len(s["subject"]) for s in statements if isinstance(s.get("subject"), list))
    slsa = any("slsa" in p.lower() for p in predicates)
    return BomFile(path=path, format="slsa" if slsa else "in-toto",
                   spec_version=predicates[0] if predicates else None,
                   components=subjects, ai_components=0, ai_codegen=False)


def _is_in_toto(data: Mapping[str, Any]) -> bool:
    return "payloadType" in data or "in-toto" in str(data.get("_type", ""))


def _cyclonedx_xml(path: str, text: str) -> BomFile:
    namespace = _XML_NAMESPACE.search(text)
    if namespace is None:
        raise UnrecognisedFormat("XML without the CycloneDX namespace")
    components = _XML_COMPONENT.findall(text)
    return BomFile(path=path, format="cyclonedx", spec_version=namespace.group(1),
                   components=len(components),
                   ai_components=sum(1 for attrs in components if _XML_AI_TYPE.search(attrs)),
                   ai_codegen=bool(_XML_CODEGEN.search(text)))


def _spdx_tag_value(path: str, text: str) -> BomFile:
    version = _SPDX_TAG_VERSION.search(text)
    if version is None:
        raise UnrecognisedFormat("no SPDXVersion tag")
    return BomFile(path=path, format="spdx", spec_version=version.group(1),
                   components=len(_SPDX_TAG_PACKAGE.findall(text)), ai_components=0,
                   ai_codegen=False)


def parse_bom(path: str, text: str) -> BomFile:
    """A BOM or attestation file, its format recognised from the content."""
    if path.endswith(".xml"):
        return _cyclonedx_xml(path, text)
    if path.endswith(".spdx"):
        return _spdx_tag_value(path, text)
    if path.endswith(".jsonl"):
        records = [_json(line) for line in text.splitlines() if line.strip()]
        if not records or not all(isinstance(r, Mapping) and _is_in_toto(r) for r in records):
            raise UnrecognisedFormat("JSON lines that are not in-toto statements")
        return _in_toto(path, records)
    data = _json(text)
    if not isinstance(data, Mapping):
        raise UnrecognisedFormat("JSON that is not an object")
    if data.get("bomFormat") == "CycloneDX":
        return _cyclonedx(path, data)
    if "spdxVersion" in data:
        packages = data.get("packages")
        return BomFile(path=path, format="spdx",
                       spec_version=str(data["spdxVersion"]).removeprefix("SPDX-"),
                       components=len(packages) if isinstance(packages, list) else 0,
                       ai_components=0, ai_codegen=False)
    if "@graph" in data:
        return _spdx3(path, data)
    if _is_in_toto(data):
        return _in_toto(path, [data])
    raise UnrecognisedFormat("not a CycloneDX, SPDX or in-toto document")


# --------------------------------------------------------------------------- policy code


def policy_code(engine: str, paths: list[str]) -> PolicyCode:
    """Policy-code files of one engine: the first paths (sorted) and the total."""
    ordered = sorted(paths)
    return PolicyCode(engine=engine, paths=tuple(ordered[:MAX_LISTED]), files=len(ordered))


# --------------------------------------------------------------------------- collector


def run(ctx: Context) -> Iterator[Item]:
    """Secrets baselines and BOMs file by file, then policy code per engine."""
    policy: dict[str, list[str]] = {}
    patterns: dict[str, list[str]] = {}
    for file in ctx.files():
        entry = ctx.catalog.files.artifact(file.path)
        if entry is None:
            continue
        if entry.kind == "policy-code":
            engine = entry.tool or "unknown"
            policy.setdefault(engine, []).append(file.path)
            patterns.setdefault(engine, list(entry.paths))
            continue
        kind = BomFile.KIND if entry.kind == "bom" else SecretsBaseline.KIND
        try:
            if entry.kind == "bom":
                text, blob = ctx.read_text(file.path, READ_LIMIT)
                payload: BomFile | SecretsBaseline = parse_bom(file.path, text)
            else:
                payload, blob = _secrets(ctx, file.path, entry.tool or "unknown", file.blob)
        except UnrecognisedFormat as exc:
            yield ctx.file_gap(COLLECTOR.label, kind, file.path, str(exc),
                               UnknownReason.UNSUPPORTED)
            continue
        except (Unreadable, ArtifactError) as exc:
            yield ctx.file_gap(COLLECTOR.label, kind, file.path, str(exc))
            continue
        yield ctx.file_evidence(COLLECTOR.label, file.path, blob, payload)
    for engine in sorted(policy):
        yield ctx.tree_evidence(COLLECTOR.label, policy_code(engine, policy[engine]),
                                ",".join(patterns[engine]))


def _secrets(ctx: Context, path: str, tool: str, blob: str) -> tuple[SecretsBaseline, str]:
    """Read one secrets-scanner file (only detect-secrets baselines are parsed)."""
    changed = ctx.source.last_change(path)
    last_changed = changed.date().isoformat() if changed else None
    if tool == "detect-secrets":
        text, blob = ctx.read_text(path, READ_LIMIT)
        return parse_detect_secrets(path, text, last_changed), blob
    return SecretsBaseline(path=path, tool=tool, version=None, results=None, unaudited=None,
                           generated_at=None, last_changed=last_changed), blob


COLLECTOR = Collector(name="artifacts", version=1, kinds=(SecretsBaseline, BomFile, PolicyCode),
                      run=run)
