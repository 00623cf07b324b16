"""GitLab's Code Quality report: unmet indicators and unfavourable answers in merge requests.

Renders the JSON report document. GitLab reads a JSON array of Code Climate issues and uses
only ``description``, ``check_name``, ``fingerprint``, ``severity``, ``location.path`` and
``location.lines.begin`` (GitLab docs, "Code Quality", section "Code Quality report format").
Decisions:

- **Entries.** One per unmet indicator and per unfavourable (unmet) Model S answer, repository
  by repository in catalog order. Unknown results are left out: a merge request widget that
  compares branches by fingerprint is no place for "could not tell"; the SARIF notes, the
  JSON and HTML reports carry them.
- **Severity.** GitLab knows info, minor, major, critical and blocker. A missing foundation
  (a Model D level-2 indicator, a Model S stage 1 or 2 question) is ``major``: without it the
  repository stays at the bottom rung, whatever else it does. Every other gap is ``minor``:
  it blocks a higher level, not the basics. ``critical`` and ``blocker`` are left to defects
  in code; a governance gap does not break the software.
- **Fingerprint.** GitLab matches findings between the source and target branch by
  fingerprint and keeps one finding per fingerprint; it asks for a unique string ("for
  example, an MD5 hash"). It is the same SHA-256 of repository and indicator id as the SARIF
  fingerprint, so it never changes with the summary or the cited file.
- **Location.** GitLab requires ``location.path``. It is the first file the cited evidence
  names (see :func:`scanner.report.sarif.file_location`), with a code finding's line. Where
  no evidence names a file (a missing setting, a missing file), it is ``.gitlab-ci.yml`` at
  line 1: the file every project reporting to GitLab Code Quality has, since the report comes
  from its pipeline, and the place where the missing checks are usually added.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from scanner.report.sarif import Row, catalog_entries, file_location, fingerprint, plain, rows

FALLBACK_PATH = ".gitlab-ci.yml"


def severity(entry: Mapping[str, Any]) -> str:
    """``major`` for a missing foundation (level 2, stage 1-2), ``minor`` otherwise."""
    rung = entry["stage"] if "question" in entry else entry["level"]
    return "major" if rung <= 2 else "minor"


def _entry(repo: str, row: Row, catalog_entry: Mapping[str, Any], prefix: str,
           evidence: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    found = file_location(row, evidence)
    # A file name git could not decode arrives as a lone surrogate, which UTF-8 cannot carry.
    path = (found.path if found else FALLBACK_PATH).encode("utf-8", "replace").decode("utf-8")
    return {
        "description": f"{prefix}{row.id}: {plain(row.title)} ({plain(row.summary)})",
        "check_name": row.id,
        "fingerprint": fingerprint(repo, row.id),
        "severity": severity(catalog_entry),
        "location": {"path": path,
                     "lines": {"begin": found.line if found and found.line else 1}},
    }


def as_list(document: Mapping[str, Any], catalog_doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The Code Quality issues for a report document."""
    entries = catalog_entries(document, catalog_doc)
    evidence = {item["id"]: item for item in document["evidence"]}
    several = document["organisation"] is not None
    return [_entry(repo["repo"], row, entries[row.id],
                   f"{plain(repo['repo'])}: " if several else "", evidence)
            for repo in document["repositories"] for row in rows(repo) if row.status == "unmet"]


def render(document: Mapping[str, Any], catalog_doc: Mapping[str, Any]) -> str:
    """The Code Quality report as sorted, indented JSON with a trailing newline."""
    return json.dumps(as_list(document, catalog_doc), indent=2, sort_keys=True,
                      ensure_ascii=False) + "\n"
