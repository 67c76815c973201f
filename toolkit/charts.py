"""The circular's chart: task states per section of the notice, legible in colour and printed in black and white."""
from __future__ import annotations

import math
import os
import re
import warnings
from collections import Counter
from pathlib import Path

from toolkit.errors import ToolkitWarning
from toolkit.models import STATES, Ledger, TaskStatus

CHART_WIDTH_MM = 150            # within the 156 mm 版心
CHART_MAX_HEIGHT_MM = 75        # one element among several on page 1
TEXT_PT = 9                     # every text of the chart: legend, labels, counts
CJK_FONTS = ("Noto Sans CJK SC", "Noto Serif CJK SC", "Source Han Sans SC", "Source Han Serif SC",
             "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "AR PL UKai CN", "AR PL UMing CN", "LXGW WenKai",
             "SimHei", "Microsoft YaHei", "SimSun", "DengXian", "PingFang SC", "Heiti SC", "STHeiti")
CHINESE_SAMPLE = "督查任务已完成滞后未启动"   # a font that draws these draws the chart
# Each state's colour is also its own grey in black-and-white print (luma 50, 93, 172, 210, 139, 245: at least 33
# apart); the three states that need attention are hatched as well.
STATE_COLOURS = {"已完成": "#0F4A14", "超序时": "#2B64B8", "序时推进": "#86C786", "滞后": "#FFD54F",
                 "未启动": "#EC6A33", "未报送": "#F5F5F5"}
STATE_HATCHES = {"滞后": "////", "未启动": "xxx", "未报送": "..."}
EDGE_COLOUR = "#404040"
CJK_FILE_NAME = re.compile(r"cjk|han|hei|song|kai|ming|fang|yahei|simsun|msyh|wqy|wenkai|droid|pingfang|deng",
                           re.IGNORECASE)


# ------------------------------------------------------------------------------------------ the CJK font

_cjk_font_cache: list[str | None] = []


def cjk_font() -> str | None:
    """The CJK font family the chart uses; None, with a warning naming the cause, when the system has none.

    matplotlib's font list is a cache built when it first ran, often before the CJK fonts were installed. When it
    lists none, the system's font files (fontconfig's list and the usual font folders) are registered once, and
    the completed list is saved so that the next run finds the font at once.
    """
    if _cjk_font_cache:
        return _cjk_font_cache[0]
    from matplotlib import font_manager

    manager = font_manager.fontManager
    found = known_cjk_family(manager)
    if found is None:
        unreadable = register_font_files(manager)
        found = known_cjk_family(manager) or family_drawing_chinese(manager)
        if found is None:
            warnings.warn(missing_font_message(unreadable), ToolkitWarning, stacklevel=2)
        else:
            save_font_list(manager)
    _cjk_font_cache.append(found)
    return found


