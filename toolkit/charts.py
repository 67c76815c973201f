"""The circular's chart: task states per section of the notice, legible in colour and printed in black and white."""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

from toolkit.models import STATES, Ledger, TaskStatus

CHART_WIDTH_MM = 150            # within the 156 mm 版心
CHART_MAX_HEIGHT_MM = 75        # one element among several on page 1
DPI = 200
TEXT_PT = 9                     # every text of the chart: legend, labels, counts
# Each state's colour is also its own grey in black-and-white print (luma 50, 93, 172, 210, 139, 245: at least 33
# apart); the three states that need attention are hatched as well.
STATE_COLOURS = {"已完成": "#0F4A14", "超序时": "#2B64B8", "序时推进": "#86C786", "滞后": "#FFD54F",
                 "未启动": "#EC6A33", "未报送": "#F5F5F5"}
STATE_HATCHES = {"滞后": "diagonal", "未启动": "cross", "未报送": "dots"}
EDGE_COLOUR = "#404040"
TEXT_COLOUR = "#1A1A1A"
AXIS_COLOUR = "#1A1A1A"
GRID_COLOUR = "#DDDDDD"
BAR_WIDTH = 0.62                # of a column's pitch
LEFT_MM, RIGHT_MM, LEGEND_MM, PLOT_MM = 12.0, 2.0, 5.0, 22.0
LINE_SPACING = 1.15             # x labels: baseline to baseline, in font sizes
MAX_LABEL_LINES = 4             # a longer x label ends with … on its 4th line
TILE_PX = {"diagonal": 14, "cross": 18, "dots": 14}   # the hatch's period
HATCH_LINE_PX, DOT_RADIUS_PX = 2.2, 2.0
SUPERSAMPLE = 4                 # hatch tiles are drawn 4× and scaled down: smooth lines


def px(mm: float) -> int:
    return round(mm * DPI / 25.4)


def pt_px(points: float) -> int:
    return round(points * DPI / 72)


TEXT_PX = pt_px(TEXT_PT)        # 25 px: the font size (em) of every text


# ------------------------------------------------------------------------------------------ the data

def section_label(section: str) -> str:
    first = re.split(r"[，,。]", section, maxsplit=1)[0] or "其他"
    return first if len(first) <= 12 else first[:11] + "…"


def wrap_label(label: str, per_line: int) -> str:
    """Balanced lines: 9 characters at 4 a line become 3+3+3, not 4+4+1."""
    lines = math.ceil(len(label) / per_line)
    size = math.ceil(len(label) / lines)
    return "\n".join(label[i:i + size] for i in range(0, len(label), size))


def states_by_section(ledger: Ledger, statuses: dict[str, TaskStatus]) -> dict[str, Counter]:
    sections: dict[str, Counter] = {}
    for task in ledger.tasks:
        state = (statuses.get(task.id) or TaskStatus()).state
        sections.setdefault(section_label(task.section or "其他"), Counter())[state] += 1
    return sections


def label_layout(labels: list[str]) -> tuple[int, float, float]:
    """Characters per x-label line, the label band's height and the chart's height (mm).

    Sections side by side (labels wrapped under each column) take far less height than one bar per line; the
    chart is about 40 mm high for ten sections, never more than CHART_MAX_HEIGHT_MM.
    """
    pitch_mm = (CHART_WIDTH_MM - LEFT_MM - RIGHT_MM) / len(labels)
    line_mm = TEXT_PT * 25.4 / 72
    per_line = max(2, int(pitch_mm * 0.95 / (line_mm * 1.05)))
    lines = min(MAX_LABEL_LINES, max(math.ceil(len(label) / per_line) for label in labels))
    bottom_mm = 2.5 + lines * line_mm * LINE_SPACING
    return per_line, bottom_mm, min(CHART_MAX_HEIGHT_MM, LEGEND_MM + PLOT_MM + bottom_mm)


