"""Server-side SVG charts: a line chart, a horizontal bar chart and a funnel.

Drawn here as plain SVG markup so that the report needs no JavaScript and nothing from a CDN;
colours are presentation attributes rather than ``style`` so that a strict CSP still applies.
Every chart carries a <title> and a <desc>, and each page shows the same figures in a table
beside it, which is what screen readers and exports use.

An SVG scales with its box, text included, so one drawing cannot read well both on a desktop
and on a phone: each chart is drawn twice, for a wide box (``chart-wide``) and for a phone's
(``chart-narrow``, at most ~330 px wide, where its text stays at least 11 px), and the stylesheet
shows the one that fits. Text is placed from an estimate of its width (an em for CJK, a
generous 0.66 em otherwise) and shortened with "…" where it would leave the drawing; the table
beside the chart, and each label's tooltip, keep the full text.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape

PALETTE = ("#0a5bb5", "#d9730d", "#2e7d32", "#8e24aa", "#c62828")
INK = "#1f2933"
MUTED = "#6b7280"
GRID = "#e3e8ef"

Number = int | float | Decimal
_ids = itertools.count(1)


@dataclass(frozen=True)
class Layout:
    """One drawing of a chart: its class, its width in SVG units and its font size."""

    name: str
    width: int
    font: int


# The phone drawing is 320 units wide with 13-unit text: at 375 px a chart box is ~325 px wide,
# so text shows at ~13 px, and still at 11 px in a 270 px box (a 320 px phone).
WIDE = Layout("wide", 640, 12)
NARROW = Layout("narrow", 320, 13)


def _fmt(value: Number) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


def text_width(text: str, size: float) -> float:
    """An upper estimate of ``text``'s width at font ``size``: CJK and full-width characters
    take an em, the rest at most about two thirds of one."""
    return sum(size if ord(ch) >= 0x2E80 else size * 0.66 for ch in text)


def fit(text: str, width: float, size: float) -> str:
    """``text``, shortened with "…" so that it fits ``width`` at font ``size``."""
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


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


def _open(layout: Layout, height: float, title: str, desc: str) -> tuple[str, str]:
    chart_id = f"chart-{next(_ids)}"
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{layout.name}"'
            f' viewBox="0 0 {layout.width} {height:.0f}"'
            f' role="img" aria-labelledby="{chart_id}-t {chart_id}-d"'
            f' font-family="inherit" font-size="{layout.font}">'
            f'<title id="{chart_id}-t">{escape(title)}</title>'
            f'<desc id="{chart_id}-d">{escape(desc)}</desc>')
    return head, "</svg>"


def _both(draw: Callable[[Layout], Markup]) -> Markup:
    """The wide and the narrow drawing of one chart; the stylesheet shows one of them."""
    return draw(WIDE) + draw(NARROW)


def _legend(names: Sequence[str], layout: Layout, left: float) -> tuple[list[str], float]:
    """Legend items placed left to right, wrapping to a new row when the next would not fit;
    returns the pieces and the height they take."""
    size, parts = layout.font, []
    x, row = left, 0
    for s, name in enumerate(names):
        label = fit(name, layout.width - left - size - 8, size)
        item_w = size + 6 + text_width(label, size) + 14
        if x > left and x + item_w > layout.width:
            x, row = left, row + 1
        y = 4 + row * (size + 8)
        parts.append(f'<rect x="{x:.1f}" y="{y}" width="{size}" height="{size}"'
                     f' fill="{PALETTE[s % len(PALETTE)]}"/>'
                     f'<text x="{x + size + 4:.1f}" y="{y + size * 0.85:.1f}" fill="{INK}">'
                     f'{escape(label)}</text>')
        x += item_w
    return parts, (row + 1) * (size + 8) + 4


def line_chart(categories: Sequence[str], series: Sequence[tuple[str, Sequence[Number]]],
               title: str, height: int = 260) -> Markup:
    """Lines over categories (months), one per named series, with a legend and a y axis."""
    desc = "；".join(f"{name}：" + "，".join(f"{c} {_fmt(v)}" for c, v in
                                          zip(categories, values, strict=True))
                    for name, values in series)
    top_value = _nice_max(max((float(v) for _, vals in series for v in vals), default=0))
    ticks = [_fmt(top_value * (4 - i) / 4) for i in range(5)]

    def draw(layout: Layout) -> Markup:
        width, size = layout.width, layout.font
        head, tail = _open(layout, height, title, desc or title)
        if not categories:
            return _markup([head, _empty(width, height), tail])
        cat_w = max(text_width(c, size) for c in categories)
        left = max(text_width(t, size) for t in ticks) + 10
        left = max(left, cat_w / 2 + 2)  # the first month label is centred on the axis
        right = cat_w / 2 + 2
        parts = [head]
        legend, legend_h = _legend([name for name, _ in series], layout, 0)
        top, bottom = legend_h + 8, size + 14
        plot_w, plot_h = width - left - right, height - top - bottom
        for i, tick in enumerate(ticks):  # horizontal grid lines with their values
            y = top + plot_h * i / 4
            parts.append(f'<line x1="{left:.1f}" x2="{width - right:.1f}" y1="{y:.1f}"'
                         f' y2="{y:.1f}" stroke="{GRID}"/>')
            parts.append(f'<text x="{left - 6:.1f}" y="{y + size * 0.35:.1f}"'
                         f' text-anchor="end" fill="{MUTED}">{tick}</text>')
        n = len(categories)
        step = plot_w / max(n - 1, 1)

        def x_at(i: int) -> float:
            return left + (i * step if n > 1 else plot_w / 2)

        # As many month labels as fit side by side, evenly spaced.
        room = max(1, int(plot_w // (cat_w + 10)) + 1)
        every = max(1, math.ceil(n / room))
        for i in range(0, n, every):
            parts.append(f'<text x="{x_at(i):.1f}" y="{height - 6}" text-anchor="middle"'
                         f' fill="{MUTED}">{escape(categories[i])}</text>')
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
        parts.extend(legend)
        parts.append(tail)
        return _markup(parts)

    return _both(draw)


def bar_chart(items: Sequence[tuple[str, Number]], title: str, unit: str = "",
              bar_height: int = 22) -> Markup:
    """Horizontal bars, one per labelled value, largest scale to the full width: the label
    beside its bar on a wide screen, above it on a phone."""
    desc = "；".join(f"{label} {_fmt(v)}{unit}" for label, v in items)
    values = [f"{_fmt(v)}{unit}" for _, v in items]

    def draw(layout: Layout) -> Markup:
        width, size, gap = layout.width, layout.font, 6
        above = layout is NARROW
        value_w = max((text_width(v, size) for v in values), default=0) + 12
        label_w = 0.0 if above else min(
            max((text_width(label, size) for label, _ in items), default=0) + 12, width * 0.3)
        row_h = bar_height + gap + (size + 6 if above else 0)
        height = max(1, len(items)) * row_h + gap
        head, tail = _open(layout, height, title, desc or title)
        if not items:
            return _markup([head, _empty(width, height), tail])
        biggest = max(float(v) for _, v in items) or 1.0
        plot_w = width - label_w - value_w
        parts = [head]
        for i, ((label, value), shown) in enumerate(zip(items, values, strict=True)):
            y = gap + i * row_h
            if above:
                parts.append(f'<text x="0" y="{y + size:.1f}" fill="{INK}">'
                             f'<title>{escape(label)}</title>'
                             f'{escape(fit(label, width, size))}</text>')
                y += size + 6
            else:
                parts.append(f'<text x="{label_w - 6:.1f}" y="{y + bar_height * 0.7:.1f}"'
                             f' text-anchor="end" fill="{INK}"><title>{escape(label)}</title>'
                             f'{escape(fit(label, label_w - 8, size))}</text>')
            w = plot_w * float(value) / biggest
            parts.append(f'<rect x="{label_w:.1f}" y="{y}" width="{w:.1f}" height="{bar_height}"'
                         f' fill="{PALETTE[0]}" rx="2"/>')
            parts.append(f'<text x="{label_w + w + 6:.1f}" y="{y + bar_height * 0.7:.1f}"'
                         f' fill="{INK}">{escape(shown)}</text>')
        parts.append(tail)
        return _markup(parts)

    return _both(draw)


def funnel_chart(steps: Sequence[tuple[str, int, float | None]], title: str,
                 bar_height: int = 34) -> Markup:
    """Centred bars narrowing with each step; each shows its count and share of the first,
    beside the step's name where they fit on one line, under it where they do not."""
    desc = "；".join(f"{label} {count}" + (f"（{share:.1%}）" if share is not None else "")
                    for label, count, share in steps)
    first = max((count for _, count, _ in steps), default=0) or 1
    figures = [f"{count}" + (f" · {share:.1%}" if share is not None else "")
               for _, count, share in steps]

    def draw(layout: Layout) -> Markup:
        width, size, gap = layout.width, layout.font, 6
        room = width - 12
        one_line = all(text_width(f"{label} {shown}", size) <= room
                       for (label, _, _), shown in zip(steps, figures, strict=True))
        row_h = bar_height if one_line else max(bar_height, 2 * size + 16)
        height = max(1, len(steps)) * (row_h + gap) + gap
        head, tail = _open(layout, height, title, desc or title)
        parts = [head]
        for i, ((label, count, _share), shown) in enumerate(zip(steps, figures, strict=True)):
            y = gap + i * (row_h + gap)
            w = max(2.0, (width - 20) * count / first)
            parts.append(f'<rect x="{(width - w) / 2:.1f}" y="{y}" width="{w:.1f}"'
                         f' height="{row_h}" fill="{PALETTE[i % len(PALETTE)]}" rx="3"'
                         f' fill-opacity="0.3"/>')
            lines = ([f"{label} {shown}"] if one_line
                     else [fit(label, room, size), shown])
            first_y = y + row_h / 2 - (len(lines) - 1) * (size + 2) / 2 + size * 0.35
            for k, line in enumerate(lines):
                parts.append(f'<text x="{width / 2}" y="{first_y + k * (size + 2):.1f}"'
                             f' text-anchor="middle" fill="{INK}" font-weight="600">'
                             f'{escape(line)}</text>')
        parts.append(tail)
        return _markup(parts)

    return _both(draw)
