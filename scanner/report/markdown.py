"""The Markdown report: a CI job summary (GitHub) or a merge request comment (GitLab).

Built from the JSON report document, so any saved report can be rendered again. A
repository report shows the four-number code, the stage, what changed since the previous
run, the unmet indicators and unfavourable answers with the files they cite, the next
steps and what could not be read; an organisation report shows its stage, the coverage
answers that are not met and a table of repositories.

Every untrusted string goes through :func:`escape`: GitHub-flavoured Markdown renders
inline HTML and links, so a file name must not be able to open a tag, a link or a table
cell. Long lists end in "and N more", and the whole text stays under both platforms'
limits (GitHub's job summary 1 MiB, a GitLab note 1,000,000 characters).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from scanner.diff import Diff
from scanner.summary import RunSummary

#: Bytes of UTF-8 at most: under GitHub's 1 MiB job summary and, as a character is at least
#: a byte, under GitLab's 1,000,000-character note.
LIMIT = 1_000_000
#: Items shown per list before "and N more".
MAX_ITEMS = 50
#: Rows of the organisation's repository table.
MAX_REPOS = 500
#: Characters of one untrusted string.
MAX_TEXT = 500
#: Files cited per result.
MAX_FILES = 10
#: Next steps shown.
MAX_STEPS = 20
#: Past runs in the trend table.
MAX_RUNS = 10

SYMBOL = {"met": "✓", "unmet": "✗", "unknown": "?", "attested": "A"}
AI = {True: "yes", False: "no", None: "unknown"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_PUNCTUATION = re.compile(r"([\\`*_\[\]|#~])")
_ENTITIES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))
_CUT_NOTE = ("\n\n**The report was cut here to fit the size limit of a job summary or a "
             "comment; the JSON report has everything.**\n")


def escape(text: str) -> str:
    """Untrusted text as inert Markdown on one line: no HTML, links, code, cells or headings."""
    text = " ".join(_CONTROL.sub(" ", text).split())
    if len(text) > MAX_TEXT:
        text = text[:MAX_TEXT - 1] + "…"
    for raw, entity in _ENTITIES:
        text = text.replace(raw, entity)
    # A zero-width space after '@' keeps an owner handle from notifying people when the
    # report is posted as a merge-request comment (mentions survive escaping otherwise).
    return _PUNCTUATION.sub(r"\\\1", text).replace("@", "@&#8203;")


def _more(items: Sequence[str], limit: int = MAX_ITEMS) -> list[str]:
    """At most ``limit`` items, then one saying how many were left out."""
    shown = list(items[:limit])
    if len(items) > limit:
        shown.append(f"… and {len(items) - limit} more (see the JSON report)")
    return shown


def _bullets(items: Sequence[str], limit: int = MAX_ITEMS) -> list[str]:
    return [f"- {item}" for item in _more(items, limit)]


def _level(floor: object, ceiling: object) -> str:
    """A level or code, with its ceiling when that differs."""
    text = escape(str(floor))
    return text if floor == ceiling else f"{text} (ceiling {escape(str(ceiling))})"


def _header(document: Mapping[str, Any], target: str) -> list[str]:
    tool = document["tool"]
    lines = [f"# aims report: {escape(target)}", "",
             f"{escape(tool['name'])} {escape(tool['version'])} · catalog "
             f"{escape(document['catalog_version'])} · as of {document['as_of'][:10]} · history "
             f"since {document['window']['since'][:10]}"]
    if document["partial"]:
        lines += ["", "**Partial:** some evidence could not be read; unknown answers are "
                      "listed below."]
    return lines


def _locations(ids: Iterable[str], evidence: Mapping[str, Mapping[str, Any]]) -> str:
    """The files a result cites (``tree:`` locators); other evidence is in the JSON report."""
    locators = (evidence[i]["provenance"]["locator"] for i in ids if i in evidence)
    files = {loc.removeprefix("tree:") for loc in locators if loc.startswith("tree:")}
    return ", ".join(_more([escape(path) for path in sorted(files)], MAX_FILES))


def _result(row: Mapping[str, Any], text: str, evidence: Mapping[str, Mapping[str, Any]],
            tail: str = "") -> str:
    cited = _locations(row["evidence"], evidence)
    where = f" (evidence: {cited})" if cited else ""
    return (f"{SYMBOL[row['status']]} **{escape(row['id'])}** {escape(text)}{tail}: "
            f"{escape(row['summary'])}{where}")


def _gap(item: Mapping[str, Any] | None, ident: str) -> str:
    """What could not be read, where and why."""
    if item is None or "gap" not in item:
        return f"{escape(ident)}: not in this report"
    return (f"{escape(item['provenance']['locator'])}: {escape(item['gap']['reason'])}: "
            f"{escape(item['gap']['detail'])}")


def _repository(repo: Mapping[str, Any], evidence: Mapping[str, Mapping[str, Any]],
                heading: str) -> list[str]:
    model_d, model_s = repo["model_d"], repo["model_s"]
    lines = ["", f"{heading} {escape(repo['repo'])}", "",
             "| | |", "| --- | --- |",
             f"| Model D, governance domains | "
             f"{_level(model_d['code'], model_d['code_ceiling'])} |",
             f"| Model S, security stage | {_level(model_s['stage'], model_s['stage_ceiling'])} "
             f"{escape(model_s['name'])} |",
             f"| AI in use | {AI[repo['ai_in_use']]} ({escape(repo['ai_in_use_basis'])}) |",
             "", "| Domain | Floor | Ceiling |", "| --- | --- | --- |"]
    lines += [f"| {escape(d['id'])} {escape(d['name'])} | {d['floor']} | {d['ceiling']} |"
              for d in model_d["domains"]]
    indicators = [i for d in model_d["domains"] for i in d["indicators"]]
    unmet = [_result(i, i["title"], evidence) for i in indicators if i["status"] == "unmet"]
    answers = [_result(a, a["question"], evidence, f" → {escape(a['answer'])}")
               for a in model_s["answers"] if a["status"] == "unmet"]
    unknown = [escape(r["id"]) for r in (*indicators, *model_s["answers"])
               if r["status"] == "unknown"]
    sub = heading + "#"
    lines += ["", f"{sub} Unmet indicators", ""]
    lines += _bullets(unmet) if unmet else ["None."]
    lines += ["", f"{sub} Unfavourable answers", ""]
    lines += _bullets(answers) if answers else ["None."]
    if unknown:
        lines += ["", f"Unknown (could not be decided): {', '.join(_more(unknown))}"]
    if repo["next_steps"]:
        lines += ["", f"{sub} Next steps", ""]
        lines += [f"{n}. {step}" for n, step in
                  enumerate(_more([escape(s) for s in repo["next_steps"]], MAX_STEPS), start=1)]
    if repo["problems"]:
        lines += ["", f"{sub} Could not be read", ""]
        lines += _bullets([_gap(evidence.get(i), i) for i in repo["problems"]])
    lines += [f"- Note: {escape(note)}" for note in repo["notes"]]
    return lines


def _organisation(document: Mapping[str, Any], org: Mapping[str, Any]) -> list[str]:
    stage = org["stage"]
    failed = f", {org['failed']} could not be scanned" if org["failed"] else ""
    lines = ["", f"**{org['scanned']} repositories scanned{failed}; AI in use in "
                 f"{org['ai_in_use']}.**", "",
             f"**Model S, organisation stage:** {_level(stage['floor'], stage['ceiling'])} "
             f"{escape(stage['name'])}"]
    open_answers = [a for a in org["answers"] if a["status"] != "met"]
    lines += ["", "## Coverage answers not met", ""]
    if open_answers:
        lines += ["| Question | Stage | Status | Coverage |", "| --- | --- | --- | --- |"]
        lines += _more([f"| **{escape(a['id'])}** {escape(a['text'])} | {a['stage']} | "
                        f"{SYMBOL[a['status']]} {escape(a['status'])} | {escape(a['summary'])} |"
                        for a in open_answers])
    else:
        lines.append("None.")
    lines += ["", "## Repositories", "", "| Repository | Model D | Stage | AI in use |",
              "| --- | --- | --- | --- |"]
    lines += _more([f"| {escape(r['repo'])} | {_level(r['code'], r['code_ceiling'])} | "
                    f"{_level(r['stage_floor'], r['stage_ceiling'])} | {AI[r['ai_in_use']]} |"
                    for r in org["levels"]], MAX_REPOS)
    if document["failures"]:
        lines += ["", "## Could not be scanned", ""]
        lines += _bullets([f"{escape(f['repo'])}: {escape(f['reason'])}: {escape(f['detail'])}"
                           for f in document["failures"]])
    if document["preflight"]:
        lines += ["", "## What the token could see", ""]
        lines += _bullets([f"{escape(v['evidence'])} (needs {escape(v['needs'])}): "
                           f"{v['visible']} of {v['total']} {escape(v['scope'])}"
                           for v in document["preflight"]])
    if stage["next_steps"]:
        lines += ["", "## Next steps for the organisation", ""]
        lines += [f"{n}. {step}" for n, step in
                  enumerate(_more([escape(s) for s in stage["next_steps"]], MAX_STEPS), start=1)]
    return lines


def _diff(diff: Diff) -> list[str]:
    lines = ["", f"## What changed since the previous run ({diff.old.as_of[:10]})", ""]
    if not (diff.changes or diff.added_repos or diff.removed_repos):
        return [*lines, "No change."]
    for direction in ("regressed", "improved", "changed"):
        rows = [f"{escape(c.scope)}: {escape(c.subject)} {escape(c.before)} → {escape(c.after)}"
                for c in diff.changes if c.direction == direction]
        if rows:
            lines += [f"**{direction.capitalize()}:**", "", *_bullets(rows), ""]
    for label, repos in (("New repositories", diff.added_repos),
                         ("Repositories no longer scanned", diff.removed_repos)):
        if repos:
            lines += [f"**{label}:** {', '.join(_more([escape(r) for r in repos]))}", ""]
    return lines[:-1]


def _trend(trend: Sequence[RunSummary]) -> list[str]:
    lines = ["", "## Trend", "", "| As of | Stage | Model D |", "| --- | --- | --- |"]
    for run in trend[-MAX_RUNS:]:
        if run.org_stage is not None:
            stage = _level(run.org_stage, run.org_stage_ceiling)
            code = f"{len(run.repos)} repositories"
        elif len(run.repos) == 1:
            stage = _level(run.repos[0].stage, run.repos[0].stage_ceiling)
            code = _level(run.repos[0].code, run.repos[0].code_ceiling)
        else:
            stage = code = "-"
        lines.append(f"| {escape(run.as_of[:10])} | {stage} | {code} |")
    return lines


def _fit(text: str) -> str:
    """The text cut at a line boundary so that it stays within :data:`LIMIT` bytes."""
    if len(text.encode("utf-8")) <= LIMIT:
        return text
    room = LIMIT - len(_CUT_NOTE.encode("utf-8"))
    head = text.encode("utf-8")[:room].decode("utf-8", errors="ignore")
    return head[:head.rfind("\n")] + _CUT_NOTE


def render(document: Mapping[str, Any], *, diff: Diff | None,
           trend: Sequence[RunSummary]) -> str:
    """The report as GitHub-flavoured Markdown with a trailing newline."""
    repositories = document["repositories"]
    organisation = document["organisation"]
    target = document["target"] or (repositories[0]["repo"] if repositories else "no repository")
    evidence = {item["id"]: item for item in document["evidence"]}
    lines = _header(document, target)
    if organisation is not None:
        lines += _organisation(document, organisation)
    if diff is not None:
        lines += _diff(diff)
    if len(trend) >= 2:
        lines += _trend(trend)
    if organisation is None:
        for repo in repositories:
            lines += _repository(repo, evidence, "##")
    lines += ["", "Legend: ✓ met, ✗ unmet, ? unknown, A attested. Floor counts unknown as "
                  "unmet, ceiling as met."]
    return _fit("\n".join(lines) + "\n")
