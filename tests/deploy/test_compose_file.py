"""compose.yaml, the Dockerfiles and .env.example, checked by the real tools without a Docker engine."""

from __future__ import annotations

import re
import subprocess

import pytest

from .compose import COMPOSE_FILE, ENV_EXAMPLE, REPO, compose, env_example, env_filled, resolved, tool

PIPELINE_SERVICES = ("provision", "simulator", "simulator-load", "processor", "batch", "dashboards")
SECRETS = ("POSTGRES_PASSWORD", "PROCESSOR_PASSWORD", "BATCH_PASSWORD", "READER_PASSWORD", "SUPERSET_DB_PASSWORD",
           "SUPERSET_SECRET_KEY", "ADMIN_PASSWORD", "AWS_SECRET_ACCESS_KEY")
# Measured: the processor's longest stop on SIGTERM under load (README, "Stopping", deploy/measure_stop.py).
MEASURED_PROCESSOR_STOP_SECONDS = 7.0
DATABASE_LOCK_TIMEOUT_SECONDS = 30  # the default: a checkpoint may wait that long for a lock before it fails


@pytest.mark.parametrize("profile", ["", "load", "monitoring", "s3", "*"])
def test_compose_config_accepts_the_file_with_the_env_the_documented_commands_make_in_every_profile(
        profile: str) -> None:
    args = ("--profile", profile) if profile else ()
    done = compose(*args, "config", "-q")
    assert done.returncode == 0, done.stderr


def test_compose_refuses_to_start_without_a_password() -> None:
    done = compose("config", "-q", env={"POSTGRES_PASSWORD": ""})
    assert done.returncode != 0 and "set POSTGRES_PASSWORD in .env" in done.stderr


def test_the_env_example_holds_no_usable_secret_and_compose_refuses_it_as_it_is() -> None:
    example = env_example()
    assert {key: example[key] for key in SECRETS} == dict.fromkeys(SECRETS, "")
    assert "secrets.token_urlsafe(32)" in ENV_EXAMPLE.read_text()
    done = compose("config", "-q", env_file=ENV_EXAMPLE)
    assert done.returncode != 0 and "in .env" in done.stderr


def test_the_documented_commands_fill_every_required_secret_with_a_long_random_value() -> None:
    filled = env_filled()
    values = [filled[key] for key in SECRETS if key != "AWS_SECRET_ACCESS_KEY"]  # that one: with the s3 profile
    assert all(len(v) >= 40 and re.fullmatch(r"[A-Za-z0-9_-]+", v) for v in values), "weak or not URL-safe"
    assert len(set(values)) == len(values)


def long_running(services: dict[str, dict[str, object]]) -> list[str]:
    return [name for name, s in services.items() if s.get("restart") == "unless-stopped"]


def test_every_long_running_service_has_rotated_logs_a_memory_limit_and_a_stop_grace_period() -> None:
    services = resolved()["services"]
    assert len(long_running(services)) >= 9
    for name in long_running(services):
        service = services[name]
        logging = service.get("logging", {})
        assert logging.get("driver") == "json-file" and {"max-size", "max-file"} <= set(logging.get("options", {})), name
        assert int(service.get("mem_limit", 0)) >= 128 * 2**20, name
        assert service.get("stop_grace_period"), name


def seconds(duration: str) -> float:
    units = {"h": 3600, "m": 60, "s": 1}
    return sum(float(n) * units[u] for n, u in re.findall(r"(\d+(?:\.\d+)?)([hms])", duration))


def test_processors_stop_grace_period_is_above_their_measured_stop_and_memory_above_their_measured_peak() -> None:
    services = resolved()["services"]
    for name in ("processor", "processor-b"):
        margin = 1.5 * (MEASURED_PROCESSOR_STOP_SECONDS + DATABASE_LOCK_TIMEOUT_SECONDS)
        assert seconds(services[name]["stop_grace_period"]) >= margin, name
        assert int(services[name]["mem_limit"]) >= 2 * 453 * 10**6, name  # BENCHMARKS.md: 453 MB peak RSS


def test_superset_serves_with_gunicorn_itself_under_an_init_so_sigterm_reaches_it() -> None:
    services = resolved()["services"]
    superset = services["superset"]
    assert superset["init"] is True and superset["command"][0] == "gunicorn"
    assert superset["command"][-1] == "superset.app:create_app()" and "--graceful-timeout" in superset["command"]
    graceful = int(superset["command"][superset["command"].index("--graceful-timeout") + 1])
    assert seconds(superset["stop_grace_period"]) > graceful
    assert services["superset-init"]["healthcheck"]["disable"] is True


