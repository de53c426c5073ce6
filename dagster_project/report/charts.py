"""Small inline SVG charts: the report is one self-contained file, readable offline, without scripts."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

FONT = "'PingFang SC','Microsoft YaHei','Noto Sans CJK SC','Source Han Sans SC','WenQuanYi Micro Hei',SimSun,sans-serif"
COLOURS = ("#2f6db5", "#b5b5b5", "#d9822b", "#3a9d5d")


def _svg(width: int, height: int, body: list[str], title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="12">'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


def paired_bars(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    fmt=str,
    reference: float | None = None,
) -> str:
    """Horizontal bars, one row per label, one bar per series (e.g. this month and last month)."""
    label_w, bar_w, row_h = 170, 420, 8 + 11 * len(series)
    top = 34
    height = top + row_h * len(labels) + 10
    peak = max([v for _, values in series for v in values if v is not None] + [reference or 0, 1e-9])
    body = [f'<text x="0" y="14" font-weight="bold">{escape(title)}</text>']
    for k, (name, _) in enumerate(series):
        body.append(f'<rect x="{label_w + 140 * k}" y="20" width="10" height="10" fill="{COLOURS[k]}"/>')
        body.append(f'<text x="{label_w + 14 + 140 * k}" y="29">{escape(name)}</text>')
    for i, label in enumerate(labels):
        y = top + i * row_h
        body.append(
            f'<text x="{label_w - 6}" y="{y + row_h / 2 + 4}" text-anchor="end">{escape(label)}</text>'
        )
        for k, (_, values) in enumerate(series):
            v = values[i]
            w = 0 if v is None else max(0.0, v) / peak * bar_w
            body.append(
                f'<rect x="{label_w}" y="{y + 3 + 11 * k}" width="{w:.1f}" height="9" fill="{COLOURS[k]}"/>'
            )
            body.append(
                f'<text x="{label_w + w + 4:.1f}" y="{y + 11 + 11 * k}" font-size="10">{escape(fmt(v))}</text>'
            )
    if reference is not None:
        x = label_w + reference / peak * bar_w
        body.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{height - 6}" stroke="#c0392b" stroke-dasharray="4 3"/>'
        )
    return _svg(label_w + bar_w + 90, height, body, title)


def strips(
    title: str, groups: Sequence[tuple[str, Sequence[float]]], low: float = 0, high: float = 100
) -> str:
    """One row of dots per group: the spread of scores."""
    label_w, width, row_h, top = 170, 480, 34, 30
    height = top + row_h * len(groups) + 24
    span = max(high - low, 1e-9)
    body = [f'<text x="0" y="14" font-weight="bold">{escape(title)}</text>']
    for i, (name, values) in enumerate(groups):
        y = top + i * row_h + row_h / 2
        body.append(f'<text x="{label_w - 6}" y="{y + 4}" text-anchor="end">{escape(name)}</text>')
        body.append(f'<line x1="{label_w}" y1="{y}" x2="{label_w + width}" y2="{y}" stroke="#ddd"/>')
        for v in values:
            x = label_w + (v - low) / span * width
            body.append(
                f'<circle cx="{x:.1f}" cy="{y}" r="4.5" fill="{COLOURS[i % len(COLOURS)]}" fill-opacity="0.6"/>'
            )
    for tick in range(5):
        value = low + span * tick / 4
        x = label_w + width * tick / 4
        body.append(
            f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle" font-size="10">{value:.0f}</text>'
        )
    return _svg(label_w + width + 30, height, body, title)


def line(title: str, xs: Sequence[str], ys: Sequence[float | None], fmt=str) -> str:
    """A trend over the months of the year."""
    left, width, height, top = 60, 520, 200, 30
    known = [y for y in ys if y is not None] or [0.0]
    low, high = min(0.0, min(known)), max(known) or 1.0
    step = width / max(1, len(xs) - 1)
    points = [
        (left + i * step, top + (1 - (y - low) / (high - low or 1)) * (height - top - 30))
        for i, y in enumerate(ys)
        if y is not None
    ]
    body = [f'<text x="0" y="14" font-weight="bold">{escape(title)}</text>']
    body.append(
        f'<polyline fill="none" stroke="{COLOURS[0]}" stroke-width="2" points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in points)}"/>'
    )
    for (x, y), value in zip(points, [y for y in ys if y is not None], strict=True):
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{COLOURS[0]}"/>')
        body.append(
            f'<text x="{x:.1f}" y="{y - 6:.1f}" text-anchor="middle" font-size="10">{escape(fmt(value))}</text>'
        )
    for i, label in enumerate(xs):
        body.append(
            f'<text x="{left + i * step:.1f}" y="{height - 8}" text-anchor="middle" font-size="10">{escape(label)}</text>'
        )
    return _svg(left + width + 40, height, body, title)
