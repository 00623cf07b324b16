"""Where evidence comes from: sources (how a repository is read) and collectors (what is read).

Collectors turn raw reads into typed evidence payloads (:mod:`scanner.payloads`) or gaps.
Each is a pure parser over bytes plus a thin reader; they never know which platform a file
came from. The registry of collectors run by a scan is :data:`collectors.registry.LOCAL`.
"""
