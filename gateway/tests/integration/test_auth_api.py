"""Staff sign-in: tokens, refresh rotation and family revocation, sign-out, brute force,
users and API keys managed through the API."""

from __future__ import annotations

import time
import uuid

import jwt
import pytest
from gateway.auth import Role
from moodline_kit.auth import API_AUDIENCE, ISSUER, KeySet, generate_signing_key

pytestmark = pytest.mark.asyncio(loop_scope="session")

PASSWORD = "correct horse battery"


def _email() -> str:
    return f"staff-{uuid.uuid4().hex[:12]}@example.com"


async def _admin_user(gateway, role: Role = Role.ADMIN, **extra) -> tuple[dict, str]:
    """A tenant, and a user of it made through the API with the tenant's admin key."""
    tenant = await gateway.tenant()
    email = _email()
    r = await gateway.client.post(
        "/api/v1/users",
        headers=tenant.headers,
        json={"email": email, "password": PASSWORD, "name": "Pat Staff", "role": role, **extra},
    )
    assert r.status_code == 201, r.text
    return {"tenant": tenant, **r.json()}, email


async def _login(gateway, email: str, password: str = PASSWORD):
    return await gateway.client.post(
        "/api/v1/auth/login", json={"email": email, "password": password}
    )


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_sign_in_me_and_use_the_access_token(gateway) -> None:
    user, email = await _admin_user(gateway)
    r = await _login(gateway, email.upper())  # e-mail is case-insensitive
    assert r.status_code == 200, r.text
    tokens = r.json()
    assert set(tokens) >= {"access_token", "refresh_token", "expires_in"}
    assert 600 <= tokens["expires_in"] <= 1800
    me = await gateway.client.get("/api/v1/me", headers=_bearer(tokens["access_token"]))
    assert me.status_code == 200, me.text
    body = me.json()
    assert body["user"] == {"id": user["id"], "name": "Pat Staff", "email": email}
    assert body["role"] == "admin"
    assert body["tenant"] == {"id": str(user["tenant"].id), "name": "Test"}
    assert "users:manage" in body["permissions"]
    listed = await gateway.client.get("/api/v1/customers", headers=_bearer(tokens["access_token"]))
    assert listed.status_code == 200, listed.text


async def test_wrong_password_and_unknown_email_are_401(gateway) -> None:
    _, email = await _admin_user(gateway)
    assert (await _login(gateway, email, "wrong password!")).status_code == 401
    assert (await _login(gateway, _email())).status_code == 401


async def test_refresh_rotates_and_reuse_revokes_the_family(gateway) -> None:
    _, email = await _admin_user(gateway)
    first = (await _login(gateway, email)).json()
    r = await gateway.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert r.status_code == 200, r.text
    second = r.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert (
        await gateway.client.get("/api/v1/me", headers=_bearer(second["access_token"]))
    ).status_code == 200
    # the spent token again: refused, and the whole family with it
    replay = await gateway.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert replay.status_code == 401
    assert (
        await gateway.client.post(
            "/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]}
        )
    ).status_code == 401
    assert (
        await gateway.client.get("/api/v1/me", headers=_bearer(second["access_token"]))
    ).status_code == 401
    assert (
        await gateway.client.get("/api/v1/me", headers=_bearer(first["access_token"]))
    ).status_code == 401
    # another sign-in still works
    assert (await _login(gateway, email)).status_code == 200


async def test_logout_revokes_access_and_refresh(gateway) -> None:
    _, email = await _admin_user(gateway)
    tokens = (await _login(gateway, email)).json()
    r = await gateway.client.post("/api/v1/auth/logout", headers=_bearer(tokens["access_token"]))
    assert r.status_code == 204
    assert (
        await gateway.client.get("/api/v1/me", headers=_bearer(tokens["access_token"]))
    ).status_code == 401
    assert (
        await gateway.client.post(
            "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
        )
    ).status_code == 401


async def test_forged_expired_and_alg_none_tokens_are_refused(gateway) -> None:
    _, email = await _admin_user(gateway)
    good = (await _login(gateway, email)).json()["access_token"]
    claims = jwt.decode(good, options={"verify_signature": False})
    other = KeySet.from_signing(generate_signing_key())
    forged = other.sign(claims)
    kid = jwt.get_unverified_header(good)["kid"]
    same_kid_other_key = KeySet.from_signing(generate_signing_key(kid)).sign(claims)
    now = int(time.time())
    keys = gateway.app.state.credentials.keys
    expired = keys.sign({**claims, "iat": now - 3600, "exp": now - 60})
    wrong_audience = keys.sign({**claims, "aud": "moodline-services"})
    unsigned = jwt.encode(claims, None, algorithm="none")
    hs256 = jwt.encode(claims, "secret", algorithm="HS256", headers={"kid": kid})
    for token in (forged, same_kid_other_key, expired, wrong_audience, unsigned, hs256, "x.y.z"):
        r = await gateway.client.get("/api/v1/me", headers=_bearer(token))
        assert r.status_code == 401, (token, r.text)
    assert claims["aud"] == API_AUDIENCE and claims["iss"] == ISSUER


async def test_repeated_failures_are_slowed_then_locked(gateway) -> None:
    _, email = await _admin_user(gateway)
    settings = gateway.app.state.settings
    statuses = []
    for _ in range(settings.login_slow_after):
        statuses.append((await _login(gateway, email, "wrong password!")).status_code)
    assert statuses == [401] * settings.login_slow_after
    slowed = await _login(gateway, email)  # even the right password must wait
    assert slowed.status_code == 429
    assert int(slowed.headers["retry-after"]) >= 1
    # lock: drive the count to the threshold past the slow-down delays
    throttle = gateway.app.state.login_throttle
    for _ in range(settings.login_lock_after - settings.login_slow_after):
        await throttle.failed(email, "198.51.100.7")
    locked = await _login(gateway, email)
    assert locked.status_code == 423
    assert int(locked.headers["retry-after"]) > 60
    assert locked.headers["content-type"].startswith("application/problem+json")


