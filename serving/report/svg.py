"""Charts as inline SVG strings: pure functions of the data, no scripts, no network."""

from __future__ import annotations

from datetime import datetime
from html import escape

from .data import Series

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf")
W, H, LEFT, RIGHT, TOP, BOTTOM = 900, 320, 70, 190, 20, 40


def _nice(value: float) -> str:
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:.3g}{suffix}"
    return f"{value:.0f}"


def _frame(body: list[str], top: float, label: str) -> str:
    ticks = []
    for i in range(5):
        y = TOP + (H - TOP - BOTTOM) * (1 - i / 4)
        ticks.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
                     f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{_nice(top * i / 4)}</text>')
    return (f'<svg class="chart" role="img" aria-label="{escape(label)}" viewBox="0 0 {W} {H}" '
            f'width="{W}" height="{H}" font-family="sans-serif" font-size="11">'
            + "".join(ticks) + "".join(body) + "</svg>")


def line_chart(series: Series, label: str) -> str:
    """A line per id over time, with a legend; an empty series gives a 'no data' note."""
    points = [p for pts in series.values() for p in pts]
    if not points:
        return f'<p class="empty">{escape(label)}: no data</p>'
    t0 = min(t for t, _ in points).timestamp()
    span = max(max(t for t, _ in points).timestamp() - t0, 1.0)
    top = max(v for _, v in points) * 1.05 or 1.0

    def xy(t: datetime, v: int) -> str:
        x = LEFT + (W - LEFT - RIGHT) * (t.timestamp() - t0) / span
        return f"{x:.1f},{TOP + (H - TOP - BOTTOM) * (1 - v / top):.1f}"

    body = []
    for i, (name, pts) in enumerate(sorted(series.items())):
        colour = PALETTE[i % len(PALETTE)]
        body.append(f'<polyline class="series" fill="none" stroke="{colour}" stroke-width="1.5" '
                    f'points="{" ".join(xy(t, v) for t, v in pts)}"><title>{escape(name)}</title></polyline>')
        body.append(f'<text x="{W - RIGHT + 8}" y="{TOP + 10 + 12 * i}" fill="{colour}">{escape(name[-12:])}</text>')
    first, last = min(t for t, _ in points), max(t for t, _ in points)
    body.append(f'<text x="{LEFT}" y="{H - 12}">{first:%Y-%m-%d %H:%M}</text>'
                f'<text x="{W - RIGHT}" y="{H - 12}" text-anchor="end">{last:%Y-%m-%d %H:%M} UTC</text>')
    return _frame(body, top, label)


def bar_chart(categories: list[str], bars: dict[str, list[int]], label: str) -> str:
    """Side-by-side bars of each measure in ``bars`` per category."""
    if not categories:
        return f'<p class="empty">{escape(label)}: no data</p>'
    top = max(max(vs) for vs in bars.values()) * 1.05 or 1.0
    slot = (W - LEFT - RIGHT) / len(categories)
    width = slot * 0.8 / len(bars)
    body = []
    for j, (measure, values) in enumerate(bars.items()):
        colour = PALETTE[j % len(PALETTE)]
        body.append(f'<text x="{W - RIGHT + 8}" y="{TOP + 10 + 12 * j}" fill="{colour}">{escape(measure)}</text>')
        for i, value in enumerate(values):
            h = (H - TOP - BOTTOM) * value / top
            body.append(f'<rect class="bar" x="{LEFT + slot * (i + 0.1) + width * j:.1f}" y="{H - BOTTOM - h:.1f}" '
                        f'width="{width:.1f}" height="{h:.1f}" fill="{colour}"><title>{escape(categories[i])} '
                        f'{escape(measure)}: {value}</title></rect>')
    for i, name in enumerate(categories):
        body.append(f'<text x="{LEFT + slot * (i + 0.5):.1f}" y="{H - BOTTOM + 14}" text-anchor="middle">'
                    f'{escape(name.split("@")[0])}</text>')
    return _frame(body, top, label)
