#!/usr/bin/env python3
"""Fuzz the --config file through read_config and the catalog extensions (atheris)."""

from fuzz.common import main

if __name__ == "__main__":
    main("config")
