import grpc
import pytest
from google.rpc import status_pb2
from moodline_kit import errors
from moodline_kit.grpc.status import STATUS_DETAILS_KEY, to_status


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (errors.InvalidArgument("x"), grpc.StatusCode.INVALID_ARGUMENT),
        (errors.NotFound("x"), grpc.StatusCode.NOT_FOUND),
        (errors.AlreadyExists("x"), grpc.StatusCode.ALREADY_EXISTS),
        (errors.PreconditionFailed("x"), grpc.StatusCode.FAILED_PRECONDITION),
        (errors.Unauthenticated("x"), grpc.StatusCode.UNAUTHENTICATED),
        (errors.PermissionDenied("x"), grpc.StatusCode.PERMISSION_DENIED),
        (errors.Unavailable("x"), grpc.StatusCode.UNAVAILABLE),
    ],
)
def test_domain_errors_map_to_status_codes(error, code):
    assert to_status(error)[0] == code


def test_field_violations_travel_as_bad_request_details():
    code, message, trailers = to_status(errors.InvalidArgument.of("emails[0].address", "bad"))
    ((key, value),) = trailers
    status = status_pb2.Status.FromString(value)
    assert key == STATUS_DETAILS_KEY
    assert message == "emails[0].address: bad"
    assert status.code == code.value[0]
    assert len(status.details) == 1


def test_interceptor_records_latency_by_method_and_code():
    import asyncio

    from moodline_kit.grpc.interceptors import _wrap_unary
    from prometheus_client import REGISTRY

    class Context:
        def time_remaining(self):
            return None

        def invocation_metadata(self):
            return ()

        async def abort(self, code, message, trailers=()):
            raise RuntimeError(code)

    async def missing(request, context):
        raise errors.NotFound("nope")

    wrapped = _wrap_unary(missing, needs_tenant=False, method="/test.Svc/Missing")
    with pytest.raises(RuntimeError):
        asyncio.run(wrapped(b"", Context()))
    labels = {"method": "/test.Svc/Missing", "code": "NOT_FOUND"}
    assert REGISTRY.get_sample_value("moodline_grpc_server_handling_seconds_count", labels) == 1
