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
    return code, error.message, ((STATUS_DETAILS_KEY, status.SerializeToString()),)


def field_violations(
    rpc_error: grpc.aio.AioRpcError | grpc.RpcError,
) -> list[errors.FieldViolation]:
    """Field violations carried by a failed call's status details (empty when none)."""
    metadata = rpc_error.trailing_metadata() or ()
    for key, value in metadata:
        if key == STATUS_DETAILS_KEY:
            status = status_pb2.Status.FromString(value)
            out: list[errors.FieldViolation] = []
            for detail in status.details:
                if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                    bad = error_details_pb2.BadRequest()
                    detail.Unpack(bad)
                    out.extend(
                        errors.FieldViolation(v.field, v.description) for v in bad.field_violations
                    )
            return out
    return []


__all__ = ["code_pb2", "field_violations", "status_code_for", "to_status"]
