"""Charts for the PDF, drawn as SVG on the server (WeasyPrint runs no JavaScript, so no ECharts).

Only shapes and numbers are drawn in the SVG; names and legends stay in the HTML around it, where
the page's CJK font applies.
"""

from collections.abc import Sequence
from html import escape

from django.utils.safestring import SafeString, mark_safe

# The page's palette for series; the legend in the HTML uses the same colours in this order.
COLOURS = ("#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#d63384", "#20c997")
WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 40, 10, 10, 28


def _scale(values: list[float], percent: bool, target: float | None) -> tuple[float, float]:
    present = [v for v in values if v is not None] + ([target] if target is not None else [])
    if percent:
        low = min([*present, 100.0])
        low = max(0.0, (int(low) // 10) * 10 - (10 if low % 10 == 0 and low > 0 else 0))
        return low, 100.0
    high = max(present or [1.0])
    return 0.0, high * 1.1 if high > 0 else 1.0


def line_svg(
    *,
    categories: Sequence[str],
    series: Sequence[Sequence[float | None]],
    target: float | None = None,
    percent: bool = True,
) -> SafeString:
    """A line chart: one polyline per series (gaps split lines), dots, y grid with labels, x labels,
    and the target as a dashed red line."""
    values = [v for line in series for v in line if v is not None]
    low, high = _scale(values, percent, target)
    n = max(len(categories), 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + (plot_w * (i + 0.5) / n)

    def y(v: float) -> float:
        return TOP + plot_h * (1 - (v - low) / ((high - low) or 1))

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" class="chart">']
    for k in range(5):
        v = low + (high - low) * k / 4
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#dee2e6"/>')
        parts.append(
            f'<text x="{LEFT - 4}" y="{y(v) + 3:.1f}" font-size="9" fill="#333" text-anchor="end">{v:.0f}</text>'
        )
    for i, label in enumerate(categories):
        parts.append(
            f'<text x="{x(i):.1f}" y="{HEIGHT - 10}" font-size="9" fill="#333" text-anchor="middle">'
            f"{escape(str(label))}</text>"
        )
    if target is not None:
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(target):.1f}" y2="{y(target):.1f}" '
            'stroke="#dc3545" stroke-dasharray="4 3"/>'
        )
    for s, line in enumerate(series):
        colour = COLOURS[s % len(COLOURS)]
        run: list[str] = []
        for i, v in enumerate([*line, None]):
            if v is not None:
                run.append(f"{x(i):.1f},{y(v):.1f}")
                parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5" fill="{colour}"/>')
            elif run:
                parts.append(f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" stroke-width="2"/>')
                run = []
    parts.append("</svg>")
    return mark_safe("".join(parts))  # built from numbers and escaped labels only
