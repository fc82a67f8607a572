"""Unguessable links: reservation-page tokens (stored hashed) and references."""

import hashlib
import hmac
import secrets

from django.conf import settings

# No 0/O, 1/I/L: a reference is read out over the phone.
_REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_reference() -> str:
    body = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
    return f"{body[:4]}-{body[4:]}"


def new_nonce() -> str:
    return secrets.token_hex(16)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def reservation_token(*, reference: str, nonce: str) -> str:
    """The reservation-page token: 256 bits of HMAC over a random nonce.

    Only its hash is stored; the server can derive it again (for the invitation email) from the
    nonce and SECRET_KEY, which a copy of the database alone does not reveal.
    """
    mac = hmac.new(
        settings.SECRET_KEY.encode(),
        f"reservation-access:{reference}:{nonce}".encode(),
        hashlib.sha256,
    )
    return mac.hexdigest()
