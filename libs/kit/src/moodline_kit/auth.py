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
import secrets
import time
import uuid
from dataclasses import dataclass, field

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

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
