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
from toolkit import charts, fonts
from toolkit.errors import ToolkitWarning
from toolkit.models import STATES, ProgressRecord, SubmissionRecord
from toolkit.workspace import Workspace

GREY_MARGIN = 30     # luma levels (0–255) between any two states' fills in the printed chart


def cjk_fonts_installed() -> bool:
    if not shutil.which("fc-list"):
        return False
    return bool(subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout.strip())


@pytest.fixture
def cache_home(tmp_path, monkeypatch) -> Path:
    """An empty user cache folder (where the found font is remembered), and nothing remembered in this process."""
    home = tmp_path / "cache"
    monkeypatch.delenv("TOOLKIT_CACHE_DIR", raising=False)     # the session's private cache would come first
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    monkeypatch.setattr(fonts, "_cjk_font_cache", [])
    return home


def remembered(cache_home: Path) -> dict:
    return json.loads((cache_home / "ducha-toolkit" / fonts.CACHE_FILE).read_text(encoding="utf-8"))


# ------------------------------------------------------------------------------------------ the picture

def test_chart_is_short_enough_for_page_one():
    """150 mm wide and at most 75 mm high (about 40 mm for a few sections), so it fits under the headline."""
    png = charts.chart_png(small_ledger(), STATUSES)
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width == round(charts.CHART_WIDTH_MM / 25.4 * 200)           # 150 mm at 200 dpi
    height_mm = charts.CHART_WIDTH_MM * height / width
    assert 25 <= height_mm <= 50 <= charts.CHART_MAX_HEIGHT_MM


def test_chart_labels_wrap_in_balanced_lines():
    assert charts.wrap_label("聚力都市区融合发展", 4) == "聚力都\n市区融\n合发展"
    assert charts.wrap_label("加强政府自身建设", 4) == "加强政府\n自身建设"
    assert charts.at_most_lines("第1\n0项\n聚力\n推进\n某某") == ["第1", "0项", "聚力", "推…"]


def test_every_text_of_the_chart_is_at_least_9_pt_and_the_legend_names_each_state():
    scene = charts.chart_scene(small_ledger(), STATUSES)
    texts = [label for label in scene.labels() if label.text.strip()]
    assert texts and min(label.size_px for label in texts) >= 9 / 72 * charts.DPI     # 9 pt at 200 dpi
    assert [label.text for _swatch, label in scene.legend] == ["已完成", "序时推进", "滞后", "未报送"]
    hatched = {label.text for swatch, label in scene.legend if swatch.state in charts.STATE_HATCHES}
    assert hatched == {"滞后", "未报送"}
    # one legend row, above every column
    columns = [item for item in scene.items if isinstance(item, charts.Patch)
               and item not in [swatch for swatch, _label in scene.legend]]
    assert len({swatch.box[1] for swatch, _label in scene.legend}) == 1
    assert max(swatch.box[3] for swatch, _label in scene.legend) < min(column.box[1] for column in columns)
    # the y axis has a few integer ticks and the unit 项
    assert {"0", "1", "2", "项"} <= {label.text for label in texts}


