#!/usr/bin/env python3
"""Fuzz the attestation file through load_attestations (atheris)."""

from fuzz.common import main

if __name__ == "__main__":
    main("attestation")
