"""`make run`'s keys: the automation worker signs with a key of its own, which every service
verifies and the gateway does not (docs/trust.md)."""

from __future__ import annotations

import uuid

import pytest
from moodline_devkit.run import GATEWAY, SERVICES, Plan, service_env
from moodline_kit.auth import API_AUDIENCE, Claims, KeySet, sign_service_token
from moodline_kit.errors import Unauthenticated


def test_the_automation_key_is_its_own_and_only_the_services_accept_it(tmp_path) -> None:
    p = Plan(tmp_path, "postgresql://x@127.0.0.1/postgres", "nats://x", "redis://x", 1, 2, [])
    envs = {s.name: service_env(p, s, i) for i, s in enumerate(SERVICES)}
    gateway = service_env(p, GATEWAY, len(SERVICES))
    automation = envs["automation"]["AUTH_SIGNING_KEYS"]
    assert automation != gateway["AUTH_SIGNING_KEYS"]
    assert [n for n, e in envs.items() if "AUTH_SIGNING_KEYS" in e] == ["automation"]
    claims = Claims(tenant_id=uuid.uuid4(), subject="service:internal", role="admin")
    token = sign_service_token(KeySet.from_signing(automation), claims)
    for name, env in envs.items():  # every service verifies the worker's service token
        assert KeySet.from_public(env["AUTH_VERIFY_KEYS"]).verify(
            token, audience="moodline-services"
        ), name
    # ... and the gateway refuses anything it signs as an access token
    forged = KeySet.from_signing(automation).sign(claims.to_jwt(audience=API_AUDIENCE, ttl=60))
    with pytest.raises(Unauthenticated):
        KeySet.from_signing(gateway["AUTH_SIGNING_KEYS"]).verify(forged, audience=API_AUDIENCE)
