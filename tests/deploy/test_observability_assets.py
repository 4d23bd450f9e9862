"""The Grafana dashboard and the Prometheus alert rules in deploy/observability: they parse,
have the shape Grafana and Prometheus load, and every metric they query is one a Moodline
process (or Triton) exports — a renamed metric breaks this test, not a dashboard at 3 a.m."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / "deploy" / "observability"
SOURCES = [
    ROOT / "libs" / "kit" / "src" / "moodline_kit" / "metrics.py",
    ROOT / "services" / "sentiment" / "src" / "sentiment" / "adapters" / "triton.py",
]
# Triton's own metrics (https://docs.nvidia.com/deeplearning/triton-inference-server/user-guide/docs/user_guide/metrics.html)
TRITON = {
    "nv_inference_request_success",
    "nv_inference_request_duration_us",
    "nv_inference_queue_duration_us",
    "nv_inference_compute_infer_duration_us",
}
SUFFIXES = ("_bucket", "_count", "_sum")
METRIC = re.compile(r"\b(moodline_[a-z_]+|nv_[a-z_]+)")
DURATIONS = re.compile(r"^\d+[smhd]$")


def exported() -> set[str]:
    names = set(TRITON)
    for source in SOURCES:
        names |= set(re.findall(r'"(moodline_[a-z_]+)"', source.read_text()))
    return names


def unknown_metrics(expr: str, known: set[str]) -> set[str]:
    used = set(METRIC.findall(expr))
    return {
        m
        for m in used
        if m not in known and not any(m.endswith(s) and m[: -len(s)] in known for s in SUFFIXES)
    }


def balanced(expr: str) -> bool:
    depth = {"(": 0, "[": 0, "{": 0}
    closing = {")": "(", "]": "[", "}": "{"}
    quoted = False
    for ch in expr:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in depth:
            depth[ch] += 1
        elif not quoted and ch in closing:
            depth[closing[ch]] -= 1
            if depth[closing[ch]] < 0:
                return False
    return not quoted and not any(depth.values())


def test_alert_rules_load_and_query_exported_metrics():
    rules = yaml.safe_load((ASSETS / "prometheus-rules.yaml").read_text())
    known = exported()
    alerts = [rule for group in rules["groups"] for rule in group["rules"]]
    assert {g["name"] for g in rules["groups"]} >= {"moodline-red", "moodline-queues"}
    assert len({a["alert"] for a in alerts}) == len(alerts) >= 8
    for alert in alerts:
        assert set(alert) <= {"alert", "expr", "for", "labels", "annotations"}, alert
        assert alert["labels"]["severity"] in {"page", "ticket"}
        assert alert["annotations"]["summary"]
        assert DURATIONS.match(alert.get("for", "0s")), alert
        assert balanced(alert["expr"]), alert["alert"]
        assert METRIC.search(alert["expr"]), alert["alert"]
        assert not unknown_metrics(alert["expr"], known), (alert["alert"], known)
    queried = {m for a in alerts for m in METRIC.findall(a["expr"])}
    # RED, queue depth, consumer lag and Triton latency each have an alert
    for family in (
        "moodline_http_server_handling_seconds",
        "moodline_outbox_pending_events",
        "moodline_consumer_pending_messages",
        "moodline_triton_infer_seconds",
    ):
        assert any(m.startswith(family) for m in queried), family


def test_grafana_dashboard_loads_and_queries_exported_metrics():
    dashboard = json.loads((ASSETS / "grafana-dashboard.json").read_text())
    known = exported()
    assert dashboard["uid"] and dashboard["title"] and dashboard["schemaVersion"] >= 30
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids)) >= 8
    for panel in dashboard["panels"]:
        assert {"x", "y", "w", "h"} <= set(panel["gridPos"])
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert balanced(target["expr"]), panel["title"]
            assert not unknown_metrics(target["expr"], known), (panel["title"], target["expr"])
