"""SARIF 2.1.0 for GitHub code scanning: unmet indicators and unfavourable answers as alerts.

Renders the JSON report document (never the ``Report`` object), so a saved report can be
turned into SARIF later. Decisions, with the GitHub behaviour that drove them:

- **Rules.** One rule per Model D indicator and per Model S question of the catalog, in
  catalog order, with the catalog's rationale and remediation as help. Every run carries all
  of them so that a rule's metadata does not depend on what failed.
- **Results.** One ``warning`` per unmet indicator and per unfavourable (unmet) answer;
  unknown ones only when asked for, as ``note`` with their reason. Met and attested ones are
  not results. Only ``message.text`` is used: GitHub renders markdown in ``message.markdown``
  alone, and the text comes from repository content, so it stays plain text with control,
  bidirectional-override and lone-surrogate characters replaced.
- **Locations.** GitHub refuses a result without a location ("locationFromSarifResult:
  expected at least one location") or without ``artifactLocation.uri``, and shows a line only
  with ``region.startLine``. The location is the first cited evidence that names a file: a
  code finding's path and lines, a file read at HEAD (its payload ``path`` equals the
  ``tree:`` locator) or a file that could not be read (a gap at a ``tree:`` locator).
  Tree-wide evidence (``tree:/``, ``tree:deep:flows``, the absence recorded at
  ``tree:CODEOWNERS``) names no file. Where nothing does, the location is OpenSSF Scorecard's
  placeholder for repository-level alerts, "no file associated with this alert", at line 1:
  GitHub accepts it and tools that triage repository-level alerts already recognise it. Paths
  are percent-encoded so each ``uri`` is a valid URI reference; GitHub's upload action
  decodes them (``decodeURIComponent``) before matching files.
- **Fingerprints.** ``partialFingerprints["aimsIndicator/v1"]`` is the SHA-256 of the
  repository and the indicator or question id: the same alert across nightly runs whatever
  the summary, the cited file or its line say.
- **Runs.** A single-repository report is one run without ``automationDetails``, so the upload
  action's ``category`` names the analysis. An organisation report is one run per scanned
  repository, each with ``automationDetails.id`` ``aims/<repo>/``: GitHub stopped combining
  runs of the same tool and category in one file (such uploads fail from June 2025), so every run
  needs its own category, and the category (the id up to its last ``/``) stays the same from
  one night to the next. Runs are made even for repositories with no result, so that
  GitHub closes the alerts they fixed.
- **Limits.** GitHub's hard upload limits are below; a report needing more runs than GitHub
  accepts is refused with :class:`RenderError` rather than cut short silently.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from scanner.report import RenderError

SARIF_VERSION = "2.1.0"
#: The ``id`` of the official schema (tests/data/sarif-schema-2.1.0.json).
SARIF_SCHEMA = ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
                "sarif-schema-2.1.0.json")
TOOL_NAME = "aims"
FINGERPRINT_KEY = "aimsIndicator/v1"
SRCROOT = "%SRCROOT%"
#: OpenSSF Scorecard's placeholder for an alert about the repository as a whole.
NO_FILE = "no file associated with this alert"

# GitHub code scanning's hard limits on one uploaded SARIF file: "SARIF support for code
# scanning", section "Validating your SARIF file" (docs.github.com/en/code-security/
# code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning), and
# "SARIF results exceed one or more limits" (…/troubleshooting-sarif-uploads/
# results-exceed-limit). Uploads above them are rejected.
MAX_RUNS = 20
MAX_RESULTS_PER_RUN = 25_000
MAX_RULES_PER_RUN = 25_000
MAX_LOCATIONS_PER_RESULT = 1_000
MAX_TAGS_PER_RULE = 20
#: "For each gzip-compressed SARIF file, SARIF upload supports a maximum size of 10 MB."
MAX_GZIP_BYTES = 10_000_000

_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_SEMVER = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
                     r"(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?")
_WORD = re.compile(r"[A-Za-z0-9]+")


@dataclass(frozen=True, slots=True)
class FileLocation:
    """A repository-relative path and, when known, the lines it concerns."""

    path: str
    line: int | None = None
    end_line: int | None = None


@dataclass(frozen=True, slots=True)
class Row:
    """One indicator result or one Model S answer of a repository, as the document has it."""

    id: str
    status: str
    summary: str
    reason: str | None
    evidence: tuple[str, ...]
    title: str


def plain(text: str) -> str:
    """Untrusted text on one line with control and direction-changing characters as '?'."""
    return " ".join(_UNSAFE.sub("?", text).split())


def fingerprint(repo: str, ident: str) -> str:
    """Stable identity of one indicator or question of one repository."""
    return hashlib.sha256(f"{repo}\0{ident}".encode("utf-8", "surrogatepass")).hexdigest()


def catalog_entries(document: Mapping[str, Any],
                    catalog_doc: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Catalog indicators and questions by id; refuses a report made with another catalog."""
    if document["catalog_version"] != catalog_doc["catalog_version"]:
        raise RenderError(f"the report was made with catalog {document['catalog_version']}, "
                          f"this aims has catalog {catalog_doc['catalog_version']}")
    entries = {i["id"]: i for i in catalog_doc["indicators"]}
    entries.update({q["id"]: q for q in catalog_doc["questions"]})
    for repo in document["repositories"]:
        missing = sorted({row.id for row in rows(repo)} - entries.keys())
        if missing:
            raise RenderError(f"{plain(repo['repo'])}: ids not in catalog "
                              f"{catalog_doc['catalog_version']}: {', '.join(missing)}")
    return entries


