"""`make run`: the whole platform on this machine, under supervisord.

1. Infrastructure: DATABASE_URL / NATS_URL / REDIS_URL when set, else embedded real servers
   from pip wheels (PostgreSQL, NATS with JetStream, Redis) with their data in var/.
2. supervisord (foreground) supervises the servers, every service, Celery and the gateway.
3. Databases are created, migrations run, services started, a demo tenant and demo customers
   seeded (once: a second run reuses var/ and var/run.json).
4. The gateway URL and a demo API key are printed and written to var/run.json.
Ctrl-C (or SIGTERM) stops everything cleanly.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from moodline_kit.auth import generate_signing_key, public_keys
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from moodline_devkit import infra
from moodline_devkit.seed import DEMO_AUTOMATIONS, DEMO_CUSTOMERS, seed_billing, seed_loyalty
from moodline_devkit.stack import GATEWAY, SERVICES, LocalService

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[4]
ML = REPO / "ml-serving"
# Services and Triton listen on the loopback interface only: they trust the gateway's calls,
# and no one else on the network should reach them (docs/security.md).
LOOPBACK = "127.0.0.1"
# Servers run under the reaper: when one dies (even by SIGKILL) what it started dies with it and
# its shared memory is removed before supervisord starts it again (moodline_devkit/reaper.py).
REAPER = f"{sys.executable} -m moodline_devkit.reaper"
# A program that dies while a dependency is down (PostgreSQL restarting) is started again and
# again rather than given up on (supervisord's default is 3 tries).
START_RETRIES = 100


def _port(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


@dataclass
class Plan:
    var: Path
    database_url: str  # server-level
    nats_url: str
    redis_url: str
    gateway_port: int
    grpc_base: int
    infra_programs: list[infra.ServerCommand]

    db_prefix: str = "moodline"
    # Triton (the sentiment model, CPU): HTTP, gRPC, metrics ports and the model repository.
    triton_ports: tuple[int, int, int] = (18000, 18001, 18002)
    model_repository: Path = ML / "build" / "model_repository_cpu"
    # The local SMTP inbox (var/mail) and the messaging-provider test double.
    smtp_port: int = 1025
    provider_port: int = 1026
    metrics_base: int = 19100

    def db_name(self, service: str) -> str:
        return f"{self.db_prefix}_{service}"

    def db_url(self, service: str) -> str:
        return (
            make_url(self.database_url)
            .set(database=self.db_name(service))
            .render_as_string(hide_password=False)
        )

    def grpc_port(self, index: int) -> int:
        return self.grpc_base + index

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    def metrics_ports(self) -> dict[str, int]:
        """Prometheus /metrics port of every service, its Celery worker and the gateway."""
        names = [
            name
            for service in (*SERVICES, GATEWAY)
            for name in (service.name, *service.extra_programs)
            if not name.endswith(("-beat", "-inbox", "-double"))
        ]
        return {name: self.metrics_base + i for i, name in enumerate(names)}

    @property
    def triton_shm_prefix(self) -> str:
        """The /dev/shm name prefix of this instance's Triton Python-backend regions."""
        return f"moodline_triton_{self.triton_ports[1]}_"

    @property
    def triton_addr(self) -> str:
        return f"127.0.0.1:{self.triton_ports[1]}"


def plan(var: Path) -> Plan:
    programs: list[infra.ServerCommand] = []
    database_url = os.environ.get("DATABASE_URL")
    if not database_url:
        pg = infra.postgres(var / "pg", _port("MOODLINE_PG_PORT", 55432))
        programs.append(pg)
        database_url = infra.postgres_url(pg.port)
    nats_url = os.environ.get("NATS_URL")
    if not nats_url:
        nt = infra.nats(var / "nats", _port("MOODLINE_NATS_PORT", 14222))
        programs.append(nt)
        nats_url = f"nats://127.0.0.1:{nt.port}"
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        rd = infra.redis(var / "redis", _port("MOODLINE_REDIS_PORT", 16379))
        programs.append(rd)
        redis_url = f"redis://127.0.0.1:{rd.port}/0"
    return Plan(
        var,
        database_url,
        nats_url,
        redis_url,
        _port("MOODLINE_GATEWAY_PORT", 8080),
        _port("MOODLINE_GRPC_PORT_BASE", 50151),
        programs,
        os.environ.get("MOODLINE_DB_PREFIX", "moodline"),
        (
            _port("MOODLINE_TRITON_HTTP_PORT", 18000),
            _port("MOODLINE_TRITON_GRPC_PORT", 18001),
            _port("MOODLINE_TRITON_METRICS_PORT", 18002),
        ),
        Path(
            os.environ.get("MOODLINE_MODEL_REPOSITORY") or ML / "build" / "model_repository_cpu"
        ).resolve(),
        _port("MOODLINE_SMTP_PORT", 1025),
        _port("MOODLINE_PROVIDER_PORT", 1026),
        _port("MOODLINE_METRICS_PORT_BASE", 19100),
    )


