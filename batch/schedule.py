"""``python -m batch --schedule``: the hourly job as a long-running process, instead of cron.

At start, and then shortly after each hour closes (the hour boundary plus ``BATCH_GRACE_SECONDS``),
it runs the catch-up: every complete hour whose lake files are new or changed since the ledger
recorded them. Each wake is computed from the clock, never by adding an hour to the last one, so
the schedule cannot drift and a suspended machine simply catches up when it wakes. An unreachable
PostgreSQL or lake bucket is waited out (retries with backoff up to ``RETRY_MAX_SECONDS``); SIGTERM or SIGINT
stops it between two hours, with exit status 0.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from common.errors import DataRejected, LakeError, Unavailable
from common.retry import Backoff, Stopping

from .hours import HOUR, floor_hour, label
from .metrics import BatchMetrics, serve
from .run import pending, run
from .settings import BatchSettings

log = logging.getLogger("batch.schedule")


def next_wake(now: datetime, grace: timedelta) -> datetime:
    """The first moment after ``now`` that is an hour boundary plus ``grace``."""
    wake = floor_hour(now) + grace
    return wake if wake > now else wake + HOUR


def _at(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Scheduler:
    """The loop, with the clock, the sleep and the work injected (so tests can drive time).

    ``catch_up(now)`` processes what is pending at ``now`` and returns the hours it processed;
    ``sleep(seconds)`` waits and returns True when a stop was asked.
    """

    grace: timedelta
    retry_max: float
    catch_up: Callable[[datetime], list[datetime]]
    now: Callable[[], datetime]
    sleep: Callable[[float], bool]

    def run(self) -> None:
        """Catch up now, then after each hour closes, until ``sleep`` reports a stop."""
        backoff = Backoff(self.retry_max, first=1.0)
        while True:
            started = self.now()
            try:
                hours = self.catch_up(started)
            except Unavailable as e:
                delay = backoff.next()
                log.warning("%s; retrying in %gs", e, delay)
                if self.sleep(delay):
                    return
                continue
            backoff.reset()
            wake = next_wake(self.now(), self.grace)
            done = ", ".join(label(h) for h in hours) if hours else "nothing new"
            log.info("Scheduled catch-up at %s: %s; next at %s", _at(started), done, _at(wake))
            if self.sleep(max(0.0, (wake - self.now()).total_seconds())):
                return


def catch_up_until_stopped(settings: BatchSettings, stop: threading.Event,
                           metrics: BatchMetrics | None = None) -> Callable[[datetime], list[datetime]]:
    """The real work: the pending hours, one at a time (a stop is honoured between two hours).

    A bad lake file or a value PostgreSQL refuses fails its hour only, in one error line; the hour is
    tried again only once its files change (its fingerprint), never at every wake for nothing, and
    each wake names the hours still waiting for that in one line. An unreachable database or bucket
    (``Unavailable``, never an hour's fault) ends this attempt so the scheduler retries.
    """
    failed: dict[datetime, str] = {}  # hour -> fingerprint of the files it failed with

    def catch_up(now: datetime) -> list[datetime]:
        processed, unchanged = [], []
        for hour, files in pending(settings, now).items():
            if stop.is_set():
                break
            if failed.get(hour) == files:
                unchanged.append(hour)
                continue
            try:
                run(settings, [hour])
            except (LakeError, DataRejected) as e:
                failed[hour] = files
                log.error("%s: failed: %s; tried again when its files change", label(hour), e)
                if metrics is not None:
                    metrics.hour_failed()
                continue
            failed.pop(hour, None)
            processed.append(hour)
        if unchanged:
            log.warning("Still failed, files unchanged since: %s", ", ".join(label(h) for h in unchanged))
        return processed

    return catch_up


def run_schedule(settings: BatchSettings) -> None:
    """Run until SIGTERM/SIGINT; both end the process with exit status 0."""
    stop = Stopping()
    stop.watch(lambda signum: log.info("%s: stopping after the hour in progress", signum.name))
    log.info("Scheduler: catch-up now, then at every hour + %gs (lake %s)",
             settings.batch_grace_seconds, settings.lake().url)
    metrics = BatchMetrics()
    serve(metrics, settings.batch_metrics_port, settings.batch_metrics_host)
    Scheduler(grace=timedelta(seconds=settings.batch_grace_seconds), retry_max=settings.retry_max_seconds,
              catch_up=metrics.observed(catch_up_until_stopped(settings, stop, metrics)), now=lambda: datetime.now(UTC),
              sleep=stop.wait).run()
    log.info("Scheduler stopped")
