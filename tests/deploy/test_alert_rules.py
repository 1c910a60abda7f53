"""deploy/prometheus: the alert rules pass their unit tests in promtool, read metrics the services
really export, and Prometheus scrapes every processor service and the batch scheduler."""

from __future__ import annotations

import re
import shutil
import subprocess

from prometheus_client import CollectorRegistry

from batch.metrics import BatchMetrics
from processor.metrics import Metrics

from .compose import REPO, resolved

PROMETHEUS = REPO / "deploy" / "prometheus"
RULES, RULE_TESTS = PROMETHEUS / "rules" / "pipeline.yml", PROMETHEUS / "rules" / "pipeline.test.yml"
PAGED = {"ProcessorNotReady", "ConsumerLagGrowing", "DeadLettersHigh", "OffsetGap", "BatchHourOverdue"}


def promtool() -> str:
    path = shutil.which("promtool")
    assert path, "promtool missing: run `make install` (devstack/install.sh installs Debian's prometheus package)"
    return path


def exported(registry: CollectorRegistry) -> set[str]:
    """The sample names a registry exports (a counter ``x`` is ``x_total``, a histogram ``x_bucket``...)."""
    names = set()
    for metric in registry.collect():
        suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_sum", "_count"]}.get(metric.type, [""])
        names |= {metric.name + suffix for suffix in suffixes}
    return names


def test_every_alert_rule_passes_its_unit_tests_in_promtool() -> None:
    done = subprocess.run([promtool(), "test", "rules", RULE_TESTS.name], cwd=RULE_TESTS.parent,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "SUCCESS" in done.stdout, done.stdout + done.stderr


def test_every_alert_rule_has_a_unit_test_that_fires_it_and_the_paging_ones_page() -> None:
    rules = set(re.findall(r"^\s+- alert: (\w+)$", RULES.read_text(), re.MULTILINE))
    fired = set(re.findall(r"alertname: (\w+)\n\s+exp_alerts:\n\s+- exp_labels", RULE_TESTS.read_text()))
    assert PAGED <= rules and rules == fired, (sorted(rules - fired), sorted(fired - rules))
    for alert in PAGED:
        block = RULES.read_text().split(f"- alert: {alert}\n")[1].split("- alert:")[0]
        assert "severity: page" in block, alert


def test_the_alert_rules_read_only_metrics_the_processor_and_the_batch_scheduler_export() -> None:
    read = set(re.findall(r"\b((?:processor|batch)_[a-z_]+)\b", RULES.read_text()))
    known = exported(Metrics().registry) | exported(BatchMetrics().registry)
    assert read and read <= known, sorted(read - known)


def test_prometheus_scrapes_every_processor_service_and_the_batch_scheduler_and_loads_the_rules() -> None:
    config = (PROMETHEUS / "prometheus.yml").read_text()
    services = resolved()["services"]
    jobs = {job: body for job, body in re.findall(r"- job_name: (\w+)\n(.*?)(?=\n  - job_name|\Z)", config, re.DOTALL)}
    processors = [name for name, s in services.items() if (s.get("command") or [""])[0] == "antenna-processor"]
    assert sorted(processors) == ["processor", "processor-b"]
    for name in processors:
        assert re.search(rf"names: \[.*\b{name}\b.*\]", jobs["processor"]), name
        assert f"port: {services[name]['environment']['METRICS_PORT']}" in jobs["processor"]
    assert "names: [batch]" in jobs["batch"] and f"port: {services['batch']['environment']['BATCH_METRICS_PORT']}" \
        in jobs["batch"] and services["batch"]["environment"]["BATCH_METRICS_HOST"] == "0.0.0.0"
    mounts = {v["target"]: v["source"] for v in services["prometheus"]["volumes"]}
    assert "/etc/prometheus/rules/*.yml" in config and mounts["/etc/prometheus/rules"] == str(PROMETHEUS / "rules")
    done = subprocess.run([promtool(), "check", "config", "--syntax-only", "prometheus.yml"], cwd=PROMETHEUS,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
