"""Static charts (SVG) for the printed report, drawn with matplotlib in a CJK font.

Text is drawn as paths, so a chart looks the same wherever the SVG or the PDF is opened; the font
(Noto Sans CJK, Debian's fonts-noto-cjk) is needed only where the chart is drawn.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib import font_manager
from matplotlib.figure import Figure

CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei")
BLUE, ORANGE, GREY = "#1f5fa8", "#e07b24", "#8a8f98"


def cjk_font() -> str | None:
    """The first CJK font the machine has (None: Chinese would print as empty boxes)."""
    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((f for f in CJK_FONTS if f in names), None)


def _style() -> None:
    font = cjk_font()
    plt.rcParams.update(
        {
            "font.family": [font, "DejaVu Sans"] if font else ["DejaVu Sans"],
            "svg.fonttype": "path",
            "axes.unicode_minus": False,
            "font.size": 9,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "svg.hashsalt": "jinshu",  # stable element ids: the same data draws the same file
        }
    )


def _svg(fig: Figure) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg") :]


def bars(
    labels: Sequence[str], series: dict[str, Sequence[float]], title: str, unit: str = ""
) -> str:
    """Grouped horizontal bars, one group per label."""
    _style()
    height = max(2.2, 0.32 * len(labels) * max(1, len(series)) + 0.8)
    fig, ax = plt.subplots(figsize=(6.4, height))
    n = len(series)
    width = 0.8 / max(n, 1)
    colors = (BLUE, ORANGE, GREY)
    for k, (name, values) in enumerate(series.items()):
        pos = [i + (k - (n - 1) / 2) * width for i in range(len(labels))]
        ax.barh(pos, values, height=width, label=name, color=colors[k % 3])
    ax.set_yticks(range(len(labels)), labels)
    ax.invert_yaxis()
    ax.set_title(title)
    if unit:
        ax.set_xlabel(unit)
    if n > 1:
        ax.legend(loc="lower right", frameon=False)
    return _svg(fig)


def rank_intervals(
    labels: Sequence[str], rank: Sequence[int], low: Sequence[int], high: Sequence[int]
) -> str:
    """Each city's rank under the chosen method, with its 5–95% interval."""
    _style()
    fig, ax = plt.subplots(figsize=(6.4, 0.3 * len(labels) + 1))
    ys = range(len(labels))
    ax.hlines(list(ys), low, high, color=GREY, linewidth=3, label="5%–95% 区间")
    ax.plot(rank, list(ys), "o", color=BLUE, label="排名")
    ax.set_yticks(list(ys), labels)
    ax.invert_yaxis()
    ax.set_xlim(0.5, max(len(labels), 1) + 0.5)
    ax.set_xlabel("排名（1 为最高）")
    ax.set_title("排名的不确定性")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2, frameon=False)
    return _svg(fig)


def target_path(
    years: Sequence[int],
    actual: Sequence[float | None],
    path: Sequence[float | None],
    target: float,
    title: str,
    unit: str,
) -> str:
    """Actual values against the straight path to the target."""
    _style()
    fig, ax = plt.subplots(figsize=(4.6, 2.6))
    ax.plot(
        years,
        [p if p is not None else float("nan") for p in path],
        "--",
        color=GREY,
        label="目标路径",
    )
    ax.plot(
        years,
        [a if a is not None else float("nan") for a in actual],
        "o-",
        color=BLUE,
        label="实际",
    )
    ax.axhline(target, color=ORANGE, linewidth=1, label=f"目标 {target:g}")
    ax.set_xticks(list(years))
    ax.set_title(title)
    ax.set_ylabel(unit)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3, frameon=False, fontsize=8)
    return _svg(fig)


def stacked(labels: Sequence[str], series: dict[str, Sequence[int]], title: str) -> str:
    """Horizontal stacked bars: each label's items split by state."""
    _style()
    fig, ax = plt.subplots(figsize=(6.4, 0.3 * len(labels) + 1.2))
    left = [0] * len(labels)
    palette = ("#1a7f37", "#d97706", "#b42318", BLUE, GREY)
    for k, (name, values) in enumerate(series.items()):
        ax.barh(range(len(labels)), values, left=left, label=name, color=palette[k % len(palette)])
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.set_yticks(range(len(labels)), labels)
    ax.invert_yaxis()
    ax.set_title(title)
    ax.set_xlabel("事项数")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=len(series), frameon=False)
    return _svg(fig)
