"""What `make run` starts. Adding a service to the local platform is one entry here."""

from __future__ import annotations

from dataclasses import dataclass, field

# One worker process per service: no neighbours to sync with at start (mingle waits a second for
# their replies) or to gossip with.
WORKER = "worker --pool=solo --without-mingle --without-gossip --loglevel=INFO"


@dataclass(frozen=True)
class LocalService:
    name: str  # also the database suffix: moodline_<name>
    command: str  # console script with `serve` and `migrate`
    grpc: bool = True  # gRPC service (gets GRPC_PORT) or the HTTP gateway
    extra_programs: dict[str, str] = field(default_factory=dict)  # name -> argv (e.g. Celery)
    signs_tokens: bool = False  # holds AUTH_SIGNING_KEYS: acts on events with no call to forward


SERVICES: tuple[LocalService, ...] = (
    LocalService(
        "customer",
        "moodline-customer",
        extra_programs={
            "customer-worker": f"moodline-customer {WORKER}",
            "customer-beat": "moodline-customer beat --loglevel=INFO "
            "--schedule {var}/celerybeat-schedule",
        },
    ),
    LocalService(
        "conversation",
        "moodline-conversation",
        # Outbound e-mail goes to a local SMTP server whose inbox is var/mail (a Maildir);
        # SMS/WhatsApp to a recording TEST DOUBLE of a messaging provider (var/provider.jsonl).
        extra_programs={
            "smtp-inbox": "python -m moodline_devkit.mail {var}/mail --port {smtp_port}",
            "provider-double": "python -m moodline_devkit.provider_double --port "
            "{provider_port} --record {var}/provider.jsonl --callback-secret {callback_secret}",
        },
    ),
    LocalService("sentiment", "moodline-sentiment"),  # scores through Triton (TRITON_ADDR)
    LocalService(
        "billing",
        "moodline-billing",
        extra_programs={
            "billing-worker": f"moodline-billing {WORKER}",
            "billing-beat": "moodline-billing beat --loglevel=INFO "
            "--schedule {var}/billing-celerybeat-schedule",
        },
    ),
    LocalService(
        "loyalty",
        "moodline-loyalty",
        extra_programs={
            "loyalty-worker": f"moodline-loyalty {WORKER}",
            "loyalty-beat": "moodline-loyalty beat --loglevel=INFO "
            "--schedule {var}/loyalty-celerybeat-schedule",
        },
    ),
    LocalService(
        "automation",
        "moodline-automation",
        extra_programs={
            "automation-worker": f"moodline-automation {WORKER}",
            "automation-beat": "moodline-automation beat --loglevel=INFO "
            "--schedule {var}/automation-beat-schedule",
        },
        signs_tokens=True,
    ),
)

GATEWAY = LocalService("gateway", "moodline-gateway", grpc=False)
