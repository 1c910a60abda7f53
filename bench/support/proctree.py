"""Resident memory and CPU time of a whole process tree (a JVM started by Python included), from /proc."""

from __future__ import annotations

import os
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()  # fields from the state on (the name may hold spaces)


def descendants(root: int) -> list[int]:
    """``root`` and every process below it, now."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (fields := _stat(int(entry))) is not None:
            children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def tree_usage(root: int) -> tuple[float, float]:
    """(resident MB, CPU seconds) summed over ``root``'s tree as it is now."""
    rss = cpu = 0.0
    for pid in descendants(root):
        if (fields := _stat(pid)) is not None:
            cpu += (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime
            rss += int(fields[21]) * _PAGE / 2**20
    return rss, cpu


def high_water_mb(pid: int) -> float:
    """Peak resident memory of one process as the kernel recorded it (VmHWM), 0 if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0
