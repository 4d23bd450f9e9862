"""The Helm chart: lint, schema, render of every profile, Kubernetes schema validation and the
policies every rendered object must follow."""

from __future__ import annotations

import json
import re

import helm_python as helm
import kubernetes_validate
import pytest
from deploy_support import (
    PROFILES,
    by_kind,
    containers,
    pod_labels,
    pods,
    render_k8s,
    render_with,
    rendered,
    selects,
)
from kubernetes_validate.utils import latest_version

# The oldest Kubernetes the chart supports and the newest kubernetes-validate ships.
KUBE_VERSIONS = ("1.30.0", latest_version())
STANDARD_LABELS = (
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/component",
    "app.kubernetes.io/part-of",
    "app.kubernetes.io/version",
    "app.kubernetes.io/managed-by",
    "helm.sh/chart",
)


@pytest.mark.parametrize("kube", KUBE_VERSIONS)
@pytest.mark.parametrize("profile", PROFILES)
def test_helm_lint_strict(profile: str, kube: str) -> None:
    report = helm.lint(
        render_k8s.CHART,
        render_k8s.profile_values(profile),
        strict=True,
        kube_version=f"v{kube}",
    )
    assert report["errors"] == [], report
    assert [m for m in report["messages"] if m["severity"] >= 1] == [], report


@pytest.mark.parametrize("kube", KUBE_VERSIONS)
@pytest.mark.parametrize("profile", PROFILES)
def test_every_object_validates_strictly(profile: str, kube: str) -> None:
    for obj in rendered(profile):
        kubernetes_validate.validate(obj, kube, strict=True)


@pytest.mark.parametrize(
    "bad",
    [
        {"unknownKey": 1},
        {"serviceDefaults": {"replicaz": 2}},
        {"services": {"customer": {"enabled": True, "replicas": "3"}}},
        {"services": {"Bad_Name": {"enabled": True}}},
        {"triton": {"gpu": {"count": 0}}},
        {"secrets": {"mode": "plaintext"}},
        {"jetstream": {"streamDefaults": {"storage": "disk"}}},
    ],
)
def test_schema_rejects_unknown_or_wrong_values(bad: dict) -> None:
    with pytest.raises(helm.HelmValuesError):
        render_k8s.render(bad)


def test_every_object_has_standard_labels_and_namespace() -> None:
    for profile in PROFILES:
        for obj in rendered(profile):
            labels = obj["metadata"].get("labels", {})
            missing = [k for k in STANDARD_LABELS if k not in labels]
            assert not missing, (profile, obj["kind"], obj["metadata"]["name"], missing)
            assert obj["metadata"]["namespace"] == render_k8s.NAMESPACE


def test_one_deployment_template_loops_over_services() -> None:
    templates = render_k8s.CHART / "templates"
    with_deployments = sorted(
        p.name
        for p in templates.rglob("*.yaml")
        if re.search(r"^kind: Deployment$", p.read_text(), re.MULTILINE)
    )
    # The application template plus Triton's own: never a copied template per service.
    assert with_deployments == ["deployment.yaml", "triton-deployment.yaml"]


def test_a_new_service_is_one_values_entry() -> None:
    objs = render_with("prod", {"services": {"loyalty": {"enabled": True}}})
    names = {(o["kind"], o["metadata"]["name"]) for o in objs}
    for kind in (
        "Deployment",
        "Service",
        "ServiceAccount",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "NetworkPolicy",
    ):
        assert (kind, "moodline-loyalty") in names
    assert ("Job", "moodline-loyalty-migrate") in names
    config = by_kind(objs, "ConfigMap")["moodline-config"]["data"]
    assert config["LOYALTY_ADDR"] == "moodline-loyalty:50051"
    deployment = by_kind(objs, "Deployment")["moodline-loyalty"]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["image"].endswith("/moodline-loyalty:0.1.0")
    assert container["command"] == ["moodline-loyalty"]


@pytest.mark.parametrize("profile", PROFILES)
def test_every_container_has_resources(profile: str) -> None:
    for obj, spec in pods(rendered(profile)):
        for c in containers(spec):
            res = c.get("resources", {})
            where = (profile, obj["metadata"]["name"], c["name"])
            assert {"cpu", "memory"} <= set(res.get("requests", {})), where
            assert "memory" in res.get("limits", {}), where


@pytest.mark.parametrize("profile", PROFILES)
def test_every_long_running_container_has_probes(profile: str) -> None:
    for obj in rendered(profile):
        if obj["kind"] != "Deployment":
            continue
        for c in containers(obj["spec"]["template"]["spec"]):
            for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                assert probe in c, (profile, obj["metadata"]["name"], c["name"], probe)
            if any(p["containerPort"] == 50051 for p in c.get("ports", [])):
                # Native gRPC probes; liveness asks the kit's always-SERVING "liveness" name,
                # readiness the overall status (database + NATS).
                assert c["livenessProbe"]["grpc"] == {"port": 50051, "service": "liveness"}
                assert c["readinessProbe"]["grpc"] == {"port": 50051, "service": ""}


