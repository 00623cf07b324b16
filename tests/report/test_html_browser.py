"""The HTML report in a real headless browser (Debian's Chromium driven by Playwright).

It renders offline, its charts are drawn, drill-down opens on click, it makes no network
request, and a repository whose names carry script payloads shows them as text without
running anything. Chromium is required: a machine without it fails here, it never skips.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from scanner import cli
from scanner.catalog import Catalog
from scanner.model import Report
from scanner.report import html, json_report
from scanner.report.catalog_view import as_dict
from tests.fixture_repos import REPOS

CHROMIUM = Path("/usr/bin/chromium")
#: No sandbox (CI runs as root in a container), and none of Chromium's own network chatter.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
GOLDEN = Path(__file__).resolve().parent.parent / "golden"
#: The payloads of fixtures/repos/html-payloads.sh that reach a local scan's report, and the
#: directory name the test gives the repository.
DIRECTORY = '"><svg onload=window.__pwned=3>'
LANDED = ('<img src=x onerror="window.__pwned=2;alert(2)">',
          "<script>window.__pwned=1</script>", DIRECTORY)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless; the test fails when it is not installed."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's Chromium "
                    "(apt-get install chromium) to run the browser tests")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


class Visit:
    """A page opened from a file, with every request, dialog and console error it caused."""

    def __init__(self, browser: Browser, path: Path) -> None:
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.page: Page = browser.new_page(viewport={"width": 1200, "height": 900})
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("dialog", self._dialog)
        self.page.on("console", lambda message: self.errors.append(message.text)
                     if message.type == "error" else None)
        self.url = path.as_uri()
        self.page.goto(self.url, wait_until="load")

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def offline(self) -> bool:
        """Whether the page loaded only itself and inline data."""
        return all(url == self.url or url.startswith("data:") for url in self.requests)


@pytest.fixture(scope="module")
def catalog_doc(catalog: Catalog) -> dict[str, Any]:
    """The catalog as the renderers get it."""
    return as_dict(catalog)


def write_report(directory: Path, document: dict[str, Any], catalog_doc: dict[str, Any],
                 name: str = "report.html") -> Path:
    """The HTML report of ``document`` written to ``directory``."""
    path = directory / name
    path.write_text(html.render(document, catalog_doc, diff=None, trend=()), encoding="utf-8")
    return path


def test_report_renders_offline_with_charts(browser: Browser, tmp_path: Path,
                                            catalog_doc: dict[str, Any]) -> None:
    document = json.loads((GOLDEN / "mid-maturity.json").read_text("utf-8"))
    visit = Visit(browser, write_report(tmp_path, document, catalog_doc))
    page = visit.page
    assert page.title() == "aims report: local:mid-maturity"
    assert page.locator("svg.domains rect.floor").count() == 4
    assert page.locator("svg.domains rect.ceiling").count() == 4
    assert page.locator("svg.ladder rect.step").count() == 5
    assert page.locator("svg.ladder rect.step.current").count() == 1
    width = page.locator("svg.domains rect.floor").first.bounding_box()
    assert width is not None and width["width"] > 50, "the bars are drawn"
    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    blank = Visit(browser, _blank(tmp_path))
    blank.page.screenshot(path=str(tmp_path / "blank.png"), full_page=True)
    assert shot.stat().st_size > 20_000
    assert shot.stat().st_size > 10 * (tmp_path / "blank.png").stat().st_size
    assert visit.offline(), visit.requests
    assert visit.errors == []


def _blank(directory: Path) -> Path:
    path = directory / "blank.html"
    path.write_text("<!DOCTYPE html><title>blank</title>", encoding="utf-8")
    return path


def test_drill_down_opens_on_click_and_shows_evidence(browser: Browser, tmp_path: Path,
                                                      catalog_doc: dict[str, Any]) -> None:
    document = json.loads((GOLDEN / "mid-maturity.json").read_text("utf-8"))
    visit = Visit(browser, write_report(tmp_path, document, catalog_doc))
    indicator = visit.page.locator("details.result", has=visit.page.locator(
        "summary", has_text="ABC-3a")).first
    evidence = indicator.locator("table.evidence")
    assert indicator.get_attribute("open") is None and not evidence.is_visible()
    indicator.locator("summary").click()
    assert indicator.get_attribute("open") == ""
    assert evidence.is_visible()
    row = evidence.locator("tbody tr").first.inner_text()
    assert "tree.codeowners" in row and "tree:.github/CODEOWNERS" in row
    assert "codeowners@1" in row
    assert visit.offline(), visit.requests


def test_organisation_heatmap_renders(browser: Browser, tmp_path: Path, org_report: Report,
                                      catalog_doc: dict[str, Any]) -> None:
    document = json.loads(json_report.render(org_report))
    visit = Visit(browser, write_report(tmp_path, document, catalog_doc))
    columns = len(catalog_doc["indicators"]) + len(catalog_doc["questions"])
    assert visit.page.locator("table.heatmap td.cell").count() == 3 * columns
    assert visit.page.locator("svg.ladder").count() == 4
    visit.page.screenshot(path=str(tmp_path / "org.png"), full_page=True)
    assert (tmp_path / "org.png").stat().st_size > 20_000
    assert visit.offline(), visit.requests


@pytest.fixture(scope="module")
def payload_document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The JSON report of a local scan of the html-payloads scenario."""
    root = tmp_path_factory.mktemp("payloads")
    repo = root / DIRECTORY
    subprocess.run(["bash", str(REPOS / "html-payloads.sh"), str(repo)], check=True)
    out = root / "report.json"
    code = cli.main(["scan", str(repo), "--format", "json", "-o", str(out), "--no-deep",
                     "--as-of", "2026-11-01"])
    assert code == 0
    document: dict[str, Any] = json.loads(out.read_text("utf-8"))
    return document


def strings(value: object) -> Iterator[str]:
    """Every string in a JSON value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def test_payloads_reach_the_report(payload_document: dict[str, Any]) -> None:
    found = list(strings(payload_document))
    for payload in LANDED:
        assert any(payload in text for text in found), payload
    assert payload_document["repositories"][0]["repo"] == f"local:{DIRECTORY}"


def test_payloads_show_as_text_and_never_run(browser: Browser, tmp_path: Path,
                                             payload_document: dict[str, Any],
                                             catalog_doc: dict[str, Any]) -> None:
    visit = Visit(browser, write_report(tmp_path, payload_document, catalog_doc))
    page = visit.page
    page.wait_for_timeout(300)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert visit.dialogs == []
    assert page.locator("script, img, iframe, object, embed").count() == 0
    assert page.locator("svg").count() == page.locator("svg.chart").count()
    # open every drill-down so that innerText covers the whole report
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    text = page.inner_text("body")
    for payload in LANDED:
        assert payload in text, payload
    assert page.title() == f"aims report: local:{DIRECTORY}"
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert visit.offline(), visit.requests
    assert visit.errors == []