async def test_an_admin_password_reset_unlocks_and_signs_out(gateway) -> None:
    user, email = await _admin_user(gateway)
    tokens = (await _login(gateway, email)).json()
    throttle = gateway.app.state.login_throttle
    for _ in range(gateway.app.state.settings.login_lock_after):
        await throttle.failed(email, "198.51.100.8")
    assert (await _login(gateway, email)).status_code == 423
    r = await gateway.client.patch(
        f"/api/v1/users/{user['id']}",
        headers=user["tenant"].headers,
        json={"password": "a brand new passphrase"},
    )
    assert r.status_code == 200, r.text
    assert (
        await gateway.client.get("/api/v1/me", headers=_bearer(tokens["access_token"]))
    ).status_code == 401
    assert (await _login(gateway, email)).status_code == 401
    assert (await _login(gateway, email, "a brand new passphrase")).status_code == 200


async def test_disabled_user_is_refused_at_once(gateway) -> None:
    user, email = await _admin_user(gateway, Role.AGENT)
    tokens = (await _login(gateway, email)).json()
    headers = _bearer(tokens["access_token"])
    assert (await gateway.client.get("/api/v1/me", headers=headers)).status_code == 200
    r = await gateway.client.patch(
        f"/api/v1/users/{user['id']}", headers=user["tenant"].headers, json={"disabled": True}
    )
    assert r.status_code == 200 and r.json()["disabled"] is True
    assert (await gateway.client.get("/api/v1/me", headers=headers)).status_code == 401
    assert (await _login(gateway, email)).status_code == 401


async def test_users_are_managed_by_admins_of_their_own_tenant(gateway) -> None:
    user, email = await _admin_user(gateway, Role.MANAGER)
    manager = _bearer((await _login(gateway, email)).json()["access_token"])
    assert (await gateway.client.get("/api/v1/users", headers=manager)).status_code == 403
    r = await gateway.client.post(
        "/api/v1/users",
        headers=manager,
        json={"email": _email(), "password": PASSWORD, "name": "X", "role": "admin"},
    )
    assert r.status_code == 403
    listed = await gateway.client.get("/api/v1/users", headers=user["tenant"].headers)
    assert [u["email"] for u in listed.json()["items"]] == [email]
    assert "password" not in listed.text and "argon2" not in listed.text
    other = await gateway.tenant()
    assert (
        await gateway.client.patch(
            f"/api/v1/users/{user['id']}", headers=other.headers, json={"name": "Mallory"}
        )
    ).status_code == 404
    dup = await gateway.client.post(
        "/api/v1/users",
        headers=other.headers,
        json={"email": email, "password": PASSWORD, "name": "Dup", "role": "viewer"},
    )
    assert dup.status_code == 409
    bad = await gateway.client.post(
        "/api/v1/users",
        headers=other.headers,
        json={"email": "not-an-email", "password": "short", "name": "", "role": "owner"},
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"email", "password", "name", "role"}


async def test_api_keys_created_listed_and_revoked(gateway) -> None:
    tenant = await gateway.tenant()
    r = await gateway.client.post(
        "/api/v1/api-keys", headers=tenant.headers, json={"name": "POS", "role": "viewer"}
    )
    assert r.status_code == 201, r.text
    created = r.json()
    key = created["key"]
    assert key.startswith("mdl_") and created["role"] == "viewer"
    viewer = _bearer(key)
    assert (await gateway.client.get("/api/v1/customers", headers=viewer)).status_code == 200
    assert (
        await gateway.client.post("/api/v1/customers", headers=viewer, json={"first_name": "V"})
    ).status_code == 403
    listed = (await gateway.client.get("/api/v1/api-keys", headers=tenant.headers)).json()
    assert created["id"] in [k["id"] for k in listed["items"]]
    assert key not in str(listed)
    other = await gateway.tenant()
    assert (
        await gateway.client.delete(f"/api/v1/api-keys/{created['id']}", headers=other.headers)
    ).status_code == 404
    assert (
        await gateway.client.delete(f"/api/v1/api-keys/{created['id']}", headers=tenant.headers)
    ).status_code == 204
    assert (await gateway.client.get("/api/v1/customers", headers=viewer)).status_code == 401
    assert (await gateway.client.get("/api/v1/api-keys", headers=viewer)).status_code == 401


async def test_failures_from_one_address_slow_down_every_account_from_it(gateway) -> None:
    from gateway.login_throttle import LoginThrottle, Policy, Throttled

    throttle = LoginThrottle(
        gateway.app.state.redis,
        account=Policy(5, 10, 900, 900),
        address=Policy(20, 50, 900, 900),
    )
    address = f"203.0.113.{uuid.uuid4().int % 250}-{uuid.uuid4().hex[:6]}"
    for i in range(20):
        await throttle.failed(f"victim-{i}-{uuid.uuid4().hex[:6]}@example.com", address)
    with pytest.raises(Throttled) as slowed:
        await throttle.check(_email(), address)
    assert slowed.value.status == 429 and slowed.value.scope == "address"
    await throttle.check(_email(), "203.0.113.254-elsewhere")  # other addresses unaffected
    for i in range(30):
        await throttle.failed(f"victim-{i}@example.com", address)
    with pytest.raises(Throttled) as locked:
        await throttle.check(_email(), address)
    assert locked.value.status == 423 and locked.value.retry_after > 800