@pytest.mark.parametrize("profile", PROFILES)
def test_every_pod_is_hardened(profile: str) -> None:
    for obj, spec in pods(rendered(profile)):
        name = (profile, obj["kind"], obj["metadata"]["name"])
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["runAsUser"] > 0, name
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert spec["automountServiceAccountToken"] is False, name
        assert not spec.get("hostNetwork") and not spec.get("hostPID"), name
        for c in containers(spec):
            sc = c["securityContext"]
            assert sc["runAsNonRoot"] is True, (name, c["name"])
            assert sc["readOnlyRootFilesystem"] is True, (name, c["name"])
            assert sc["allowPrivilegeEscalation"] is False, (name, c["name"])
            assert sc["privileged"] is False, (name, c["name"])
            assert sc["capabilities"] == {"drop": ["ALL"]}, (name, c["name"])
            assert not c["image"].endswith(":latest"), (name, c["image"])


def _triton(objs: list[dict]) -> dict:
    return by_kind(objs, "Deployment")["moodline-triton"]["spec"]["template"]["spec"]


@pytest.mark.parametrize("profile", ["default", "prod"])
def test_triton_asks_for_a_gpu_and_tolerates_the_gpu_taint(profile: str) -> None:
    spec = _triton(rendered(profile))
    (triton,) = spec["containers"]
    assert int(triton["resources"]["limits"]["nvidia.com/gpu"]) >= 1
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in spec[
        "tolerations"
    ]
    assert spec["nodeSelector"] == {"nvidia.com/gpu.present": "true"}
    assert not any(a.startswith("--model-config-name") for a in triton["args"])


@pytest.mark.parametrize("profile", ["dev", "prod-cpu"])
def test_cpu_profiles_run_triton_without_gpus(profile: str) -> None:
    spec = _triton(rendered(profile))
    (triton,) = spec["containers"]
    assert "nvidia.com/gpu" not in triton["resources"]["limits"]
    assert "nodeSelector" not in spec and "tolerations" not in spec
    assert "--model-config-name=cpu" in triton["args"]


def test_triton_autoscales_on_queue_time_and_gpu_utilisation() -> None:
    hpa = by_kind(rendered("prod"), "HorizontalPodAutoscaler")["moodline-triton"]
    metrics = {m["pods"]["metric"]["name"] for m in hpa["spec"]["metrics"]}
    assert metrics == {"triton_queue_time_per_request_us", "triton_gpu_utilization"}


def test_triton_model_repository_from_object_storage() -> None:
    objs = render_with(
        "prod",
        {
            "triton": {
                "modelRepository": {
                    "source": "objectStorage",
                    "uri": "s3://moodline-models/sentiment",
                    "credentialsSecret": "triton-s3",
                }
            }
        },
    )
    (triton,) = _triton(objs)["containers"]
    assert "--model-repository=s3://moodline-models/sentiment" in triton["args"]
    assert triton["envFrom"] == [{"secretRef": {"name": "triton-s3"}}]
    egress = by_kind(objs, "NetworkPolicy")["moodline-triton"]["spec"]["egress"]
    assert any(p.get("port") == 443 for rule in egress for p in rule["ports"])


@pytest.mark.parametrize("profile", PROFILES)
def test_every_replicated_deployment_has_a_pdb(profile: str) -> None:
    objs = rendered(profile)
    hpas = {
        h["spec"]["scaleTargetRef"]["name"]: h
        for h in by_kind(objs, "HorizontalPodAutoscaler").values()
    }
    for name, hpa in hpas.items():
        assert name in by_kind(objs, "Deployment"), hpa
    pdbs = list(by_kind(objs, "PodDisruptionBudget").values())
    for name, dep in by_kind(objs, "Deployment").items():
        replicas = dep["spec"].get("replicas")
        if name in hpas:
            replicas = hpas[name]["spec"]["minReplicas"]
        if replicas > 1:
            labels = pod_labels(dep)
            assert any(selects(p["spec"]["selector"], labels) for p in pdbs), (profile, name)


def test_prod_runs_replicas_and_dev_runs_one() -> None:
    prod = rendered("prod")
    hpas = by_kind(prod, "HorizontalPodAutoscaler")
    for name in ("moodline-gateway", "moodline-customer", "moodline-triton"):
        assert hpas[name]["spec"]["minReplicas"] >= 2
    for dep in by_kind(rendered("dev"), "Deployment").values():
        assert dep["spec"]["replicas"] == 1
    assert by_kind(rendered("dev"), "PodDisruptionBudget") == {}


def test_celery_beat_is_a_singleton_with_a_writable_schedule() -> None:
    beat = by_kind(rendered("prod"), "Deployment")["moodline-customer-beat"]
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    (c,) = beat["spec"]["template"]["spec"]["containers"]
    assert "--schedule=/tmp/celerybeat-schedule" in c["args"]
    assert {"name": "tmp", "mountPath": "/tmp"} in c["volumeMounts"]
    assert "moodline-customer-beat" not in by_kind(rendered("prod"), "HorizontalPodAutoscaler")