def test_the_batch_mounts_the_lake_read_only() -> None:
    batch = resolved()["services"]["batch"]
    assert [(v["source"], v.get("read_only", False)) for v in batch["volumes"]] == [("lake", True)]


def test_the_kafka_host_listener_advertises_the_published_port_and_its_healthcheck_has_a_small_heap() -> None:
    kafka = resolved({"KAFKA_HOST_PORT": "19999"})["services"]["kafka"]
    assert "HOST://localhost:19999" in kafka["environment"]["KAFKA_ADVERTISED_LISTENERS"]
    assert [(p["published"], p["target"]) for p in kafka["ports"]] == [("19999", 9092)]
    assert "KAFKA_HEAP_OPTS='-Xms32m -Xmx64m'" in kafka["healthcheck"]["test"][1]


def test_the_s3_store_is_pinned_and_healthy_before_a_processor_starts() -> None:
    services = resolved()["services"]
    assert not services["s3"]["image"].endswith(":latest") and ":" in services["s3"]["image"]
    assert services["s3"]["healthcheck"]["test"][0] == "CMD"
    for name in ("processor", "processor-b"):
        assert services[name]["depends_on"]["s3"]["condition"] == "service_healthy", name


@pytest.mark.parametrize(("lake_url", "code"), [("", 2), ("s3://lake/events", 0)])
def test_processor_b_refuses_to_start_without_a_lake_in_the_bucket(lake_url: str, code: int) -> None:
    # `config` keeps compose's `$$` escapes (a literal `$` for the container's shell): undone here.
    entrypoint = [arg.replace("$$", "$") for arg in resolved({"LAKE_URL": lake_url})["services"]["processor-b"]["entrypoint"]]
    done = subprocess.run([*entrypoint, "true"], env={"LAKE_URL": lake_url, "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == code, done.stderr
    assert ("needs LAKE_URL=s3://lake/events" in done.stderr) == (code == 2)


def test_the_pipeline_image_compiles_its_bytecode_and_leaves_the_test_servers_out() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    assert "compileall" in dockerfile and "COPY devstack" not in dockerfile
    assert "devstack" in (REPO / ".dockerignore").read_text().split()


def test_the_bundle_is_written_by_the_superset_user_into_a_folder_its_group_may_write_and_superset_traverse() -> None:
    dashboards = resolved({"SUPERSET_UID": "1234"})["services"]["dashboards"]
    assert dashboards["user"] == "1234:0"
    dockerfile = (REPO / "Dockerfile").read_text()
    assert "chown pipeline:0 /bundle" in dockerfile and "chmod 0775 /bundle" in dockerfile


def test_the_readme_says_each_deployment_decision() -> None:
    readme = (REPO / "README.md").read_text()
    deployment = " ".join(readme.split("## Deployment: containers")[1].split("## Dashboards")[0].split())
    for decision in ("docker compose --profile '*' down", "compose `secrets:`) are not read: a decision",
                     "overwriting edits made to them in the UI", "password is set from `ADMIN_PASSWORD`",
                     "### TLS to PostgreSQL", "`verify-full`", "### Alerts", "**Stopping**", "**Logs and memory**"):
        assert decision in deployment, decision
    assert "docker compose down " not in deployment


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
    for secret, value in env_filled().items():
        if secret.endswith(("PASSWORD", "SECRET_KEY")) and value:
            assert value not in text, secret
    assert "change-me" not in text.lower()
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
    assert re.search(r"names:\s*\[processor\b", config) and re.search(rf"port:\s*{port}\b", config)


def test_only_provision_connects_as_the_owner_every_other_service_as_its_own_role() -> None:
    urls = {name: service["environment"]["DATABASE_URL"] for name, service in resolved()["services"].items()
            if "DATABASE_URL" in service.get("environment", {})}
    owner = f"postgresql://{env_example()['POSTGRES_USER']}:"
    # provision and superset-db create roles (and superset-db a database): only they are the owner.
    assert sorted(name for name, url in urls.items() if url.startswith(owner)) == ["provision", "superset-db"]
    assert urls["processor"].startswith("postgresql://pipeline_processor:")
    assert urls["batch"].startswith("postgresql://pipeline_batch:")
    assert urls["dashboards"].startswith("postgresql://pipeline_reader@")


def test_no_password_is_given_to_a_process_in_its_arguments() -> None:
    services = resolved()["services"]
    for secret, value in env_filled().items():
        if secret.endswith(("PASSWORD", "SECRET_KEY")) and value:
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
    assert services["s3"]["environment"]["S3PROXY_CREDENTIAL"] == env_filled()["AWS_SECRET_ACCESS_KEY"]
