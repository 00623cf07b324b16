"""What every fuzzer here shares: instrument our code and PyYAML, then fuzz one harness.

The harnesses are the entry points of :mod:`tests.property.harness`, the same ones the
property tests and the corpus replay (``tests/test_fuzz_regressions.py``) call, so a crash
found here replays in CI without atheris. Run a fuzzer with ``fuzz/run.sh PARSER SECONDS``.
"""

from __future__ import annotations

import atexit
import shutil
import sys
import tempfile
from pathlib import Path

import atheris  # type: ignore[import-untyped,import-not-found,unused-ignore]

#: Instrumented for coverage: our packages, the YAML and gitignore-pattern libraries.
INSTRUMENTED = ["collectors", "scanner", "tests.property", "yaml", "pathspec"]
#: Syntax worth splicing into any input: YAML and JSON structure, aliases, tags, escapes
#: (a lone surrogate, a NUL), and the end of a ``git log`` record.
SYNTAX = (": ", "- ", "{", "}", "[", "]", ", ", "\n  ", "&a ", "*a", "<<: ", "!!binary ",
          "!reference ", "---", '"\\ud800"', '"\\u0000"', "\x00\x1e\n", "\x1f", "null",
          "true", "1e999", "2026-13-45")


def dictionary(name: str, directory: str) -> str:
    """A libFuzzer dictionary of the harness's vocabulary and :data:`SYNTAX`; its path."""
    # Imported late, like the harness: modules imported before instrumentation get no coverage.
    from tests.property.strategies import VOCABULARY  # noqa: PLC0415

    def quoted(token: str) -> str:
        # libFuzzer dictionary entries are double-quoted with C-style escapes.
        escaped = "".join(c if c.isascii() and c.isprintable() and c not in '"\\'
                          else "".join(f"\\x{b:02x}" for b in c.encode())
                          for c in token)
        return f'"{escaped}"'

    path = Path(directory) / f"{name}.dict"
    tokens = dict.fromkeys((*VOCABULARY[name], *SYNTAX))
    path.write_text("".join(f"{quoted(t)}\n" for t in tokens), encoding="ascii")
    return str(path)


def main(name: str) -> None:
    """Fuzz the harness ``name`` with the libFuzzer arguments of the command line."""
    scratch = tempfile.mkdtemp(prefix="aims-fuzz-")
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    with atheris.instrument_imports(include=INSTRUMENTED):
        # Only modules imported inside this block are instrumented.
        import scanner.cli  # noqa: F401, PLC0415 - the config harness imports it lazily
        from tests.property.harness import catalog, entry_points  # noqa: PLC0415
    catalog()  # load the packaged catalog once, outside the measured inputs
    args = list(sys.argv)
    if not any(a.startswith("-dict=") for a in args):
        args.append(f"-dict={dictionary(name, scratch)}")
    atheris.Setup(args, entry_points(Path(scratch))[name])
    atheris.Fuzz()
