"""Server-side SVG charts: a line chart, a horizontal bar chart and a funnel.

Drawn here as plain SVG markup so that the report needs no JavaScript and nothing from a CDN;
colours are presentation attributes rather than ``style`` so that a strict CSP still applies.
Every chart carries a <title> and a <desc>, and each page shows the same figures in a table
beside it, which is what screen readers and exports use.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from decimal import Decimal

from markupsafe import Markup, escape

PALETTE = ("#0a5bb5", "#d9730d", "#2e7d32", "#8e24aa", "#c62828")
INK = "#1f2933"
MUTED = "#6b7280"
GRID = "#e3e8ef"

Number = int | float | Decimal
_ids = itertools.count(1)


def _fmt(value: Number) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


def _nice_max(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10ⁿ at or above ``value`` (an axis that reads well)."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1) if value >= 1 else 1.0
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return float(step * magnitude)
    return float(10 * magnitude)  # pragma: no cover - the loop always returns


def _markup(parts: list[str]) -> Markup:
    """Join SVG pieces into markup; every text in them went through ``escape`` already."""
    return Markup("".join(parts))  # noqa: S704 - labels are escaped where they are inserted


def _empty(width: int, height: int) -> str:
    return (f'<text x="{width / 2}" y="{height / 2 + 4}" text-anchor="middle"'
            f' fill="{MUTED}">—</text>')


def _open(width: int, height: int, title: str, desc: str) -> tuple[str, str]:
    chart_id = f"chart-{next(_ids)}"
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}"'
            f' role="img" aria-labelledby="{chart_id}-t {chart_id}-d"'
            f' font-family="inherit" font-size="12">'
            f'<title id="{chart_id}-t">{escape(title)}</title>'
            f'<desc id="{chart_id}-d">{escape(desc)}</desc>')
    return head, "</svg>"


def line_chart(categories: Sequence[str], series: Sequence[tuple[str, Sequence[Number]]],
               title: str, width: int = 640, height: int = 260) -> Markup:
    """Lines over categories (months), one per named series, with a legend and a y axis."""
    desc = "；".join(f"{name}：" + "，".join(f"{c} {_fmt(v)}" for c, v in
                                          zip(categories, values, strict=True))
                    for name, values in series)
    head, tail = _open(width, height, title, desc or title)
    if not categories:
        return _markup([head, _empty(width, height), tail])
    left, right, top, bottom = 44, 12, 28, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = _nice_max(max((float(v) for _, vals in series for v in vals), default=0))
    parts = [head]
    for i in range(5):  # horizontal grid lines with their values
        y = top + plot_h * i / 4
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"'
                     f' stroke="{GRID}"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">'
                     f'{_fmt(top_value * (4 - i) / 4)}</text>')
    n = len(categories)
    step = plot_w / max(n - 1, 1)

    def x_at(i: int) -> float:
        return left + (i * step if n > 1 else plot_w / 2)

    label_every = max(1, n // 8)  # at most about eight month labels fit
    for i, cat in enumerate(categories):
        if i % label_every == 0 or i == n - 1:
            parts.append(f'<text x="{x_at(i):.1f}" y="{height - bottom + 16}" text-anchor="middle"'
                         f' fill="{MUTED}">{escape(cat)}</text>')
    for s, (name, values) in enumerate(series):
        colour = PALETTE[s % len(PALETTE)]
        points = " ".join(f"{x_at(i):.1f},{top + plot_h * (1 - float(v) / top_value):.1f}"
                          for i, v in enumerate(values))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}"'
                     f' stroke-width="2"/>')
        for i, v in enumerate(values):
            y = top + plot_h * (1 - float(v) / top_value)
            parts.append(f'<circle cx="{x_at(i):.1f}" cy="{y:.1f}" r="3" fill="{colour}">'
                         f'<title>{escape(name)} {escape(categories[i])}：{_fmt(v)}</title>'
                         f'</circle>')
        legend_x = left + s * 120
        parts.append(f'<rect x="{legend_x}" y="6" width="12" height="12" fill="{colour}"/>'
                     f'<text x="{legend_x + 16}" y="16" fill="{INK}">{escape(name)}</text>')
    parts.append(tail)
    return _markup(parts)


def bar_chart(items: Sequence[tuple[str, Number]], title: str, unit: str = "",
              width: int = 640, bar_height: int = 22) -> Markup:
    """Horizontal bars, one per labelled value, largest scale to the full width."""
    desc = "；".join(f"{label} {_fmt(v)}{unit}" for label, v in items)
    label_w, value_w, gap = 150, 90, 6
    height = max(1, len(items)) * (bar_height + gap) + gap
    head, tail = _open(width, height, title, desc or title)
    if not items:
        return _markup([head, _empty(width, height), tail])
    biggest = max(float(v) for _, v in items) or 1.0
    plot_w = width - label_w - value_w
    parts = [head]
    for i, (label, value) in enumerate(items):
        y = gap + i * (bar_height + gap)
        w = plot_w * float(value) / biggest
        parts.append(f'<text x="{label_w - 6}" y="{y + bar_height * 0.7:.1f}" text-anchor="end"'
                     f' fill="{INK}">{escape(label)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_height}"'
                     f' fill="{PALETTE[0]}" rx="2"/>')
        parts.append(f'<text x="{label_w + w + 6:.1f}" y="{y + bar_height * 0.7:.1f}"'
                     f' fill="{INK}">{_fmt(value)}{escape(unit)}</text>')
    parts.append(tail)
    return _markup(parts)


def funnel_chart(steps: Sequence[tuple[str, int, float | None]], title: str,
                 width: int = 640, bar_height: int = 34) -> Markup:
    """Centred bars narrowing with each step; each shows its count and share of the first."""
    desc = "；".join(f"{label} {count}" + (f"（{share:.1%}）" if share is not None else "")
                    for label, count, share in steps)
    gap = 6
    height = max(1, len(steps)) * (bar_height + gap) + gap
    head, tail = _open(width, height, title, desc or title)
    first = max((count for _, count, _ in steps), default=0) or 1
    parts = [head]
    for i, (label, count, share) in enumerate(steps):
        y = gap + i * (bar_height + gap)
        w = max(2.0, (width - 20) * count / first)
        parts.append(f'<rect x="{(width - w) / 2:.1f}" y="{y}" width="{w:.1f}"'
                     f' height="{bar_height}" fill="{PALETTE[i % len(PALETTE)]}" rx="3"'
                     f' fill-opacity="0.3"/>')
        share_text = f" · {share:.1%}" if share is not None else ""
        parts.append(f'<text x="{width / 2}" y="{y + bar_height * 0.65:.1f}" text-anchor="middle"'
                     f' fill="{INK}" font-weight="600">{escape(label)} {count}{share_text}</text>')
    parts.append(tail)
    return _markup(parts)
