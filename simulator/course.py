"""The course's data: 20 users, 5 antennas, users moving between antennas in groups.

Pure and deterministic for a given seed: the same range always yields the same events.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from .events import Event

USERS = tuple(f"00000000-0000-0000-0000-{n:012d}" for n in range(1, 21))
ANTENNAS = tuple(f"{d}{d}{d}{d}{d}{d}{d}{d}-{d}{d}{d}{d}-{d}{d}{d}{d}-{d}{d}{d}{d}-{str(d) * 12}" for d in range(5))
# WHATSAPP was listed by the original but never chosen (an off-by-one); we keep its behaviour.
APPS = ("SKYPE", "TELEGRAM", "FACETIME", "FACEBOOK")
GROUP_SIZE = 5
MOVE_EVERY_MINUTES = 10


def antenna_of(user_index: int, minute: int, offsets: tuple[int, ...]) -> str:
    """Users move in groups of five: each group shifts to the next antenna every ten minutes."""
    group = user_index // GROUP_SIZE
    return ANTENNAS[(offsets[group] + minute // MOVE_EVERY_MINUTES) % len(ANTENNAS)]


def course_minute(minute_start: int, rng: random.Random, offsets: tuple[int, ...]) -> list[Event]:
    """One event per user for the minute starting at ``minute_start`` (epoch seconds)."""
    minute = minute_start // 60
    return [
        Event(minute_start + rng.randrange(60), user, antenna_of(i, minute, offsets),
              rng.randrange(10000), rng.choice(APPS))
        for i, user in enumerate(USERS)
    ]


def course_range(start: int, minutes: int, seed: int) -> Iterator[list[Event]]:
    """Minute by minute, the events of ``minutes`` minutes from ``start`` (aligned to a minute)."""
    rng = random.Random(seed)
    offsets = tuple(rng.sample(range(len(ANTENNAS)), len(USERS) // GROUP_SIZE))
    first = start - start % 60
    for m in range(minutes):
        yield course_minute(first + 60 * m, rng, offsets)
