"""The Kubernetes manifests of cluster/kuberay/, validated offline.

Core objects are validated against the Kubernetes JSON schemas that the `kubernetes-validate` package carries
(no cluster, no network). The custom resources of the operators (RayService, CloudNativePG Cluster,
RabbitmqCluster, PodMonitor) have no schema there: their required fields are checked by hand.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from cluster import generate

ROOT = Path(__file__).resolve().parents[2]
KUBERAY = ROOT / "cluster" / "kuberay"
CORE_KINDS = {"Namespace", "Deployment", "Service", "Ingress", "Secret", "ConfigMap"}
FILES = sorted(KUBERAY.glob("*.yaml"))


def documents() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in FILES:
        for document in yaml.safe_load_all(path.read_text()):
            if document is not None:
                found.append((path.name, document))
    return found


def by_kind(kind: str) -> list[dict[str, Any]]:
    return [d for _, d in documents() if d["kind"] == kind]


def test_the_manifests_are_there() -> None:
    names = {p.name for p in FILES}
    assert {"rayservice.yaml", "postgres.yaml", "redis.yaml", "rabbitmq.yaml", "secrets.example.yaml"} <= names
    assert {"ingress.yaml", "podmonitor.yaml", "grafana-dashboards.yaml", "namespace.yaml"} <= names
    kinds = {d["kind"] for _, d in documents()}
    assert {"RayService", "Cluster", "RabbitmqCluster", "Deployment", "Service", "Secret", "Ingress"} <= kinds
    assert {"PodMonitor", "ConfigMap", "Namespace"} <= kinds


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_object_has_api_version_kind_name_and_the_namespace(path: Path) -> None:
    for document in yaml.safe_load_all(path.read_text()):
        if document is None:
            continue
        assert document.get("apiVersion") and document.get("kind"), document
        assert document.get("metadata", {}).get("name"), document
        if document["kind"] != "Namespace":
            assert document["metadata"].get("namespace") == "eventbook", document["metadata"]


def test_core_objects_validate_against_the_kubernetes_schemas() -> None:
    version = kubernetes_validate.latest_version()
    checked = 0
    for name, document in documents():
        if document["kind"] in CORE_KINDS:
            try:
                kubernetes_validate.validate(document, version, strict=True)
            except kubernetes_validate.ValidationError as error:
                pytest.fail(f"{name}: {document['kind']}/{document['metadata']['name']}: {error.message}")
            checked += 1
    assert checked >= 7


def test_the_committed_rayservice_is_what_the_generator_makes() -> None:
    path = KUBERAY / "rayservice.yaml"
    assert path.read_text() == generate.outputs()[path], "rayservice.yaml drifted: run `make cluster-manifests`"


def test_the_rayservice_embeds_the_root_serve_config() -> None:
    (rayservice,) = by_kind("RayService")
    embedded = yaml.safe_load(rayservice["spec"]["serveConfigV2"])
    assert embedded == yaml.safe_load((ROOT / "serve_config.yaml").read_text())
    assert embedded["applications"][0]["import_path"] == "deployments.app:app"


def test_the_rayservice_cluster_shape() -> None:
    (rayservice,) = by_kind("RayService")
    assert rayservice["apiVersion"] == "ray.io/v1"
    config = rayservice["spec"]["rayClusterConfig"]
    assert config["rayVersion"] == generate.ray_version()
    assert config["enableInTreeAutoscaling"] is True
    head = config["headGroupSpec"]
    assert head["rayStartParams"]["num-cpus"] == "0"
    (workers,) = config["workerGroupSpecs"]
    assert 2 <= workers["minReplicas"] <= workers["replicas"] <= workers["maxReplicas"]
    serve_port = yaml.safe_load(rayservice["spec"]["serveConfigV2"])["http_options"]["port"]
    for group in (head, workers):
        (container,) = group["template"]["spec"]["containers"]
        assert container["image"] == generate.image()
        assert {"secretRef": {"name": "eventbook-env"}} in container["envFrom"]
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        assert ports["serve"] == serve_port and ports["metrics"] == 8080
        assert group["template"]["metadata"]["labels"]["app.kubernetes.io/part-of"] == "eventbook"


def test_the_env_secret_carries_every_setting_the_pods_need_as_placeholders() -> None:
    secrets = {s["metadata"]["name"]: s for s in by_kind("Secret")}
    settings = secrets["eventbook-env"]["stringData"]
    needed = {"EVENTBOOK_DATABASE_URL", "EVENTBOOK_REPLICA_URL", "EVENTBOOK_REDIS_URL", "EVENTBOOK_AMQP_URL"}
    assert needed | {"EVENTBOOK_SECRET_KEY"} <= set(settings)
    # outside demo mode the platform starts only with a real payment provider and its keys
    assert settings["EVENTBOOK_PAYMENT_PROVIDER"] == "stripe"
    assert {
        "EVENTBOOK_STRIPE_SECRET_KEY",
        "EVENTBOOK_STRIPE_PUBLISHABLE_KEY",
        "EVENTBOOK_STRIPE_WEBHOOK_SECRET",
    } <= set(settings)
    assert all(k.startswith("EVENTBOOK_") for k in settings)
    assert "eventbook-db-rw" in settings["EVENTBOOK_DATABASE_URL"]
    assert "eventbook-db-ro" in settings["EVENTBOOK_REPLICA_URL"]
    # Never a real credential: every password or key is a placeholder.
    for secret in secrets.values():
        for key, value in secret.get("stringData", {}).items():
            userinfo = re.match(r"^\w+://([^@/]+)@", str(value))
            if userinfo and ":" in userinfo.group(1):
                assert userinfo.group(1).split(":", 1)[1] == "CHANGE_ME", (key, value)
            if re.search(r"password|secret_key|token", key, re.IGNORECASE):
                assert value == "CHANGE_ME", key
        assert "data" not in secret, "templates use stringData placeholders only"


def test_postgres_has_a_primary_and_a_replica_and_rabbitmq_is_an_operator_cluster() -> None:
    (postgres,) = by_kind("Cluster")
    assert postgres["apiVersion"] == "postgresql.cnpg.io/v1"
    assert postgres["spec"]["instances"] == 2
    owner_secret = postgres["spec"]["bootstrap"]["initdb"]["secret"]["name"]
    assert owner_secret in {s["metadata"]["name"] for s in by_kind("Secret")}
    (rabbit,) = by_kind("RabbitmqCluster")
    assert rabbit["apiVersion"] == "rabbitmq.com/v1beta1" and rabbit["spec"]["replicas"] >= 1
    redis_services = [s for s in by_kind("Service") if s["metadata"]["name"] == "eventbook-redis"]
    assert redis_services and redis_services[0]["spec"]["ports"][0]["port"] == 6379


def test_the_ingress_reaches_kuberay_serve_service_on_the_serve_port() -> None:
    (rayservice,) = by_kind("RayService")
    (ingress,) = by_kind("Ingress")
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == f"{rayservice['metadata']['name']}-serve-svc"  # the Service KubeRay creates
    assert backend["port"]["number"] == yaml.safe_load(rayservice["spec"]["serveConfigV2"])["http_options"]["port"]


def test_the_podmonitor_scrapes_the_metrics_port_of_the_ray_pods() -> None:
    (monitor,) = by_kind("PodMonitor")
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert [e["port"] for e in monitor["spec"]["podMetricsEndpoints"]] == ["metrics"]
    (rayservice,) = by_kind("RayService")
    labels = rayservice["spec"]["rayClusterConfig"]["headGroupSpec"]["template"]["metadata"]["labels"]
    wanted = {k: v for k, v in monitor["spec"]["selector"]["matchLabels"].items() if not k.startswith("ray.io/")}
    assert wanted.items() <= labels.items()


def test_the_grafana_configmap_holds_dashboards() -> None:
    """cluster/grafana/ belongs to the observability work and changes on its own schedule: a stale ConfigMap is a
    warning (run `make cluster-manifests`), an invalid one a failure."""
    (dashboards,) = [c for c in by_kind("ConfigMap") if c["metadata"]["name"] == "eventbook-grafana-dashboards"]
    assert dashboards["metadata"]["labels"]["grafana_dashboard"] == "1"
    for name, text in (dashboards.get("data") or {}).items():
        assert name.endswith(".json") and isinstance(json.loads(text), dict), name
    path = KUBERAY / "grafana-dashboards.yaml"
    if path.read_text() != generate.outputs()[path]:
        warnings.warn("grafana-dashboards.yaml is older than cluster/grafana/: make cluster-manifests", stacklevel=1)