def build_model(p: Plan) -> None:
    """Build what Triton needs and is missing: the serving venv (nvidia-pytriton, onnxruntime,
    tokenizers) and, unless MOODLINE_MODEL_REPOSITORY names one, the CPU model repository."""
    targets = []
    if not (ML / ".venv-serve" / ".installed").exists():
        targets.append("venv-serve")
    if not (p.model_repository / "sentiment" / "config.pbtxt").exists():
        if os.environ.get("MOODLINE_MODEL_REPOSITORY"):
            raise FileNotFoundError(f"MOODLINE_MODEL_REPOSITORY={p.model_repository}: no model")
        targets.append("model-repository-cpu")
    if targets:
        print(f"Building the sentiment model server: make -C ml-serving {' '.join(targets)}")
        subprocess.run(["make", "-C", str(ML), *targets], check=True)


def wait_triton(p: Plan, timeout: float) -> None:
    url = f"http://127.0.0.1:{p.triton_ports[0]}/v2/models/sentiment/ready"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise TimeoutError(f"Triton not ready after {timeout:.0f}s (see var/logs/triton.log)")


def _env(values: dict[str, str]) -> str:
    return ",".join(f'{k}="{v}"' for k, v in values.items())


def signing_key(p: Plan) -> str:
    """The gateway's token-signing key, kept in var/ so sign-ins survive a restart."""
    path = p.var / "auth-signing-key"
    if not path.exists():
        path.write_text(generate_signing_key("local"))
        path.chmod(0o600)
    return path.read_text().strip()


def automation_signing_key(p: Plan) -> str:
    """The automation worker's own key (kid `automation`): the services verify its tokens, the
    gateway does not, so it cannot sign a staff access token (docs/trust.md)."""
    path = p.var / "automation-signing-key"
    if not path.exists():
        path.write_text(generate_signing_key("automation"))
        path.chmod(0o600)
    return path.read_text().strip()


def callback_secret(p: Plan) -> str:
    """The secret the provider test double signs its status callbacks with (kept in var/)."""
    path = p.var / "provider-callback-secret"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(24))
        path.chmod(0o600)
    return path.read_text().strip()


def service_env(p: Plan, service: LocalService, index: int) -> dict[str, str]:
    key = signing_key(p)
    env = {
        "SMTP_PORT": str(p.smtp_port),
        "PROVIDER_BASE_URL": f"http://127.0.0.1:{p.provider_port}",
        "PROVIDER_API_KEY": "local",
        "PROVIDER_CALLBACK_URL": f"{p.gateway_url}/api/v1/channel-callbacks/provider",
        "PROVIDER_CALLBACK_SECRET": callback_secret(p),
        "DATABASE_URL": p.db_url(service.name),
        "NATS_URL": p.nats_url,
        "REDIS_URL": p.redis_url,
        "OTEL_SERVICE_NAME": service.name,
        "MOODLINE_TRACE_FILE": str(p.var / "traces.jsonl"),
        "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
        "TRITON_ADDR": p.triton_addr,
        "AUTH_VERIFY_KEYS": f"{public_keys(key)},{public_keys(automation_signing_key(p))}",
    }
    # Every process can reach every gRPC service (the gateway all of them; conversation calls
    # customer): <NAME>_ADDR.
    env.update(
        {
            f"{s.name.upper()}_ADDR": f"127.0.0.1:{p.grpc_port(i)}"
            for i, s in enumerate(SERVICES)
            if s.name != service.name
        }
    )
    if service.signs_tokens:
        env["AUTH_SIGNING_KEYS"] = automation_signing_key(p)
    if service.grpc:
        env["GRPC_PORT"] = str(p.grpc_port(index))
        env["GRPC_HOST"] = LOOPBACK
    else:
        env["HTTP_PORT"] = str(p.gateway_port)
        env["HTTP_HOST"] = os.environ.get("MOODLINE_GATEWAY_HOST", LOOPBACK)
        env["AUTH_SIGNING_KEYS"] = key
        env["WEB_DIR"] = str(REPO / "web" / "dist")
    # A shared Redis (CELERY_QUEUE set, as the e2e platform does): each service's Celery queue
    # is its own, or one service's worker would take (and drop) another's tasks.
    if os.environ.get("CELERY_QUEUE"):
        env["CELERY_QUEUE"] = f"{os.environ['CELERY_QUEUE']}-{service.name}"
    return env


