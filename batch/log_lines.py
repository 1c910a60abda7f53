"""Log lines of a batch run: one per hour, a progress prefix for ranges, a summary at the end."""

from __future__ import annotations

from .hours import label
from .reconcile import summarize_differences
from .results import HourResult, RunSummary

_BAR = 20


def progress(number: int, total: int, elapsed: float) -> str:
    """``[#####---------------] 5/20 eta 12s `` before an hour's line."""
    done = (number - 1) / total
    filled = round(_BAR * number / total)
    eta = f" eta {elapsed / done * (1 - done):.0f}s" if done > 0 else ""
    return f"[{'#' * filled}{'-' * (_BAR - filled)}] {number}/{total}{eta} "


def hour_line(result: HourResult, lake: str, seconds: float) -> str:
    """What one hour did, in one line."""
    if not result.written:
        where = "no files" if result.files == 0 else f"{result.files} file(s) without events"
        return f"{label(result.hour)}: no data ({where} under {lake}), nothing written"
    return (f"{label(result.hour)}: {result.files} file(s), {result.events} events "
            f"({result.unknown_user_events} of ids not in user_metadata), "
            f"{result.bytes_hourly_rows} bytes_hourly rows, {result.quota_rows} user(s) over quota; "
            f"{summarize_differences(result.differences)} ({seconds:.2f}s)")


def summary_line(summary: RunSummary, seconds: float) -> str:
    """Totals of a multi-hour run."""
    written = summary.written
    differing = sum(1 for r in written if any(r.differences.values()))
    return (f"Done in {seconds:.1f}s: {len(written)} hour(s) written, {len(summary.empty)} without data, "
            f"{len(summary.failed)} failed; {sum(r.events for r in written)} events, "
            f"{sum(r.unknown_user_events for r in written)} of unknown ids, "
            f"{sum(r.quota_rows for r in written)} quota violation(s); "
            f"speed layer differs in {differing} hour(s)")
