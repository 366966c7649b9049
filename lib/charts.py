"""Apache ECharts option dicts for the dashboards and reports: plain data in, a JSON-ready dict out.

The builders know nothing about models. Callers pass labels already translated (lazy strings are
forced to ``str`` here) and numbers as int, float or Decimal (Decimals become floats); ``None`` is
a gap (a month without rounds), drawn as a break in a line and left out of a heat map. Place the
result on a page with ``templates/includes/chart.html`` (see ``docs/dev/charts.md``).

Options must be plain JSON: no JS functions. ``static/js/charts.js`` adds two conventions: a string
``tooltip.valueFormatter`` (``"{value} %"``) becomes a function, and a data item with a ``url`` (a
path on this site) opens it when clicked: the drill-down from a figure to the records behind it.
"""

import math
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

Number = int | float | Decimal
Series = Sequence[tuple[Any, Sequence[Number | None]]]

TARGET_COLOR = "#dc3545"  # Bootstrap's danger red: a target is a line not to fall below
HEATMAP_COLORS = ["#f8f9fa", "#ffe69c", "#fd7e14", "#dc3545"]  # quiet → hot


#
# Values and labels
#
def _label(value: Any) -> str:
    return "" if value is None else str(value)


def _num(value: Number | None) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _values(values: Iterable[Number | None]) -> list[float | int | None]:
    return [_num(v) for v in values]


def _present(series: list[dict]) -> list[float]:
    return [v for s in series for v in s["data"] if v is not None]


def _link(value: Any, url: Any) -> Any:
    """A data item that charts.js opens on click; gaps and items without a URL stay plain."""
    if not url or value is None:
        return value
    item = dict(value) if isinstance(value, dict) else {"value": value}
    item["url"] = str(url)
    return item


def _add_links(series: list[dict], links: Sequence[Sequence[Any]] | None) -> None:
    """``links[i][j]``: where the j-th value of the i-th series drills down to (or None)."""
    for entry, urls in zip(series, links or (), strict=False):
        urls = list(urls)
        entry["data"] = [_link(v, urls[j] if j < len(urls) else None) for j, v in enumerate(entry["data"])]


#
# Common parts
#
def _base(*, title: Any, legend: bool, percent: bool) -> dict[str, Any]:
    top = 8
    option: dict[str, Any] = {
        "aria": {"enabled": True},  # ECharts writes a text description of the chart for screen readers
        "tooltip": {"trigger": "axis", "valueFormatter": "{value} %" if percent else "{value}"},
    }
    if title:
        option["title"] = {"text": _label(title), "left": "center", "textStyle": {"fontSize": 14}}
        top += 28
    if legend:
        option["legend"] = {"type": "scroll", "top": top}
        top += 28
    option["grid"] = {"left": 8, "right": 24, "top": top + 16, "bottom": 8}
    return option


def _value_axis(*, percent: bool, y_min: float | None, y_max: float | None, scale: bool) -> dict[str, Any]:
    axis: dict[str, Any] = {"type": "value", "scale": scale}
    if scale:  # keep the lowest point off the axis line
        axis["boundaryGap"] = ["10%", "10%"]
    if percent:
        axis["axisLabel"] = {"formatter": "{value}%"}
        axis["max"] = 100 if y_max is None else y_max
    elif y_max is not None:
        axis["max"] = y_max
    if y_min is not None:
        axis["min"] = y_min
    return axis


def _target_mark(target: Number, label: Any) -> dict[str, Any]:
    value = _num(target)
    return {
        "silent": True,
        "symbol": "none",
        "lineStyle": {"type": "dashed", "color": TARGET_COLOR, "width": 2},
        "label": {"position": "insideEndTop", "formatter": "{b} {c}", "color": TARGET_COLOR},
        "data": [{"name": _label(label), "yAxis": value}],
    }


def _reach_target(axis: dict[str, Any], *, target: float, values: list[float]) -> None:
    """ECharts does not stretch an axis to its mark lines: widen the axis so the target shows."""
    low, high = min([*values, target]), max([*values, target])
    margin = max((high - low) * 0.05, 1)
    if values and target >= max(values) and "max" not in axis:
        axis["max"] = math.ceil(target + margin)
    if values and target <= min(values) and "min" not in axis and axis.get("scale"):
        axis["min"] = max(math.floor(target - margin), 0) if target >= 0 else math.floor(target - margin)


#
# Charts
#
def line_chart(
    *,
    categories: Sequence[Any],
    series: Series,
    target: Number | None = None,
    target_label: Any = "",
    percent: bool = False,
    title: Any = "",
    y_min: float | None = None,
    y_max: float | None = None,
    links: Sequence[Sequence[Any]] | None = None,
) -> dict[str, Any]:
    """A trend: one line per ``(name, values)`` over ``categories`` (months, weeks, days).

    ``target`` is drawn as a dashed mark line on the first series, labelled ``target_label``; the
    value axis is widened to show it. ``percent`` labels the axis in % and caps it at 100. The axis
    does not start at zero (a trend is about change); pass ``y_min=0`` for that. ``links`` gives, per
    series and category, the URL a click on the point opens.
    """
    lines = [
        {"name": _label(name), "type": "line", "data": _values(values), "connectNulls": False, "symbolSize": 6}
        for name, values in series
    ]
    if target is not None and not lines:
        lines.append({"name": _label(target_label), "type": "line", "data": []})
    option = _base(title=title, legend=len(lines) > 1, percent=percent)
    option["xAxis"] = {"type": "category", "data": [_label(c) for c in categories], "boundaryGap": False}
    option["yAxis"] = _value_axis(percent=percent, y_min=y_min, y_max=y_max, scale=True)
    if target is not None:
        lines[0]["markLine"] = _target_mark(target, target_label)
        _reach_target(option["yAxis"], target=_num(target), values=_present(lines))
    _add_links(lines, links)
    option["series"] = lines
    return option


