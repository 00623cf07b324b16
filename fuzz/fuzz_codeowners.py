#!/usr/bin/env python3
"""Fuzz CODEOWNERS through the codeowners collector (atheris)."""

from fuzz.common import main

if __name__ == "__main__":
    main("codeowners")