def test_migrations_and_jetstream_run_as_pre_install_and_pre_upgrade_hooks() -> None:
    objs = rendered("prod")
    jobs = by_kind(objs, "Job")
    assert set(jobs) == {
        "moodline-customer-migrate",
        "moodline-conversation-migrate",
        "moodline-sentiment-migrate",
        "moodline-billing-migrate",
        "moodline-loyalty-migrate",
        "moodline-gateway-migrate",
        "moodline-jetstream-setup",
    }
    for job in jobs.values():
        annotations = job["metadata"]["annotations"]
        assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
    # The JetStream setup runs before the migrations, its inputs before both.
    weight = {n: int(j["metadata"]["annotations"]["helm.sh/hook-weight"]) for n, j in jobs.items()}
    assert weight["moodline-jetstream-setup"] < weight["moodline-customer-migrate"]
    migrate = jobs["moodline-customer-migrate"]["spec"]["template"]["spec"]["containers"][0]
    assert migrate["args"] == ["migrate"]
    assert migrate["env"][-1]["valueFrom"]["secretKeyRef"] == {
        "name": "moodline-secrets",
        "key": "CUSTOMER_DATABASE_URL",
    }


def test_jetstream_streams_and_consumers_are_declared() -> None:
    data = by_kind(rendered("prod"), "ConfigMap")["moodline-jetstream-setup"]["data"]
    streams = {k: json.loads(v) for k, v in data.items() if k.startswith("stream.")}
    assert set(streams) == {
        f"stream.{n}.json"
        for n in ("CUSTOMER", "CONVERSATION", "SENTIMENT", "LOYALTY", "BILLING", "AUTOMATION")
    }
    customer = streams["stream.CUSTOMER.json"]
    assert customer["subjects"] == ["customer.>"]
    assert customer["storage"] == "file"
    assert customer["num_replicas"] == 3
    assert customer["duplicate_window"] == 120 * 10**9
    consumers = [json.loads(v) for k, v in data.items() if k.startswith("consumer.")]
    assert consumers and all(c["ack_policy"] == "explicit" for c in consumers)
    assert all("deliver_subject" not in c for c in consumers)  # pull consumers
    dev = by_kind(rendered("dev"), "ConfigMap")["moodline-jetstream-setup"]["data"]
    assert json.loads(dev["stream.CUSTOMER.json"])["num_replicas"] == 1


def test_sentiment_consumers_filter_what_the_code_subscribes_to() -> None:
    from sentiment import bootstrap

    data = by_kind(rendered("prod"), "ConfigMap")["moodline-jetstream-setup"]["data"]
    consumers = {
        c["durable_name"]: c
        for c in (json.loads(v) for k, v in data.items() if k.startswith("consumer."))
    }
    settings = bootstrap.SentimentSettings()
    scoring = consumers[settings.scoring_consumer]
    outcomes = consumers[settings.outcomes_consumer]
    assert scoring["filter_subjects"] == bootstrap.SCORING_SUBJECTS
    assert outcomes["filter_subjects"] == bootstrap.OUTCOME_SUBJECTS
    assert scoring["max_deliver"] == outcomes["max_deliver"] == 20  # the kit's


def test_secret_sources() -> None:
    dev = rendered("dev")
    secret = by_kind(dev, "Secret")["moodline-secrets"]
    assert secret["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert by_kind(rendered("prod"), "Secret") == {}

    objs = render_with(
        "prod",
        {"secrets": {"mode": "external", "external": {"secretStoreRef": {"name": "vault"}}}},
    )
    (external,) = [o for o in objs if o["kind"] == "ExternalSecret"]
    assert external["spec"]["target"]["name"] == "moodline-secrets"
    assert {"secretKey": "REDIS_URL", "remoteRef": {"key": "moodline/REDIS_URL"}} in external[
        "spec"
    ]["data"]
    deployment = by_kind(objs, "Deployment")["moodline-customer"]
    env = deployment["spec"]["template"]["spec"]["containers"][0]["env"]
    refs = [e["valueFrom"]["secretKeyRef"]["name"] for e in env if "valueFrom" in e]
    assert refs and set(refs) == {"moodline-secrets"}


def test_gateway_is_exposed_by_an_ingress_only() -> None:
    objs = rendered("prod")
    (ingress,) = by_kind(objs, "Ingress").values()
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == "moodline-gateway"
    for svc in by_kind(objs, "Service").values():
        assert svc["spec"]["type"] == "ClusterIP"


def test_helm_tests_check_grpc_health_and_call_the_api() -> None:
    tests = [o for o in rendered("prod") if o["kind"] == "Pod"]
    assert {t["metadata"]["annotations"]["helm.sh/hook"] for t in tests} == {"test"}
    scripts = {t["metadata"]["name"]: t["spec"]["containers"][0]["args"][0] for t in tests}
    assert "HealthStub" in scripts["moodline-test-customer"]
    assert "/openapi.json" in scripts["moodline-test-gateway"]
