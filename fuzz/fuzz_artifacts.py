#!/usr/bin/env python3
"""Fuzz secrets baselines and BOMs through the artifacts collector (atheris)."""

from fuzz.common import main

if __name__ == "__main__":
    main("artifacts")
