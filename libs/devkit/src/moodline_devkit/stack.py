"""What `make run` starts. Adding a service to the local platform is one entry here."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class LocalService:
    name: str  # also the database suffix: moodline_<name>
    command: str  # console script with `serve` and `migrate`
    grpc: bool = True  # gRPC service (gets GRPC_PORT) or the HTTP gateway
    extra_programs: dict[str, str] = field(default_factory=dict)  # name -> argv (e.g. Celery)


SERVICES: tuple[LocalService, ...] = (
    LocalService(
        "customer",
        "moodline-customer",
        extra_programs={
            "customer-worker": "moodline-customer worker --pool=solo --loglevel=INFO",
            "customer-beat": "moodline-customer beat --loglevel=INFO "
            "--schedule {var}/celerybeat-schedule",
        },
    ),
    LocalService("conversation", "moodline-conversation"),
    LocalService("sentiment", "moodline-sentiment"),  # scores through Triton (TRITON_ADDR)
    LocalService(
        "billing",
        "moodline-billing",
        extra_programs={
            "billing-worker": "moodline-billing worker --pool=solo --loglevel=INFO",
            "billing-beat": "moodline-billing beat --loglevel=INFO "
            "--schedule {var}/billing-celerybeat-schedule",
        },
    ),
    LocalService(
        "loyalty",
        "moodline-loyalty",
        extra_programs={
            "loyalty-worker": "moodline-loyalty worker --pool=solo --loglevel=INFO",
            "loyalty-beat": "moodline-loyalty beat --loglevel=INFO "
            "--schedule {var}/loyalty-celerybeat-schedule",
        },
    ),
)

GATEWAY = LocalService("gateway", "moodline-gateway", grpc=False)
