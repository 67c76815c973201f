"""The 通报 and 完成情况报告 templates: GB/T 9704-2012 page, East Asian fonts everywhere, no theme fonts, reproducible."""
from __future__ import annotations

import importlib.util
import re
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("周盘点", "旬推进", "月调度", "完成情况报告")
THEME_FONT_ATTRS = ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme")


def load_builder():
    spec = importlib.util.spec_from_file_location("build_templates", ROOT / "scripts" / "build_templates.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """Fresh templates from the script, so the tests check the code and not only the committed files."""
    out = tmp_path_factory.mktemp("templates")
    load_builder().main(["build_templates.py", str(out)])
    return out


def paths(built: Path) -> list[Path]:
    return [built / f"{k}.docx" for k in KINDS] + [ROOT / "templates" / f"{k}.docx" for k in KINDS]


def test_script_builds_every_template(built):
    assert sorted(p.name for p in built.iterdir()) == sorted(f"{k}.docx" for k in (*KINDS, "督办通知单"))


@pytest.mark.parametrize("kind", KINDS)
def test_page_is_a4_with_gbt9704_margins(built, kind):
    """The twips of office-formats.md A1: A4 11906×16838, 天头 2098, 订口 1587, bottom 1984, right 1474."""
    section = Document(str(built / f"{kind}.docx")).sections[0]
    twips = {name: getattr(section, name).twips for name in
             ("page_width", "page_height", "top_margin", "bottom_margin", "left_margin", "right_margin")}
    assert twips == {"page_width": 11906, "page_height": 16838, "top_margin": 2098, "bottom_margin": 1984,
                     "left_margin": 1587, "right_margin": 1474}
    text_width = section.page_width - section.left_margin - section.right_margin
    assert abs(text_width - Mm(156)) < Mm(0.2)


@pytest.mark.parametrize("kind", KINDS)
def test_body_title_and_heading_fonts(built, kind):
    doc = Document(str(built / f"{kind}.docx"))

    def east_asia(style):
        return doc.styles[style].element.rPr.rFonts.get(qn("w:eastAsia"))

    assert east_asia("Normal") == "仿宋_GB2312"
    assert doc.styles["Normal"].font.size.pt == 16
    assert doc.styles["Normal"].paragraph_format.line_spacing.pt == pytest.approx(28.95, abs=0.05)
    assert east_asia("公文标题") == "方正小标宋简体" and doc.styles["公文标题"].font.size.pt == 22
    assert east_asia("一级标题") == "黑体"
    assert east_asia("二级标题") == "楷体_GB2312"
    assert east_asia("页码") == "宋体" and doc.styles["页码"].font.size.pt == 14
    masthead = doc.styles["版头标志"]
    assert str(masthead.font.color.rgb) == "FF0000"


@pytest.mark.parametrize("kind", KINDS)
def test_every_style_and_run_names_an_east_asian_font(built, kind):
    doc = Document(str(built / f"{kind}.docx"))
    styles = doc.styles.element
    for style in styles.findall(qn("w:style")):
        if style.get(qn("w:type")) == "numbering":
            continue
        fonts = style.find(qn("w:rPr") + "/" + qn("w:rFonts"))
        assert fonts is not None and fonts.get(qn("w:eastAsia")), style.get(qn("w:styleId"))
    parts = [doc.element.body] + [s.footer._element for s in doc.sections] + \
            [s.even_page_footer._element for s in doc.sections]
    runs = [r for part in parts for r in part.iter(qn("w:r"))]
    assert runs
    for run in runs:
        fonts = run.find(qn("w:rPr") + "/" + qn("w:rFonts"))
        assert fonts is not None and fonts.get(qn("w:eastAsia")), run.xml[:200]


@pytest.mark.parametrize("path_index", range(6))
def test_no_theme_font_attributes_anywhere(built, path_index):
    path = paths(built)[path_index]
    if not path.exists():
        pytest.skip(f"{path} 不存在：请运行 python scripts/build_templates.py")
    with zipfile.ZipFile(path) as package:
        for name in package.namelist():
            if name.endswith(".xml"):
                xml = package.read(name).decode("utf-8")
                for attr in THEME_FONT_ATTRS:
                    assert f':{attr}="' not in xml, (name, attr)
        settings = package.read("word/settings.xml").decode("utf-8")
        assert 'w:eastAsia="zh-CN"' in settings   # themeFontLang no longer ja-JP
        assert "evenAndOddHeaders" in settings


@pytest.mark.parametrize("kind", KINDS)
def test_page_numbers_odd_right_even_left_with_dashes(built, kind):
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    section = Document(str(built / f"{kind}.docx")).sections[0]
    odd, even = section.footer.paragraphs[0], section.even_page_footer.paragraphs[0]
    assert odd.alignment == WD_ALIGN_PARAGRAPH.RIGHT and even.alignment == WD_ALIGN_PARAGRAPH.LEFT
    for paragraph in (odd, even):
        assert paragraph.text.startswith("— ") and paragraph.text.endswith(" —")
        assert "PAGE" in paragraph._p.xml


@pytest.mark.parametrize("kind", KINDS)
def test_masthead_red_line_and_colophon(built, kind):
    doc = Document(str(built / f"{kind}.docx"))
    xml = doc.element.body.xml
    assert re.search(r'<w:bottom [^>]*w:color="FF0000"', xml), "红色分隔线"
    assert "抄送：{{ cc }}。" in xml and "{{ print_date }}印发" in xml
    assert 'w:tblpYSpec="bottom"' in xml   # 版记 anchored to the bottom of the 版心


@pytest.mark.parametrize("kind", KINDS)
def test_tags_are_whole_and_use_straight_quotes(built, kind):
    """docxtpl pitfalls 2 and 3: every tag in one run, no smart quotes inside tags."""
    doc = Document(str(built / f"{kind}.docx"))
    for run in doc.element.body.iter(qn("w:t")):
        text = run.text or ""
        assert text.count("{{") == text.count("}}") and text.count("{%") == text.count("%}"), text
        for tag in re.findall(r"\{[{%].*?[}%]\}", text):
            assert not re.search("[“”‘’]", tag), tag


def test_committed_templates_match_the_script(built):
    """templates/*.docx are what the script produces (document.xml and styles.xml compared)."""
    for kind in KINDS:
        committed = ROOT / "templates" / f"{kind}.docx"
        with zipfile.ZipFile(built / f"{kind}.docx") as new, zipfile.ZipFile(committed) as old:
            for part in ("word/document.xml", "word/styles.xml", "word/footer1.xml", "word/footer2.xml"):
                assert new.read(part) == old.read(part), f"{committed} 已过期：请运行 python scripts/build_templates.py"


def test_readme_documents_every_variable():
    from docxtpl import DocxTemplate
    readme = (ROOT / "templates" / "README.md").read_text(encoding="utf-8")
    for kind in KINDS:
        for name in DocxTemplate(str(ROOT / "templates" / f"{kind}.docx")).get_undeclared_template_variables():
            assert f"`{name}`" in readme, f"templates/README.md 未说明变量 {name}"


@pytest.mark.parametrize("kind", KINDS)
def test_headings_and_table_heads_keep_with_what_follows(built, kind):
    """A heading, a table title or a table's header row never ends a page alone; rows never split."""
    doc = Document(str(built / f"{kind}.docx"))
    for style in ("一级标题", "二级标题", "表题", "图表"):
        assert doc.styles[style].paragraph_format.keep_with_next, style
    data_tables = [t for t in doc.tables if len(t.columns) > 1]
    assert data_tables
    for table in doc.tables:
        for row in table.rows:
            assert row._tr.trPr is not None and row._tr.trPr.find(qn("w:cantSplit")) is not None
    for table in data_tables:
        assert all(cell.paragraphs[0].paragraph_format.keep_with_next for cell in table.rows[0].cells)
        assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None


@pytest.mark.parametrize("kind", KINDS)
def test_colophon_table_floats_to_the_bottom_and_ends_the_body(built, kind):
    """The 版记 is the last table, positioned at the bottom of the 版心, followed by a 1 pt empty paragraph."""
    doc = Document(str(built / f"{kind}.docx"))
    blocks = [child for child in doc.element.body if child.tag != qn("w:sectPr")]
    table, anchor = blocks[-2], blocks[-1]
    assert table.tag == qn("w:tbl") and "抄送" in "".join(t.text for t in table.iter(qn("w:t")))
    position = table.find(qn("w:tblPr") + "/" + qn("w:tblpPr"))
    assert position.get(qn("w:vertAnchor")) == "margin" and position.get(qn("w:tblpYSpec")) == "bottom"
    assert anchor.tag == qn("w:p") and anchor.find(qn("w:r")) is None
    assert doc.styles["版记锚点"].paragraph_format.line_spacing.pt == pytest.approx(1)
    borders = table.find(qn("w:tblPr") + "/" + qn("w:tblBorders"))
    sizes = {side: borders.find(qn(f"w:{side}")).get(qn("w:sz")) for side in ("top", "insideH", "bottom")}
    assert sizes == {"top": "8", "insideH": "6", "bottom": "8"}   # 0.35 / 0.25 / 0.35 mm rules


def test_xun_template_has_one_task_table():
    """旬推进 shows the push list (problems and plans) instead of repeating the lagging tasks in a second table."""
    doc = Document(str(ROOT / "templates" / "旬推进.docx"))
    heads = [[c.text for c in t.rows[0].cells] for t in doc.tables if len(t.columns) > 1]
    assert sum("任务摘要" in head for head in heads) == 1
    assert next(h for h in heads if "任务摘要" in h)[-1] == "下步计划"
