"""Charts as inline SVG, drawn on the server (no script and no asset from the network needed to see them).

- `confusion_matrix`: a KFP ClassificationMetrics confusion matrix as a heat map, counts in the cells;
- `roc_curve`: its confidence metrics (false positive rate vs recall) where it has them;
- `scatter`: one metric against one parameter over several runs (the compare page);
- `lineage`: an artifact, the execution that produced it and its inputs, and the executions that read it.
"""

from __future__ import annotations

import math
from html import escape


def _number(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _short(text: str, width: int) -> str:
    text = str(text)
    return text if len(text) <= width else text[: width - 1] + "…"


# ------------------------------------------------------------ confusion matrix


def confusion_matrix(metadata: dict) -> tuple[list[str], list[list[float]]] | None:
    """(class names, rows of counts) of a ClassificationMetrics artifact's metadata, if it has a matrix."""
    matrix = metadata.get("confusionMatrix") if isinstance(metadata, dict) else None
    if not isinstance(matrix, dict):
        return None
    names = [str((spec or {}).get("displayName", i)) for i, spec in enumerate(matrix.get("annotationSpecs") or [])]
    rows = []
    for row in matrix.get("rows") or []:
        cells = row.get("row") if isinstance(row, dict) else row
        rows.append([_number(cell) or 0.0 for cell in (cells or [])])
    if not rows:
        return None
    size = max(len(rows), max(len(r) for r in rows))
    names = (names + [str(i) for i in range(len(names), size)])[:size]
    return names, rows


def confusion_matrix_svg(names: list[str], rows: list[list[float]]) -> str:
    """A heat map: row = true class, column = predicted class; a cell's shade is its share of its row."""
    cell = max(26, min(56, 520 // max(1, len(names))))
    left, top = 110, 70
    width, height = left + cell * len(names) + 20, top + cell * len(rows) + 20
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart confusion" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="confusion matrix">',
        f'<text class="axis-title" x="{left + cell * len(names) / 2:.0f}" y="16" text-anchor="middle">predicted</text>',
        f'<text class="axis-title" x="14" y="{top + cell * len(rows) / 2:.0f}" text-anchor="middle" '
        f'transform="rotate(-90 14 {top + cell * len(rows) / 2:.0f})">true</text>',
    ]
    for j, name in enumerate(names):
        x = left + j * cell + cell / 2
        out.append(
            f'<text class="tick" x="{x:.0f}" y="{top - 8}" text-anchor="end" '
            f'transform="rotate(-45 {x:.0f} {top - 8})">{escape(_short(name, 12))}</text>'
        )
    for i, row in enumerate(rows):
        total = sum(row) or 1.0
        y = top + i * cell
        label = names[i] if i < len(names) else str(i)
        out.append(
            f'<text class="tick" x="{left - 8}" y="{y + cell / 2 + 4:.0f}" text-anchor="end">'
            f"{escape(_short(label, 14))}</text>"
        )
        for j, count in enumerate(row):
            share = count / total
            # A presentation attribute, not a style attribute: the page's CSP allows no inline styles.
            shade = f"rgba(31, 94, 168, {0.06 + 0.94 * share:.3f})"
            text_class = "on-dark" if share > 0.5 else "on-light"
            shown = f"{count:g}"
            out.append(
                f'<g class="cm-cell" data-row="{i}" data-col="{j}"><rect x="{left + j * cell}" y="{y}" '
                f'width="{cell}" height="{cell}" fill="{shade}"/>'
                f'<text class="{text_class}" x="{left + j * cell + cell / 2:.0f}" y="{y + cell / 2 + 4:.0f}" '
                f'text-anchor="middle">{shown}</text><title>true {escape(label)}, predicted '
                f"{escape(names[j] if j < len(names) else str(j))}: {shown} ({share:.0%} of the row)</title></g>"
            )
    out.append("</svg>")
    return "".join(out)


# --------------------------------------------------------------------- ROC


def roc_points(metadata: dict) -> list[tuple[float, float]]:
    """(false positive rate, recall) points of a ClassificationMetrics artifact, sorted, if it has any."""
    points = []
    for item in (metadata.get("confidenceMetrics") or []) if isinstance(metadata, dict) else []:
        if isinstance(item, dict):
            fpr, recall = _number(item.get("falsePositiveRate")), _number(item.get("recall"))
            if fpr is not None and recall is not None:
                points.append((fpr, recall))
    return sorted(points)


def roc_svg(points: list[tuple[float, float]]) -> str:
    size, left, bottom = 260, 50, 40
    width, height = left + size + 20, size + bottom + 20

    def at(fpr: float, recall: float) -> str:
        return f"{left + fpr * size:.1f},{20 + (1 - recall) * size:.1f}"

    curve = " ".join(at(f, r) for f, r in [(0.0, 0.0), *points, (1.0, 1.0)])
    area = sum((x2 - x1) * (y1 + y2) / 2 for (x1, y1), (x2, y2) in zip([(0.0, 0.0), *points], [*points, (1.0, 1.0)]))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart roc" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="ROC curve">'
        f'<rect class="frame" x="{left}" y="20" width="{size}" height="{size}"/>'
        f'<polyline class="chance" points="{at(0, 0)} {at(1, 1)}"/>'
        f'<polyline class="curve" points="{curve}"/>'
        f'<text class="tick" x="{left}" y="{size + 36}">0</text>'
        f'<text class="tick" x="{left + size}" y="{size + 36}" text-anchor="end">1</text>'
        f'<text class="axis-title" x="{left + size / 2}" y="{size + 52}" text-anchor="middle">'
        "false positive rate</text>"
        f'<text class="axis-title" x="16" y="{20 + size / 2}" text-anchor="middle" '
        f'transform="rotate(-90 16 {20 + size / 2})">recall (true positive rate)</text>'
        f'<text class="tick" x="{left + size - 6}" y="{size + 10}" text-anchor="end">AUC ≈ {area:.3f}</text>'
        f"</svg>"
    )


# ----------------------------------------------------------------- scatter


def scatter_svg(points: list[tuple[object, float, str, str]], x_title: str, y_title: str) -> str:
    """Runs as points: (parameter value, metric value, run id, link). Text values of x are categories."""
    width, height, left, bottom, top, right = 640, 340, 70, 56, 20, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    numbers = [_number(x) for x, *_ in points]
    xs = [x for x in numbers if x is not None]
    numeric = len(xs) == len(points)
    categories: list[str] = []
    scale: list[float]
    if numeric:
        log = min(xs) > 0 and max(xs) / min(xs) >= 100  # learning rates and the like: a log axis
        scale = [math.log10(x) for x in xs] if log else xs
        low, high = min(scale), max(scale)
    else:
        categories = sorted({str(x) for x, *_ in points})
        scale = [float(categories.index(str(x))) for x, *_ in points]
        low, high, log = -0.5, len(categories) - 0.5, False
    if high == low:
        low, high = low - 1, high + 1
    ys = [y for _, y, *_ in points]
    y_low, y_high = min(ys), max(ys)
    if y_high == y_low:
        y_low, y_high = y_low - 1, y_high + 1
    if numeric:  # a margin, so no point sits on the frame
        low, high = low - 0.06 * (high - low), high + 0.06 * (high - low)
    y_low, y_high = y_low - 0.08 * (y_high - y_low), y_high + 0.08 * (y_high - y_low)

    def px(value: float) -> float:
        return left + (value - low) / (high - low) * plot_w

    def py(value: float) -> float:
        return top + (1 - (value - y_low) / (y_high - y_low)) * plot_h

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart scatter" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(y_title)} against {escape(x_title)}">',
        f'<rect class="frame" x="{left}" y="{top}" width="{plot_w}" height="{plot_h}"/>',
    ]
    for fraction in (0, 0.5, 1):
        value = y_low + fraction * (y_high - y_low)
        out.append(f'<text class="tick" x="{left - 6}" y="{py(value) + 4:.0f}" text-anchor="end">{value:.4g}</text>')
    if numeric:
        for fraction in (0, 0.5, 1):
            value = low + fraction * (high - low)
            shown = 10**value if log else value
            out.append(
                f'<text class="tick" x="{px(value):.0f}" y="{top + plot_h + 16}" text-anchor="middle">'
                f"{shown:.4g}</text>"
            )
    else:
        for index, category in enumerate(categories):
            out.append(
                f'<text class="tick" x="{px(index):.0f}" y="{top + plot_h + 16}" text-anchor="middle">'
                f"{escape(_short(category, 14))}</text>"
            )
    out.append(
        f'<text class="axis-title" x="{left + plot_w / 2}" y="{height - 10}" text-anchor="middle">'
        f"{escape(x_title)}{' (log scale)' if log else ''}</text>"
    )
    out.append(
        f'<text class="axis-title" x="14" y="{top + plot_h / 2}" text-anchor="middle" '
        f'transform="rotate(-90 14 {top + plot_h / 2})">{escape(_short(y_title, 48))}</text>'
    )
    for (x, y, run_id, href), position in zip(points, scale):
        out.append(
            f'<a href="{escape(href)}"><circle class="point" cx="{px(position):.1f}" cy="{py(y):.1f}" r="6">'
            f"<title>{escape(run_id)}: {escape(x_title)}={escape(str(x))}, {escape(y_title)}={y:.6g}</title>"
            f"</circle></a>"
        )
    out.append("</svg>")
    return "".join(out)


