"""Signed credentials: an Ed25519 key set, JWTs signed with it, and the claims they carry.

The gateway holds the private keys (`AUTH_SIGNING_KEYS`); it signs staff access tokens
(audience `moodline-api`, verified by the gateway itself) and, for every downstream call, a
short-lived service token (audience `moodline-services`) carrying the verified claims: tenant,
principal, role and permitted folders. Services hold only the public keys
(`AUTH_VERIFY_KEYS`) and verify that token on every call (see `grpc.interceptors`).

Key set format (both settings): comma-separated `kid:base64url(32 bytes)` entries — private
seeds for signing keys, raw public keys for verify keys. The first signing key signs; every
listed key verifies, so a key is rotated by adding the new one first and dropping the old one
once tokens signed with it have expired.
"""

from __future__ import annotations

import base64
import os
import secrets
import time
import uuid
from contextvars import ContextVar
from dataclasses import dataclass, field

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic_settings import BaseSettings, SettingsConfigDict

from moodline_kit.errors import Unauthenticated

ALGORITHM = "EdDSA"
ISSUER = "moodline-gateway"
API_AUDIENCE = "moodline-api"
SERVICE_AUDIENCE = "moodline-services"

# gRPC metadata key of the service token.
TOKEN_METADATA_KEY = "authorization"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _parse(spec: str) -> list[tuple[str, bytes]]:
    entries = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        kid, sep, value = part.partition(":")
        raw = _unb64(value) if sep else b""
        if not kid or len(raw) != 32:
            raise ValueError("key set entries are kid:base64url(32 bytes)")
        entries.append((kid, raw))
    return entries


def generate_signing_key(kid: str | None = None) -> str:
    """A new `kid:seed` signing-key entry."""
    return f"{kid or secrets.token_hex(4)}:{_b64(secrets.token_bytes(32))}"


def public_entry(signing_entry: str) -> str:
    """The `kid:public` verify-key entry of a `kid:seed` signing-key entry."""
    [(kid, seed)] = _parse(signing_entry)
    public = Ed25519PrivateKey.from_private_bytes(seed).public_key()
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return f"{kid}:{_b64(raw)}"


def public_keys(signing_keys: str) -> str:
    """The verify-key set matching a signing-key set."""
    return ",".join(public_entry(f"{kid}:{_b64(seed)}") for kid, seed in _parse(signing_keys))