def integer_ticks(top: float, most: int = 5) -> list[int]:
    """0 and round integer steps (1, 2, 5, 10, 20, 50 …) up to `top`, at most `most` of them."""
    step = 1
    while top / step >= most:
        step = step * 5 // 2 if str(step).startswith("2") else step * 2
    return list(range(0, int(top) + 1, step))


# ------------------------------------------------------------------------------------------ the scene
# Drawn with Pillow in two steps: chart_scene() lays out every rectangle and text in pixels (DPI), paint() draws
# them with the CJK font toolkit.fonts finds.

@dataclass(frozen=True)
class Label:
    xy: tuple[int, int]
    text: str
    anchor: str                 # Pillow's text anchor: "ms" centred on the baseline, "rs" right end, "ls" left
    size_px: int = TEXT_PX


@dataclass(frozen=True)
class Patch:
    """A filled rectangle in a state's colour and hatch, with a thin dark edge."""
    box: tuple[int, int, int, int]
    state: str


@dataclass(frozen=True)
class Rule:
    """A filled rectangle without edge: grid lines, axis lines, ticks."""
    box: tuple[int, int, int, int]
    colour: str


@dataclass
class Scene:
    size: tuple[int, int]
    items: list = field(default_factory=list)                      # drawn in this order
    legend: list[tuple[Patch, Label]] = field(default_factory=list)

    def labels(self) -> list[Label]:
        return [item for item in self.items if isinstance(item, Label)]


@dataclass(frozen=True)
class Frame:
    """The plot area in pixels and the data ranges it shows (x from -0.6 to columns - 0.4, y from 0 to top)."""
    left: int
    top: int
    right: int
    bottom: int
    columns: int
    top_value: float

    def x(self, position: float) -> int:
        return round(self.left + (position + 0.6) * (self.right - self.left) / self.columns)

    def y(self, value: float) -> int:
        return round(self.bottom - value * (self.bottom - self.top) / self.top_value)


@dataclass(frozen=True)
class Metrics:
    """Heights above the baseline of a Chinese character and of a digit, and text widths, in one font."""
    font: object
    cap: int
    digit: int

    @classmethod
    def of(cls, font) -> Metrics:
        return cls(font, -font.getbbox("督", anchor="ls")[1], -font.getbbox("0", anchor="ls")[1])

    def width(self, text: str) -> int:
        return math.ceil(self.font.getlength(text))


def chart_scene(ledger: Ledger, statuses: dict[str, TaskStatus], font=None) -> Scene:
    """Stacked columns: task states per section of the notice, short enough to sit under the headline on page 1.

    The chart is CHART_WIDTH_MM wide at DPI; every text is TEXT_PT; the states present are named in one legend
    row above the plot; each state has its own grey and the lagging ones a hatch, so a black-and-white print
    tells them apart.
    """
    sections = states_by_section(ledger, statuses)
    labels = list(sections) or ["（无任务）"]
    stacks = [[(state, sections[label][state]) for state in STATES if sections.get(label, Counter())[state]]
              for label in labels]
    totals = [sum(count for _state, count in stack) for stack in stacks]
    per_line, bottom_mm, height_mm = label_layout(labels)
    width, height = px(CHART_WIDTH_MM), px(height_mm)
    frame = Frame(px(LEFT_MM), px(LEGEND_MM), width - px(RIGHT_MM), height - px(bottom_mm), len(labels),
                  max(totals + [1]) * 1.22)
    metrics = Metrics.of(font if font is not None else text_font(TEXT_PX))
    scene = Scene((width, height))
    ticks = integer_ticks(frame.top_value)
    scene.items += grid_lines(frame, ticks)
    scene.items += columns(frame, stacks)
    scene.items += axes(frame, ticks, metrics)
    scene.items += counts(frame, totals)
    scene.items += x_labels(frame, [wrap_label(label, per_line) for label in labels], metrics)
    present = {state for stack in stacks for state, _count in stack}
    scene.legend = legend(frame, width, [state for state in STATES if state in present], metrics)
    for patch, label in scene.legend:
        scene.items += [patch, label]
    return scene