def bar_chart(
    *,
    categories: Sequence[Any],
    series: Series,
    stacked: bool = False,
    horizontal: bool = False,
    percent: bool = False,
    target: Number | None = None,
    target_label: Any = "",
    title: Any = "",
    links: Sequence[Sequence[Any]] | None = None,
) -> dict[str, Any]:
    """Bars per category, one colour per ``(name, values)``; ``stacked`` piles them up.

    ``horizontal`` suits top-N lists with long names (categories, problems): the first category is
    drawn at the top. Bars always start at zero. ``links`` as in ``line_chart``.
    """
    bars = [{"name": _label(name), "type": "bar", "data": _values(values)} for name, values in series]
    for bar in bars:
        if stacked:
            bar["stack"] = "total"
        bar["emphasis"] = {"focus": "series"}
    option = _base(title=title, legend=len(bars) > 1, percent=percent)
    option["tooltip"]["axisPointer"] = {"type": "shadow"}
    labels = {"type": "category", "data": [_label(c) for c in categories]}
    values = _value_axis(percent=percent, y_min=None, y_max=None, scale=False)
    if horizontal:
        labels["inverse"] = True
        option["xAxis"], option["yAxis"] = values, labels
    else:
        option["xAxis"], option["yAxis"] = labels, values
    if target is not None and bars:
        mark = _target_mark(target, target_label)
        if horizontal:
            mark["data"] = [{"name": _label(target_label), "xAxis": _num(target)}]
        bars[0]["markLine"] = mark
    _add_links(bars, links)
    option["series"] = bars
    return option


def heatmap(
    *,
    x_labels: Sequence[Any],
    y_labels: Sequence[Any],
    cells: Iterable[tuple[Any, ...]],
    title: Any = "",
    percent: bool = False,
) -> dict[str, Any]:
    """Hot spots: a grid of ``x_labels`` × ``y_labels`` (building or area × category, hour × weekday).

    ``cells`` are ``(x, y, value)`` or ``(x, y, value, url)`` where x and y are either indexes into
    the label lists or the labels themselves; cells with ``None`` are left empty; a click on a cell
    with a URL opens it. The colour scale runs from the smallest
    value (or 0) to the largest.
    """
    xs, ys = [_label(x) for x in x_labels], [_label(y) for y in y_labels]
    data = []
    for x, y, value, *url in cells:
        if value is None:
            continue
        i, j = _index(x, xs), _index(y, ys)
        # The name makes the tooltip say which cell (「2号楼 · 水电」), not only the value.
        item = {"name": "{y} · {x}".format(y=ys[j], x=xs[i]), "value": [i, j, _num(value)]}
        data.append(_link(item, url[0] if url else None))
    present = [d["value"][2] for d in data]
    low = min([0, *present])
    high = max(present) if present and max(present) > low else low + 1
    option = _base(title=title, legend=False, percent=percent)
    option["tooltip"] = {"position": "top", "valueFormatter": option["tooltip"]["valueFormatter"]}
    option["grid"]["bottom"] = 72  # room for the colour scale under the axis labels
    option["xAxis"] = {"type": "category", "data": xs, "splitArea": {"show": True}}
    option["yAxis"] = {"type": "category", "data": ys, "splitArea": {"show": True}, "inverse": True}  # first on top
    option["visualMap"] = {
        "min": low,
        "max": high,
        "calculable": True,
        "orient": "horizontal",
        "left": "center",
        "bottom": 0,
        "itemWidth": 12,
        "inRange": {"color": HEATMAP_COLORS},
    }
    option["series"] = [{"type": "heatmap", "data": data, "label": {"show": len(data) <= 200}}]
    return option


def _index(key: Any, labels: list[str]) -> int:
    if isinstance(key, int) and not isinstance(key, bool):
        if not 0 <= key < len(labels):
            raise ValueError(f"index {key} outside the {len(labels)} labels")
        return key
    try:
        return labels.index(_label(key))
    except ValueError:
        raise ValueError(f"{key!r} is not one of the labels") from None


def pie_chart(*, items: Iterable[tuple[Any, ...]], title: Any = "") -> dict[str, Any]:
    """Shares of a whole as a ring: ``(name, value)`` or ``(name, value, url)`` per slice; zero and
    ``None`` slices are left out."""
    data = [
        _link({"name": _label(name), "value": _num(value)}, url[0] if url else None)
        for name, value, *url in items
        if value
    ]
    option = _base(title=title, legend=False, percent=False)
    option["tooltip"] = {"trigger": "item", "formatter": "{b}: {c} ({d}%)"}
    option["legend"] = {"type": "scroll", "bottom": 0}
    option.pop("grid")
    option["series"] = [
        {
            "type": "pie",
            "radius": ["40%", "70%"],
            "center": ["50%", "50%" if not title else "55%"],
            "data": data,
            "label": {"formatter": "{b} {d}%"},
        }
    ]
    return option
