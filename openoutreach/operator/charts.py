"""Small inline SVG charts for the dashboard: no JavaScript library, no CDN (the admin must work on a
closed network). Pure functions from numbers to SVG text; every value is escaped; every bar carries
its number in a `data-value` attribute and a <title> tooltip."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

COLORS = {
    "discovered": "#9fb3c8",
    "enriched": "#6f8fb0",
    "qualified": "#417690",
    "disqualified": "#b0a08f",
    "pending": "#e0a526",
    "connected": "#5b9e4d",
    "completed": "#2e7d32",
    "failed": "#c62828",
    "connect": "#417690",
    "follow_up": "#2e7d32",
    "enrich": "#8e6c8a",
    "llm": "#e0a526",
    "model": "#417690",
    "rule": "#6f8fb0",
    "operator": "#8e6c8a",
}
CAP_COLOR = "#c62828"
_FONT = 'font-family="system-ui, sans-serif" font-size="11"'


def _attr(value: object) -> str:
    return escape(str(value), quote=True)


def horizontal_bars(rows: Sequence[tuple[str, int]], label: str, width: int = 460) -> str:
    """One bar per (name, value), longest = full width: the funnel."""
    label_w, bar_h, gap = 90, 16, 6
    top = max((v for _, v in rows), default=0) or 1
    span = width - label_w - 50
    parts = []
    for i, (name, value) in enumerate(rows):
        y = i * (bar_h + gap)
        w = round(span * value / top) if value else 0
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 12}" text-anchor="end" {_FONT}>{escape(name)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{max(w, 1)}" height="{bar_h}" fill="{COLORS.get(name, "#417690")}"'
            f' data-name="{_attr(name)}" data-value="{value}"><title>{escape(name)}: {value}</title></rect>'
            f'<text x="{label_w + w + 4}" y="{y + 12}" {_FONT}>{value}</text>'
        )
    height = len(rows) * (bar_h + gap)
    return (
        f'<svg class="oo-chart" role="img" aria-label="{_attr(label)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">{"".join(parts)}</svg>'
    )


@dataclass(frozen=True)
class DayBars:
    label: str  # e.g. "11-20"
    values: dict[str, int]  # series -> value
    caps: dict[str, int]  # series -> cap that day


def daily_bars(days: Sequence[DayBars], series: Sequence[str], label: str, height: int = 150) -> str:
    """Grouped bars per day, one per series, each with a dashed tick (in its colour) at that day's cap."""
    left, bottom, group_w = 30, 18, 34
    bar_w = (group_w - 8) / max(len(series), 1)
    top = max([1, *(d.values[s] for d in days for s in series), *(d.caps[s] for d in days for s in series)])
    plot_h = height - bottom - 6
    width = left + group_w * len(days) + 6

    def y_of(value: int) -> float:
        return 6 + plot_h * (1 - value / top)

    parts = [
        f'<line x1="{left}" y1="{y_of(0):.1f}" x2="{width}" y2="{y_of(0):.1f}" stroke="#999"/>',
        f'<text x="{left - 4}" y="{y_of(top) + 8:.1f}" text-anchor="end" {_FONT}>{top}</text>',
        f'<text x="{left - 4}" y="{y_of(0):.1f}" text-anchor="end" {_FONT}>0</text>',
    ]
    for i, day in enumerate(days):
        x0 = left + i * group_w + 4
        for j, name in enumerate(series):
            x = x0 + j * bar_w
            value, cap = day.values[name], day.caps[name]
            parts.append(
                f'<rect x="{x:.1f}" y="{y_of(value):.1f}" width="{bar_w - 1:.1f}" height="{y_of(0) - y_of(value):.1f}" '
                f'fill="{COLORS.get(name, "#417690")}" data-day="{_attr(day.label)}" data-series="{_attr(name)}" '
                f'data-value="{value}" data-cap="{cap}"><title>{escape(day.label)} {escape(name)}: {value} of {cap}</title></rect>'
                f'<line x1="{x - 1:.1f}" x2="{x + bar_w:.1f}" y1="{y_of(cap):.1f}" y2="{y_of(cap):.1f}" '
                f'stroke="{COLORS.get(name, CAP_COLOR)}" stroke-width="2" stroke-dasharray="3,2"/>'
            )
        parts.append(
            f'<text x="{x0 + (group_w - 8) / 2:.1f}" y="{height - 4}" text-anchor="middle" {_FONT}>{escape(day.label)}</text>'
        )
    return (
        f'<svg class="oo-chart" role="img" aria-label="{_attr(label)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">{"".join(parts)}</svg>'
    )


def stacked_bar(segments: Sequence[tuple[str, int]], label: str, width: int = 360) -> str:
    """One bar split by share (LLM vs automatic decisions); an empty bar when there is nothing yet."""
    total = sum(v for _, v in segments)
    height, parts, x = 22, [], 0.0
    if not total:
        parts.append(f'<rect x="0" y="0" width="{width}" height="{height}" fill="#eee"/>')
        parts.append(f'<text x="6" y="15" {_FONT}>no decisions yet</text>')
    for name, value in segments:
        if not value:
            continue
        w = width * value / total
        parts.append(
            f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="{height}" fill="{COLORS.get(name, "#417690")}" '
            f'data-name="{_attr(name)}" data-value="{value}"><title>{escape(name)}: {value}</title></rect>'
        )
        if w > 30:
            parts.append(f'<text x="{x + 4:.1f}" y="15" fill="#fff" {_FONT}>{escape(name)} {value}</text>')
        x += w
    return (
        f'<svg class="oo-chart" role="img" aria-label="{_attr(label)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">{"".join(parts)}</svg>'
    )
