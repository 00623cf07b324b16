#!/usr/bin/env python3
"""Fuzz GitHub Actions workflows through the CI collector (atheris)."""

from fuzz.common import main

if __name__ == "__main__":
    main("workflow")