def grid_lines(frame: Frame, ticks: list[int]) -> list[Rule]:
    """Light horizontal lines behind the columns, one per tick above 0."""
    return [Rule((frame.left, frame.y(v), frame.right, frame.y(v)), GRID_COLOUR) for v in ticks if v]


def columns(frame: Frame, stacks: list[list[tuple[str, int]]]) -> list[Patch]:
    patches = []
    for position, stack in enumerate(stacks):
        x0, x1 = frame.x(position - BAR_WIDTH / 2), frame.x(position + BAR_WIDTH / 2)
        base = 0
        for state, count in stack:
            patches.append(Patch((x0, frame.y(base + count), x1, frame.y(base)), state))
            base += count
    return patches


def axes(frame: Frame, ticks: list[int], metrics: Metrics) -> list:
    """The left and bottom axis lines (no top or right one), the y ticks with their numbers and the unit 项."""
    line, tick, pad = pt_px(0.8), pt_px(2), pt_px(1.5)
    items: list = [Rule((frame.left - line + 1, frame.top, frame.left, frame.bottom), AXIS_COLOUR),
                   Rule((frame.left - line + 1, frame.bottom, frame.right, frame.bottom + line - 1), AXIS_COLOUR)]
    for value in ticks:
        y = frame.y(value)
        items.append(Rule((frame.left - tick, y - line // 2, frame.left, y - line // 2 + line - 1), AXIS_COLOUR))
        items.append(Label((frame.left - tick - pad, y + metrics.digit // 2), str(value), "rs"))
    widest = max(metrics.width(str(value)) for value in ticks)
    unit_right = max(metrics.width("项"), frame.left - tick - pad - widest - pt_px(7))
    items.append(Label((unit_right, (frame.top + frame.bottom + metrics.cap) // 2), "项", "rs"))
    return items


def counts(frame: Frame, totals: list[int]) -> list[Label]:
    """Each section's task count just above its column."""
    return [Label((frame.x(position), frame.y(total) - pt_px(2)), str(total), "ms")
            for position, total in enumerate(totals)]


def x_labels(frame: Frame, wrapped: list[str], metrics: Metrics) -> list[Label]:
    """Each section's name under its column, in balanced lines (at most MAX_LABEL_LINES)."""
    first = frame.bottom + pt_px(3) + metrics.cap
    pitch = round(TEXT_PX * LINE_SPACING)
    return [Label((frame.x(position), first + number * pitch), line, "ms")
            for position, text in enumerate(wrapped) for number, line in enumerate(at_most_lines(text))]


def at_most_lines(text: str) -> list[str]:
    lines = text.split("\n")
    if len(lines) <= MAX_LABEL_LINES:
        return lines
    return lines[:MAX_LABEL_LINES - 1] + [lines[MAX_LABEL_LINES - 1][:-1] + "…"]


def legend(frame: Frame, width: int, states: list[str], metrics: Metrics) -> list[tuple[Patch, Label]]:
    """One row above the plot, centred on it: a swatch (colour and hatch) and the state's name for each state."""
    em = TEXT_PX
    handle_w, handle_h, text_pad, spacing = round(1.6 * em), round(0.9 * em), round(0.8 * em), em
    widths = [handle_w + text_pad + metrics.width(state) for state in states]
    total = sum(widths) + spacing * max(0, len(states) - 1)
    x = max(0, min(width - total, (frame.left + frame.right - total) // 2))
    middle = frame.top // 2
    entries = []
    for state, entry_width in zip(states, widths):
        swatch = Patch((x, middle - handle_h // 2, x + handle_w, middle - handle_h // 2 + handle_h), state)
        entries.append((swatch, Label((x + handle_w + text_pad, middle + metrics.cap // 2 - 1), state, "ls")))
        x += entry_width + spacing
    return entries


# ------------------------------------------------------------------------------------------ painting

def text_font(size_px: int):
    """The CJK font at `size_px`; without one (warned), Pillow's own font, which draws Chinese as boxes."""
    from PIL import ImageFont

    from toolkit.fonts import cjk_font, open_face
    face = cjk_font()
    if face is None:
        return ImageFont.load_default(size=size_px)
    return open_face(face.path, face.index, size_px)


def paint(scene: Scene, fonts: dict | None = None):
    """The scene as a Pillow RGB image on white; `fonts` (size in px → font) are reused, others opened."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", scene.size, "white")
    draw = ImageDraw.Draw(image)
    fonts, tiles = dict(fonts or {}), {}
    for item in scene.items:
        if isinstance(item, Rule):
            draw.rectangle(item.box, fill=item.colour)
        elif isinstance(item, Patch):
            paint_patch(image, draw, item, tiles)
        else:
            font = fonts.get(item.size_px) or fonts.setdefault(item.size_px, text_font(item.size_px))
            draw.text(item.xy, item.text, font=font, fill=TEXT_COLOUR, anchor=item.anchor)
    return image


def paint_patch(image, draw, patch: Patch, tiles: dict) -> None:
    x0, y0, x1, y1 = patch.box
    if x1 <= x0 or y1 <= y0:
        return
    if patch.state in STATE_HATCHES:
        tile = tiles.get(patch.state) or tiles.setdefault(patch.state, hatch_tile(patch.state))
        image.paste(tiled(tile, patch.box), (x0, y0))
    else:
        draw.rectangle(patch.box, fill=STATE_COLOURS[patch.state])
    draw.rectangle(patch.box, outline=EDGE_COLOUR, width=1)


def hatch_tile(state: str):
    """One period of the state's hatch on its colour, drawn large and scaled down; tiles join without a seam."""
    from PIL import Image, ImageDraw

    kind = STATE_HATCHES[state]
    size = TILE_PX[kind] * SUPERSAMPLE
    big = Image.new("RGB", (size, size), STATE_COLOURS[state])
    draw = ImageDraw.Draw(big)
    line = round(HATCH_LINE_PX * SUPERSAMPLE)
    for shift in (-size, 0, size) if kind != "dots" else ():   # lines continued across the tile's edges
        draw.line((shift, size, shift + size, 0), fill=EDGE_COLOUR, width=line)                 # ／
        if kind == "cross":
            draw.line((shift, 0, shift + size, size), fill=EDGE_COLOUR, width=line)             # ＼
    if kind == "dots":                  # a staggered grid: one dot in the middle, a quarter in each corner
        radius = DOT_RADIUS_PX * SUPERSAMPLE
        for cx, cy in ((size / 2, size / 2), (0, 0), (size, 0), (0, size), (size, size)):
            draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=EDGE_COLOUR)
    return big.resize((TILE_PX[kind],) * 2, Image.Resampling.BOX)


def tiled(tile, box: tuple[int, int, int, int]):
    """The hatch over the box, aligned to the image's origin so that neighbouring boxes continue one pattern."""
    from PIL import Image

    x0, y0, x1, y1 = box
    region = Image.new("RGB", (x1 - x0 + 1, y1 - y0 + 1))
    period = tile.width
    for x in range(-(x0 % period), region.width, period):
        for y in range(-(y0 % period), region.height, period):
            region.paste(tile, (x, y))
    return region


def chart_png(ledger: Ledger, statuses: dict[str, TaskStatus]) -> bytes:
    import io

    font = text_font(TEXT_PX)
    buffer = io.BytesIO()
    paint(chart_scene(ledger, statuses, font), {TEXT_PX: font}).save(buffer, format="PNG", dpi=(DPI, DPI),
                                                                   compress_level=3)
    return buffer.getvalue()


def chart_image(ledger: Ledger, statuses: dict[str, TaskStatus], tpl):
    """The chart as a docxtpl InlineImage, CHART_WIDTH_MM wide."""
    import io

    from docx.shared import Mm
    from docxtpl import InlineImage
    return InlineImage(tpl, io.BytesIO(chart_png(ledger, statuses)), width=Mm(CHART_WIDTH_MM))
