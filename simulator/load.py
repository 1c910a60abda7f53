"""Load mode: many users, antennas and apps, generated in chunks fast enough to saturate a broker."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from .events import TEMPLATE


@dataclass(frozen=True)
class LoadShape:
    """Cardinality and time span of a load run."""

    users: int = 10_000
    antennas: int = 500
    apps: int = 10
    start: int = 1_667_048_400  # 2022-10-29T13:00:00Z
    span_seconds: int = 3600


def keyed_load_messages(count: int, shape: LoadShape, seed: int,
                        chunk: int = 10_000) -> Iterator[list[tuple[bytes, bytes]]]:
    """``count`` (user id, encoded event) messages in chunks, deterministic by seed.

    Like a live stream, timestamps advance through the span in order (each up to 5 s early).
    """
    rng = random.Random(seed)
    users = [(u, u.encode()) for u in (f"{n:08d}-0000-4000-8000-{n:012d}" for n in range(1, shape.users + 1))]
    antennas = [f"{n:08d}-aaaa-4aaa-8aaa-{n:012d}" for n in range(shape.antennas)]
    apps = [f"APP{n:02d}" for n in range(shape.apps)]
    fmt = TEMPLATE.format
    sent = 0
    while sent < count:
        n = min(chunk, count - sent)
        ts = [max(shape.start, shape.start + (sent + i) * shape.span_seconds // count - j)
              for i, j in enumerate(rng.choices(range(6), k=n))]
        yield [
            (key, fmt(b, t, a, u, an).encode())
            for b, t, a, (u, key), an in zip(
                rng.choices(range(10000), k=n), ts, rng.choices(apps, k=n),
                rng.choices(users, k=n), rng.choices(antennas, k=n), strict=True)
        ]
        sent += n


def load_messages(count: int, shape: LoadShape, seed: int, chunk: int = 10_000) -> Iterator[list[bytes]]:
    """The values of ``keyed_load_messages``: the same events, for readers that do not need the keys."""
    for keyed in keyed_load_messages(count, shape, seed, chunk):
        yield [value for _, value in keyed]