def supervisor_config(p: Plan) -> str:
    logs = p.var / "logs"
    lines = [
        "[supervisord]",
        "nodaemon=true",
        f"logfile={logs}/supervisord.log",
        f"pidfile={p.var}/supervisord.pid",
        f"childlogdir={logs}",
        "loglevel=warn",
        "",
        "[unix_http_server]",
        f"file={p.var}/supervisor.sock",
        "",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
        "",
        "[supervisorctl]",
        f"serverurl=unix://{p.var}/supervisor.sock",
        "",
    ]
    for server in p.infra_programs:
        lines += [
            f"[program:{server.name}]",
            f"command={REAPER}{f' --user {server.user}' if server.user else ''} -- "
            f"{' '.join(server.argv)}",
            *([f"environment={_env(server.env)}"] if server.env else []),
            "autostart=true",
            "autorestart=true",
            "priority=10",
            "startsecs=1",
            f"startretries={START_RETRIES}",
            # postgres: SIGINT is its "fast shutdown"; others stop on TERM.
            f"stopsignal={'INT' if server.name == 'postgres' else 'TERM'}",
            "stopwaitsecs=30",
            f"stdout_logfile={logs}/{server.name}.log",
            "redirect_stderr=true",
        ]
        lines.append("")
    http, grpc, metrics = p.triton_ports
    triton_env = {
        "VENV": ML / ".venv-serve",
        "MODEL_REPOSITORY": p.model_repository,
        "HTTP_PORT": http,
        "GRPC_PORT": grpc,
        "METRICS_PORT": metrics,
        "BIND_ADDRESS": LOOPBACK,  # nothing of the local platform listens beyond this machine
        "SHM_PREFIX": p.triton_shm_prefix,
    }
    lines += [
        "[program:triton]",
        # exit timeout below stopwaitsecs: Triton stops (and the reaper cleans) before a SIGKILL
        f"command={REAPER} --shm {p.triton_shm_prefix} -- {ML / 'scripts' / 'run_triton_cpu.sh'} "
        "--exit-timeout-secs=15",
        f"environment={_env({k: str(v) for k, v in triton_env.items()})}",
        "autostart=true",
        "autorestart=true",
        "priority=20",
        "startsecs=5",
        f"startretries={START_RETRIES}",
        "stopsignal=TERM",
        "stopwaitsecs=30",
        "stopasgroup=true",  # tritonserver and its Python-backend stubs
        "killasgroup=true",
        f"stdout_logfile={logs}/triton.log",
        "redirect_stderr=true",
        "",
    ]
    for index, service in enumerate((*SERVICES, GATEWAY)):
        env = service_env(p, service, index)
        programs = {service.name: f"{BIN}/{service.command} serve"}
        slots = {
            "var": p.var,
            "smtp_port": p.smtp_port,
            "provider_port": p.provider_port,
            "callback_secret": callback_secret(p),
        }
        programs.update(
            {name: f"{BIN}/{argv.format(**slots)}" for name, argv in service.extra_programs.items()}
        )
        for name, command in programs.items():
            port = p.metrics_ports().get(name)
            lines += [
                f"[program:{name}]",
                f"command={command}",
                f"environment={_env(env | ({'METRICS_PORT': str(port)} if port else {}))}",
                "autostart=false",
                "autorestart=true",
                "startsecs=2",
                f"startretries={START_RETRIES}",
                "stopsignal=TERM",
                "stopwaitsecs=20",
                "stopasgroup=true",
                "killasgroup=true",
                f"stdout_logfile={logs}/{name}.log",
                "redirect_stderr=true",
                "",
            ]
    return "\n".join(lines)


