"""Test target for pii-to-network-python (semgrep --test annotations)."""
# ruff: noqa  (deliberately vulnerable test target: undefined names, unused results)
import hashlib
import http.client
import urllib.request

import httpx
import requests

URL = "https://api.example.test/v1/contacts"


def sync_contact(email, user, request, n, user_id):
    # ruleid: pii-to-network-python
    requests.post(URL, json={"email": email})
    # ruleid: pii-to-network-python
    requests.post(URL, json={"phone": user.phone_number})
    # ruleid: pii-to-network-python
    httpx.post(URL, json={"contact": request.json["email"]})
    # ruleid: pii-to-network-python
    requests.get(f"{URL}?q={request.args.get('date_of_birth')}")
    lowered = email.strip().lower()
    # ruleid: pii-to-network-python
    requests.put(URL, data=lowered)
    # ok: pii-to-network-python
    requests.post(URL, json={"count": n})
    # ok: pii-to-network-python
    requests.post(URL, json={"user": user_id, "email_count": n})
    # ok: pii-to-network-python
    requests.post(URL, json={"contact": hashlib.sha256(email.encode()).hexdigest()})
    # ok: pii-to-network-python
    requests.post(URL, json={"contact": mask_email(email)})
    # ok: pii-to-network-python
    requests.post(URL, json={"emails": len(user.emails)})
    # ok: pii-to-network-python
    requests.post(URL, data=send_email(user_id))


def with_session(first_name, last_name):
    with requests.Session() as session:
        # ruleid: pii-to-network-python
        session.post(URL, json={"name": f"{first_name} {last_name}"})
    client = httpx.Client()
    # ruleid: pii-to-network-python
    client.post(URL, json={"name": last_name})
    # ok: pii-to-network-python
    client.post(URL, json={"name": redact(last_name)})


def stdlib(ssn, credit_card_number, ip_address):
    # ruleid: pii-to-network-python
    urllib.request.urlopen(URL, data=ssn.encode())
    conn = http.client.HTTPSConnection("api.example.test")
    # ruleid: pii-to-network-python
    conn.request("POST", "/cards", body=credit_card_number)
    # ok: pii-to-network-python
    conn.request("POST", "/visits", body=anonymize_ip(ip_address))
