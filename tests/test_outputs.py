"""Which formats go where: ``--format``, ``-o`` and ``--out-dir`` checked before a scan."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.outputs import FILE_NAMES, FORMATS, Output, OutputError, plan_outputs, split_formats


@pytest.mark.parametrize(("values", "expected"), [
    ((), ()),
    (("json",), ("json",)),
    (("json,sarif",), ("json", "sarif")),
    (("JSON", " html , markdown"), ("json", "html", "markdown")),
    (("sarif,",), ("sarif",)),
])
def test_formats_are_split_and_kept_in_order(values: tuple[str, ...],
                                             expected: tuple[str, ...]) -> None:
    assert split_formats(values) == expected


@pytest.mark.parametrize(("values", "message"), [
    (("pdf",), "unknown format 'pdf'"),
    (("json,json",), "asked for twice"),
    (("json", "sarif,json"), "asked for twice"),
])
def test_bad_formats_are_refused(values: tuple[str, ...], message: str) -> None:
    with pytest.raises(OutputError, match=message):
        split_formats(values)


OUT = Path("out")


@pytest.mark.parametrize(("formats", "outputs", "out_dir", "terminal", "expected"), [
    ((), (), None, True, (Output("table", None),)),
    ((), (), None, False, (Output("json", None),)),
    ((), (Path("r.json"),), None, True, (Output("json", Path("r.json")),)),
    (("html",), (), None, True, (Output("html", None),)),
    (("json", "sarif"), (Path("a"), Path("b")), None, False,
     (Output("json", Path("a")), Output("sarif", Path("b")))),
    (("sarif", "gitlab-codequality"), (), OUT, False,
     (Output("sarif", OUT / "aims-report.sarif"),
      Output("gitlab-codequality", OUT / "aims-codequality.json"))),
    ((), (), OUT, True, (Output("json", OUT / "aims-report.json"),)),
])
def test_outputs_are_paired(formats: tuple[str, ...], outputs: tuple[Path, ...],
                            out_dir: Path | None, terminal: bool,
                            expected: tuple[Output, ...]) -> None:
    assert plan_outputs(formats, outputs, out_dir, terminal=terminal) == expected


@pytest.mark.parametrize(("formats", "outputs", "out_dir", "message"), [
    (("json", "sarif"), (), None, "need a file each"),
    (("json", "sarif"), (Path("a"),), None, "2 format.* but 1 -o"),
    (("json",), (Path("a"),), OUT, "not both"),
    (("json", "sarif"), (Path("a"), Path("./a")), None, "same file"),
])
def test_outputs_that_do_not_fit_are_refused(formats: tuple[str, ...],
                                             outputs: tuple[Path, ...], out_dir: Path | None,
                                             message: str) -> None:
    with pytest.raises(OutputError, match=message):
        plan_outputs(formats, outputs, out_dir, terminal=False)


def test_every_format_has_its_own_file_name() -> None:
    assert set(FILE_NAMES) == set(FORMATS)
    assert len(set(FILE_NAMES.values())) == len(FORMATS)
