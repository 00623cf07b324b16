"""detect-secrets in worker processes: hits, dedupe, failures, order; the .secrets.baseline.

Every secret-shaped value here is assembled at run time from harmless parts, so this file
itself stays clean under detect-secrets (the project scans its own repository).
"""

from __future__ import annotations

import hashlib
import json
import random
import socket
import string
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import fields
from typing import Any

import pytest

from collectors.deep.secrets import (
    ENGINE,
    Baseline,
    BaselineEntry,
    BaselineError,
    FileFailure,
    SecretHit,
    SecretsPool,
    _scan_in_worker,
    audited_out,
    entries_digest,
    fingerprint,
    parse_baseline,
)
from tests.conftest import RepoBuilder

AWS_KEY = "AKIA" + "Z7QWERTYU" + "1234XYZ"
AWS_KEY_2 = "AKIA" + "Q4WERTYUZ" + "9876ABC"
AWS_SIGNING = "wJalrXUtnFEMI" + "/K7MDENG/bPxRfiCY" + "Zq8Lm3Wp4V"
# nosemgrep: hardcoded-credential-python
GH_TOKEN_1 = "ghp" + "_" + "a1B2c3D4e5F6g7H8i9J0" + "k1L2m3N4o5P6q7R8"
# nosemgrep: hardcoded-credential-python
GH_TOKEN_2 = "ghp" + "_" + "Z9y8X7w6V5u4T3s2R1q0" + "P9o8N7m6L5k4J3i2"
PEM_HEADER = "-----BEGIN " + "RSA PRIVATE" + " KEY-----"
PEM_MARKER = "BEGIN " + "RSA PRIVATE" + " KEY"  # what detect-secrets reports for a key
LOGIN_WORD = "hunter2" + "Xq9!" + "zz"
ALL_SECRETS = (AWS_KEY, AWS_KEY_2, AWS_SIGNING, GH_TOKEN_1, GH_TOKEN_2, PEM_HEADER, LOGIN_WORD)

VERIFY_FILTER = "detect_secrets.filters.common.is_ignored_due_to_verification_policies"


EXCLUDE_FILES = "detect_secrets.filters.regex.should_exclude_file"


