"""The dependency releases we ship values for keep the properties the platform relies on."""

from __future__ import annotations

import yaml
from deploy_support import ROOT, rendered

DEPS = ROOT / "deploy" / "deps"


def load(name: str) -> list[dict]:
    return [d for d in yaml.safe_load_all((DEPS / name).read_text()) if d]


def test_nats_is_a_three_server_jetstream_cluster_that_fsyncs_every_write() -> None:
    (values,) = load("nats-values.yaml")
    config = values["config"]
    assert config["cluster"] == {"enabled": True, "replicas": 3}
    assert config["jetstream"]["enabled"] is True
    assert config["jetstream"]["fileStore"]["pvc"]["enabled"] is True
    assert config["jetstream"]["merge"]["sync_interval"] == "always"


def mebibytes(quantity: str) -> float:
    units = {"Ki": 2**-10, "Mi": 1, "Gi": 2**10, "KiB": 2**-10, "MiB": 1, "GiB": 2**10}
    number = quantity.rstrip("KMGiB")
    return float(number) * units[quantity[len(number) :]]


def test_nats_garbage_collects_below_its_container_memory_limit() -> None:
    (values,) = load("nats-values.yaml")
    container = values["container"]
    target = mebibytes(container["env"]["GOMEMLIMIT"])
    limit = mebibytes(container["merge"]["resources"]["limits"]["memory"])
    assert 0.8 * limit <= target <= 0.95 * limit


def test_postgres_has_a_database_and_role_per_service() -> None:
    cluster, *databases = load("cnpg-cluster.yaml")
    assert cluster["kind"] == "Cluster" and cluster["spec"]["instances"] == 3
    roles = {r["name"] for r in cluster["spec"]["managed"]["roles"]}
    owners = {d["spec"]["name"]: d["spec"]["owner"] for d in databases}
    assert owners == {r: r for r in roles}
    # Every DATABASE_URL key the chart reads belongs to a database declared here.
    keys = {
        e["valueFrom"]["secretKeyRef"]["key"]
        for o in rendered("prod")
        if o["kind"] == "Deployment"
        for e in o["spec"]["template"]["spec"]["containers"][0].get("env", [])
        if e["name"] == "DATABASE_URL"
    }
    assert keys == {f"{db.upper()}_DATABASE_URL" for db in owners}


def test_redis_persists_celery_tasks() -> None:
    (values,) = load("redis-values.yaml")
    assert values["auth"]["enabled"] is True
    assert "appendonly yes" in values["commonConfiguration"]
    assert "maxmemory-policy noeviction" in values["commonConfiguration"]


def test_prometheus_adapter_serves_the_metrics_the_triton_hpa_uses() -> None:
    (values,) = load("prometheus-adapter-values.yaml")
    served = {r["name"]["as"] for r in values["rules"]["custom"]}
    hpa = next(
        o
        for o in rendered("prod")
        if o["kind"] == "HorizontalPodAutoscaler" and o["metadata"]["name"] == "moodline-triton"
    )
    assert {m["pods"]["metric"]["name"] for m in hpa["spec"]["metrics"]} <= served
