"""The circular's chart: a CJK font found whenever one is installed, states told apart in greyscale, text ≥ 9 pt."""
from __future__ import annotations

import io
import itertools
import json
import shutil
import subprocess
import warnings
import zipfile
from datetime import datetime
from pathlib import Path

import numpy
import pytest

from conftest import run_toolkit
from test_circular import STATUSES, small_ledger
from toolkit import charts
from toolkit.errors import ToolkitWarning
from toolkit.models import STATES, ProgressRecord, SubmissionRecord
from toolkit.workspace import Workspace

GREY_MARGIN = 30     # luma levels (0–255) between any two states' fills in the printed chart


def cjk_fonts_installed() -> bool:
    if not shutil.which("fc-list"):
        return False
    return bool(subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout.strip())


def draws_chinese(path: str) -> bool:
    from matplotlib import ft2font
    try:
        font = ft2font.FT2Font(path)
    except Exception:  # noqa: BLE001
        return False
    return any(font.get_char_index(ord(ch)) for ch in charts.CHINESE_SAMPLE)


# ------------------------------------------------------------------------------------------ the picture

def test_chart_is_short_enough_for_page_one():
    """150 mm wide and at most 75 mm high (about 40 mm for a few sections), so it fits under the headline."""
    png = charts.chart_png(small_ledger(), STATUSES)
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    height_mm = charts.CHART_WIDTH_MM * height / width
    assert 25 <= height_mm <= 50 <= charts.CHART_MAX_HEIGHT_MM


def test_chart_labels_wrap_in_balanced_lines():
    assert charts.wrap_label("聚力都市区融合发展", 4) == "聚力都\n市区融\n合发展"
    assert charts.wrap_label("加强政府自身建设", 4) == "加强政府\n自身建设"


def test_every_text_of_the_chart_is_at_least_9_pt_and_the_legend_names_each_state():
    from matplotlib.text import Text

    figure = charts.chart_figure(small_ledger(), STATUSES)
    texts = [t for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip()]
    assert texts and min(t.get_fontsize() for t in texts) >= 9
    legend = figure.axes[0].get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["已完成", "序时推进", "滞后", "未报送"]
    hatched = {t.get_text() for t, handle in zip(legend.get_texts(), legend.legend_handles) if handle.get_hatch()}
    assert hatched == {"滞后", "未报送"}


def test_state_colours_are_different_greys():
    greys = {state: luma(colour) for state, colour in charts.STATE_COLOURS.items()}
    assert set(greys) == set(STATES)
    assert min(abs(a - b) for a, b in itertools.combinations(greys.values(), 2)) >= GREY_MARGIN


def luma(colour: str) -> float:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.299 * r + 0.587 * g + 0.114 * b


# ------------------------------------------------------------------------------------------ the font

def test_no_cjk_font_file_warns_that_none_was_found(monkeypatch):
    from matplotlib import font_manager
    monkeypatch.setattr(charts, "_cjk_font_cache", [])
    monkeypatch.setattr(font_manager.fontManager, "ttflist", [])
    monkeypatch.setattr(charts, "system_font_files", set)
    with pytest.warns(ToolkitWarning, match="没有找到中文字体文件.*fonts-noto-cjk"):
        assert charts.cjk_font() is None


def test_unreadable_cjk_font_file_is_named_in_the_warning(monkeypatch, tmp_path):
    from matplotlib import font_manager
    broken = tmp_path / "NotoSansCJK-Regular.ttc"
    broken.write_bytes(b"not a font")
    monkeypatch.setattr(charts, "_cjk_font_cache", [])
    monkeypatch.setattr(font_manager.fontManager, "ttflist", [])
    monkeypatch.setattr(charts, "system_font_files", lambda: {str(broken)})
    with pytest.warns(ToolkitWarning, match="找到中文字体文件 .*NotoSansCJK-Regular.ttc，但无法读取"):
        assert charts.cjk_font() is None


def test_font_list_without_cjk_is_completed_from_the_system_font_files(monkeypatch):
    if not cjk_fonts_installed():
        pytest.skip("需要已安装的中文字体：apt-get install fonts-noto-cjk")
    from matplotlib import font_manager
    without_cjk = [e for e in font_manager.fontManager.ttflist if e.name not in charts.CJK_FONTS
                   and not draws_chinese(str(e.fname))]
    monkeypatch.setattr(charts, "_cjk_font_cache", [])
    monkeypatch.setattr(font_manager.fontManager, "ttflist", without_cjk)
    monkeypatch.setattr(charts, "save_font_list", lambda manager: None)   # leave this machine's cache alone
    assert charts.known_cjk_family(font_manager.fontManager) is None
    with warnings.catch_warnings():
        warnings.simplefilter("error", ToolkitWarning)
        assert charts.cjk_font() in charts.CJK_FONTS


# ------------------------------------------------------------------------------------------ end to end

