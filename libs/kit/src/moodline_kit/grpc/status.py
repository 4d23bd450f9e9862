"""Domain errors <-> gRPC status with google.rpc details (BadRequest field violations)."""

from __future__ import annotations

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2

from moodline_kit import errors

STATUS_DETAILS_KEY = "grpc-status-details-bin"

_CODES: list[tuple[type[errors.DomainError], grpc.StatusCode]] = [
    (errors.InvalidArgument, grpc.StatusCode.INVALID_ARGUMENT),
    (errors.NotFound, grpc.StatusCode.NOT_FOUND),
    (errors.AlreadyExists, grpc.StatusCode.ALREADY_EXISTS),
    (errors.Conflict, grpc.StatusCode.ABORTED),
    (errors.PreconditionFailed, grpc.StatusCode.FAILED_PRECONDITION),
    (errors.Unauthenticated, grpc.StatusCode.UNAUTHENTICATED),
    (errors.PermissionDenied, grpc.StatusCode.PERMISSION_DENIED),
    (errors.Unavailable, grpc.StatusCode.UNAVAILABLE),
    (errors.ResourceExhausted, grpc.StatusCode.RESOURCE_EXHAUSTED),
]


def status_code_for(error: errors.DomainError) -> grpc.StatusCode:
    for cls, code in _CODES:
        if isinstance(error, cls):
            return code
    return grpc.StatusCode.UNKNOWN


def to_status(error: errors.DomainError) -> tuple[grpc.StatusCode, str, tuple]:
    """(code, message, trailing metadata carrying a google.rpc.Status with details)."""
    code = status_code_for(error)
    status = status_pb2.Status(code=code.value[0], message=error.message)
    if isinstance(error, errors.InvalidArgument) and error.violations:
        detail = any_pb2.Any()
        detail.Pack(
            error_details_pb2.BadRequest(
                field_violations=[
                    error_details_pb2.BadRequest.FieldViolation(
                        field=v.field, description=v.description
                    )
                    for v in error.violations
                ]
            )
        )
        status.details.append(detail)
    wait = getattr(error, "retry_after", None)
    if wait is not None:
        detail = any_pb2.Any()
        info = error_details_pb2.RetryInfo()
        info.retry_delay.FromNanoseconds(int(wait * 1e9))
        detail.Pack(info)
        status.details.append(detail)
    return code, error.message, ((STATUS_DETAILS_KEY, status.SerializeToString()),)


def _status(rpc_error: grpc.aio.AioRpcError | grpc.RpcError) -> status_pb2.Status | None:
    for key, value in rpc_error.trailing_metadata() or ():
        if key == STATUS_DETAILS_KEY:
            return status_pb2.Status.FromString(value)
    return None


def retry_after(rpc_error: grpc.aio.AioRpcError | grpc.RpcError) -> float | None:
    """Seconds the server asked the caller to wait (google.rpc.RetryInfo), or None."""
    status = _status(rpc_error)
    for detail in status.details if status is not None else ():
        if detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            info = error_details_pb2.RetryInfo()
            detail.Unpack(info)
            return info.retry_delay.ToNanoseconds() / 1e9
    return None


def field_violations(
    rpc_error: grpc.aio.AioRpcError | grpc.RpcError,
) -> list[errors.FieldViolation]:
    """Field violations carried by a failed call's status details (empty when none)."""
    status = _status(rpc_error)
    out: list[errors.FieldViolation] = []
    for detail in status.details if status is not None else ():
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            out.extend(errors.FieldViolation(v.field, v.description) for v in bad.field_violations)
    return out


__all__ = ["code_pb2", "field_violations", "retry_after", "status_code_for", "to_status"]
