"""One ``aims scan`` of a platform target in a test, with its report and outputs."""

from __future__ import annotations

from typing import Any


class Run:
    """Exit code, parsed JSON report (None if none was written), stdout and stderr."""

    def __init__(self, code: int, report: dict[str, Any] | None, out: str, err: str) -> None:
        self.code, self.report, self.out, self.err = code, report, out, err

    def repo(self, name: str) -> dict[str, Any]:
        """A repository's (project's) assessment by its own name."""
        assert self.report is not None
        return next(r for r in self.report["repositories"] if r["repo"].endswith(f"/{name}"))

    def names(self) -> list[str]:
        """The scanned repositories' own names, in report order."""
        assert self.report is not None
        return [r["repo"].rsplit("/", 1)[1] for r in self.report["repositories"]]

    def _item(self, name: str, ident: str) -> dict[str, Any]:
        repo = self.repo(name)
        found = [i for d in repo["model_d"]["domains"] for i in d["indicators"]]
        found += list(repo["model_s"]["answers"])
        return next(i for i in found if i["id"] == ident)

    def status(self, name: str, ident: str) -> tuple[str, str | None]:
        """Status and unknown-reason of an indicator or question in one repository."""
        item = self._item(name, ident)
        return item["status"], item["reason"]

    def summary(self, name: str, ident: str) -> str:
        """The summary of an indicator or answer in one repository."""
        return str(self._item(name, ident)["summary"])

    def evidence(self, name: str, kind: str) -> dict[str, Any]:
        """One repository's evidence of a kind."""
        assert self.report is not None
        repo = self.repo(name)["repo"]
        return next(e for e in self.report["evidence"]
                    if e["kind"] == kind and e["provenance"]["repo"] == repo)

    def org_answer(self, ident: str) -> dict[str, Any]:
        """The organisation's (group's) answer to a Model S question."""
        assert self.report is not None
        return next(a for a in self.report["organisation"]["answers"] if a["id"] == ident)
