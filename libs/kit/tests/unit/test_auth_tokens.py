"""Signed credentials: what verifies and what is refused."""

from __future__ import annotations

import time
import uuid

import jwt
import pytest
from moodline_kit.auth import (
    SERVICE_AUDIENCE,
    Claims,
    KeySet,
    generate_signing_key,
    public_keys,
    sign_service_token,
    verify_service_token,
)
from moodline_kit.errors import Unauthenticated

CLAIMS = Claims(
    tenant_id=uuid.uuid4(),
    subject=f"user:{uuid.uuid4()}",
    role="agent",
    folders=frozenset({uuid.uuid4()}),
    unfoldered=False,
    assigned_only=True,
)


def test_a_service_token_round_trips_through_the_public_key_set() -> None:
    signing = generate_signing_key("k1")
    token = sign_service_token(KeySet.from_signing(signing), CLAIMS)
    assert verify_service_token(KeySet.from_public(public_keys(signing)), token) == CLAIMS


def test_rotation_every_listed_key_verifies_the_first_signs() -> None:
    old, new = generate_signing_key("old"), generate_signing_key("new")
    by_old = sign_service_token(KeySet.from_signing(old), CLAIMS)
    rotated = KeySet.from_signing(f"{new},{old}")
    by_new = sign_service_token(rotated, CLAIMS)
    assert jwt.get_unverified_header(by_new)["kid"] == "new"
    verifier = KeySet.from_public(public_keys(f"{new},{old}"))
    assert verify_service_token(verifier, by_old) == verify_service_token(verifier, by_new)
    with pytest.raises(Unauthenticated):
        verify_service_token(KeySet.from_public(public_keys(new)), by_old)


@pytest.mark.parametrize("case", ["other-key", "same-kid-other-key", "none", "hs256", "expired"])
def test_refused(case: str) -> None:
    signing = generate_signing_key("k1")
    keys = KeySet.from_signing(signing)
    verifier = KeySet.from_public(public_keys(signing))
    claims = CLAIMS.to_jwt(audience=SERVICE_AUDIENCE, ttl=60)
    token = {
        "other-key": lambda: KeySet.from_signing(generate_signing_key()).sign(claims),
        "same-kid-other-key": lambda: KeySet.from_signing(generate_signing_key("k1")).sign(claims),
        "none": lambda: jwt.encode(claims, None, algorithm="none", headers={"kid": "k1"}),
        "hs256": lambda: jwt.encode(claims, "k" * 32, algorithm="HS256", headers={"kid": "k1"}),
        "expired": lambda: keys.sign(
            CLAIMS.to_jwt(audience=SERVICE_AUDIENCE, ttl=60, now=time.time() - 120)
        ),
    }[case]()
    with pytest.raises(Unauthenticated):
        verify_service_token(verifier, token)


def test_an_access_token_is_not_a_service_token() -> None:
    keys = KeySet.from_signing(generate_signing_key())
    token = keys.sign(CLAIMS.to_jwt(audience="moodline-api", ttl=60))
    with pytest.raises(Unauthenticated):
        verify_service_token(keys, token)


def test_malformed_key_sets_are_refused() -> None:
    for spec in ("nokey", "k1:short", ":" + "A" * 43):
        with pytest.raises(ValueError):
            KeySet.from_signing(spec)
