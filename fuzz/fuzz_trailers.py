#!/usr/bin/env python3
"""Fuzz git log records (messages, trailers, identities) through attribution (atheris)."""

from fuzz.common import main

if __name__ == "__main__":
    main("trailers")
