"""The geometry of the Overview's server-side SVG charts; the templates only draw it.

Every chart is also shown as a table beside it, and every mark carries its number as text
(`<title>`), so nothing is told by colour or shape alone.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from humanadd.stats.schemas import Stats
from humanadd.stats.service import WEEKDAYS, DayTotals

BARS_WIDTH = 600
BARS_HEIGHT = 200
WIDEST_SLOT = 40.0
CELL = 22
HEAT_LEVELS = 4
"""Colour buckets of the non-zero cells (`heat-1` … `heat-4`; `heat-0` is no call)."""


@dataclass(frozen=True, slots=True)
class DayBar:
    day: date
    href: str
    answered: int
    missed: int
    x: float
    slot: float
    width: float
    answered_y: float
    answered_height: float
    missed_y: float
    missed_height: float


@dataclass(frozen=True, slots=True)
class DayBars:
    width: int
    height: int
    top: int
    """The calls of the busiest day: the top of the scale."""
    bars: list[DayBar]
    labels: list[tuple[float, str]]
    """(x, text) of the dates written under the bars."""


def day_bars(days: Sequence[DayTotals], href_of: Callable[[date], str]) -> DayBars:
    """Stacked bars per day, answered at the bottom, missed on top, on one linear scale; the
    days share the chart's width (a few days get bars no wider than `WIDEST_SLOT`)."""
    top = max((day.answered + day.missed for day in days), default=0)
    scale = BARS_HEIGHT / top if top else 0.0
    slot = min(WIDEST_SLOT, BARS_WIDTH / max(len(days), 1))
    bars = []
    for index, day in enumerate(days):
        answered_height = day.answered * scale
        missed_height = day.missed * scale
        answered_y = BARS_HEIGHT - answered_height
        bars.append(
            DayBar(
                day=day.day,
                href=href_of(day.day),
                answered=day.answered,
                missed=day.missed,
                x=round(index * slot, 2),
                slot=round(slot, 2),
                width=round(max(1.0, slot * 0.7), 2),
                answered_y=round(answered_y, 2),
                answered_height=round(answered_height, 2),
                missed_y=round(answered_y - missed_height, 2),
                missed_height=round(missed_height, 2),
            )
        )
    step = max(1, -(-len(days) // 6))  # at most six dates under the bars
    labels = [
        (round(index * slot, 2), f"{days[index].day:%b} {days[index].day.day}")
        for index in range(0, len(days) - step // 2, step)
    ]
    return DayBars(BARS_WIDTH, BARS_HEIGHT, top, bars, labels)


@dataclass(frozen=True, slots=True)
class Share:
    key: str
    label: str
    count: int
    percent: str
    width: float
    """The bar's length, in percent of the chart's width."""


def sentiment_shares(stats: Stats) -> list[Share]:
    """Each sentiment's calls and share of all calls; calls not analysed are a row of their own
    (the API leaves them out of the three)."""
    distribution = stats.sentiment_distribution
    counts = [
        ("positive", "Positive", distribution.positive),
        ("neutral", "Neutral", distribution.neutral),
        ("negative", "Negative", distribution.negative),
    ]
    unknown = stats.total_calls - sum(count for _key, _label, count in counts)
    counts.append(("unknown", "Not analysed", unknown))
    total = stats.total_calls
    return [
        Share(
            key=key,
            label=label,
            count=count,
            percent=f"{100 * count / total:.1f}%" if total else "0.0%",
            width=round(100 * count / total, 2) if total else 0.0,
        )
        for key, label, count in counts
    ]


@dataclass(frozen=True, slots=True)
class HeatCell:
    weekday: str
    hour: int
    count: int
    level: int
    x: int
    y: int


@dataclass(frozen=True, slots=True)
class Heatmap:
    rows: list[list[HeatCell]]
    """Monday first, each with its 24 hours."""
    legend: list[tuple[int, str]]
    """(level, the calls per hour it stands for), for the levels in use."""
    width: int
    height: int


def heat_levels(counts: Sequence[int]) -> list[int]:
    """Each count's colour bucket: 0 for none, else 1-4 by its quartile among the non-zero
    counts, so the grid keeps its contrast when one hour has far more calls than the rest."""
    ranked = sorted(count for count in counts if count > 0)
    if not ranked:
        return [0] * len(counts)
    thresholds = [ranked[len(ranked) * step // HEAT_LEVELS] for step in range(1, HEAT_LEVELS)]
    return [
        0 if count == 0 else 1 + sum(count >= threshold for threshold in thresholds)
        for count in counts
    ]


def _calls(low: int, high: int) -> str:
    span = str(low) if low == high else f"{low} to {high}"
    return f"{span} call{'' if high == 1 else 's'}"


LABEL_WIDTH = 40
LABEL_HEIGHT = 18


def heatmap(hours_of_week: Sequence[int]) -> Heatmap:
    """The 7 x 24 grid of calls per local hour of the week."""
    levels = heat_levels(hours_of_week)
    rows = [
        [
            HeatCell(
                weekday=WEEKDAYS[day],
                hour=hour,
                count=hours_of_week[day * 24 + hour],
                level=levels[day * 24 + hour],
                x=LABEL_WIDTH + hour * CELL,
                y=LABEL_HEIGHT + day * CELL,
            )
            for hour in range(24)
        ]
        for day in range(7)
    ]
    spans: dict[int, tuple[int, int]] = {}
    for count, level in zip(hours_of_week, levels, strict=True):
        if level:
            low, high = spans.get(level, (count, count))
            spans[level] = (min(low, count), max(high, count))
    legend = [(0, "no calls")] + [(level, _calls(*spans[level])) for level in sorted(spans)]
    return Heatmap(rows, legend, LABEL_WIDTH + 24 * CELL, LABEL_HEIGHT + 7 * CELL)
