"""`moodline-gateway serve | migrate | create-tenant | create-user`."""

from __future__ import annotations

import argparse
import asyncio
import json
import uuid
from pathlib import Path

import uvicorn
from moodline.customer.v1 import customer_pb2, customer_pb2_grpc
from moodline_kit.db import create_engine
from moodline_kit.grpc.client import create_channel, tenant_metadata
from moodline_kit.logging import configure_logging
from moodline_kit.metrics import serve_metrics
from moodline_kit.telemetry import configure_tracing

from gateway.app import create_app
from gateway.auth import Role, create_tenant
from gateway.config import GatewaySettings
from gateway.staff import create_user

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


async def _create_tenant(settings: GatewaySettings, name: str, country: str) -> dict:
    """Create the tenant in the gateway and its settings in the customer service."""
    engine = create_engine(settings.database_url, pool_size=1)
    try:
        tenant_id, key = await create_tenant(engine, name=name, default_country=country.upper())
    finally:
        await engine.dispose()
    channel = create_channel(settings.customer_addr)
    try:
        await customer_pb2_grpc.CustomerServiceStub(channel).UpdateTenantSettings(
            customer_pb2.TenantSettings(default_country=country.upper()),
            metadata=tenant_metadata(str(tenant_id)),
            wait_for_ready=True,
            timeout=30,
        )
    finally:
        await channel.close()
    return {"tenant_id": str(tenant_id), "api_key": key}


async def _create_user(settings: GatewaySettings, args: argparse.Namespace) -> dict:
    engine = create_engine(settings.database_url, pool_size=1)
    try:
        row = await create_user(
            engine,
            tenant_id=uuid.UUID(args.tenant_id),
            email=args.email,
            password=args.password,
            name=args.name,
            role=Role(args.role),
        )
    finally:
        await engine.dispose()
    return {"user_id": str(row["id"]), "email": row["email"], "role": row["role"]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="moodline-gateway")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve")
    sub.add_parser("migrate")
    tenant = sub.add_parser("create-tenant", help="create a tenant and print its first API key")
    tenant.add_argument("--name", required=True)
    tenant.add_argument("--country", default="US", help="default country for phone numbers")
    user = sub.add_parser("create-user", help="create a staff user of a tenant")
    user.add_argument("--tenant-id", required=True)
    user.add_argument("--email", required=True)
    user.add_argument("--name", required=True)
    user.add_argument("--role", default="admin", choices=[r.value for r in Role])
    user.add_argument("--password", required=True)
    args = parser.parse_args(argv)
    settings = GatewaySettings()
    configure_logging(settings.service_name, settings.log_level)
    if args.command == "migrate":
        from moodline_kit import migrations  # Alembic only here, not in every `serve` start

        migrations.upgrade(MIGRATIONS, settings.database_url)
    elif args.command == "create-tenant":
        print(json.dumps(asyncio.run(_create_tenant(settings, args.name, args.country))))
    elif args.command == "create-user":
        print(json.dumps(asyncio.run(_create_user(settings, args))))
    else:
        configure_tracing(settings)
        serve_metrics(settings.metrics_port)
        uvicorn.run(
            create_app(settings, freeze_heap=True),
            host=settings.http_host,
            port=settings.http_port,
            log_config=None,
            access_log=False,
        )


if __name__ == "__main__":
    main()