async def create_databases(p: Plan, names: list[str]) -> None:
    server = make_url(p.database_url).set(database="postgres").render_as_string(hide_password=False)
    engine = create_async_engine(server, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    deadline = time.monotonic() + 60
    while True:
        try:
            async with engine.connect() as conn:
                existing = set(
                    (await conn.execute(sa.text("SELECT datname FROM pg_database"))).scalars()
                )
                for name in names:
                    if name not in existing:
                        await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            break
        except (OSError, sa.exc.OperationalError, sa.exc.DBAPIError):
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)
    await engine.dispose()


def _http(
    method: str, url: str, key: str | None = None, body: dict | None = None
) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("content-type", "application/json")
    if key:
        request.add_header("authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def wait_ready(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            # Every dependency, not only "ready enough to serve most routes" (degraded).
            if _http("GET", f"{url}/readyz")[1].get("status") == "ready":
                return
        except (urllib.error.URLError, OSError, json.JSONDecodeError):
            pass
        time.sleep(0.5)
    raise TimeoutError(f"gateway not ready at {url} after {timeout:.0f}s (see var/logs/)")


def _create_admin(env: dict[str, str], tenant_id: str) -> dict[str, str]:
    """A demo staff admin of the demo tenant, with a random password."""
    email, password = "admin@demo-salon.example", secrets.token_urlsafe(12)
    subprocess.run(
        [
            f"{BIN}/{GATEWAY.command}",
            "create-user",
            "--tenant-id",
            tenant_id,
            "--email",
            email,
            "--name",
            "Demo Admin",
            "--role",
            "admin",
            # "=": a token_urlsafe password may start with "-" (argparse would read an option)
            f"--password={password}",
        ],
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )
    return {"admin_email": email, "admin_password": password}


def seed(p: Plan, env: dict[str, str]) -> dict:
    """Reuse var/run.json when its key still works, else create the demo tenant + customers."""
    run_json = p.var / "run.json"
    if run_json.exists():
        saved = json.loads(run_json.read_text())
        status, _ = _http("GET", f"{p.gateway_url}/api/v1/customers?limit=1", saved.get("api_key"))
        if status == 200:
            if "admin_email" not in saved:  # var/ from before staff sign-in existed
                saved.update(_create_admin(env, saved["tenant_id"]))
            if "demo_automations" not in saved:  # var/ from before automations existed
                saved["demo_automations"] = _seed_automations(p, saved["api_key"])
            return {**saved, **_local_urls(p)}
    out = (
        subprocess.run(
            [
                f"{BIN}/{GATEWAY.command}",
                "create-tenant",
                "--name",
                "Demo Salon & Spa",
                "--country",
                "US",
            ],
            env={**os.environ, **env},
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    tenant = json.loads(out)
    admin = _create_admin(env, tenant["tenant_id"])
    customer_ids = []
    for customer in DEMO_CUSTOMERS:
        status, body = _http(
            "POST", f"{p.gateway_url}/api/v1/customers", tenant["api_key"], customer
        )
        if status != 201:
            raise RuntimeError(f"seeding failed: {status} {body}")
        customer_ids.append(body["id"])

    def post(path: str, body: dict) -> tuple[int, dict]:
        return _http("POST", f"{p.gateway_url}{path}", tenant["api_key"], body)

    # Loyalty first: the demo payments then earn points through billing's events.
    seed_loyalty(post, customer_ids)
    seed_billing(post, customer_ids)
    return {
        "api_key": tenant["api_key"],
        "tenant_id": tenant["tenant_id"],
        **admin,
        "demo_automations": _seed_automations(p, tenant["api_key"]),
        **_local_urls(p),
    }


def _seed_automations(p: Plan, key: str) -> list[str]:
    ids = []
    for automation in DEMO_AUTOMATIONS:
        status, body = _http("POST", f"{p.gateway_url}/api/v1/automations", key, automation)
        if status != 201:
            raise RuntimeError(f"seeding the demo automation failed: {status} {body}")
        ids.append(body["id"])
    return ids


def _local_urls(p: Plan) -> dict[str, str]:
    return {
        "gateway_url": p.gateway_url,
        "nats_url": p.nats_url,
        "mail_inbox": str(p.var / "mail"),
        "metrics": {
            **{name: f"http://127.0.0.1:{n}/metrics" for name, n in p.metrics_ports().items()},
            "triton": f"http://127.0.0.1:{p.triton_ports[2]}/metrics",
        },
        "provider_requests": str(p.var / "provider.jsonl"),
    }


def main() -> int:
    var = Path(os.environ.get("MOODLINE_VAR", "var")).resolve()
    (var / "logs").mkdir(parents=True, exist_ok=True)
    os.chmod(var, 0o755)
    started = time.monotonic()
    p = plan(var)
    try:
        build_model(p)
    except (subprocess.CalledProcessError, FileNotFoundError) as exc:
        print(f"make run failed: cannot build the sentiment model server: {exc}", file=sys.stderr)
        return 1
    conf = var / "supervisord.conf"
    conf.write_text(supervisor_config(p))
    supervisord = subprocess.Popen([f"{BIN}/supervisord", "-c", str(conf)])
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        if not stopping:
            stopping = True
            print("\nStopping Moodline...", flush=True)
            supervisord.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    ctl = [f"{BIN}/supervisorctl", "-c", str(conf)]
    try:
        for server in p.infra_programs:
            infra.wait_for_port(server.port, timeout=120)
        services = [*SERVICES, GATEWAY]
        asyncio.run(create_databases(p, [p.db_name(s.name) for s in services]))
        for index, service in enumerate(services):
            subprocess.run(
                [f"{BIN}/{service.command}", "migrate"],
                env={**os.environ, **service_env(p, service, index)},
                check=True,
                stdout=subprocess.DEVNULL,
            )
        wait_triton(p, timeout=300)  # loads while the migrations run
        deadline = time.monotonic() + 30
        while subprocess.run([*ctl, "status"], capture_output=True).returncode == 4:
            if time.monotonic() > deadline:  # 4: supervisord not answering yet
                raise TimeoutError("supervisord did not start")
            time.sleep(0.2)
        subprocess.run([*ctl, "start", "all"], check=False, stdout=subprocess.DEVNULL)
        # Every program starts at once; on a loaded 2-core machine importing them all takes
        # minutes (MOODLINE_READY_TIMEOUT seconds, default 300).
        wait_ready(p.gateway_url, timeout=float(os.environ.get("MOODLINE_READY_TIMEOUT", "300")))
        info = seed(p, service_env(p, GATEWAY, len(SERVICES)))
        (var / "run.json").write_text(json.dumps(info, indent=2) + "\n")
    except Exception as exc:
        print(f"make run failed: {exc!r}; logs are in {var / 'logs'}", file=sys.stderr)
        stop()
        supervisord.wait(60)
        return 1
    print(
        f"\nMoodline is up in {time.monotonic() - started:.0f}s\n"
        f"  UI / API : {info['gateway_url']}   (OpenAPI: {info['gateway_url']}/docs)\n"
        f"  API key  : {info['api_key']}\n"
        f"  sign in  : {info.get('admin_email')} / {info.get('admin_password')}\n"
        f"  e-mail   : {info['mail_inbox']} (a Maildir; list it with "
        f"`.venv/bin/python -m moodline_devkit.mail --list {info['mail_inbox']}`)\n"
        f"  written to {var / 'run.json'}; logs in {var / 'logs'}; Ctrl-C stops everything\n",
        flush=True,
    )
    while supervisord.poll() is None:
        try:
            supervisord.wait(1)
        except subprocess.TimeoutExpired:
            continue
    return 0 if stopping else (supervisord.returncode or 0)


if __name__ == "__main__":
    sys.exit(main())
