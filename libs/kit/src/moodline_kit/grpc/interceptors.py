"""Server interceptor: verified credential and tenant context, deadline propagation, unsafe
input refused (NUL, NaN), error-to-status mapping.

Every tenant-scoped RPC must carry `authorization: Bearer <service token>`, a short-lived token
signed by the gateway (see `moodline_kit.auth` and docs/trust.md). The interceptor verifies it
with the service's verify keys; a call without one, with a forged or expired one, or whose
`moodline-tenant-id` names another tenant than the token is refused UNAUTHENTICATED. The verified
claims (tenant, principal, role, folders) are what the service layer sees."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

import asyncpg
import grpc
import sqlalchemy.exc
from google.protobuf.message import Message

from moodline_kit import auth, errors, tenancy
from moodline_kit.grpc.inputs import unsafe_fields
from moodline_kit.grpc.status import to_status
from moodline_kit.metrics import GRPC_HANDLED

log = logging.getLogger(__name__)

# Failures of a dependency rather than of the request: connection refused or lost, PostgreSQL
# out of connections or starting up, the connection pool exhausted.
TRANSIENT: tuple[type[BaseException], ...] = (
    ConnectionError,
    OSError,
    asyncpg.exceptions.InsufficientResourcesError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.TimeoutError,
)

# Absolute time.monotonic() by which the current inbound RPC must finish (None: no deadline).
_deadline: ContextVar[float | None] = ContextVar("moodline_deadline", default=None)

# RPCs that need no tenant (health checks, reflection).
_TENANTLESS_PREFIXES = ("/grpc.health.", "/grpc.reflection.")


def remaining_time() -> float | None:
    """Seconds left before the inbound RPC's deadline, for outgoing calls to inherit."""
    deadline = _deadline.get()
    return None if deadline is None else max(0.0, deadline - time.monotonic())


def _authenticate(
    verifier: auth.TokenVerifier | None, metadata: dict[str, str]
) -> tuple[str, auth.Claims]:
    if verifier is None:
        raise errors.Unauthenticated("this service has no verify keys (AUTH_VERIFY_KEYS)")
    token = auth.strip_bearer(metadata.get(auth.TOKEN_METADATA_KEY))
    claims = verifier.verify(token)
    claimed = metadata.get(tenancy.TENANT_METADATA_KEY)
    if claimed is not None and tenancy.parse_tenant(claimed) != claims.tenant_id:
        raise errors.Unauthenticated("the credential is for another tenant than the metadata")
    return token, claims


def _wrap_unary(
    behavior: Callable[[Any, grpc.aio.ServicerContext], Awaitable[Any]],
    needs_tenant: bool,
    method: str,
    verifier: auth.TokenVerifier | None = None,
) -> Callable[[Any, grpc.aio.ServicerContext], Awaitable[Any]]:
    async def wrapper(request: Any, context: grpc.aio.ServicerContext) -> Any:
        started = time.perf_counter()
        code = "OK"
        remaining = context.time_remaining()
        deadline_token = _deadline.set(
            time.monotonic() + remaining if remaining is not None else None
        )
        tenant_token = None
        inbound_token = None
        try:
            if needs_tenant:
                metadata = dict(context.invocation_metadata() or ())
                token, claims = _authenticate(verifier, metadata)
                inbound_token = auth.set_inbound(token, claims)
                tenant_token = tenancy.set_tenant(claims.tenant_id)
                # Text PostgreSQL cannot store (NUL) and non-finite numbers never reach a
                # handler, whoever the caller is.
                unsafe = unsafe_fields(request) if isinstance(request, Message) else ()
                if unsafe:
                    raise errors.InvalidArgument.of_all(unsafe)
            return await behavior(request, context)
        except errors.DomainError as exc:
            status, message, trailers = to_status(exc)
            code = status.name
            await context.abort(status, message, trailers)
        except TimeoutError:
            code = "DEADLINE_EXCEEDED"
            await context.abort(grpc.StatusCode.DEADLINE_EXCEEDED, "deadline exceeded")
        except TRANSIENT as exc:
            # The database or a peer is down or out of connections: the caller may retry (the
            # gateway's 503 with Retry-After), it is not a bug of the request.
            code = "UNAVAILABLE"
            log.warning("dependency unavailable", extra={"method": method, "error": repr(exc)})
            status, message, trailers = to_status(
                errors.Unavailable("a dependency is unavailable; retry later", retry_after=1.0)
            )
            await context.abort(status, message, trailers)
        except Exception:
            code = "UNKNOWN"
            raise
        finally:
            GRPC_HANDLED.labels(method, code).observe(time.perf_counter() - started)
            if tenant_token is not None:
                tenancy.reset_tenant(tenant_token)
            if inbound_token is not None:
                auth.reset_inbound(inbound_token)
            _deadline.reset(deadline_token)

    return wrapper


class ContextInterceptor(grpc.aio.ServerInterceptor):
    """`verifier`: the service's verify keys (None: every tenant-scoped call is refused).
    `tenantless_methods`: full method names ("/pkg.Service/Method") of RPCs that name their
    tenant otherwise and authenticate their caller themselves (e.g. a webhook delivery, whose
    signed endpoint belongs to one tenant); they take no credential."""

    def __init__(
        self,
        verifier: auth.TokenVerifier | None = None,
        tenantless_methods: frozenset[str] = frozenset(),
    ) -> None:
        self._verifier = verifier
        self._tenantless = tenantless_methods

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler
        method = handler_call_details.method
        needs_tenant = not (method.startswith(_TENANTLESS_PREFIXES) or method in self._tenantless)
        return grpc.unary_unary_rpc_method_handler(
            _wrap_unary(
                handler.unary_unary, needs_tenant, handler_call_details.method, self._verifier
            ),
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
