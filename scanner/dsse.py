"""DSSE envelopes (Dead Simple Signing Envelope v1) signed with Ed25519, and the key files.

An envelope carries a payload (base64), its type and signatures over the DSSE
pre-authentication encoding (PAE) of type and payload. Ed25519 signatures are
deterministic, so the same payload and key always give the same envelope.

A key id is the SHA-256 (hex) of the 32 raw bytes of the Ed25519 public key: anyone
holding the public key can recompute it (``openssl pkey -pubin -outform DER`` gives
those bytes as the last 32 of the DER). It is a label for finding the right key, never
trusted on its own: verification always checks the signature with the key it is given.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_private_key,
    load_pem_public_key,
)

#: The payload type of an in-toto attestation inside DSSE.
IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json"
#: Where the passphrase of an encrypted signing key comes from (never from the command line).
PASSPHRASE_ENV = "AIMS_SIGN_KEY_PASSPHRASE"
_KEY_HINT = "expected an Ed25519 key in PEM, e.g. from 'openssl genpkey -algorithm ed25519'"


class KeyFileError(ValueError):
    """A key file that cannot be used (the message never contains key material)."""


@dataclass(frozen=True, slots=True)
class Signature:
    """One DSSE signature: who signed (key id) and the signature bytes."""

    keyid: str
    sig: bytes


@dataclass(frozen=True, slots=True)
class Envelope:
    """A DSSE envelope with its payload decoded."""

    payload: bytes
    payload_type: str
    signatures: tuple[Signature, ...]

    def pae(self) -> bytes:
        """The bytes that are signed: DSSE's pre-authentication encoding."""
        kind = self.payload_type.encode("utf-8")
        return b"DSSEv1 %d %b %d %b" % (len(kind), kind, len(self.payload), self.payload)

    def to_dict(self) -> dict[str, Any]:
        """The envelope's JSON form (standard base64 with padding)."""
        return {
            "payload": _b64(self.payload),
            "payloadType": self.payload_type,
            "signatures": [{"keyid": s.keyid, "sig": _b64(s.sig)} for s in self.signatures],
        }

    @classmethod
    def from_dict(cls, data: object) -> Envelope:
        """Parse the JSON form strictly (exact fields, canonical base64); ValueError says why."""
        if not isinstance(data, Mapping) or set(data) != {"payload", "payloadType", "signatures"}:
            raise ValueError("expected an object with exactly payload, payloadType, signatures")
        payload_type, signatures = data["payloadType"], data["signatures"]
        if not isinstance(payload_type, str) or not isinstance(signatures, list):
            raise ValueError("payloadType must be a string and signatures a list")
        parsed = []
        for entry in signatures:
            if (not isinstance(entry, Mapping) or set(entry) != {"keyid", "sig"}
                    or not isinstance(entry["keyid"], str)):
                raise ValueError("each signature must be an object with exactly keyid and sig")
            parsed.append(Signature(entry["keyid"], _unb64(entry["sig"], "sig")))
        return cls(_unb64(data["payload"], "payload"), payload_type, tuple(parsed))


def _b64(data: bytes) -> str:
    return base64.standard_b64encode(data).decode("ascii")


def _unb64(text: object, field: str) -> bytes:
    """Decode base64 and insist on the one canonical spelling, so no character is slack."""
    if not isinstance(text, str):
        raise ValueError(f"{field} must be a base64 string")
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"{field} is not valid base64") from None
    if _b64(data) != text:
        raise ValueError(f"{field} is not canonical base64")
    return data


def key_id(public_key: Ed25519PublicKey) -> str:
    """SHA-256 hex of the raw 32-byte public key."""
    return hashlib.sha256(public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)).hexdigest()


def sign(payload: bytes, payload_type: str, key: Ed25519PrivateKey | None) -> Envelope:
    """An envelope for the payload, signed when a key is given (else with no signatures)."""
    unsigned = Envelope(payload, payload_type, ())
    if key is None:
        return unsigned
    signature = Signature(key_id(key.public_key()), key.sign(unsigned.pae()))
    return Envelope(payload, payload_type, (signature,))


def signature_valid(envelope: Envelope, signature: Signature, key: Ed25519PublicKey) -> bool:
    """Whether the signature is the key's signature over the envelope's PAE."""
    try:
        key.verify(signature.sig, envelope.pae())
    except InvalidSignature:
        return False
    return True


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise KeyFileError(f"{what} {path}: cannot read ({exc.strerror or exc})") from None


def _kind(key: object) -> str:
    return type(key).__name__.removesuffix("PrivateKey").removesuffix("PublicKey")


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """The Ed25519 signing key in a PEM file; encrypted keys take ``$AIMS_SIGN_KEY_PASSPHRASE``."""
    data = _read(path, "signing key")
    try:
        key = load_pem_private_key(data, password=None)
    except TypeError:
        # Raised only for an encrypted key read without a passphrase.
        key = _decrypt(path, data)
    except (ValueError, UnsupportedAlgorithm):
        raise KeyFileError(f"signing key {path} is not a PEM private key ({_KEY_HINT})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"signing key {path} is not an Ed25519 key (found {_kind(key)}); "
                           "aims signs with Ed25519 only")
    return key


def _decrypt(path: Path, data: bytes) -> PrivateKeyTypes:
    passphrase = os.environ.get(PASSPHRASE_ENV)
    if not passphrase:
        raise KeyFileError(f"signing key {path} is encrypted: set {PASSPHRASE_ENV} to its "
                           "passphrase")
    try:
        return load_pem_private_key(data, password=passphrase.encode("utf-8"))
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise KeyFileError(f"signing key {path} could not be decrypted: wrong passphrase in "
                           f"{PASSPHRASE_ENV}, or an unsupported encryption") from None


def load_public_key(path: Path) -> Ed25519PublicKey:
    """The Ed25519 public key in a PEM file (SubjectPublicKeyInfo)."""
    data = _read(path, "key")
    try:
        key = load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm):
        hint = ("it holds a private key: pass the public key" if b"PRIVATE KEY-----" in data
                else "expected an Ed25519 public key in PEM")
        raise KeyFileError(f"key {path} is not a PEM public key ({hint}, e.g. from "
                           "'openssl pkey -in KEY -pubout')") from None
    if not isinstance(key, Ed25519PublicKey):
        raise KeyFileError(f"key {path} is not an Ed25519 key (found {_kind(key)}); aims "
                           "bundles are signed with Ed25519")
    return key
