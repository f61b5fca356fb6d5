"""The digest's picture: answers per hour over the last day, as a PNG.

matplotlib is imported here only (it is slow to load), with the Agg backend through its object
interface: no pyplot, no display, no global figure state.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

HOUR = 3600


def hourly_series(per_hour: dict[int, int], now: float, hours: int = 24) -> list[tuple[int, int]]:
    """(unix hour, answers) for each of the last `hours` hours up to now, zeros included."""
    last = int(now // HOUR)
    return [(hour, per_hour.get(hour, 0)) for hour in range(last - hours + 1, last + 1)]


def draw_answers_per_hour(
    series: list[tuple[int, int]], path: Path, *, title: str, timezone: str = "UTC"
) -> Path:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    zone = ZoneInfo(timezone)
    labels = [datetime.fromtimestamp(hour * HOUR, zone).strftime("%H") for hour, _ in series]
    counts = [count for _, count in series]
    figure = Figure(figsize=(8, 3), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.bar(range(len(counts)), counts, color="#3b82f6")
    axes.set_xticks(range(len(labels)), labels, fontsize=7)
    axes.set_title(title, fontsize=10)
    axes.set_xlabel(f"hour ({timezone})", fontsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png")
    return path