# ----------------------------------------------------------------- lineage


def lineage_svg(columns: list[list[dict]]) -> str:
    """Columns of boxes left to right ({"label", "sublabel", "href", "kind", "current"}), each box joined to
    every box of the next column: inputs -> producer -> the artifact -> consumers."""
    box_w, box_h, gap_x, gap_y = 220, 46, 70, 14
    heights = [len(column) * (box_h + gap_y) - gap_y for column in columns if column]
    height = max(heights, default=box_h) + 20
    width = len(columns) * (box_w + gap_x) - gap_x + 20
    positions: list[list[tuple[float, float]]] = []
    for index, column in enumerate(columns):
        used = len(column) * (box_h + gap_y) - gap_y
        y0 = 10 + (height - 20 - used) / 2
        positions.append([(10 + index * (box_w + gap_x), y0 + k * (box_h + gap_y)) for k in range(len(column))])
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart lineage" width="{width}" height="{height:.0f}" '
        f'viewBox="0 0 {width} {height:.0f}" role="img" aria-label="lineage">',
        '<defs><marker id="lineage-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto"><path d="M0,0 L10,5 L0,10 z" class="arrowhead"/></marker></defs>',
    ]
    for index in range(len(columns) - 1):
        for x1, y1 in positions[index]:
            for x2, y2 in positions[index + 1]:
                out.append(
                    f'<path class="edge" d="M{x1 + box_w:.0f},{y1 + box_h / 2:.0f} C{x1 + box_w + gap_x / 2:.0f},'
                    f"{y1 + box_h / 2:.0f} {x2 - gap_x / 2:.0f},{y2 + box_h / 2:.0f} {x2 - 2:.0f},"
                    f'{y2 + box_h / 2:.0f}" marker-end="url(#lineage-arrow)"/>'
                )
    for column, places in zip(columns, positions):
        for item, (x, y) in zip(column, places):
            classes = f"box kind-{item.get('kind', 'artifact')}" + (" current" if item.get("current") else "")
            body = (
                f'<g class="{classes}"><rect x="{x:.0f}" y="{y:.0f}" width="{box_w}" height="{box_h}" rx="6"/>'
                f'<text class="title" x="{x + 8:.0f}" y="{y + 19:.0f}">{escape(_short(item["label"], 30))}</text>'
                f'<text class="subtitle" x="{x + 8:.0f}" y="{y + 36:.0f}">'
                f"{escape(_short(item.get('sublabel', ''), 34))}"
                f"</text><title>{escape(item['label'])} {escape(item.get('sublabel', ''))}</title></g>"
            )
            out.append(f'<a href="{escape(item["href"])}">{body}</a>' if item.get("href") else body)
    out.append("</svg>")
    return "".join(out)
