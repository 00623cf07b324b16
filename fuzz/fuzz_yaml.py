#!/usr/bin/env python3
"""Fuzz the guarded YAML loader (atheris)."""

from fuzz.common import main

if __name__ == "__main__":
    main("yaml")
