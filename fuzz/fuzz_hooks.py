#!/usr/bin/env python3
"""Fuzz pre-commit, lefthook and husky files through the hooks collector (atheris)."""

from fuzz.common import main

if __name__ == "__main__":
    main("hooks")