def report_every_state(ws: Path, period_id: str) -> None:
    """Lead reports for the tasks in turn: 已完成, 超序时, 序时推进, 滞后, 未启动 and, for every sixth, none."""
    from toolkit.ledger import load_ledger, save_ledger
    workspace = Workspace.at(ws)
    ledger = load_ledger(workspace)
    reports = [("已完成", 100), ("超序时", 99), ("序时推进", None), ("滞后", 1), ("未启动", 0)]
    received = datetime(2024, 3, 21, 9)
    for task in ledger.tasks:
        if task.seq % 6 == 5 or not task.lead_units:
            continue
        state, progress = reports[task.seq % 6]
        ledger.progress.append(ProgressRecord(period_id, task.lead_units[0], task.id, "主办", state, progress,
                                              "推进中", "", "", received=received))
    for unit in sorted({t.lead_units[0] for t in ledger.tasks if t.lead_units}):
        ledger.submissions.append(SubmissionRecord(period_id, unit, True, True, received))
    save_ledger(workspace, ledger)


def chart_in(docx: Path) -> bytes:
    with zipfile.ZipFile(docx) as package:
        pictures = [n for n in package.namelist() if n.startswith("word/media/") and n.endswith(".png")]
        assert len(pictures) == 1, pictures
        return package.read(pictures[0])


def week_circular(ws: Path) -> Path:
    result = run_toolkit(ws, "circular", "2024-W12", "--date", "2024-03-25")
    assert result.returncode == 0, result.stderr
    files = list((ws / "outputs" / "2024-W12" / "通报").glob("*.docx"))
    assert len(files) == 1
    return files[0]


def test_printed_chart_tells_every_state_apart_in_greyscale(parsed_workspace):
    """The chart PNG inside the rendered 周盘点: each state's fill, converted to grey as a printer would, differs
    from every other state's by at least GREY_MARGIN levels."""
    from PIL import Image

    report_every_state(parsed_workspace, "2024-W12")
    image = Image.open(io.BytesIO(chart_in(week_circular(parsed_workspace)))).convert("RGB")
    pixels, greys = numpy.asarray(image), numpy.asarray(image.convert("L"))
    fill_greys = {}
    for state, colour in charts.STATE_COLOURS.items():
        rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
        found = greys[(pixels == rgb).all(axis=2)]
        assert found.size > 50, f"{state} 的颜色没有出现在图中"
        fill_greys[state] = int(numpy.bincount(found).argmax())
    pairs = {(a, b): abs(fill_greys[a] - fill_greys[b]) for a, b in itertools.combinations(STATES, 2)}
    assert min(pairs.values()) >= GREY_MARGIN, (fill_greys, min(pairs, key=pairs.get))


def font_list_without_cjk(cache_dir: Path) -> Path:
    """A matplotlib font cache as on a machine where the CJK fonts were installed after matplotlib first ran."""
    from matplotlib import font_manager
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / f"fontlist-v{font_manager.FontManager.__version__}.json"
    font_manager.json_dump(font_manager.fontManager, path)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["ttflist"] = [e for e in data["ttflist"] if e["name"] not in charts.CJK_FONTS
                       and not draws_chinese(absolute_font_path(e["fname"]))]
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def absolute_font_path(fname: str) -> str:
    import matplotlib
    return fname if Path(fname).is_absolute() else str(Path(matplotlib.get_data_path()) / fname)


def cjk_families_in(cache: Path) -> set[str]:
    names = {e["name"] for e in json.loads(cache.read_text(encoding="utf-8"))["ttflist"]}
    return names & set(charts.CJK_FONTS)


def test_circular_finds_the_cjk_font_missing_from_matplotlibs_cache(parsed_workspace, tmp_path, monkeypatch):
    """`circular` run with MPLCONFIGDIR at a font cache that lists no CJK font, while CJK fonts are installed:
    no font warning, the chart is the one drawn with a CJK font, and the cache now lists it."""
    from toolkit import progress
    from toolkit.config import load_config
    from toolkit.directory import load_directory
    from toolkit.ledger import load_ledger
    from toolkit.periods import parse_period

    if not cjk_fonts_installed():
        pytest.skip("需要已安装的中文字体：apt-get install fonts-noto-cjk")
    cache = font_list_without_cjk(tmp_path / "mplconfig")
    assert not cjk_families_in(cache)
    report_every_state(parsed_workspace, "2024-W12")
    monkeypatch.setenv("MPLCONFIGDIR", str(cache.parent))
    result = run_toolkit(parsed_workspace, "circular", "2024-W12", "--date", "2024-03-25")
    assert result.returncode == 0, result.stderr
    assert "字体" not in result.stderr and "方框" not in result.stderr
    assert cjk_families_in(cache)          # rebuilt once; the next run finds the font at once

    docx = next((parsed_workspace / "outputs" / "2024-W12" / "通报").glob("*.docx"))
    ws = Workspace.at(parsed_workspace)
    config = load_config(ws)
    ledger = load_ledger(ws)
    statuses = progress.evaluate(ledger, parse_period("2024-W12", config), config, load_directory(ws))
    assert charts.cjk_font() in charts.CJK_FONTS
    assert chart_in(docx) == charts.chart_png(ledger, statuses)      # the same pixels as with a CJK font
    monkeypatch.setattr(charts, "_cjk_font_cache", [None])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)                 # matplotlib: glyphs missing, as intended
        assert chart_in(docx) != charts.chart_png(ledger, statuses)  # and not those drawn without one