def test_chinese_text_is_drawn_9_pt_high_in_the_picture():
    """The x labels in the PNG: a Chinese character's ink is at least 80% of 9 pt high (it fills nearly its em)."""
    from PIL import Image

    if fonts.cjk_font() is None:
        pytest.skip("需要已安装的中文字体：apt-get install fonts-noto-cjk")
    scene = charts.chart_scene(small_ledger(), STATUSES)
    image = Image.open(io.BytesIO(charts.chart_png(small_ledger(), STATUSES))).convert("L")
    label = next(label for label in scene.labels() if label.text.startswith("聚力制造"))
    x, baseline = label.xy
    em = charts.TEXT_PX
    band = numpy.asarray(image.crop((x - 2 * em, baseline - em, x + 2 * em, baseline + em // 3))) < 128
    rows = numpy.flatnonzero(band.any(axis=1))
    assert rows.size and rows[-1] - rows[0] + 1 >= 0.8 * 9 / 72 * charts.DPI


def test_state_colours_are_different_greys():
    greys = {state: luma(colour) for state, colour in charts.STATE_COLOURS.items()}
    assert set(greys) == set(STATES)
    assert min(abs(a - b) for a, b in itertools.combinations(greys.values(), 2)) >= GREY_MARGIN


def luma(colour: str) -> float:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.299 * r + 0.587 * g + 0.114 * b


# ------------------------------------------------------------------------------------------ the font

def test_no_cjk_font_file_warns_that_none_was_found(cache_home, monkeypatch):
    monkeypatch.setattr(fonts, "system_font_files", set)
    with pytest.warns(ToolkitWarning, match="没有找到中文字体文件.*fonts-noto-cjk"):
        assert fonts.cjk_font() is None


def test_unreadable_cjk_font_file_is_named_in_the_warning(cache_home, monkeypatch, tmp_path):
    broken = tmp_path / "NotoSansCJK-Regular.ttc"
    broken.write_bytes(b"not a font")
    monkeypatch.setattr(fonts, "system_font_files", lambda: {str(broken)})
    with pytest.warns(ToolkitWarning, match="找到中文字体文件 .*NotoSansCJK-Regular.ttc，但无法读取"):
        assert fonts.cjk_font() is None


def font_without_chinese() -> str:
    """A font file here that reads but has no Chinese glyphs (DejaVu on a Debian machine)."""
    for path in sorted(fonts.system_font_files()):
        try:
            font = fonts.open_face(path)
        except Exception:  # noqa: BLE001
            continue
        if not fonts.draws_chinese(font):
            return path
    pytest.skip("没有不含中文的字体文件可作过期缓存")


def cache_of_font_without_chinese() -> dict:
    path = font_without_chinese()
    return {"path": path, "index": 0, "family": fonts.open_face(path).getname()[0]}


STALE_CACHES = {
    "font gone": lambda: {"path": "/nonexistent/NotoSansCJK-Regular.ttc", "index": 2, "family": "Noto Sans CJK SC"},
    "font without Chinese": cache_of_font_without_chinese,
    "lists none": lambda: {"path": None, "index": 0, "family": None},
    "damaged": lambda: "{not json",
}


@pytest.mark.parametrize("stale", sorted(STALE_CACHES))
def test_a_stale_font_cache_gives_way_to_the_installed_cjk_font(cache_home, stale):
    if not cjk_fonts_installed():
        pytest.skip("需要已安装的中文字体：apt-get install fonts-noto-cjk")
    content = STALE_CACHES[stale]()
    cache = cache_home / "ducha-toolkit" / fonts.CACHE_FILE
    cache.parent.mkdir(parents=True)
    cache.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error", ToolkitWarning)
        face = fonts.cjk_font()
    assert face is not None and face.family in fonts.CJK_FONTS
    cache = remembered(cache_home)
    assert {key: cache[key] for key in ("path", "index", "family")} == {"path": face.path, "index": face.index,
                                                                        "family": face.family}


def test_the_remembered_font_is_used_without_searching(cache_home, monkeypatch):
    if not cjk_fonts_installed():
        pytest.skip("需要已安装的中文字体：apt-get install fonts-noto-cjk")
    first = fonts.cjk_font()
    monkeypatch.setattr(fonts, "_cjk_font_cache", [])

    def no_search():
        raise AssertionError("searched the font folders although the cache names a good font")
    monkeypatch.setattr(fonts, "system_font_files", no_search)
    assert fonts.cjk_font() == first and first.family in fonts.CJK_FONTS


def test_a_remembered_font_file_that_changed_is_checked_again(cache_home, monkeypatch):
    """Another size or date than when its glyphs were checked: checked again (no search when it still draws
    Chinese), and the cache notes the file as it is now."""
    if not cjk_fonts_installed():
        pytest.skip("需要已安装的中文字体：apt-get install fonts-noto-cjk")
    face = fonts.cjk_font()
    cache = cache_home / "ducha-toolkit" / fonts.CACHE_FILE
    cache.write_text(json.dumps({**remembered(cache_home), "stamp": [0, 0]}), encoding="utf-8")
    monkeypatch.setattr(fonts, "_cjk_font_cache", [])
    checked = []
    monkeypatch.setattr(fonts, "draws_chinese", lambda font: checked.append(font) or True)
    monkeypatch.setattr(fonts, "system_font_files", lambda: pytest.fail("searched although the font still reads"))
    assert fonts.cjk_font() == face and len(checked) == 1
    assert remembered(cache_home)["stamp"] == fonts.file_stamp(face.path)


def test_a_cache_folder_that_cannot_be_written_is_no_error(tmp_path, monkeypatch):
    """XDG_CACHE_HOME is a file (as a read-only or odd home would be): the font is searched for and used anyway."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.delenv("TOOLKIT_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    monkeypatch.setattr(fonts, "_cjk_font_cache", [])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ToolkitWarning)     # a machine without a CJK font warns, as it should
        face = fonts.cjk_font()
        monkeypatch.setattr(fonts, "_cjk_font_cache", [])
        assert fonts.cjk_font() == face
    assert (face is not None) == cjk_fonts_installed()
    assert charts.chart_png(small_ledger(), STATUSES).startswith(b"\x89PNG")


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


def test_circular_finds_the_cjk_font_when_the_font_cache_is_stale(parsed_workspace, cache_home, monkeypatch):
    """`circular` run with a font cache naming a font file that is gone, while CJK fonts are installed: no font
    warning, the chart is the one drawn with a CJK font, and the cache now names it."""
    from toolkit import progress
    from toolkit.config import load_config
    from toolkit.directory import load_directory
    from toolkit.ledger import load_ledger
    from toolkit.periods import parse_period

    if not cjk_fonts_installed():
        pytest.skip("需要已安装的中文字体：apt-get install fonts-noto-cjk")
    cache = cache_home / "ducha-toolkit" / fonts.CACHE_FILE
    cache.parent.mkdir(parents=True)
    cache.write_text(json.dumps(STALE_CACHES["font gone"]()), encoding="utf-8")
    report_every_state(parsed_workspace, "2024-W12")
    result = run_toolkit(parsed_workspace, "circular", "2024-W12", "--date", "2024-03-25")
    assert result.returncode == 0, result.stderr
    assert "字体" not in result.stderr and "方框" not in result.stderr
    assert remembered(cache_home)["family"] in fonts.CJK_FONTS     # the next run finds the font at once

    docx = next((parsed_workspace / "outputs" / "2024-W12" / "通报").glob("*.docx"))
    ws = Workspace.at(parsed_workspace)
    config = load_config(ws)
    ledger = load_ledger(ws)
    statuses = progress.evaluate(ledger, parse_period("2024-W12", config), config, load_directory(ws))
    assert fonts.cjk_font().family in fonts.CJK_FONTS
    assert chart_in(docx) == charts.chart_png(ledger, statuses)      # the same pixels as with a CJK font
    monkeypatch.setattr(fonts, "_cjk_font_cache", [None])
    assert chart_in(docx) != charts.chart_png(ledger, statuses)      # and not those drawn without one
