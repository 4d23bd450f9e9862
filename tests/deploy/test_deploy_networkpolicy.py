"""NetworkPolicies: everything of the release is denied by default; only the gateway is
reachable from outside (through the ingress controller); each service only from who calls it."""

from __future__ import annotations

import pytest
from deploy_support import PROFILES, by_kind, pod_labels, pods, render_with, rendered, selects

COMPONENT = "app.kubernetes.io/component"
# A release with more services than today's, to check the caller rules between them.
WITH_SENTIMENT = {"services": {"sentiment": {"enabled": True, "egressTo": ["nats", "postgres"]}}}


def policies(objs: list[dict]) -> dict[str, dict]:
    return by_kind(objs, "NetworkPolicy")


def component_of(peer: dict) -> str | None:
    """The in-release component a peer selects, or None for peers outside the namespace."""
    if "namespaceSelector" in peer or "ipBlock" in peer:
        return None
    return peer["podSelector"]["matchLabels"][COMPONENT]


def ingress_sources(policy: dict, port: int) -> set[str | None]:
    sources: set[str | None] = set()
    for rule in policy["spec"]["ingress"]:
        if any(p["port"] == port for p in rule["ports"]):
            sources |= {component_of(peer) for peer in rule["from"]}
    return sources


def egress_targets(policy: dict) -> dict[str, int]:
    """In-release component -> port this policy lets its pods call."""
    targets = {}
    for rule in policy["spec"]["egress"]:
        for peer in rule["to"]:
            component = component_of(peer)
            if component:
                (port,) = rule["ports"]
                targets[component] = port["port"]
    return targets


@pytest.mark.parametrize("profile", PROFILES)
def test_default_deny_covers_every_pod_of_the_release(profile: str) -> None:
    objs = rendered(profile)
    deny = policies(objs)["moodline-default-deny"]["spec"]
    assert deny["policyTypes"] == ["Ingress", "Egress"]
    assert "ingress" not in deny and "egress" not in deny
    for obj, _ in pods(objs):
        assert selects(deny["podSelector"], pod_labels(obj)), obj["metadata"]["name"]


@pytest.mark.parametrize("profile", PROFILES)
def test_every_pod_has_its_own_policy_with_dns(profile: str) -> None:
    objs = rendered(profile)
    specific = [p for n, p in policies(objs).items() if n != "moodline-default-deny"]
    for obj, _ in pods(objs):
        mine = [p for p in specific if selects(p["spec"]["podSelector"], pod_labels(obj))]
        assert len(mine) == 1, obj["metadata"]["name"]
        egress_ports = {p["port"] for r in mine[0]["spec"]["egress"] for p in r["ports"]}
        assert 53 in egress_ports, obj["metadata"]["name"]


@pytest.mark.parametrize("profile", PROFILES)
def test_only_the_gateway_is_reachable_from_outside(profile: str) -> None:
    metrics_ports = {9464, 8002}
    for name, policy in policies(rendered(profile)).items():
        for rule in policy["spec"].get("ingress", []):
            outside = [peer for peer in rule["from"] if component_of(peer) is None]
            if not outside:
                continue
            ports = {p["port"] for p in rule["ports"]}
            if name == "moodline-gateway" and ports == {8080}:
                (peer,) = outside
                labels = peer["namespaceSelector"]["matchLabels"]
                assert labels == {"kubernetes.io/metadata.name": "ingress-nginx"}
            else:
                # Prometheus may scrape metrics; nothing else enters from outside.
                assert ports <= metrics_ports, (name, rule)


def test_each_service_is_reachable_only_from_its_callers() -> None:
    objs = render_with("prod", WITH_SENTIMENT)
    pol = policies(objs)
    assert ingress_sources(pol["moodline-customer"], 50051) == {
        "gateway",
        "conversation",
        "helm-test",
    }
    assert ingress_sources(pol["moodline-conversation"], 50051) == {"gateway", "helm-test"}
    assert ingress_sources(pol["moodline-sentiment"], 50051) == {"gateway", "helm-test"}
    assert ingress_sources(pol["moodline-loyalty"], 50051) == {"gateway", "helm-test"}
    assert ingress_sources(pol["moodline-triton"], 8001) == {"sentiment"}
    # Workers and beat serve nothing.
    assert pol["moodline-customer-worker"]["spec"]["ingress"] == []
    assert pol["moodline-customer-beat"]["spec"]["ingress"] == []


def test_callers_may_reach_exactly_what_they_call() -> None:
    pol = policies(render_with("prod", WITH_SENTIMENT))
    assert egress_targets(pol["moodline-gateway"]) == {
        "customer": 50051,
        "conversation": 50051,
        "sentiment": 50051,
        "billing": 50051,
        "loyalty": 50051,
    }
    assert egress_targets(pol["moodline-conversation"]) == {"customer": 50051}
    assert egress_targets(pol["moodline-sentiment"]) == {"triton": 8001}
    assert egress_targets(pol["moodline-customer"]) == {}
    assert egress_targets(pol["moodline-triton"]) == {}
    assert egress_targets(pol["moodline-helm-test"]) == {
        "gateway": 8080,
        "customer": 50051,
        "conversation": 50051,
        "sentiment": 50051,
        "billing": 50051,
        "loyalty": 50051,
    }


def test_dependencies_are_reached_only_by_who_needs_them() -> None:
    pol = policies(rendered("prod"))

    def external_ports(name: str) -> set[int]:
        return {
            p["port"]
            for rule in pol[name]["spec"]["egress"]
            if any(component_of(peer) is None for peer in rule["to"])
            for p in rule["ports"]
        }

    assert external_ports("moodline-customer") == {53, 4222, 5432, 4317}
    assert external_ports("moodline-customer-worker") == {53, 6379, 5432, 4222, 4317}
    assert external_ports("moodline-customer-beat") == {53, 6379, 4317}
    assert external_ports("moodline-triton") == {53}
    assert external_ports("moodline-migrations") == {53, 5432, 4317}
    assert external_ports("moodline-jetstream-setup") == {53, 4222}


def test_network_policies_can_be_turned_off() -> None:
    objs = render_with("prod", {"networkPolicy": {"enabled": False}})
    assert policies(objs) == {}
