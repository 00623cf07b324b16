"""Test target for hardcoded-credential-python (semgrep --test annotations).

The literal values are deliberately fake; the allowlist pragmas keep detect-secrets quiet.
"""
# ruff: noqa  (deliberately vulnerable test target: undefined names, unused results)
import os

import jwt
import requests

# ruleid: hardcoded-credential-python
DB_PASSWORD = "not-a-real-password"  # pragma: allowlist secret
# ruleid: hardcoded-credential-python
settings = {"api_key": "fake-key-for-tests"}  # pragma: allowlist secret
# ok: hardcoded-credential-python
EMPTY_PASSWORD = ""
# ok: hardcoded-credential-python
api_key = os.environ["API_KEY"]
# ok: hardcoded-credential-python
token = os.getenv("TOKEN", "")
# ok: hardcoded-credential-python
password = "changeme"
# ok: hardcoded-credential-python
secret_key = "${SECRET_KEY}"
# ok: hardcoded-credential-python
password_field = "password"
# ok: hardcoded-credential-python
next_page_token = "abc"
# ok: hardcoded-credential-python
password_prompt = "Enter your password"
# ok: hardcoded-credential-python
SECURITY = {"secret_scanning": "enabled"}
# ok: hardcoded-credential-python
entry = {"hashed_secret": "0123456789abcdef"}


class Client:
    def __init__(self):
        # ruleid: hardcoded-credential-python
        self.client_secret = "fake-secret-for-tests"  # pragma: allowlist secret

    def call(self, user):
        # ruleid: hardcoded-credential-python
        requests.get("https://example.test", auth=(user, "fake-pass-for-tests"))  # pragma: allowlist secret
        # ok: hardcoded-credential-python
        requests.get("https://example.test", auth=(user, os.environ["PASS"]))
        # ruleid: hardcoded-credential-python
        connect(host="db", password="fake-pass-for-tests")  # pragma: allowlist secret
        # ruleid: hardcoded-credential-python
        return jwt.encode({"sub": user}, "fake-signing-key", algorithm="HS256")  # pragma: allowlist secret
