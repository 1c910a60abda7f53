"""compose.yaml, the Dockerfiles and .env.example, checked by the real tools without a Docker engine."""

from __future__ import annotations

import re
import subprocess

import pytest

from .compose import COMPOSE_FILE, REPO, compose, env_example, resolved, tool

PIPELINE_SERVICES = ("provision", "simulator", "simulator-load", "processor", "batch", "dashboards")


@pytest.mark.parametrize("profile", ["", "load", "monitoring", "s3", "*"])
def test_compose_config_accepts_the_file_with_the_example_settings_in_every_profile(profile: str) -> None:
    args = ("--profile", profile) if profile else ()
    done = compose(*args, "config", "-q")
    assert done.returncode == 0, done.stderr


def test_compose_refuses_to_start_without_a_password() -> None:
    done = compose("config", "-q", env={"POSTGRES_PASSWORD": ""})
    assert done.returncode != 0 and "set POSTGRES_PASSWORD in .env" in done.stderr


@pytest.mark.parametrize("dockerfile", ["Dockerfile", "deploy/superset/Dockerfile"])
def test_hadolint_finds_no_error_or_warning_in_the_dockerfile(dockerfile: str) -> None:
    done = subprocess.run([tool("hadolint"), "--no-color", "--failure-threshold", "warning", dockerfile],
                          cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_variable_compose_reads_is_documented_in_the_env_example() -> None:
    read = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", COMPOSE_FILE.read_text()))
    assert read and read <= set(env_example()), sorted(read - set(env_example()))


def test_no_password_is_written_in_compose_or_the_images() -> None:
    text = COMPOSE_FILE.read_text() + (REPO / "Dockerfile").read_text() + (REPO / "deploy/superset/Dockerfile").read_text()
    for secret, value in env_example().items():
        if secret.endswith(("PASSWORD", "SECRET_KEY")):
            assert value not in text, secret
    assert ".env" in (REPO / ".gitignore").read_text().split()


def test_processors_can_be_scaled_they_have_no_fixed_name_or_host_port_and_a_readiness_healthcheck() -> None:
    processor = resolved()["services"]["processor"]
    assert "container_name" not in processor and not processor.get("ports")
    assert "/ready" in " ".join(processor["healthcheck"]["test"])
    assert int(processor["environment"]["PARTITIONS"]) >= 3


def test_processor_and_batch_share_the_lake_volume_at_their_data_dir() -> None:
    services = resolved()["services"]
    mounts = {name: {(v["source"], v["target"]) for v in services[name]["volumes"]} for name in ("processor", "batch")}
    assert ("lake", services["processor"]["environment"]["DATA_DIR"]) in mounts["processor"]
    assert mounts["processor"] == mounts["batch"]


def test_services_wait_for_what_they_need() -> None:
    services = resolved()["services"]
    assert services["provision"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("processor", "batch"):
        assert services[name]["depends_on"]["provision"]["condition"] == "service_completed_successfully"
    assert services["processor"]["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert services["superset"]["depends_on"]["superset-init"]["condition"] == "service_completed_successfully"


def test_our_services_run_the_images_entry_points_with_an_init_process() -> None:
    services = resolved()["services"]
    scripts = {"antenna-provision", "antenna-simulator", "antenna-processor", "antenna-batch", "antenna-serving"}
    pyproject = (REPO / "pyproject.toml").read_text()
    for name in PIPELINE_SERVICES:
        assert services[name]["command"][0] in scripts and f"{services[name]['command'][0]} =" in pyproject
        assert services[name]["init"] is True, name


def test_prometheus_scrapes_every_processor_by_its_service_name_on_the_metrics_port() -> None:
    config = (REPO / "deploy/prometheus/prometheus.yml").read_text()
    port = resolved()["services"]["processor"]["environment"]["METRICS_PORT"]
    assert re.search(r"names:\s*\[processor\]", config) and re.search(rf"port:\s*{port}\b", config)


def test_only_provision_connects_as_the_owner_every_other_service_as_its_own_role() -> None:
    urls = {name: service["environment"]["DATABASE_URL"] for name, service in resolved()["services"].items()
            if "DATABASE_URL" in service.get("environment", {})}
    owner = f"postgresql://{env_example()['POSTGRES_USER']}:"
    assert [name for name, url in urls.items() if url.startswith(owner)] == ["provision"]
    assert urls["processor"].startswith("postgresql://pipeline_processor:")
    assert urls["batch"].startswith("postgresql://pipeline_batch:")
    assert urls["dashboards"].startswith("postgresql://pipeline_reader@")


def test_no_password_is_given_to_a_process_in_its_arguments() -> None:
    services = resolved()["services"]
    for secret, value in env_example().items():
        if secret.endswith(("PASSWORD", "SECRET_KEY")):
            assert all(value not in " ".join(s.get("command") or []) for s in services.values()), secret
    init = (REPO / "deploy/superset/init.sh").read_text()
    assert "--password" not in init and 'printf \'%s\\n\' "$ADMIN_PASSWORD" |' in init


def test_the_s3_profile_gives_a_second_processor_a_disk_of_its_own_and_the_same_lake_settings() -> None:
    s3_settings = {"LAKE_URL": "s3://lake/events", "AWS_ENDPOINT_URL": "http://s3:80", "AWS_ALLOW_HTTP": "true"}
    services = resolved(s3_settings, profile="s3")["services"]
    first, second = services["processor"], services["processor-b"]
    assert second["environment"] == first["environment"] and first["environment"]["LAKE_URL"] == "s3://lake/events"
    assert services["batch"]["environment"]["LAKE_URL"] == "s3://lake/events"
    assert {v["source"] for v in second["volumes"]}.isdisjoint({v["source"] for v in first["volumes"]})
    assert services["s3"]["environment"]["S3PROXY_CREDENTIAL"] == env_example()["AWS_SECRET_ACCESS_KEY"]
