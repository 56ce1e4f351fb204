"""The container image, Compose file and Kubernetes manifests (deploy/container/, deploy/k8s/) say what
the app needs: each document parses and has its required fields, every process runs as the non-root
user with a read-only root and a writable /tmp, each group of queues has its worker, the web server's
probes and the upload size agree with the app, and no secret is committed.

What else checked them (deploy/README.md): `kubectl kustomize`, kubernetes-validate --strict and
`docker-compose config`; hadolint for the Dockerfile. Those tools are not in the test environment."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from permanence.app import create_app
from permanence.core.jobs import QUEUE_GROUPS, parse_queues

ROOT = Path(__file__).resolve().parents[1]
K8S = ROOT / "deploy" / "k8s"
CONTAINER = ROOT / "deploy" / "container"
REQUIRED = {  # kind -> paths that must be there
    "Namespace": [], "ConfigMap": ["data"], "Secret": ["stringData"], "Service": ["spec.selector", "spec.ports"],
    "Deployment": ["spec.selector.matchLabels", "spec.template.spec.containers"],
    "Job": ["spec.template.spec.containers", "spec.template.spec.restartPolicy"],
    "Ingress": ["spec.rules"], "PodDisruptionBudget": ["spec.selector.matchLabels"],
    "Kustomization": ["resources"],
}


def _get(doc, path):
    for key in path.split("."):
        doc = doc[key]
    return doc


def _documents():
    """Every Kubernetes document under deploy/k8s/, with the file it came from."""
    found = []
    for path in sorted(K8S.rglob("*.yaml")):
        found += [(path, doc) for doc in yaml.safe_load_all(path.read_text()) if doc]
    return found


def _workloads():
    return [(path, doc) for path, doc in _documents() if doc["kind"] in ("Deployment", "Job")]


def test_every_manifest_parses_with_its_required_fields():
    documents = _documents()
    assert len(documents) >= 12
    for path, doc in documents:
        assert doc.get("apiVersion") and doc.get("kind") in REQUIRED, f"{path.name}: {doc.get('kind')}"
        if doc["kind"] != "Kustomization":
            assert doc["metadata"]["name"], path.name
        for field in REQUIRED[doc["kind"]]:
            assert _get(doc, field), f"{path.name} {doc['kind']}: no {field}"
        if doc["kind"] == "Deployment":  # the selector picks the template's own pods
            labels = doc["spec"]["template"]["metadata"]["labels"]
            assert doc["spec"]["selector"]["matchLabels"].items() <= labels.items(), doc["metadata"]["name"]


def test_each_kustomization_names_files_that_exist_and_the_secret_is_never_applied_with_them():
    listed = set()
    for path, doc in _documents():
        if doc["kind"] == "Kustomization":
            for resource in doc["resources"]:
                assert (path.parent / resource).is_file(), f"{path}: {resource}"
                listed.add((path.parent / resource).resolve())
    left_out = {path.name for path in K8S.rglob("*.yaml") if path.name != "kustomization.yaml"} - \
        {path.name for path in listed}
    assert left_out == {"secret.example.yaml"}


def test_every_process_runs_as_the_non_root_user_with_a_read_only_root_limits_and_a_writable_tmp():
    assert len(_workloads()) == 6  # web, three workers, the scheduler, the migrations
    for _path, doc in _workloads():
        pod = doc["spec"]["template"]["spec"]
        name = doc["metadata"]["name"]
        assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] == 10001, name
        assert pod["automountServiceAccountToken"] is False, name
        volumes = {volume["name"]: volume for volume in pod["volumes"]}
        for container in pod["containers"]:
            assert container["image"] == "permanence", name  # the kustomization's images: set the release
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True and security["allowPrivilegeEscalation"] is False, name
            assert security["capabilities"]["drop"] == ["ALL"], name
            assert container["resources"]["limits"]["memory"], name
            mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
            assert "emptyDir" in volumes[mounts["/tmp"]], f"{name}: /tmp must be writable"
            assert "/var/lib/permanence" in mounts, f"{name}: the instance folder must be writable"


def test_the_dockerfile_user_is_the_manifests_user_and_it_serves_the_wsgi_app_with_the_gunicorn_config():
    dockerfile = (CONTAINER / "Dockerfile").read_text()
    assert re.search(r"^USER 10001:10001$", dockerfile, re.M)
    assert "FROM ${PYTHON_IMAGE} AS runtime" in dockerfile and "ARG PYTHON_IMAGE=python:3.11-slim-bookworm" in dockerfile
    assert re.search(r'^CMD \["gunicorn", "--config", "deploy/gunicorn.conf.py", "permanence.wsgi:app"\]$',
                     dockerfile, re.M)
    assert (ROOT / "deploy" / "gunicorn.conf.py").is_file()
    assert "-c constraints.txt" in dockerfile and "npm run build" in dockerfile
    assert "libreoffice-writer-nogui" in dockerfile and "libreoffice-calc-nogui" in dockerfile
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", "**/node_modules", "**/.venv", "platform/permanence/static/build/"} <= set(ignored)


def _compose():
    return yaml.safe_load((CONTAINER / "compose.yaml").read_text())


def _k8s_workers():
    return {doc["metadata"]["name"]: doc["spec"]["template"]["spec"]["containers"][0]["args"]
            for _path, doc in _workloads() if doc["metadata"]["name"].startswith("permanence-worker-")}


@pytest.mark.parametrize("source", ["compose", "kubernetes"])
def test_each_group_of_queues_has_its_own_worker_and_every_queue_is_served(source):
    if source == "compose":
        commands = [service["command"] for name, service in _compose()["services"].items()
                    if name.startswith("worker-")]
    else:
        commands = list(_k8s_workers().values())
    groups = [command[command.index("--queues") + 1] for command in commands]
    assert sorted(groups) == sorted(QUEUE_GROUPS)
    served = [queue for group in groups for queue in parse_queues(group)]
    assert sorted(served) == sorted(q for queues in QUEUE_GROUPS.values() for q in queues)


def test_the_commands_the_manifests_run_are_the_apps():
    app = create_app({"TESTING": True, "SECRET_KEY": "manifests", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    commands = [service["command"] for service in _compose()["services"].values() if "command" in service]
    commands += [doc["spec"]["template"]["spec"]["containers"][0]["args"] for _path, doc in _workloads()]
    for command in commands:
        if command[0] != "permanence":
            continue
        group = app.cli.get_command(None, command[1])
        assert group is not None and group.get_command(None, command[2]) is not None, command
    migrate = [doc for _path, doc in _workloads() if doc["kind"] == "Job"][0]
    env = {item["name"]: item["valueFrom"]["secretKeyRef"]["key"]
           for item in migrate["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["DATABASE_URL"] == "DATABASE_URL_OWNER"  # migrations as the owner, the rest as the app role
    assert _compose()["services"]["migrate"]["environment"]["DATABASE_URL"].startswith(
        "postgresql+psycopg://permanence_owner:")
    assert "permanence_app:" in _compose()["services"]["web"]["environment"]["DATABASE_URL"]


def test_the_web_servers_probes_and_upload_size_agree_with_the_app():
    web = next(doc for _path, doc in _workloads() if doc["metadata"]["name"] == "permanence-web")
    container = web["spec"]["template"]["spec"]["containers"][0]
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert "/health/ready" in " ".join(_compose()["services"]["web"]["healthcheck"]["test"])
    app = create_app({"TESTING": True, "SECRET_KEY": "manifests", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.test_client().get("/health").status_code == 200
    ingress = next(doc for _path, doc in _documents() if doc["kind"] == "Ingress")
    body = int(ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"].rstrip("m"))
    assert body * 1024 * 1024 >= app.config["MAX_CONTENT_LENGTH"]
    budget = next(doc for _path, doc in _documents() if doc["kind"] == "PodDisruptionBudget")
    assert budget["spec"]["minAvailable"] < web["spec"]["replicas"]  # a drain can move one pod at a time


def test_no_secret_is_committed():
    secret = next(doc for _path, doc in _documents() if doc["kind"] == "Secret")
    for key, value in secret["stringData"].items():
        if key != "MAIL_USERNAME":
            assert "CHANGE-ME" in value, key
    compose = (CONTAINER / "compose.yaml").read_text()
    for name in ("POSTGRES_PASSWORD", "PERMANENCE_OWNER_PASSWORD", "PERMANENCE_APP_PASSWORD", "SECRET_KEY"):
        assert f"${{{name}:?" in compose, f"{name} must come from the environment"