def rows(repo: Mapping[str, Any]) -> Iterator[Row]:
    """The repository's indicator results then its answers, in catalog order."""
    for domain in repo["model_d"]["domains"]:
        for item in domain["indicators"]:
            yield _row(item, item["title"])
    for answer in repo["model_s"]["answers"]:
        yield _row(answer, answer["question"])


def _row(item: Mapping[str, Any], title: str) -> Row:
    return Row(id=item["id"], status=item["status"], summary=item["summary"],
               reason=item["reason"], evidence=tuple(item["evidence"]), title=title)


def file_location(row: Row, evidence: Mapping[str, Mapping[str, Any]]) -> FileLocation | None:
    """The first file the row's cited evidence names, or None when none names one."""
    for ident in row.evidence:
        found = _named_file(evidence[ident])
        if found is not None:
            return found
    return None


def _named_file(item: Mapping[str, Any]) -> FileLocation | None:
    locator: str = item["provenance"]["locator"]
    if not locator.startswith("tree:"):
        return None
    path = locator.removeprefix("tree:")
    if "gap" in item:
        return FileLocation(path)
    payload = item["payload"]
    if not isinstance(payload, Mapping):
        return None
    findings = payload.get("findings")
    if isinstance(findings, list) and findings:
        first = findings[0]
        line = first.get("line") if isinstance(first.get("line"), int) else None
        end = first.get("end_line") if isinstance(first.get("end_line"), int) else None
        return FileLocation(first["path"], line, end if line and end and end >= line else None)
    return FileLocation(path) if payload.get("path") == path else None


def _pascal(text: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in _WORD.findall(text))


def _rule(entry: Mapping[str, Any]) -> dict[str, Any]:
    is_question = "question" in entry
    title = entry["question"] if is_question else entry["title"]
    rationale, remediation = entry["rationale"], entry["remediation"]
    properties: dict[str, Any] = (
        {"stage": entry["stage"], "tags": ["ai-governance", "model-s", f"stage-{entry['stage']}"]}
        if is_question else
        {"domain": entry["domain"], "level": entry["level"],
         "tags": ["ai-governance", "model-d", entry["domain"]]})
    return {
        "id": entry["id"],
        "name": _pascal(title),
        "shortDescription": {"text": title},
        "fullDescription": {"text": rationale},
        "help": {"text": f"{rationale}\n\nRemediation: {remediation}",
                 "markdown": f"{rationale}\n\n**Remediation:** {remediation}"},
        "defaultConfiguration": {"level": "warning"},
        "properties": properties,
    }


