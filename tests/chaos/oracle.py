"""The chaos suite's oracle: lost and doubled events, 5-minute rows, dead letters; and the figures.

Shares no code with ``processor/`` or ``batch/``: expectations come from the events the test
produced (``tests/processor/harness.py`` computes the 5-minute sums and lake rows on its own).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..helpers import consume_all
from ..processor.harness import database_totals, expected_lake, expected_totals, lake_events

FIGURES: list[Figures] = []  # moved onto the test's report (chaos/conftest.py), printed at the session's end
FIGURES_PROPERTY = "chaos figures"  # the name of those report properties


@dataclass
class Figures:
    """What one scenario did and what it lost or doubled."""

    scenario: str
    runs: int = 0  # processes started (processors, or batch runs)
    disruptions: int = 0  # kills, pauses, outages inflicted
    events: int = 0  # valid events the outputs must hold exactly once
    lost: int = 0
    doubled: int = 0
    wrong_rows: int = 0  # 5-minute (or hourly) rows that differ from the oracle
    dead_letters: int = 0  # malformed messages produced
    dead_letters_lost: int = 0
    dead_letters_repeated: int = 0  # the same source offset dead-lettered again after a kill (allowed)
    notes: list[str] = field(default_factory=list)

    def exact(self) -> bool:
        return self.lost == self.doubled == self.wrong_rows == self.dead_letters_lost == 0


def figures_table(figures: list[dict[str, object]]) -> list[str]:
    """One line per chaos scenario (``Figures`` as dicts): runs, disruptions, events, lost, doubled, dead letters."""
    lines = [f"{'scenario':44} runs  hits  events  lost  doubled  rows  dlq  dlq-lost  dlq-again"]
    for f in (Figures(**d) for d in figures):  # type: ignore[arg-type]
        lines.append(
            f"{f.scenario:44} {f.runs:4} {f.disruptions:5} {f.events:7} {f.lost:5} {f.doubled:8} {f.wrong_rows:5} "
            f"{f.dead_letters:4} {f.dead_letters_lost:9} {f.dead_letters_repeated:10}  {'; '.join(f.notes)}")
    return lines


def difference(got: Counter, expected: Counter) -> tuple[int, int]:  # type: ignore[type-arg]
    """(missing, extra) between two multisets."""
    return sum((expected - got).values()), sum((got - expected).values())


def check_speed_layer(figures: Figures, url: str, data_dir: Path, events: list[dict[str, object]]) -> None:
    """Fill ``figures`` from the lake and the ``bytes`` table against the produced events."""
    figures.events = len(events)
    figures.lost, figures.doubled = difference(Counter(lake_events(data_dir)), Counter(expected_lake(events)))
    got, expected = database_totals(url), expected_totals(events)
    figures.wrong_rows = sum(1 for key in set(got) | set(expected) if got.get(key) != expected.get(key))


def digest(value: bytes | None) -> str:
    return hashlib.sha256(value or b"").hexdigest()


def check_dead_letters(figures: Figures, brokers: str, dlq_topic: str,
                       malformed: list[tuple[bytes | None, str]]) -> None:
    """Each malformed message once in the DLQ (by source offset) with its category; repeats counted."""
    figures.dead_letters = len(malformed)
    by_source: dict[tuple[int, int], tuple[str, str]] = {}
    repeated = 0
    for m in consume_all(brokers, dlq_topic):
        h = {k: v for k, v in (m.headers() or [])}
        source = (int(h["dlq.source.partition"]), int(h["dlq.source.offset"]))
        original = h["dlq.original.sha256"].decode() if "dlq.original.sha256" in h else digest(m.value())
        repeated += source in by_source
        by_source[source] = (original, h["dlq.category"].decode())
    expected = Counter((digest(v), category) for v, category in malformed)
    figures.dead_letters_lost, extra = difference(Counter(by_source.values()), expected)
    figures.dead_letters_repeated = repeated
    if extra:
        figures.notes.append(f"{extra} dead letters not expected (wrong category or a valid event)")
        figures.dead_letters_lost += extra
