"""The HTML report: well-formed, self-contained, complete, escaped and byte-stable."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import zipfile
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape

from scanner.catalog import Catalog
from scanner.diff import compare
from scanner.model import Report
from scanner.report import html, json_report
from scanner.report.catalog_view import as_dict
from scanner.summary import summarize

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
GOLDENS = sorted(p.stem for p in GOLDEN.glob("*.json"))
VOID = {"meta", "br", "hr", "img", "input", "link", "area", "base", "col", "embed", "source",
        "track", "wbr"}
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
#: Elements that load or run something; the report has none of them.
ACTIVE = {"script", "link", "img", "iframe", "object", "embed", "base", "form", "audio",
          "video", "source", "foreignobject", "use", "image"}


class Page(HTMLParser):
    """The elements of a page: tag counts, attributes, balance errors and the CSS."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: Counter[str] = Counter()
        self.classes: Counter[str] = Counter()
        self.attrs: list[tuple[str, str, str]] = []
        self.css = ""
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_startendtag(tag, attrs)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        for name, value in attrs:
            self.attrs.append((tag, name, value or ""))
            if name == "class":
                self.classes[f"{tag}.{'.'.join((value or '').split())}"] += 1

    def handle_endtag(self, tag: str) -> None:
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()
        else:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1] == "style":
            self.css += data

    def count(self, prefix: str) -> int:
        """Elements whose ``tag.class.class`` starts with ``prefix``."""
        return sum(n for key, n in self.classes.items() if key.startswith(prefix))


@pytest.fixture(scope="module")
def catalog_doc(catalog: Catalog) -> dict[str, Any]:
    """The catalog as the renderers get it."""
    return as_dict(catalog)


@pytest.fixture(scope="module")
def org_document(org_report: Report) -> dict[str, Any]:
    """The organisation report as a document."""
    document: dict[str, Any] = json.loads(json_report.render(org_report))
    return document


def golden(name: str) -> dict[str, Any]:
    """A golden JSON report as a document."""
    document: dict[str, Any] = json.loads((GOLDEN / f"{name}.json").read_text("utf-8"))
    return document