def _location(found: FileLocation | None) -> dict[str, Any]:
    where = found or FileLocation(NO_FILE, 1)
    region: dict[str, int] = {"startLine": where.line or 1}
    if where.end_line is not None:
        region["endLine"] = where.end_line
    # A name git could not decode arrives as a lone surrogate: it is encoded as "?" (%3F).
    uri = quote(where.path.lstrip("/"), safe="/", errors="replace")
    return {"physicalLocation": {"artifactLocation": {"uri": uri, "uriBaseId": SRCROOT},
                                 "region": region}}


def _result(repo: str, row: Row, index: int, evidence: Mapping[str, Mapping[str, Any]],
            ) -> dict[str, Any]:
    summary = plain(row.summary) or plain(row.title)
    text = summary if row.status == "unmet" else f"unknown ({row.reason}): {summary}"
    return {
        "ruleId": row.id,
        "ruleIndex": index,
        "level": "warning" if row.status == "unmet" else "note",
        "message": {"text": text},
        "locations": [_location(file_location(row, evidence))],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(repo, row.id)},
        "properties": {"status": row.status, "evidence": list(row.evidence)},
    }


def _run(document: Mapping[str, Any], repo: Mapping[str, Any], rules: Sequence[dict[str, Any]],
         evidence: Mapping[str, Mapping[str, Any]], include_unknown: bool) -> dict[str, Any]:
    index = {rule["id"]: n for n, rule in enumerate(rules)}
    shown = ("unmet", "unknown") if include_unknown else ("unmet",)
    version = document["tool"]["version"]
    driver: dict[str, Any] = {"name": TOOL_NAME, "version": version, "rules": list(rules)}
    if _SEMVER.fullmatch(version):
        driver["semanticVersion"] = version
    model_d, model_s = repo["model_d"], repo["model_s"]
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "results": [_result(repo["repo"], row, index[row.id], evidence)
                    for row in rows(repo) if row.status in shown],
        "properties": {
            "repository": plain(repo["repo"]), "head": repo["head"],
            "catalogVersion": document["catalog_version"], "asOf": document["as_of"],
            "modelD": model_d["code"], "modelDCeiling": model_d["code_ceiling"],
            "stage": model_s["stage"], "stageCeiling": model_s["stage_ceiling"],
            "partial": document["partial"],
        },
    }
    if document["organisation"] is not None:
        run["automationDetails"] = {"id": f"{TOOL_NAME}/{plain(repo['repo'])}/"}
    return run


def as_dict(document: Mapping[str, Any], catalog_doc: Mapping[str, Any], *,
            include_unknown: bool) -> dict[str, Any]:
    """The SARIF log for a report document, one run per repository."""
    catalog_entries(document, catalog_doc)
    repositories = document["repositories"]
    if len(repositories) > MAX_RUNS:
        raise RenderError(f"GitHub code scanning accepts at most {MAX_RUNS} runs in one SARIF "
                          f"file and this report has {len(repositories)} repositories (one run "
                          "each): scan fewer repositories per SARIF file")
    rules = [_rule(e) for e in (*catalog_doc["indicators"], *catalog_doc["questions"])]
    evidence = {item["id"]: item for item in document["evidence"]}
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [_run(document, repo, rules, evidence, include_unknown) for repo in repositories],
    }


def render(document: Mapping[str, Any], catalog_doc: Mapping[str, Any], *,
           include_unknown: bool) -> str:
    """SARIF 2.1.0 as sorted, indented JSON with a trailing newline."""
    return json.dumps(as_dict(document, catalog_doc, include_unknown=include_unknown),
                      indent=2, sort_keys=True, ensure_ascii=False) + "\n"