class KeySet:
    """Verify keys by kid; and, when built from signing keys, the current signing key."""

    def __init__(
        self,
        verify: dict[str, Ed25519PublicKey],
        signing: tuple[str, Ed25519PrivateKey] | None = None,
    ) -> None:
        self._verify = verify
        self._signing = signing

    @classmethod
    def from_signing(cls, spec: str) -> KeySet:
        entries = _parse(spec)
        if not entries:
            raise ValueError("no signing key")
        private = {kid: Ed25519PrivateKey.from_private_bytes(seed) for kid, seed in entries}
        kid = entries[0][0]
        return cls({k: p.public_key() for k, p in private.items()}, (kid, private[kid]))

    @classmethod
    def from_public(cls, spec: str) -> KeySet:
        return cls({kid: Ed25519PublicKey.from_public_bytes(raw) for kid, raw in _parse(spec)})

    @property
    def kids(self) -> list[str]:
        return list(self._verify)

    def sign(self, claims: dict) -> str:
        if self._signing is None:
            raise RuntimeError("this key set can only verify")
        kid, key = self._signing
        return jwt.encode(claims, key, algorithm=ALGORITHM, headers={"kid": kid})

    def verify(self, token: str, *, audience: str) -> dict:
        """The claims of a token signed by one of the keys, unexpired, for `audience`; else
        `Unauthenticated` (also for `alg: none`, unknown kids and any other algorithm)."""
        try:
            header = jwt.get_unverified_header(token)
            key = self._verify.get(header.get("kid", ""))
            if key is None or header.get("alg") != ALGORITHM:
                raise Unauthenticated("token signed with an unknown key")
            return jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=audience,
                issuer=ISSUER,
                options={"require": ["exp", "iat", "aud", "iss", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthenticated("token expired") from exc
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"invalid token: {exc}") from exc


@dataclass(frozen=True)
class Claims:
    """What a service may believe about a call: who made it, for which tenant, with which
    role and which customer folders visible. `folders is None`: every folder;
    `unfoldered`: customers in no folder visible; `assigned_only`: an agent limited to the
    customers assigned to them (worker id = `subject`)."""

    tenant_id: uuid.UUID
    subject: str  # "user:<uuid>", "key:<uuid>" or "service:<name>"
    role: str
    folders: frozenset[uuid.UUID] | None = None
    unfoldered: bool = True
    assigned_only: bool = False
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def user_id(self) -> uuid.UUID | None:
        kind, _, value = self.subject.partition(":")
        return uuid.UUID(value) if kind == "user" else None

    def to_jwt(self, *, audience: str, ttl: float, now: float | None = None) -> dict:
        issued = int(now if now is not None else time.time())
        claims = {
            "iss": ISSUER,
            "aud": audience,
            "sub": self.subject,
            "iat": issued,
            "exp": issued + int(ttl),
            "tid": str(self.tenant_id),
            "role": self.role,
            "uf": self.unfoldered,
            "ao": self.assigned_only,
            **self.extra,
        }
        if self.folders is not None:
            claims["fld"] = sorted(str(f) for f in self.folders)
        return claims

    @classmethod
    def from_jwt(cls, claims: dict) -> Claims:
        try:
            folders = claims.get("fld")
            return cls(
                tenant_id=uuid.UUID(claims["tid"]),
                subject=str(claims["sub"]),
                role=str(claims["role"]),
                folders=None if folders is None else frozenset(uuid.UUID(f) for f in folders),
                unfoldered=bool(claims.get("uf", True)),
                assigned_only=bool(claims.get("ao", False)),
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise Unauthenticated("token without valid claims") from exc


def sign_service_token(keys: KeySet, claims: Claims, *, ttl: float = 60.0) -> str:
    return keys.sign(claims.to_jwt(audience=SERVICE_AUDIENCE, ttl=ttl))


def verify_service_token(keys: KeySet, token: str) -> Claims:
    return Claims.from_jwt(keys.verify(token, audience=SERVICE_AUDIENCE))


def bearer(token: str) -> str:
    return f"Bearer {token}"


def strip_bearer(value: str | None) -> str:
    if not value:
        raise Unauthenticated("no credential (authorization metadata)")
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("authorization metadata is not `Bearer <token>`")
    return token


class TokenVerifier:
    """Verifies service tokens, remembering verified ones until they expire (the same token
    comes with every call of one gateway request, and of one cached principal)."""

    def __init__(self, keys: KeySet, *, max_cached: int = 10_000) -> None:
        self._keys = keys
        self._max_cached = max_cached
        self._cache: dict[str, tuple[float, Claims]] = {}

    def verify(self, token: str) -> Claims:
        hit = self._cache.get(token)
        now = time.time()
        if hit is not None and hit[0] > now:
            return hit[1]
        payload = self._keys.verify(token, audience=SERVICE_AUDIENCE)
        claims = Claims.from_jwt(payload)
        if len(self._cache) >= self._max_cached:
            self._cache.clear()
        self._cache[token] = (float(payload["exp"]), claims)
        return claims


class AuthSettings(BaseSettings):
    """The key sets of this process, from the environment: `AUTH_VERIFY_KEYS` (every service),
    `AUTH_SIGNING_KEYS` (the gateway only; in tests, the test key set)."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    auth_verify_keys: str = ""
    auth_signing_keys: str = ""

    def verifier(self) -> TokenVerifier | None:
        spec = self.auth_verify_keys or (
            public_keys(self.auth_signing_keys) if self.auth_signing_keys else ""
        )
        return TokenVerifier(KeySet.from_public(spec)) if spec else None


# The credential of the inbound call being served, forwarded on outbound calls made for it.
_inbound: ContextVar[tuple[str, Claims] | None] = ContextVar("moodline_credential", default=None)


def current_claims() -> Claims:
    """The verified claims of the call being served."""
    inbound = _inbound.get()
    if inbound is None:
        raise Unauthenticated("no verified credential in the request context")
    return inbound[1]


def inbound_token() -> str | None:
    inbound = _inbound.get()
    return inbound[0] if inbound else None


def set_inbound(token: str, claims: Claims):  # type: ignore[no-untyped-def]
    return _inbound.set((token, claims))


def reset_inbound(reset_token) -> None:  # type: ignore[no-untyped-def]
    _inbound.reset(reset_token)


def ensure_local_keys() -> None:
    """For tests and benchmarks that start services themselves: a key set for this process
    and its children (`AUTH_SIGNING_KEYS` / `AUTH_VERIFY_KEYS`) unless one is set."""
    if not os.environ.get("AUTH_SIGNING_KEYS"):
        os.environ["AUTH_SIGNING_KEYS"] = generate_signing_key("local")
        os.environ["AUTH_VERIFY_KEYS"] = public_keys(os.environ["AUTH_SIGNING_KEYS"])


_process_signer: list[KeySet | None] = []


def process_service_token(tenant_id: str, *, ttl: float = 60.0) -> str | None:
    """A service token for `tenant_id` signed with this process's own signing keys, when it
    has any (the gateway's CLI; tests): full access as `service:<name>`. Services hold only
    verify keys and get None: they forward the credential of the call they serve."""
    if not _process_signer:
        spec = AuthSettings().auth_signing_keys
        _process_signer.append(KeySet.from_signing(spec) if spec else None)
    keys = _process_signer[0]
    if keys is None:
        return None
    claims = Claims(tenant_id=uuid.UUID(tenant_id), subject="service:internal", role="admin")
    return sign_service_token(keys, claims, ttl=ttl)