def documents(org_document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every golden and the organisation report, by name."""
    return {**{name: golden(name) for name in GOLDENS}, "organisation": org_document}


def results(repo: dict[str, Any]) -> list[dict[str, Any]]:
    """Every indicator and answer of a repository document."""
    return [*(i for d in repo["model_d"]["domains"] for i in d["indicators"]),
            *repo["model_s"]["answers"]]


@pytest.mark.parametrize("name", [*GOLDENS, "organisation"])
def test_page_is_well_formed_and_self_contained(name: str, org_document: dict[str, Any],
                                                catalog_doc: dict[str, Any]) -> None:
    page = Page(html.render(documents(org_document)[name], catalog_doc, diff=None, trend=()))
    assert page.errors == [] and page.stack == []
    assert not ACTIVE & set(page.tags), "nothing may load or run"
    assert ("meta", "content", CSP) in page.attrs
    for tag, attr, value in page.attrs:
        assert not attr.startswith("on"), (tag, attr)
        assert "http:" not in value and "https:" not in value and "javascript:" not in value, (
            tag, attr, value)
        if attr in ("href", "src", "action"):
            assert value.startswith("#"), (tag, attr, value)
    assert "url(" not in page.css and "@import" not in page.css and "http" not in page.css


@pytest.mark.parametrize("name", [*GOLDENS, "organisation"])
def test_every_indicator_and_answer_drills_down(name: str, org_document: dict[str, Any],
                                                catalog_doc: dict[str, Any]) -> None:
    document = documents(org_document)[name]
    page = Page(html.render(document, catalog_doc, diff=None, trend=()))
    repos = document["repositories"]
    org_answers = len(document["organisation"]["answers"]) if document["organisation"] else 0
    assert page.count("details.result") == sum(len(results(r)) for r in repos) + org_answers
    assert page.count("details.item") == len(document["evidence"])
    assert page.count("details.repo") == len(repos)
    for status in ("met", "unmet", "unknown", "attested"):
        assert page.count(f"details.result.{status}") >= sum(
            r["status"] == status for repo in repos for r in results(repo))


@pytest.mark.parametrize("name", [*GOLDENS, "organisation"])
def test_charts_have_a_bar_per_domain_and_a_step_per_stage(
        name: str, org_document: dict[str, Any], catalog_doc: dict[str, Any]) -> None:
    document = documents(org_document)[name]
    page = Page(html.render(document, catalog_doc, diff=None, trend=()))
    repos = document["repositories"]
    domains = sum(len(r["model_d"]["domains"]) for r in repos)
    assert page.count("svg.chart.domains") == len(repos)
    assert page.count("rect.floor") == page.count("rect.ceiling") == domains == 4 * len(repos)
    ladders = len(repos) + (document["organisation"] is not None)
    assert page.count("svg.chart.ladder") == ladders
    assert page.count("rect.step") == 5 * ladders
    assert page.count("rect.step.current") == ladders


def test_organisation_heatmap_has_a_cell_per_repository_and_result(
        org_document: dict[str, Any], catalog_doc: dict[str, Any]) -> None:
    page = Page(html.render(org_document, catalog_doc, diff=None, trend=()))
    columns = len(catalog_doc["indicators"]) + len(catalog_doc["questions"])
    assert page.count("td.cell") == len(org_document["repositories"]) * columns
    assert page.count("td.cell.absent") == 0
    cells = [v for tag, attr, v in page.attrs if tag == "td" and attr == "title"]
    assert "local:web · CLG-2a Review of changes is written down: met" in cells


PAYLOADS = ("<script>window.__pwned=1</script>", '"><svg onload=alert(1)>',
            "<img src=x onerror=alert(2)>", "'><a href=javascript:alert(3)>x</a>", "]]></x>&amp;")


def _plant(document: dict[str, Any], place: str, payload: str) -> None:
    repo = document["repositories"][0]
    if place == "repository name":
        repo["repo"] = payload
    elif place == "summary":
        repo["model_d"]["domains"][0]["indicators"][0]["summary"] = payload
    elif place == "locator":
        document["evidence"][0]["provenance"]["locator"] = f"tree:{payload}"
    elif place == "next step":
        repo["next_steps"][0] = payload
    elif place == "payload":
        document["evidence"][0]["payload"] = {"path": payload}


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("place", ["repository name", "summary", "locator", "next step",
                                   "payload"])
def test_untrusted_text_is_escaped(place: str, payload: str,
                                   catalog_doc: dict[str, Any]) -> None:
    document = golden("mid-maturity")
    _plant(document, place, payload)
    text = html.render(document, catalog_doc, diff=None, trend=())
    assert payload not in text
    assert str(escape(payload)) in text
    page = Page(text)
    assert page.errors == [] and not ACTIVE & set(page.tags)
    assert not any(attr.startswith("on") for _tag, attr, _v in page.attrs)


def earlier(document: dict[str, Any], day: int, floor: int) -> dict[str, Any]:
    """The document as an earlier run on 2026-10-``day`` with CLG at ``floor``."""
    older = copy.deepcopy(document)
    older["as_of"] = f"2026-10-{day:02d}T00:00:00Z"
    older["repositories"][0]["model_d"]["domains"][0]["floor"] = floor
    return older


def test_diff_section_lists_every_change(catalog_doc: dict[str, Any]) -> None:
    document = golden("mid-maturity")
    diff = compare(summarize(earlier(document, 1, 1)), summarize(document))
    text = html.render(document, catalog_doc, diff=diff, trend=())
    page = Page(text)
    assert page.count("tr.improved") == 1 and page.count("tr.regressed") == 0
    assert "From 2026-10-01T00:00:00Z to 2026-11-01T00:00:00Z: 0 regressed, 1 improved" in text
    unchanged = html.render(document, catalog_doc, diff=compare(diff.new, diff.new), trend=())
    assert "No level, stage or status changed." in unchanged


@pytest.mark.parametrize(("runs", "lines"), [(0, 0), (1, 0), (2, 5), (30, 5)])
def test_trend_chart_needs_two_runs(runs: int, lines: int, catalog_doc: dict[str, Any]) -> None:
    document = golden("mid-maturity")
    trend = [summarize(earlier(document, day + 1, 1 + day % 3)) for day in range(runs)]
    text = html.render(document, catalog_doc, diff=None, trend=trend)
    page = Page(text)
    assert page.count("svg.chart.trend") == (lines > 0)
    assert page.count("path.line") == lines
    if lines:
        assert "<tr><th scope=\"row\">CLG</th>" + "".join(
            f"<td>{1 + day % 3}</td>" for day in range(runs)) + "</tr>" in text


@pytest.mark.parametrize("name", GOLDENS)
def test_render_is_byte_stable(name: str, catalog_doc: dict[str, Any]) -> None:
    document = golden(name)
    first = html.render(document, catalog_doc, diff=None, trend=())
    again = html.render(json.loads(json.dumps(document)), catalog_doc, diff=None, trend=())
    assert again == first
    assert "<REPO>" not in first, "the machine path of the repository is never shown"


def test_templates_ship_in_the_wheel(tmp_path: Path) -> None:
    root = Path(html.__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d",
                    str(tmp_path)], cwd=root, check=True, capture_output=True)
    (wheel,) = tmp_path.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        shipped = set(archive.namelist())
    needed = {f"scanner/report/templates/{p.name}" for p in html.TEMPLATES.iterdir()}
    assert "scanner/report/templates/report.html.j2" in needed
    assert needed <= shipped
