"""Test target for tls-verification-disabled-python (semgrep --test annotations)."""
# ruff: noqa  (deliberately vulnerable test target: undefined names, unused results)
import ssl

import httpx
import requests


def fetch(url):
    # ruleid: tls-verification-disabled-python
    requests.get(url, verify=False)
    # ruleid: tls-verification-disabled-python
    client = httpx.Client(verify=False)
    session = requests.Session()
    # ruleid: tls-verification-disabled-python
    session.verify = False
    # ruleid: tls-verification-disabled-python
    session.post(url, verify=False)
    # ruleid: tls-verification-disabled-python
    context = ssl._create_unverified_context()
    strict = ssl.create_default_context()
    # ruleid: tls-verification-disabled-python
    strict.check_hostname = False
    # ruleid: tls-verification-disabled-python
    strict.verify_mode = ssl.CERT_NONE
    # ok: tls-verification-disabled-python
    requests.get(url, verify="/etc/ssl/certs/ca.pem")
    # ok: tls-verification-disabled-python
    requests.get(url, timeout=10)
    # ok: tls-verification-disabled-python
    ssl.create_default_context().verify_mode = ssl.CERT_REQUIRED
    # ok: tls-verification-disabled-python
    model.save(verify=False)
    return client, context