def sha1(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


@pytest.fixture(scope="module")
def pool() -> Iterator[SecretsPool]:
    with SecretsPool(workers=2, timeout=30) as shared:
        yield shared


def scan_one(pool: SecretsPool, path: str, content: bytes) -> tuple[SecretHit, ...] | FileFailure:
    [(scanned, outcome)] = list(pool.scan([(path, content)]))
    assert scanned == path
    return outcome


def hits_of(outcome: tuple[SecretHit, ...] | FileFailure) -> tuple[SecretHit, ...]:
    assert not isinstance(outcome, FileFailure), outcome
    return outcome


# (path, content, expected hits as (type, line, the secret the fingerprint is of))
SCAN_CASES: list[tuple[str, bytes, list[tuple[str, int, str]]]] = [
    ("src/aws.py", f'key = "{AWS_KEY}"\n'.encode(), [("AWS Access Key", 1, AWS_KEY)]),
    # AWS, keyword and base64 plugins all fire on this value: one hit, the specific type
    ("conf.py", f'x = 1\naws_secret_key = "{AWS_SIGNING}"\n'.encode(),
     [("AWS Access Key", 2, AWS_SIGNING)]),
    # two different secrets on one line are two hits
    ("two.py", f'a = "{AWS_KEY}"; b = "{AWS_KEY_2}"\n'.encode(),
     [("AWS Access Key", 1, AWS_KEY), ("AWS Access Key", 1, AWS_KEY_2)]),
    # #858: detect-secrets reports both tokens as "ghp"; each keeps its own fingerprint
    ("tokens.py",
     f'x = "{GH_TOKEN_1}"\ny = "{GH_TOKEN_2}"\nz = "{GH_TOKEN_2}" + "{GH_TOKEN_1}"\n'.encode(),
     [("GitHub Token", 1, GH_TOKEN_1), ("GitHub Token", 2, GH_TOKEN_2),
      ("GitHub Token", 3, GH_TOKEN_1), ("GitHub Token", 3, GH_TOKEN_2)]),
    ("deploy/id_rsa", f"{PEM_HEADER}\nMIIEowIBAAKCAQEA\n".encode(),
     [("Private Key", 1, PEM_MARKER)]),
    ("settings.py", f'DEBUG = True\npassword = "{LOGIN_WORD}"\n'.encode(),
     [("Secret Keyword", 2, LOGIN_WORD)]),
    ("clean.py", b"def add(a, b):\n    return a + b\n", []),
    ("blob.bin", bytes(range(256)) * 64, []),
    # one stray Latin-1 byte does not hide the rest of the file
    ("latin.txt", b"caf\xe9 \xff\n" + f'k = "{AWS_KEY}"\n'.encode(),
     [("AWS Access Key", 2, AWS_KEY)]),
    # detect-secrets' filters see the repository's file name: lock files are skipped
    ("web/package-lock.json", f'{{"k": "{AWS_KEY}"}}\n'.encode(), []),
    # parent and absolute components cannot escape the worker's directory
    ("../../outside/x.py", f'key = "{AWS_KEY}"\n'.encode(), [("AWS Access Key", 1, AWS_KEY)]),
    ("/etc/abs.py", f'key = "{AWS_KEY}"\n'.encode(), [("AWS Access Key", 1, AWS_KEY)]),
]


@pytest.mark.parametrize(("path", "content", "expected"), SCAN_CASES,
                         ids=[case[0] for case in SCAN_CASES])
def test_scan_finds_each_secret_once(pool: SecretsPool, path: str, content: bytes,
                                     expected: list[tuple[str, int, str]]) -> None:
    outcome = hits_of(scan_one(pool, path, content))
    got = [(hit.type, hit.line, hit.fingerprint) for hit in outcome]
    want = sorted((kind, line, fingerprint(secret)) for kind, line, secret in expected)
    assert got == want
    # hits come sorted by line, and no field of a hit carries a secret
    assert [hit.line for hit in outcome] == sorted(hit.line for hit in outcome)
    for hit in outcome:
        for secret in ALL_SECRETS:
            assert all(secret not in str(getattr(hit, f.name)) for f in fields(hit))


def test_github_tokens_keep_detect_secrets_hashes(pool: SecretsPool) -> None:
    outcome = hits_of(scan_one(pool, "t.py", f'x = "{GH_TOKEN_1}"\ny = "{GH_TOKEN_2}"\n'.encode()))
    # the GitHub plugin's hash (of the prefix) and the base64 plugin's hash of the whole token
    assert [hit.baseline_hashes for hit in outcome] == [
        tuple(sorted((sha1("ghp"), sha1(GH_TOKEN_1)))),
        tuple(sorted((sha1("ghp"), sha1(GH_TOKEN_2)))),
    ]


def test_worker_errors_name_only_the_exception(pool: SecretsPool) -> None:
    # a path component longer than the file system allows: the worker cannot write it
    outcome = scan_one(pool, "a" * 300 + "/key.py", f'key = "{AWS_KEY}"\n'.encode())
    assert outcome == FileFailure("detect-secrets failed: OSError")


def test_results_come_in_input_order(pool: SecretsPool) -> None:
    # more files than the in-flight window, with big files early so later ones finish first
    files = [
        (f"f{index}.py", ("x = 1\n" * (3000 if index % 5 == 0 else index)
                          + f'k = "{AWS_KEY}"\n').encode())
        for index in range(30)
    ]
    taken: list[str] = []

    def feed() -> Iterator[tuple[str, bytes]]:
        for path, content in files:
            taken.append(path)
            yield path, content

    results = []
    for result in pool.scan(feed()):
        results.append(result)
        # a bounded number of files in flight (4 per worker), not the whole input
        assert len(taken) <= len(results) + 8
    assert [path for path, _ in results] == [path for path, _ in files]
    for (_, content), (_, outcome) in zip(files, results, strict=True):
        assert [hit.line for hit in hits_of(outcome)] == [content.count(b"\n")]


def slow_file() -> bytes:
    """Thousands of quoted high-entropy strings: detect-secrets needs far over a second."""
    rnd = random.Random(6)
    alphabet = string.ascii_letters + string.digits
    return "\n".join(
        'x = "' + "".join(rnd.choice(alphabet) for _ in range(60)) + '"' for _ in range(10000)
    ).encode()


def test_a_file_over_the_timeout_fails_alone() -> None:
    files = [
        ("before.py", f'key = "{AWS_KEY}"\n'.encode()),
        ("huge.py", slow_file()),
        ("after.py", f'key = "{AWS_KEY_2}"\n'.encode()),
        ("later.py", f'password = "{LOGIN_WORD}"\n'.encode()),
    ]
    with SecretsPool(workers=2, timeout=1.5) as short:
        results = list(short.scan(files))
    assert [path for path, _ in results] == [path for path, _ in files]
    assert results[1][1] == FileFailure("timed out after 1.5 s")
    assert [[hit.type for hit in hits_of(outcome)] for _, outcome in results[::2]] == [
        ["AWS Access Key"], ["AWS Access Key"]]
    assert [hit.type for hit in hits_of(results[3][1])] == ["Secret Keyword"]


def test_engine_names_detect_secrets() -> None:
    assert ENGINE == "detect-secrets 1.5.0"


class NetworkRecorder:
    """Records every attempt to resolve a name or open a connection."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.attempts: list[str] = []
        monkeypatch.setattr(socket, "getaddrinfo", self.refuse)
        monkeypatch.setattr(socket.socket, "connect", self.refuse)

    def refuse(self, *args: Any, **kwargs: Any) -> Any:
        self.attempts.append(repr(args)[:80])
        raise OSError("network disabled in tests")


@pytest.mark.parametrize(("verify", "network_used"), [(False, True), (True, False)],
                         ids=["verification-on", "default-settings"])
def test_default_settings_make_no_network_calls(
        tmp_path: Any, monkeypatch: pytest.MonkeyPatch, verify: bool,
        network_used: bool) -> None:
    from detect_secrets.settings import default_settings

    monkeypatch.chdir(tmp_path)
    recorder = NetworkRecorder(monkeypatch)
    # AWS's verifier calls STS when both key halves are in the file
    content = f'aws_access_key_id = "{AWS_KEY}"\naws_secret_key = "{AWS_SIGNING}"\n'.encode()
    with default_settings() as settings:
        assert VERIFY_FILTER not in settings.filters
        if not verify:  # the control row: turning verification on does reach the network
            settings.filters[VERIFY_FILTER] = {"min_level": 1}
        outcome = hits_of(_scan_in_worker("creds.py", content))
    assert {hit.type for hit in outcome} == {"AWS Access Key"}
    assert bool(recorder.attempts) is network_used


def test_fingerprint_is_stable_salted_and_distinct() -> None:
    assert fingerprint("not-a-secret") == "scrypt:606c0535413113f397c2e028195deab9"
    assert fingerprint(AWS_KEY) == fingerprint(AWS_KEY)
    assert len({fingerprint(secret) for secret in ALL_SECRETS}) == len(ALL_SECRETS)
    for secret in ALL_SECRETS:
        assert secret not in fingerprint(secret)
        assert sha1(secret) not in fingerprint(secret)


# --- the baseline --------------------------------------------------------------------------


def cli_baseline(repo: RepoBuilder) -> dict[str, Any]:
    """Run the detect-secrets CLI on the committed repository, as a user would."""
    repo.write("a.py", f'key = "{AWS_KEY}"\n')
    repo.write("b.py", f'x = "{GH_TOKEN_1}"\ny = "{GH_TOKEN_2}"\n')
    repo.write("c.py", "clean = True\n")
    repo.commit("files")
    out = subprocess.run([sys.executable, "-m", "detect_secrets", "scan", "-n"], cwd=repo.path,
                         env=repo.env, check=True, capture_output=True, text=True).stdout
    data: dict[str, Any] = json.loads(out)
    return data


def audit(data: dict[str, Any], path: str, kind: str, line: int, is_secret: bool) -> str:
    """Mark one result as `detect-secrets audit` would; return the baseline text."""
    [entry] = [e for e in data["results"][path] if e["type"] == kind and e["line_number"] == line]
    entry["is_secret"] = is_secret
    return json.dumps(data)


def test_parse_a_baseline_written_by_detect_secrets(repo: RepoBuilder) -> None:
    baseline = parse_baseline(json.dumps(cli_baseline(repo)))
    assert set(baseline.entries) == {"a.py", "b.py"}
    assert baseline.entries["a.py"] == (
        BaselineEntry(type="AWS Access Key", hashed_secret=sha1(AWS_KEY), line=1,
                      is_secret=None),
    )
    # #858: one "GitHub Token" entry (hash of "ghp") stands for both tokens
    assert [(e.type, e.hashed_secret, e.line) for e in baseline.entries["b.py"]] == [
        ("Base64 High Entropy String", sha1(GH_TOKEN_1), 1),
        ("GitHub Token", sha1("ghp"), 1),
        ("Base64 High Entropy String", sha1(GH_TOKEN_2), 2),
    ]


def test_audits_in_a_real_baseline_apply_to_pool_hits(repo: RepoBuilder,
                                                      pool: SecretsPool) -> None:
    data = cli_baseline(repo)
    [aws] = hits_of(scan_one(pool, "a.py", (repo.path / "a.py").read_bytes()))
    first, second = hits_of(scan_one(pool, "b.py", (repo.path / "b.py").read_bytes()))

    unaudited = parse_baseline(json.dumps(data))
    assert not any(audited_out(unaudited, path, hit) for path, hit in
                   [("a.py", aws), ("b.py", first), ("b.py", second)])

    # the GitHub entry on line 1 shares its hash with the token on line 2, but not its line
    github_audited = parse_baseline(audit(data, "b.py", "GitHub Token", 1, is_secret=False))
    assert audited_out(github_audited, "b.py", first)
    assert not audited_out(github_audited, "b.py", second)
    # the second token is known to detect-secrets only by its base64 result
    both = parse_baseline(audit(data, "b.py", "Base64 High Entropy String", 2, is_secret=False))
    assert audited_out(both, "b.py", second)
    # audited as a real secret, or under another path: still reported
    assert not audited_out(parse_baseline(audit(data, "a.py", "AWS Access Key", 1, True)),
                           "a.py", aws)
    assert not audited_out(parse_baseline(audit(data, "a.py", "AWS Access Key", 1, False)),
                           "c.py", aws)
    assert audited_out(parse_baseline(audit(data, "a.py", "AWS Access Key", 1, False)),
                       "a.py", aws)


def entry(kind: str, hashed: str, line: int | None, is_secret: bool | None) -> BaselineEntry:
    return BaselineEntry(type=kind, hashed_secret=hashed, line=line, is_secret=is_secret)


HIT = SecretHit(type="AWS Access Key", line=4, fingerprint="scrypt:00",
                baseline_hashes=("h-aws",))
TOKEN_HIT = SecretHit(type="GitHub Token", line=4, fingerprint="scrypt:01",
                      baseline_hashes=("h-ghp", "h-token"))


@pytest.mark.parametrize(("entries", "hit", "expected"), [
    ([], HIT, False),
    ([entry("AWS Access Key", "h-aws", 9, None)], HIT, False),            # never audited
    ([entry("AWS Access Key", "h-aws", 9, True)], HIT, False),            # a real secret
    ([entry("AWS Access Key", "h-aws", 9, False)], HIT, True),            # lines drift: ok
    ([entry("AWS Access Key", "h-other", 4, False)], HIT, False),         # another secret
    ([entry("Secret Keyword", "h-aws", 4, False)], HIT, True),            # another plugin
    # conflicting audits of the same secret: it stays reported
    ([entry("Secret Keyword", "h-aws", 4, False), entry("AWS Access Key", "h-aws", 4, True)],
     HIT, False),
    # marker hashes (#858) identify a token only together with the line
    ([entry("GitHub Token", "h-ghp", 4, False)], TOKEN_HIT, True),
    ([entry("GitHub Token", "h-ghp", 5, False)], TOKEN_HIT, False),
    ([entry("GitHub Token", "h-ghp", None, False)], TOKEN_HIT, False),
    ([entry("Base64 High Entropy String", "h-token", 7, False)], TOKEN_HIT, True),
])
def test_audited_out(entries: list[BaselineEntry], hit: SecretHit, expected: bool) -> None:
    baseline = Baseline(entries={"x.py": tuple(entries)})
    assert audited_out(baseline, "x.py", hit) is expected


def baseline_json(results: dict[str, Any]) -> str:
    return json.dumps({"version": "1.5.0", "results": results})


def raw(kind: str, hashed: str, line: int, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "filename": "x", "hashed_secret": hashed, "is_verified": False,
            "line_number": line, **extra}


def without_line(entry: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in entry.items() if key != "line_number"}


def test_parse_normalises_paths_and_orders_entries() -> None:
    baseline = parse_baseline(baseline_json({
        "./src/x.py": [raw("Secret Keyword", "h2", 8, is_secret=False),
                       raw("AWS Access Key", "h1", 3)],
        "y.py": [without_line(raw("Secret Keyword", "h3", 1))],  # no line, no audit
    }))
    assert dict(baseline.entries) == {
        "src/x.py": (entry("AWS Access Key", "h1", 3, None),
                     entry("Secret Keyword", "h2", 8, False)),
        "y.py": (entry("Secret Keyword", "h3", None, None),),
    }


@pytest.mark.parametrize(("text", "message"), [
    ('password = "' + LOGIN_WORD + '"', "not valid JSON (line 1)"),
    ("[]", "no 'results' object at the top level"),
    ('{"version": "1.5.0"}', "no 'results' object at the top level"),
    ('{"results": []}', "no 'results' object at the top level"),
    (baseline_json({"x.py": {}}), "results for 'x.py' are not a list"),
    (baseline_json({"x.py": ["h"]}), "results for 'x.py', entry 0 is not an object"),
    (baseline_json({"x.py": [{"type": "Secret Keyword"}]}),
     "results for 'x.py', entry 0 lacks a string 'type' or 'hashed_secret'"),
    (baseline_json({"x.py": [raw("T", "h", 1), raw("T", "h", 0)]}),
     "results for 'x.py', entry 1 has a 'line_number' that is not a positive integer"),
    (baseline_json({"x.py": [{**raw("T", "h", 1), "line_number": "3"}]}),
     "results for 'x.py', entry 0 has a 'line_number' that is not a positive integer"),
    (baseline_json({"x.py": [{**raw("T", "h", 1), "line_number": True}]}),
     "results for 'x.py', entry 0 has a 'line_number' that is not a positive integer"),
    (baseline_json({"x.py": [raw("T", "h", 1, is_secret="no")]}),
     "results for 'x.py', entry 0 has an 'is_secret' that is not true, false or null"),
    ('{"results": {}, "filters_used": {}}', "'filters_used' is not a list"),
    ('{"results": {}, "filters_used": [{"path": "' + EXCLUDE_FILES + '", "pattern": [1]}]}',
     "an exclude-files filter has a 'pattern' that is not text"),
    ('{"results": {}, "filters_used": [{"path": "' + EXCLUDE_FILES + '", "pattern": ["(x"]}]}',
     "exclude-files pattern '(x' is not a regular expression (missing ), unterminated "
     "subpattern at position 0)"),
])
def test_malformed_baselines_are_refused(text: str, message: str) -> None:
    with pytest.raises(BaselineError) as raised:
        parse_baseline(text)
    assert str(raised.value) == message


def test_entries_digest() -> None:
    base = {"x.py": [raw("A", "h1", 1), raw("B", "h2", 2)], "y.py": [raw("C", "h3", 3)]}
    digest = entries_digest(parse_baseline(baseline_json(base)), "x.py")
    nothing = hashlib.sha256(b"").hexdigest()
    assert len(digest) == 64
    assert digest != nothing
    # stable, and independent of the order of entries in the file
    reordered = {"y.py": base["y.py"], "x.py": base["x.py"][::-1]}
    assert entries_digest(parse_baseline(baseline_json(reordered)), "x.py") == digest
    # another path's entries do not matter; this path's audits and lines do
    other = {**base, "y.py": [raw("C", "h3", 3, is_secret=False)]}
    assert entries_digest(parse_baseline(baseline_json(other)), "x.py") == digest
    for changed in ([raw("A", "h1", 1, is_secret=False), raw("B", "h2", 2)],
                    [raw("A", "h1", 5), raw("B", "h2", 2)],
                    [raw("A", "h1", 1)]):
        assert entries_digest(parse_baseline(baseline_json({"x.py": changed})), "x.py") != digest
    # no baseline and no entries for the path: the digest of nothing
    assert entries_digest(None, "x.py") == nothing
    assert entries_digest(parse_baseline(baseline_json(base)), "z.py") == nothing


def test_yaml_is_read_line_by_line_so_an_alias_bomb_cannot_hang_a_worker(
        pool: SecretsPool) -> None:
    levels = "".join(f"{chr(98 + n)}: &{chr(98 + n)} [" + ", ".join([f"*{chr(97 + n)}"] * 9)
                     + "]\n" for n in range(8))
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + levels
    key = "AKIA" + "Z7QWERTYU1234XYZ"
    content = (bomb + f"aws: {key}\n" + "bad: 2026-13-45\n").encode()
    outcome = scan_one(pool, ".github/workflows/bomb.yml", content)
    assert [(h.type, h.line) for h in hits_of(outcome)] == [("AWS Access Key", 10)]



@pytest.mark.parametrize(("filters", "path", "excluded"), [
    ([], "tests/a.py", False),
    ([{"path": EXCLUDE_FILES, "pattern": ["^tests/"]}], "tests/a.py", True),
    ([{"path": EXCLUDE_FILES, "pattern": ["^tests/"]}], "src/tests/a.py", False),
    ([{"path": EXCLUDE_FILES, "pattern": "golden"}], "src/golden/a.json", True),  # a search
    ([{"path": "detect_secrets.filters.heuristic.is_sequential_string"}], "tests/a.py",
     False),
])
def test_baseline_exclude_files_patterns(filters: list[dict[str, Any]], path: str,
                                         excluded: bool) -> None:
    text = json.dumps({"results": {}, "filters_used": filters})
    assert parse_baseline(text).excludes(path) is excluded
