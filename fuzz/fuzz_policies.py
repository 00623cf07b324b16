#!/usr/bin/env python3
"""Fuzz policy documents through the policies collector (atheris)."""

from fuzz.common import main

if __name__ == "__main__":
    main("policies")
