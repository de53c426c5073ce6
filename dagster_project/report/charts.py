"""The report's charts, drawn once with matplotlib from the facts: PNG for the .docx, SVG (text drawn
as outlines, so no font is needed to read it) for the HTML page. Bars are sorted, axes labelled,
and every group of organisations has its own chart and scale: departments and counties never share
an axis, so a county's thousands do not flatten a department's dozens."""

from __future__ import annotations

import io
import logging
import re
from functools import cache
from html import escape
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display

import matplotlib.pyplot as plt  # noqa: E402
import polars as pl  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from dagster_project.report.facts import Facts, ranked  # noqa: E402

log = logging.getLogger(__name__)

# The first CJK font of these that the machine has draws the labels (Linux, Windows, macOS).
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "WenQuanYi Micro Hei",
    "Noto Sans CJK JP",
)
# How the files of those fonts are named.
CJK_FILE_HINTS = ("cjk", "sourcehan", "msyh", "simhei", "pingfang", "wqy")
BLUE, GREY, RED, DARK = "#2f5f98", "#b8c2cc", "#c0504d", "#1f3f66"
WIDTH = 6.3  # inches: the 156 mm text width of a GB/T 9704 page
ROW = 0.2  # inches per bar row


@cache
def fonts() -> list[str]:
    found = _cjk_fonts()
    if not found:
        # matplotlib lists the machine's fonts once, in a cache: a font installed after that (the
        # CJK fonts `make render` installs) is not in it. Look at the machine's font files again.
        for path in font_manager.findSystemFonts():
            if any(hint in Path(path).name.lower() for hint in CJK_FILE_HINTS):
                font_manager.fontManager.addfont(path)
        found = _cjk_fonts()
    if not found:
        log.warning("no CJK font found (%s): chart labels will not show Chinese", ", ".join(CJK_FONTS))
    return [*found, "DejaVu Sans"]


def _cjk_fonts() -> list[str]:
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return [name for name in CJK_FONTS if name in installed]


def _style():
    return plt.rc_context(
        {
            "font.family": "sans-serif",
            "font.sans-serif": fonts(),
            "font.size": 9,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.unicode_minus": False,
            "svg.fonttype": "path",
            "svg.hashsalt": "ywtb",  # the same chart gives the same bytes
        }
    )


def _figure(rows: int) -> tuple[Figure, plt.Axes]:
    fig = Figure(figsize=(WIDTH, max(2.2, 0.9 + ROW * rows)), layout="constrained")
    return fig, fig.add_subplot()


def trend(facts: Facts) -> Figure:
    """全市 cases applied and finished per month of the year, side by side."""
    t = facts.trend
    fig = Figure(figsize=(WIDTH, 2.5), layout="constrained")
    ax = fig.add_subplot()
    xs = range(t.height)
    for k, (column, label, colour) in enumerate(
        (("applied_cases", "申请件", BLUE), ("finished_cases", "办结件", GREY))
    ):
        bars = ax.bar(
            [x + (k - 0.5) * 0.38 for x in xs], t[column].to_list(), 0.38, label=label, color=colour
        )
        ax.bar_label(bars, fontsize=7, padding=2)
    ax.set_xticks(list(xs), [f"{m.month}月" for m in t["month"]])
    ax.set_xlabel("月份")
    ax.set_ylabel("件数（件）")
    ax.margins(y=0.15)
    ax.legend(loc="upper left", frameon=False, ncols=2)
    return fig


def scores(facts: Facts, group: str) -> Figure:
    """A group's total scores, best at the top; the first and last named in the text stand out."""
    order = ranked(facts, group)
    ranking = facts.template.ranking
    fig, ax = _figure(order.height)
    names, points = order["org_name"].to_list()[::-1], order["total_points"].to_list()[::-1]
    n = len(points)
    colours = [
        RED if i < min(ranking.bottom, n - ranking.top) else DARK if i >= n - ranking.top else BLUE
        for i in range(n)
    ]
    bars = ax.barh(names, points, color=colours, height=0.7)
    ax.bar_label(bars, fmt="%.2f", fontsize=7, padding=2)
    top = float(facts.scores.filter(pl.col("scoring_group") == group)["max_points"].max() or 100)
    ax.set_xlim(0, top * 1.08)
    mean = sum(points) / n
    ax.axvline(mean, color="#555", linestyle="--", linewidth=0.8)
    ax.text(mean, n - 0.3, f" 平均{mean:.2f}", fontsize=7, color="#555", va="bottom")
    ax.set_xlabel(f"综合得分（分，满分{top:g}）")
    ax.set_ylim(-0.6, n - 0.1 + 0.6)
    ax.tick_params(axis="y", length=0)
    handles = [
        Patch(color=DARK, label=f"前{ranking.top}名"),
        Patch(color=RED, label=f"后{ranking.bottom}名"),
    ]
    ax.legend(handles=handles, loc="lower right", frameon=True, fontsize=7)
    return fig


def finished(facts: Facts, group: str) -> Figure:
    """Cases finished this month (and last month) per organisation of a group, most at the top."""
    rows = facts.finished.filter(pl.col("scoring_group") == group).sort(
        "this_month", "org_code", descending=[False, True]
    )
    fig, ax = _figure(rows.height)
    ys = range(rows.height)
    has_last = facts.previous is not None
    height = 0.4 if has_last else 0.7
    bars = ax.barh(
        [y + (height / 2 if has_last else 0) for y in ys],
        rows["this_month"].to_list(),
        height,
        color=BLUE,
        label=f"{facts.month.month}月",
    )
    ax.bar_label(bars, fontsize=7, padding=2)
    if has_last:
        ax.barh(
            [y - height / 2 for y in ys],
            rows["last_month"].fill_null(0).to_list(),
            height,
            color=GREY,
            label=f"{facts.previous.month}月",
        )
        ax.legend(loc="lower right", frameon=True, fontsize=7)
    ax.set_yticks(list(ys), rows["org_name"].to_list())
    ax.set_ylim(-0.6, rows.height - 0.4)
    ax.tick_params(axis="y", length=0)
    ax.set_xlabel("办结件数（件）")
    ax.margins(x=0.1)
    return fig


def draw(facts: Facts, key: str) -> Figure:
    kind, _, group = key.partition(":")
    with _style():
        match kind:
            case "trend":
                return trend(facts)
            case "scores":
                return scores(facts, group)
            case "finished":
                return finished(facts, group)
    raise ValueError(f"no chart {key!r}")


def png(fig: Figure, dpi: int = 200) -> bytes:
    buffer = io.BytesIO()
    with _style():
        fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


def svg(fig: Figure, title: str) -> str:
    """An inline <svg> that scales to the page's width (no fixed size, so no scroll box)."""
    buffer = io.StringIO()
    with _style():
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    text = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r'<svg\1 role="img"', text, count=1)
    return text.replace(">", f"><title>{escape(title)}</title>", 1)
