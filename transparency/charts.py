"""Bar charts as SVG geometry for a template (`templates/transparency/_bar_chart.html`).

Why SVG templates and not a charting library: pygal writes an inline <script> and inline
styles, which the strict CSP blocks, and matplotlib (with numpy) is a heavy dependency whose SVG
carries inline `style` attributes too. A horizontal bar chart is a few rectangles: drawn here
from the very rows of the table printed next to it, styled by classes in recourse.css (so it
follows the light and dark scheme), inline in the page (no extra request) and without script.
"""

from __future__ import annotations

from dataclasses import dataclass

from transparency.report import SUPPRESSED, Name, Table, display

WIDTH = 640
LABEL_WIDTH = 250
VALUE_WIDTH = 90
BAR_HEIGHT = 22
GAP = 10
PLOT_WIDTH = WIDTH - LABEL_WIDTH - VALUE_WIDTH


def _n(value: float) -> str:
    """A coordinate as SVG wants it whatever the page's language: "15.4", never "15,4" (the
    template would localise a float)."""
    return f"{value:.1f}".removesuffix(".0")


@dataclass
class Bar:
    label: str
    lang: str  # "en" for a name as the records spell it
    value_text: str
    y: str
    text_y: str
    width: str
    whisker: tuple[str, str] | None
    whisker_y: str


def bar_chart(table: Table, minimum: int) -> dict | None:
    spec = table.chart
    if not spec:
        return None
    column = next(c for c in table.columns if c.id == spec["value"])
    rows = [r for r in table.rows if r.get(spec["value"]) not in (None, SUPPRESSED)]
    if not rows:
        return None
    top = max(
        [float(r[spec["value"]]) for r in rows]
        + [float(r[spec["high"]]) for r in rows if spec.get("high")]
    )
    top = 1.0 if spec["kind"] == "share" and top <= 1 else (top or 1.0)
    bars = []
    for index, row in enumerate(rows):
        y = index * (BAR_HEIGHT + GAP)
        whisker = None
        if spec.get("low"):
            whisker = (
                _n(LABEL_WIDTH + PLOT_WIDTH * float(row[spec["low"]]) / top),
                _n(LABEL_WIDTH + PLOT_WIDTH * float(row[spec["high"]]) / top),
            )
        label = row[spec["label"]]
        text = str(label)
        bars.append(
            Bar(
                label=text if len(text) <= 34 else text[:33] + "…",
                lang="en" if isinstance(label, Name) else "",
                value_text=display(row[spec["value"]], column, minimum),
                y=_n(y),
                text_y=_n(y + BAR_HEIGHT * 0.7),
                width=_n(max(1.0, PLOT_WIDTH * float(row[spec["value"]]) / top)),
                whisker=whisker,
                whisker_y=_n(y + BAR_HEIGHT / 2),
            )
        )
    return {
        "width": WIDTH,
        "height": len(bars) * (BAR_HEIGHT + GAP),
        "label_width": LABEL_WIDTH,
        "label_x": LABEL_WIDTH - 8,
        "value_x": WIDTH - VALUE_WIDTH + 8,
        "bar_height": BAR_HEIGHT,
        "bars": bars,
    }