def known_cjk_family(manager) -> str | None:
    installed = {entry.name for entry in manager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def font_folders() -> list[Path]:
    """The usual font folders of Windows, Linux and macOS that exist here."""
    folders = [Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts", Path("/usr/share/fonts"),
               Path("/usr/local/share/fonts"), Path("/Library/Fonts")]
    if os.environ.get("LOCALAPPDATA"):
        folders.append(Path(os.environ["LOCALAPPDATA"]) / "Microsoft" / "Windows" / "Fonts")
    try:
        home = Path.home()
    except RuntimeError:      # no home folder (a service account): the system folders only
        home = None
    if home is not None:
        folders += [home / ".fonts", home / ".local" / "share" / "fonts", home / "Library" / "Fonts"]
    return [folder for folder in folders if folder.is_dir()]


def system_font_files() -> set[str]:
    """Font files fontconfig (or the Windows registry) lists, and those in the usual font folders."""
    from matplotlib import font_manager

    files = set(font_manager.findSystemFonts())
    for folder in font_folders():
        files.update(font_manager.findSystemFonts([str(folder)]))
    return files


def register_font_files(manager) -> dict[str, str]:
    """Add every system font file matplotlib's list lacks; returns the files it could not read, with why."""
    listed = {str(entry.fname) for entry in manager.ttflist}
    unreadable = {}
    for path in sorted(system_font_files() - listed):
        try:
            manager.addfont(path)
        except Exception as exc:  # noqa: BLE001 - a broken font file must not stop the circular
            unreadable[path] = str(exc) or type(exc).__name__
    return unreadable


def family_drawing_chinese(manager) -> str | None:
    """A registered family outside CJK_FONTS whose font draws Chinese (e.g. 思源黑体 under another name)."""
    from matplotlib import ft2font

    checked = set()
    for entry in manager.ttflist:
        path = str(entry.fname)
        if path in checked:
            continue
        checked.add(path)
        try:
            font = ft2font.FT2Font(path)
        except Exception:  # noqa: BLE001
            continue
        if all(font.get_char_index(ord(ch)) for ch in CHINESE_SAMPLE):
            return entry.name
    return None


def save_font_list(manager) -> None:
    """Write the completed list to matplotlib's cache (as its own rebuild would); a read-only cache is no error."""
    import matplotlib
    from matplotlib import font_manager

    path = Path(matplotlib.get_cachedir()) / f"fontlist-v{font_manager.FontManager.__version__}.json"
    try:
        font_manager.json_dump(manager, path)
    except Exception:  # noqa: BLE001 - the next run rescans instead
        pass


def missing_font_message(unreadable: dict[str, str]) -> str:
    broken = [path for path in unreadable if CJK_FILE_NAME.search(Path(path).name)]
    if broken:
        return (f"找到中文字体文件 {broken[0]}，但无法读取（{unreadable[broken[0]]}），通报中的图表文字会显示为方框。"
                f"请重新安装该字体；Linux 可安装：sudo apt-get install fonts-noto-cjk。")
    folders = "、".join(str(folder) for folder in font_folders()) or "系统字体文件夹"
    return (f"系统中没有找到中文字体文件（已查找系统字体列表和 {folders}），通报中的图表文字会显示为方框。"
            f"Linux 请安装：sudo apt-get install fonts-noto-cjk；Windows 一般自带黑体（SimHei）或微软雅黑，"
            f"可在 C:\\Windows\\Fonts 中查看。")


# ------------------------------------------------------------------------------------------ the chart

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


def chart_figure(ledger: Ledger, statuses: dict[str, TaskStatus]):
    """Stacked columns: task states per section of the notice, short enough to sit under the headline on page 1.

    Sections side by side (labels wrapped under each column) take far less height than one bar per line; the
    figure is CHART_WIDTH_MM wide and about 40 mm high for ten sections (never more than CHART_MAX_HEIGHT_MM).
    Every text is TEXT_PT; each state has its own grey and the lagging ones a hatch, so a black-and-white print
    tells them apart.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    sections = states_by_section(ledger, statuses)
    labels = list(sections) or ["（无任务）"]
    font = cjk_font()
    text = {"family": font} if font else {}
    left_mm, right_mm, legend_mm, plot_mm = 12.0, 2.0, 5.0, 22.0
    pitch_mm = (CHART_WIDTH_MM - left_mm - right_mm) / len(labels)
    line_mm = TEXT_PT * 0.3528
    per_line = max(2, int(pitch_mm * 0.95 / (line_mm * 1.05)))
    lines = min(4, max(math.ceil(len(label) / per_line) for label in labels))
    bottom_mm = 2.5 + lines * line_mm * 1.15
    height_mm = min(CHART_MAX_HEIGHT_MM, legend_mm + plot_mm + bottom_mm)
    figure = Figure(figsize=(CHART_WIDTH_MM / 25.4, height_mm / 25.4), dpi=200)
    # fixed margins in millimetres instead of tight_layout(), which draws the figure twice
    figure.subplots_adjust(left=left_mm / CHART_WIDTH_MM, right=1 - right_mm / CHART_WIDTH_MM,
                           bottom=bottom_mm / height_mm, top=1 - legend_mm / height_mm)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = range(len(labels))
    base = [0] * len(labels)
    for state in STATES:
        heights = [sections[label][state] if label in sections else 0 for label in labels]
        if not any(heights):
            continue
        axes.bar(positions, heights, bottom=base, color=STATE_COLOURS[state], label=state, width=0.62,
                 hatch=STATE_HATCHES.get(state), edgecolor=EDGE_COLOUR, linewidth=0.4)
        base = [a + b for a, b in zip(base, heights)]
    for x, total in zip(positions, base):   # the section's task count on top of its column
        axes.annotate(str(total), (x, total), xytext=(0, 1), textcoords="offset points", ha="center",
                      va="bottom", fontsize=TEXT_PT)
    axes.set_ylim(0, max(base + [1]) * 1.22)
    axes.set_xlim(-0.6, len(labels) - 0.4)
    axes.set_xticks(list(positions), [wrap_label(label, per_line) for label in labels], fontsize=TEXT_PT,
                    linespacing=1.05, **text)
    axes.tick_params(axis="x", length=0, pad=2)
    axes.tick_params(axis="y", labelsize=TEXT_PT, length=2, pad=1)
    axes.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
    axes.set_ylabel("项", fontsize=TEXT_PT, rotation=0, labelpad=7, **text)
    axes.grid(axis="y", linewidth=0.4, color="#DDDDDD")
    axes.set_axisbelow(True)
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=6, frameon=False, borderaxespad=0.3,
                prop={"size": TEXT_PT, **text}, handlelength=1.6, handleheight=0.9, columnspacing=1.0)
    return figure


def chart_png(ledger: Ledger, statuses: dict[str, TaskStatus]) -> bytes:
    import io

    buffer = io.BytesIO()
    chart_figure(ledger, statuses).savefig(buffer, format="png")
    return buffer.getvalue()


def chart_image(ledger: Ledger, statuses: dict[str, TaskStatus], tpl):
    """The chart as a docxtpl InlineImage, CHART_WIDTH_MM wide."""
    import io

    from docx.shared import Mm
    from docxtpl import InlineImage
    return InlineImage(tpl, io.BytesIO(chart_png(ledger, statuses)), width=Mm(CHART_WIDTH_MM))
