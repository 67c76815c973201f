"""Build templates/周盘点.docx, 旬推进.docx and 月调度.docx (docxtpl) with the GB/T 9704-2012 layout.

Run: .venv/bin/python scripts/build_templates.py [OUT_DIR]   (default: templates/ of the repository)

Every variable used here is documented in templates/README.md; tests/test_templates.py checks the layout.
"""
from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

KINDS = ("周盘点", "旬推进", "月调度", "完成情况报告")
NOTICE = "督办通知单"      # the 催报 ladder's third step (toolkit status), one per unit

# GB/T 9704-2012 fonts and sizes
FANGSONG = "仿宋_GB2312"
KAITI = "楷体_GB2312"
HEITI = "黑体"
XIAOBIAOSONG = "方正小标宋简体"
SONGTI = "宋体"
LATIN = "Times New Roman"
SIZE_2 = Pt(22)
SIZE_3 = Pt(16)
SIZE_4 = Pt(14)
SIZE_TABLE = Pt(10.5)    # 五号, so that a 7-column table fits 156 mm without breaking "20.6%"
LINE_PITCH = Pt(28.95)   # 22 lines in the 225 mm 版心 (579 twips)
MASTHEAD_PITCH = Pt(58)
# LibreOffice 7.4 turns a positioned table into a floating frame only when it is clearly narrower than the
# 版心 (156 mm stayed inline, 150 mm floated, tested); Word and WPS honour the position either way.
COLOPHON_WIDTH_MM = 150
RED = RGBColor(0xFF, 0x00, 0x00)
TEXT_WIDTH_MM = 156

THEME_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")
# Schema order of the rPr children we may insert by hand (python-docx only knows some of them)
RPR_ORDER = ("rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike", "outline",
             "shadow", "emboss", "imprint", "noProof", "snapToGrid", "vanish", "webHidden", "color", "spacing",
             "w", "kern", "position", "sz", "szCs", "highlight", "u", "effect", "bdr", "shd", "fitText",
             "vertAlign", "rtl", "cs", "em", "lang", "eastAsianLayout", "specVanish", "oMath")


# ---------------------------------------------------------------- low-level XML helpers

def _rpr_child(rpr, name: str):
    """Get or insert w:<name> in rPr at its schema position."""
    existing = rpr.find(qn(f"w:{name}"))
    if existing is not None:
        return existing
    element = OxmlElement(f"w:{name}")
    later = set(RPR_ORDER[RPR_ORDER.index(name) + 1:])
    for index, child in enumerate(rpr):
        if child.tag.split("}")[1] in later:
            rpr.insert(index, element)
            return element
    rpr.append(element)
    return element


def set_fonts(rpr, east_asia: str, latin: str = LATIN) -> None:
    """Name the East Asian font explicitly and drop theme fonts, which would beat the names."""
    fonts = _rpr_child(rpr, "rFonts")
    for attr in THEME_ATTRS:
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:cs"), latin)


def set_lang_zh(rpr) -> None:
    lang = _rpr_child(rpr, "lang")
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")


def set_char_spacing(rpr, twentieths: int) -> None:
    _rpr_child(rpr, "spacing").set(qn("w:val"), str(twentieths))


def style_font(style, east_asia: str, size=None, bold: bool = False, color: RGBColor | None = None) -> None:
    set_fonts(style.element.get_or_add_rPr(), east_asia)
    font = style.font
    font.name = LATIN
    if size is not None:
        font.size = size
    font.bold = bold
    font.color.rgb = color if color is not None else RGBColor(0, 0, 0)


def add_run(paragraph, text: str, east_asia: str = FANGSONG, size=None, bold: bool = False,
            color: RGBColor | None = None):
    run = paragraph.add_run(text)
    set_fonts(run._element.get_or_add_rPr(), east_asia)
    if size is not None:
        run.font.size = size
    if bold:
        run.font.bold = True
    if color is not None:
        run.font.color.rgb = color
    return run


def paragraph_border(paragraph, side: str, size_eighths: int, color: str = "auto") -> None:
    ppr = paragraph._p.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        # pBdr comes after keepNext…pageBreakBefore…numPr; appending before spacing/ind keeps Word happy
        anchor = next((c for c in ppr if c.tag in (qn("w:shd"), qn("w:tabs"), qn("w:spacing"), qn("w:ind"),
                                                   qn("w:jc"))), None)
        if anchor is None:
            ppr.append(borders)
        else:
            anchor.addprevious(borders)
    line = OxmlElement(f"w:{side}")
    line.set(qn("w:val"), "single")
    line.set(qn("w:sz"), str(size_eighths))
    line.set(qn("w:space"), "1")
    line.set(qn("w:color"), color)
    borders.append(line)


def table_borders(table, spec: dict[str, int]) -> None:
    """spec: side -> width in eighths of a point; sides left out get no line."""
    tbl_pr = table._tbl.tblPr
    old = tbl_pr.find(qn("w:tblBorders"))
    if old is not None:
        tbl_pr.remove(old)
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        line = OxmlElement(f"w:{side}")
        width = spec.get(side)
        line.set(qn("w:val"), "single" if width else "nil")
        if width:
            line.set(qn("w:sz"), str(width))
            line.set(qn("w:space"), "0")
            line.set(qn("w:color"), "000000")
        borders.append(line)
    # tblBorders follows tblW/jc/tblCellSpacing/tblInd in the schema
    anchor = next((c for c in tbl_pr if c.tag in (qn("w:shd"), qn("w:tblLayout"), qn("w:tblCellMar"),
                                                  qn("w:tblLook"))), None)
    if anchor is None:
        tbl_pr.append(borders)
    else:
        anchor.addprevious(borders)


def repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    tr_pr.append(header)


def keep_row_whole(row) -> None:
    """w:cantSplit: a row is never cut between two pages."""
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.insert(0, OxmlElement("w:cantSplit"))


def add_field(paragraph, instruction: str, east_asia: str, size) -> None:
    """A complex field (PAGE) whose runs carry explicit fonts too."""
    for kind, text in (("begin", None), (None, instruction), ("separate", None), (None, "1"), ("end", None)):
        run = add_run(paragraph, "", east_asia, size)
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._element.append(char)
        elif text == instruction:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = f" {instruction} "
            run._element.append(instr)
        else:
            run.text = text


# ---------------------------------------------------------------- document set-up

def normalise_styles(doc) -> None:
    """Docdefaults and every style: explicit East Asian font, no theme fonts, Chinese language."""
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(rpr, FANGSONG)
    set_lang_zh(rpr)
    for style in styles.findall(qn("w:style")):
        style_rpr = style.find(qn("w:rPr"))
        if style.get(qn("w:type")) == "numbering":
            continue
        if style_rpr is None:
            style_rpr = OxmlElement("w:rPr")
            style.append(style_rpr)
        fonts = style_rpr.find(qn("w:rFonts"))
        named = fonts is not None and fonts.get(qn("w:eastAsia")) and not any(
            fonts.get(qn(attr)) for attr in THEME_ATTRS)
        if named:
            continue   # one of ours, already explicit
        heading = (style.get(qn("w:styleId")) or "").lower().startswith(("heading", "title"))
        set_fonts(style_rpr, HEITI if heading else FANGSONG)
        colour = style_rpr.find(qn("w:color"))
        if colour is not None and colour.get(qn("w:themeColor")):
            for attr in ("w:themeColor", "w:themeShade", "w:themeTint"):
                colour.attrib.pop(qn(attr), None)
            colour.set(qn("w:val"), "000000")
    for fonts in styles.iter(qn("w:rFonts")):   # also table-style conditional formats (tblStylePr)
        if any(fonts.get(qn(attr)) for attr in THEME_ATTRS):
            east_asia = fonts.get(qn("w:eastAsia")) or FANGSONG
            for attr in THEME_ATTRS:
                fonts.attrib.pop(qn(attr), None)
            for attr in ("w:ascii", "w:hAnsi", "w:cs"):
                fonts.set(qn(attr), fonts.get(qn(attr)) or LATIN)
            fonts.set(qn("w:eastAsia"), east_asia)
    settings = doc.settings.element
    theme_lang = settings.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(qn("w:eastAsia"), "zh-CN")


def add_paragraph_style(doc, name: str, east_asia: str, size, *, bold=False, color=None, align=None,
                        first_indent_chars: int = 0, exact=True, keep_with_next=False):
    from docx.enum.style import WD_STYLE_TYPE
    style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = doc.styles["Normal"]
    style.quick_style = True
    style_font(style, east_asia, size, bold, color)
    fmt = style.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    if exact:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = LINE_PITCH
    else:
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    if align is not None:
        fmt.alignment = align
    if keep_with_next:   # headings, table titles and the chart never end a page alone
        fmt.keep_with_next = True
    set_first_line_chars(style.element.get_or_add_pPr(), first_indent_chars)
    return style


def set_first_line_chars(ppr, chars: int) -> None:
    """Indent in characters (w:firstLineChars, hundredths), so the indent follows the font size."""
    ind = ppr.find(qn("w:ind"))
    if ind is None:
        ind = OxmlElement("w:ind")
        anchor = next((c for c in ppr if c.tag in (qn("w:contextualSpacing"), qn("w:mirrorIndents"),
                                                   qn("w:jc"), qn("w:textDirection"), qn("w:outlineLvl"),
                                                   qn("w:rPr"))), None)
        if anchor is None:
            ppr.append(ind)
        else:
            anchor.addprevious(ind)
    ind.set(qn("w:firstLineChars"), str(chars * 100))
    ind.set(qn("w:firstLine"), str(chars * 320))   # 16 pt characters, for readers that ignore *Chars


def set_up_styles(doc) -> None:
    normal = doc.styles["Normal"]
    style_font(normal, FANGSONG, SIZE_3)
    fmt = normal.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE_PITCH
    fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    set_char_spacing(normal.element.get_or_add_rPr(), -5)   # 28 characters per line (reference A1)
    set_first_line_chars(normal.element.get_or_add_pPr(), 2)

    masthead = add_paragraph_style(doc, "版头标志", XIAOBIAOSONG, Pt(48), color=RED,
                                   align=WD_ALIGN_PARAGRAPH.CENTER)
    masthead.paragraph_format.line_spacing = MASTHEAD_PITCH   # single spacing of a 48 pt CJK font wastes 5 mm
    add_paragraph_style(doc, "版头期数", FANGSONG, SIZE_3, align=WD_ALIGN_PARAGRAPH.CENTER)
    add_paragraph_style(doc, "版头机关", FANGSONG, SIZE_3)
    add_paragraph_style(doc, "公文标题", XIAOBIAOSONG, SIZE_2, align=WD_ALIGN_PARAGRAPH.CENTER, exact=False)
    add_paragraph_style(doc, "副标题", KAITI, SIZE_3, align=WD_ALIGN_PARAGRAPH.CENTER)
    add_paragraph_style(doc, "正文", FANGSONG, SIZE_3, first_indent_chars=2)
    add_paragraph_style(doc, "主送", FANGSONG, SIZE_3)
    add_paragraph_style(doc, "一级标题", HEITI, SIZE_3, first_indent_chars=2, keep_with_next=True)
    add_paragraph_style(doc, "二级标题", KAITI, SIZE_3, first_indent_chars=2, keep_with_next=True)
    add_paragraph_style(doc, "图表", FANGSONG, SIZE_3, align=WD_ALIGN_PARAGRAPH.CENTER, exact=False,
                        keep_with_next=True)
    add_paragraph_style(doc, "图题", FANGSONG, SIZE_TABLE, align=WD_ALIGN_PARAGRAPH.CENTER, exact=False)
    add_paragraph_style(doc, "表题", HEITI, SIZE_4, align=WD_ALIGN_PARAGRAPH.CENTER, keep_with_next=True)
    add_paragraph_style(doc, "表格文字", FANGSONG, SIZE_TABLE, align=WD_ALIGN_PARAGRAPH.CENTER, exact=False)
    add_paragraph_style(doc, "表头文字", HEITI, SIZE_TABLE, align=WD_ALIGN_PARAGRAPH.CENTER, exact=False)
    add_paragraph_style(doc, "版记", FANGSONG, SIZE_4, exact=False)
    add_paragraph_style(doc, "附件标识", HEITI, SIZE_3)
    add_paragraph_style(doc, "附件标题", XIAOBIAOSONG, SIZE_2, align=WD_ALIGN_PARAGRAPH.CENTER, exact=False,
                        keep_with_next=True)
    add_paragraph_style(doc, "页码", SONGTI, SIZE_4, exact=False)
    anchor = add_paragraph_style(doc, "版记锚点", FANGSONG, Pt(1))
    anchor.paragraph_format.line_spacing = Pt(1)   # the paragraph Word needs after the 版记 table takes no room
    for name in ("表格文字", "表头文字", "版记", "页码", "图表", "图题"):
        set_char_spacing(doc.styles[name].element.get_or_add_rPr(), 0)
    normalise_styles(doc)


def set_up_page(doc) -> None:
    section = doc.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width = Mm(210)
    section.page_height = Mm(297)
    section.top_margin = Mm(37)
    section.bottom_margin = Mm(35)
    section.left_margin = Mm(28)
    section.right_margin = Mm(26)
    section.header_distance = Mm(15)
    section.footer_distance = Mm(25)   # puts the page-number dash about 7 mm under the 版心
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    grid.set(qn("w:linePitch"), "579")
    doc.settings.odd_and_even_pages_header_footer = True
    page_number(section.footer, WD_ALIGN_PARAGRAPH.RIGHT)
    page_number(section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)


def page_number(footer, align) -> None:
    """`— 1 —` in 4号宋体, one character in from the outer edge."""
    footer.is_linked_to_previous = False
    paragraph = footer.paragraphs[0]
    paragraph.style = "页码"
    paragraph.alignment = align
    fmt = paragraph.paragraph_format
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        fmt.right_indent = SIZE_4
    else:
        fmt.left_indent = SIZE_4
    add_run(paragraph, "— ", SONGTI, SIZE_4)
    add_field(paragraph, "PAGE", SONGTI, SIZE_4)
    add_run(paragraph, " —", SONGTI, SIZE_4)


# ---------------------------------------------------------------- content blocks

def para(doc, text: str = "", style: str = "正文", east_asia: str | None = None, **run_kw):
    paragraph = doc.add_paragraph(style=style)
    if text:
        font = east_asia or _style_east_asia(doc, style)
        add_run(paragraph, text, font, **run_kw)
    return paragraph


def _style_east_asia(doc, style: str) -> str:
    fonts = doc.styles[style].element.rPr.find(qn("w:rFonts"))
    return fonts.get(qn("w:eastAsia"))


def tag(doc, text: str):
    """A paragraph holding only a docxtpl {%p %} tag; it disappears when rendered."""
    return para(doc, text, "正文")


def masthead(doc, kind: str) -> None:
    para(doc, "{{ masthead }}", "版头标志")
    para(doc, f"{kind}　第{{{{ number }}}}期", "版头期数")
    line = doc.add_paragraph(style="版头机关")
    line.paragraph_format.tab_stops.add_tab_stop(Mm(TEXT_WIDTH_MM), WD_TAB_ALIGNMENT.RIGHT)
    add_run(line, "{{ office }}", FANGSONG)
    add_run(line, "\t{{ issue_date }}", FANGSONG)
    paragraph_border(line, "bottom", 18, "FF0000")   # red separator, 2.25 pt, 版心 wide
    para(doc, "", "正文")
    para(doc, "{{ title }}", "公文标题")
    para(doc, "（{{ period_label }}）", "副标题")
    para(doc, "", "正文")
    para(doc, "{{ recipients }}：", "主送")


def data_table(doc, headers: list[tuple[str, float]], loop: str, cells: list[str]):
    """Header row, then a docxtpl row loop: {%tr for … %} / data row / {%tr endfor %}."""
    table = doc.add_table(rows=4, cols=len(headers))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    table_borders(table, {side: 4 for side in ("top", "left", "bottom", "right", "insideH", "insideV")})
    repeat_header(table.rows[0])
    for row in table.rows:
        keep_row_whole(row)
    for col, (header, width) in enumerate(headers):
        table.columns[col].width = Mm(width)   # w:gridCol, which LibreOffice follows
        for row in table.rows:
            row.cells[col].width = Mm(width)
        fill_cell(table.rows[0].cells[col], header, "表头文字", HEITI)
        table.rows[0].cells[col].paragraphs[0].paragraph_format.keep_with_next = True   # head stays with row 1
        fill_cell(table.rows[2].cells[col], cells[col], "表格文字", FANGSONG)
        if header in LEFT_ALIGNED:
            table.rows[2].cells[col].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.LEFT
    fill_cell(table.rows[1].cells[0], f"{{%tr for r in {loop} %}}", "表格文字", FANGSONG)
    fill_cell(table.rows[3].cells[0], "{%tr endfor %}", "表格文字", FANGSONG)
    return table


def fill_cell(cell, text: str, style: str, east_asia: str) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.style = style
    add_run(paragraph, text, east_asia)


def heading(doc, name: str, text: str) -> None:
    """一级标题 numbered from the context (`n.<name>`), so that a section left out leaves no gap."""
    para(doc, f"{{{{ n.{name} }}}}、{text}", "一级标题")


BASIS = ("依据{{ basis_text }}各单位报送情况{% if basis_overlapping %}（本{{ period_word }}内"
         "没有回收周期结束，采用与本{{ period_word }}相交的这次回收）{% endif %}，数据截至{{ data_end_date }}。")
HEADLINE = ("{{ total }}项任务中，{% if c.on_track %}按序时推进{{ c.on_track }}项（{{ c.on_track_parts }}），"
            "占{{ c.on_track_share }}{% else %}尚无按序时推进的任务{% endif %}"
            "{% if c.lagging %}；滞后{{ c.lagging }}项{% if red_lagging_count %}，其中红色预警"
            "{{ red_lagging_count }}项{% endif %}{% endif %}{% if c.not_started %}；未启动{{ c.not_started }}项"
            "{% endif %}{% if c.unreported %}；主办单位未报送{{ c.unreported }}项{% endif %}。")
COMPARISON = ("{% if has_comparison %}与上{{ period_word }}（{{ previous_label }}）相比{% if skipped_text %}"
              "（其间{{ skipped_text }}未开展回收）{% endif %}，新完成{{ newly_completed|length }}项，"
              "新增滞后{{ newly_lagging|length }}项{% else %}{{ no_baseline }}{% endif %}"
              "{% if not_updated %}；本{{ period_word }}未更新进展{{ not_updated|length }}项{% if repeated_count %}"
              "（其中{{ repeated_count }}项报送内容与上次相同）{% endif %}{% endif %}。")
ATTENTION = ("{% if red_push_count %}红色预警任务{{ red_push_count }}项，涉及{{ red_units_count }}个主办单位，"
             "{{ inform }}。{% endif %}")
def overview(doc) -> None:
    """一、总体情况: what the numbers rest on, the headline, the change, who needs attention, the chart."""
    heading(doc, "overview", "总体情况")
    para(doc, BASIS)
    para(doc, HEADLINE)
    para(doc, COMPARISON + ATTENTION)
    para(doc, "{{ chart }}", "图表")
    para(doc, "图1　各部分任务推进状态（柱顶数字为该部分任务数）", "图题")


def changes(doc) -> None:
    """本期变化: only the lists that have tasks, each task with its lead unit."""
    tag(doc, "{%p if change_items %}")
    heading(doc, "changes", "本期变化情况")
    tag(doc, "{%p for item in change_items %}")
    paragraph = para(doc, "{{ item.number }}{{ item.label }}{{ item.count }}项", "正文", KAITI)
    add_run(paragraph, "：{{ item.text }}。", FANGSONG)
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endif %}")


LAGGING_HEADERS = [("序号", 12), ("任务摘要", 31), ("牵头领导", 19), ("主办单位", 22), ("完成\n进度", 15),
                   ("序时\n进度", 17), ("预警", 13), ("存在问题", 27)]
LEFT_ALIGNED = {"任务摘要", "存在问题", "下步计划", "指标", "单位", "部分"}   # running text reads better flush left
LAGGING_CELLS = ["{{ r.id }}", "{{ r.summary }}", "{{ r.leaders }}", "{{ r.lead_units }}", "{{ r.progress }}",
                 "{{ r.schedule }}", "{{ r.mark }}", "{{ r.problems }}"]
MARK_NOTE = ("{% if red_lagging_count %}，其中红色预警{{ red_lagging_count }}项（表中标●，排在前面）{% endif %}"
             "{% if yellow_lagging_count %}，黄色预警{{ yellow_lagging_count }}项（标▲）{% endif %}")


def lagging(doc) -> None:
    heading(doc, "lagging", "滞后任务")
    tag(doc, "{%p if lagging %}")
    para(doc, "滞后于序时进度的任务{{ lagging|length }}项" + MARK_NOTE + "。{{ urge }}；{{ inform }}。")
    para(doc, "表1　滞后任务清单", "表题")
    data_table(doc, LAGGING_HEADERS, "lagging", LAGGING_CELLS)
    tag(doc, "{%p else %}")
    para(doc, "本{{ period_word }}没有滞后于序时进度的任务。")
    tag(doc, "{%p endif %}")


def push_list(doc) -> None:
    """旬推进: one table for the lagging and red-warned tasks, with problems and plans (no second lagging table)."""
    heading(doc, "push", "滞后及红色预警任务推进清单")
    tag(doc, "{%p if push_list %}")
    para(doc, "滞后及红色预警任务{{ push_list|length }}项{% if red_push_count %}，其中红色预警{{ red_push_count }}项"
              "（表中标●，排在前面）{% endif %}。{{ urge }}，按下步计划逐项落实；{{ inform }}。")
    para(doc, "表1　滞后及红色预警任务推进清单", "表题")
    # column widths so that every header fits on its line at 五号 (3.7 mm a character plus 3.8 mm of cell margins)
    data_table(doc, [("序号", 12), ("任务摘要", 25), ("主办单位", 20), ("完成\n进度", 15), ("序时\n进度", 17),
                     ("预警", 13), ("存在问题", 27), ("下步计划", 27)], "push_list",
               ["{{ r.id }}", "{{ r.summary }}", "{{ r.lead_units }}", "{{ r.progress }}", "{{ r.schedule }}",
                "{{ r.mark }}", "{{ r.problems }}", "{{ r.plan }}"])
    tag(doc, "{%p else %}")
    para(doc, "本旬没有滞后或红色预警的任务。")
    tag(doc, "{%p endif %}")


def reporting(doc) -> None:
    heading(doc, "reporting", "报送情况")
    para(doc, "{% if basis_count > 1 %}本{{ period_word }}共{{ basis_count }}次回收（{{ basis_text }}），"
              "应报送单位{{ expected_units }}个，每次均按时报送{{ on_time_units }}个{% else %}"
              "应报送单位{{ expected_units }}个，按时报送{{ on_time_units }}个{% endif %}"
              "{% if not late_units and not unreported_units %}，全部按时报送{% endif %}。"
              "{% if unreported_units %}未报送：{{ unreported_text }}。{% endif %}"
              "{% if late_units %}迟报：{{ late_text }}。{% endif %}"
              "{% if unreported_units or late_units %}请以上单位严格落实报送要求，按时报送。{% endif %}")


def leaders(doc, table_no: int) -> None:
    heading(doc, "leaders", "牵头领导分项情况")
    para(doc, f"表{table_no}　按牵头领导统计", "表题")
    data_table(doc, [("牵头领导", 24), ("任务数", 17), ("已完成", 17), ("超序时及\n序时推进", 21), ("滞后", 17),
                     ("其中\n红色预警", 21), ("未启动", 19), ("未报送", 20)], "leader_rows",
               ["{{ r.leader }}", "{{ r.tasks }}", "{{ r.done }}", "{{ r.on_track }}", "{{ r.lagging }}",
                "{{ r.red_mark }}", "{{ r.not_started }}", "{{ r.unreported }}"])


def unit_ranking(doc, table_no: int) -> None:
    heading(doc, "ranking", "主办单位综合排名")
    para(doc, "按督查工作考核得分排序：基础分{{ scoring.base }}分，每个回收周期迟报扣{{ scoring.late }}分、未报送扣"
              "{{ scoring.missed }}分，主办任务月末滞后每项扣{{ scoring.lagging }}分、红色预警每项扣{{ scoring.red }}分，"
              "任务逾期未完成主办单位扣{{ scoring.overdue_lead }}分、协办单位扣{{ scoring.overdue_co }}分，按时销号主办单位加"
              "{{ scoring.closed_lead }}分、协办单位加{{ scoring.closed_co }}分，校验拒收的每行扣{{ scoring.rejected_row }}分"
              "（每期最多扣{{ scoring.rejected_cap }}分）；每一分的出处见考核表。得分相同时，主办任务按序时推进率高的在前，"
              "再相同时完成进度平均领先序时进度（表中“领先序时”，百分点）多的在前；三者都相同的名次并列。"
              "{% if single_task_units %}标*的{{ single_task_units }}个单位主办任务不超过{{ scoring.few_tasks }}项，"
              "得分受个别任务影响较大。{% endif %}")
    para(doc, f"表{table_no}　主办单位综合排名", "表题")
    data_table(doc, [("名次", 12), ("单位", 31), ("主办\n任务", 13), ("按序时\n推进率", 19), ("按时\n报送率", 19),
                     ("领先\n序时", 18), ("红色\n预警", 13), ("问题\n数", 15), ("得分", 16)], "unit_rows",
               ["{{ r.rank }}", "{{ r.shown_unit }}", "{{ r.tasks }}", "{{ r.on_time_rate }}", "{{ r.reporting_rate }}",
                "{{ r.lead }}", "{{ r.red }}", "{{ r.problems }}", "{{ r.score }}"])


def indicators(doc, table_no: int) -> None:
    heading(doc, "indicators", "量化指标完成情况")
    tag(doc, "{%p if indicator_rows %}")
    para(doc, "{{ indicator_rows|length }}项量化指标中，已报送完成值{{ indicators_reported }}项，完成率达到序时进度"
              "{{ indicators_on_schedule }}项{% if indicators_behind %}，低于序时进度{{ indicators_behind|length }}项"
              "（见下表）{% endif %}{% if indicators_unreported %}；尚未报送完成值{{ indicators_unreported }}项{% endif %}。"
              "全部指标见附件。")
    tag(doc, "{%p if indicators_behind %}")
    para(doc, f"表{table_no}　低于序时进度的量化指标", "表题")
    data_table(doc, [("任务", 12), ("指标", 46), ("主办单位", 28), ("目标值", 21), ("完成值", 17), ("完成率", 16),
                     ("序时\n进度", 16)], "indicators_behind",
               ["{{ r.task_id }}", "{{ r.phrase }}", "{{ r.lead_units }}", "{{ r.target }}{{ r.unit }}",
                "{{ r.current }}", "{{ r.rate }}", "{{ r.schedule }}"])
    tag(doc, "{%p endif %}")
    tag(doc, "{%p else %}")
    para(doc, "台账中没有量化指标。")
    tag(doc, "{%p endif %}")


def requirements(doc) -> None:
    heading(doc, "requirements", "下步工作要求")
    tag(doc, "{%p for item in requirements %}")
    paragraph = para(doc, "{{ item.number }}", "正文", KAITI)
    add_run(paragraph, "{{ item.text }}", FANGSONG)
    tag(doc, "{%p endfor %}")


def attachment(doc, table_no: int) -> None:
    """附件说明 after the body, then the full indicator table on a page of its own (GB/T 9704 8.1)."""
    tag(doc, "{%p if indicator_rows %}")
    para(doc, "附件：量化指标完成情况一览表")
    para(doc, "附件", "附件标识").paragraph_format.page_break_before = True
    para(doc, "量化指标完成情况一览表", "附件标题")
    data_table(doc, [("任务", 12), ("指标", 54), ("主办单位", 28), ("目标值", 22), ("完成值", 20), ("完成率", 20)],
               "indicator_rows",
               ["{{ r.task_id }}", "{{ r.phrase }}", "{{ r.lead_units }}", "{{ r.target }}{{ r.unit }}",
                "{{ r.current }}", "{{ r.rate }}"])
    tag(doc, "{%p endif %}")


def colophon(doc) -> None:
    """版记: 抄送 and 印发 lines between 0.35/0.25/0.35 mm rules, anchored to the bottom of the 版心."""
    table = doc.add_table(rows=2, cols=1)
    table.autofit = False
    table_borders(table, {"top": 8, "insideH": 6, "bottom": 8})
    for row in table.rows:
        keep_row_whole(row)
    tbl_pr = table._tbl.tblPr
    position = OxmlElement("w:tblpPr")
    for attr, value in (("w:vertAnchor", "margin"), ("w:horzAnchor", "margin"), ("w:tblpYSpec", "bottom"),
                        ("w:tblpXSpec", "center")):
        position.set(qn(attr), value)
    tbl_pr.insert(1 if tbl_pr.find(qn("w:tblStyle")) is not None else 0, position)
    table.columns[0].width = Mm(COLOPHON_WIDTH_MM)
    preferred = tbl_pr.find(qn("w:tblW"))   # an explicit width, not "auto", for Word's floating-table layout
    preferred.set(qn("w:type"), "dxa")
    preferred.set(qn("w:w"), str(Mm(COLOPHON_WIDTH_MM).twips))
    for row in table.rows:
        row.cells[0].width = Mm(COLOPHON_WIDTH_MM)
    copy_to = table.rows[0].cells[0].paragraphs[0]
    copy_to.style = "版记"
    # 左右各空一字; wrapped lines align with the first character after 抄送： (GB/T 9704 7.4.2)
    copy_to.paragraph_format.left_indent = SIZE_4 * 4
    copy_to.paragraph_format.first_line_indent = -SIZE_4 * 3
    copy_to.paragraph_format.right_indent = SIZE_4
    add_run(copy_to, "抄送：{{ cc }}。", FANGSONG)
    printed = table.rows[1].cells[0].paragraphs[0]
    printed.style = "版记"
    printed.paragraph_format.left_indent = SIZE_4
    printed.paragraph_format.tab_stops.add_tab_stop(Mm(COLOPHON_WIDTH_MM - 2) - SIZE_4, WD_TAB_ALIGNMENT.RIGHT)
    add_run(printed, "{{ printer }}", FANGSONG)
    add_run(printed, "\t{{ print_date }}印发", FANGSONG)
    para(doc, "", "版记锚点")   # Word wants a paragraph after a table at the end of the body


def report_body(doc) -> None:
    """完成情况报告 (上半年, 前三季度, 全年): targets, indicators, sections, lagging tasks, units, every task."""
    masthead(doc, "完成情况报告")
    para(doc, "现将{{ period_display }}{{ subject }}完成情况报告如下。")
    heading(doc, "overview", "总体情况")
    para(doc, BASIS)
    para(doc, HEADLINE)
    para(doc, ATTENTION + "{% if not red_push_count %}目前没有红色预警任务。{% endif %}")
    para(doc, "{{ chart }}", "图表")
    para(doc, "图1　各部分任务推进状态（柱顶数字为该部分任务数）", "图题")
    heading(doc, "targets", "主要预期目标")
    tag(doc, "{%p if targets %}")
    para(doc, "通知确定的主要预期目标{{ targets|length }}项如下。其完成值不由各单位填报，本台账未采集，以统计部门发布的"
              "数据为准。")
    para(doc, "表1　主要预期目标", "表题")
    data_table(doc, [("指标", 96), ("年度目标", 60)], "targets", ["{{ r.name }}", "{{ r.target }}"])
    tag(doc, "{%p else %}")
    para(doc, "通知中没有列出主要预期目标。")
    tag(doc, "{%p endif %}")
    heading(doc, "indicators", "量化指标完成情况")
    tag(doc, "{%p if indicator_rows %}")
    para(doc, "{{ indicator_rows|length }}项量化指标中，已报送完成值{{ indicators_reported }}项，完成率达到序时进度"
              "{{ indicators_on_schedule }}项{% if indicators_behind %}，低于序时进度{{ indicators_behind|length }}项"
              "{% endif %}{% if indicators_unreported %}；尚未报送完成值{{ indicators_unreported }}项{% endif %}。")
    para(doc, "表2　量化指标完成情况", "表题")
    data_table(doc, [("任务", 12), ("指标", 44), ("主办单位", 26), ("目标值", 20), ("完成值", 16), ("完成率", 16),
                     ("差距", 22)], "indicator_rows",
               ["{{ r.task_id }}", "{{ r.phrase }}", "{{ r.lead_units }}", "{{ r.target }}{{ r.unit }}",
                "{{ r.current }}", "{{ r.rate }}", "{{ r.gap }}"])
    tag(doc, "{%p else %}")
    para(doc, "台账中没有量化指标。")
    tag(doc, "{%p endif %}")
    heading(doc, "sections", "分部分推进情况")
    para(doc, "表3　分部分推进情况", "表题")
    data_table(doc, [("部分", 56), ("任务数", 16), ("已完成", 16), ("超序时及\n序时推进", 20), ("滞后", 16),
                     ("未启动", 16), ("未报送", 16)], "section_rows",
               ["{{ r.section }}", "{{ r.tasks }}", "{{ r.done }}", "{{ r.on_track }}", "{{ r.lagging }}",
                "{{ r.not_started }}", "{{ r.unreported }}"])
    heading(doc, "lagging", "滞后任务及原因")
    tag(doc, "{%p if lagging %}")
    para(doc, "滞后于序时进度的任务{{ lagging|length }}项" + MARK_NOTE + "，原因和下步措施如下。{{ urge }}；{{ inform }}。")
    para(doc, "表4　滞后任务及原因", "表题")
    data_table(doc, [("序号", 12), ("任务摘要", 25), ("主办单位", 20), ("完成\n进度", 15), ("序时\n进度", 17),
                     ("预警", 13), ("存在问题", 27), ("下步计划", 27)], "lagging",
               ["{{ r.id }}", "{{ r.summary }}", "{{ r.lead_units }}", "{{ r.progress }}", "{{ r.schedule }}",
                "{{ r.mark }}", "{{ r.problems }}", "{{ r.plan }}"])
    tag(doc, "{%p else %}")
    para(doc, "没有滞后于序时进度的任务。")
    tag(doc, "{%p endif %}")
    unit_ranking(doc, 5)
    para(doc, "{{ closing }}")
    para(doc, "附件：全部任务推进情况一览表")
    para(doc, "附件", "附件标识").paragraph_format.page_break_before = True
    para(doc, "全部任务推进情况一览表", "附件标题")
    data_table(doc, [("序号", 11), ("任务摘要", 38), ("牵头领导", 18), ("主办单位", 24), ("完成时限", 24),
                     ("状态", 15), ("完成\n进度", 13), ("预警", 13)], "every_task",
               ["{{ r.id }}", "{{ r.summary }}", "{{ r.leaders }}", "{{ r.lead_units }}", "{{ r.due }}",
                "{{ r.state }}", "{{ r.progress }}", "{{ r.mark }}"])
    colophon(doc)


def notice_body(doc) -> None:
    """督办通知单: red office masthead, its number over the red line, the title, the unit, the facts, the request."""
    para(doc, "{{ office }}", "版头标志")
    para(doc, "", "版头期数")
    number = para(doc, "{{ number }}", "版头期数")
    paragraph_border(number, "bottom", 18, "FF0000")   # red separator under the 发文字号, 版心 wide
    para(doc, "", "正文")
    para(doc, "{{ title }}", "公文标题")
    para(doc, "", "正文")
    para(doc, "{{ unit }}：", "主送")
    para(doc, "你单位{{ previous_label }}、{{ period_label }}连续两期未按时报送{{ subject }}推进情况。{{ period_label }}"
              "填报表报送截止时间为{{ due_text }}，截至{{ as_of_text }}仍未收到。你单位承担的任务"
              "{{ task_count }}项（{{ tasks_text }}）的进展因此无法纳入调度。")
    para(doc, "请于{{ answer_by }}17:00前报送{{ period_label }}填报表，并书面说明未按时报送的原因和整改措施。"
              "逾期仍未报送的，将在通报中列为未报送，并按督查工作考核办法扣分。")
    para(doc, "{% if contact_line %}{{ contact_line }}。{% endif %}")
    para(doc, "", "正文")
    for text, chars in (("{{ office }}", 2), ("{{ issue_date }}", 4)):
        signed = para(doc, text, "主送")
        signed.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        signed.paragraph_format.right_indent = SIZE_3 * chars   # 署名右空二字，日期右空四字 (GB/T 9704 7.3.5.2)


def body(doc, kind: str) -> None:
    if kind == NOTICE:
        notice_body(doc)
        return
    if kind == "完成情况报告":
        report_body(doc)
        return
    masthead(doc, kind)
    para(doc, "{{ opening }}")
    overview(doc)
    changes(doc)
    if kind == "旬推进":
        push_list(doc)
    else:
        lagging(doc)
    reporting(doc)
    leaders(doc, 2)
    if kind == "月调度":
        unit_ranking(doc, 3)
        indicators(doc, 4)
        requirements(doc)
    para(doc, "{{ closing }}")
    if kind == "月调度":
        attachment(doc, 5)
    colophon(doc)


def drop_styles_with_effects(doc) -> None:
    """Word 2010's stylesWithEffects.xml repeats the theme fonts; without it every reader uses styles.xml."""
    for rel_id, rel in list(doc.part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            del doc.part.rels[rel_id]


def build(kind: str, path: Path) -> Path:
    doc = Document()
    drop_styles_with_effects(doc)
    set_up_styles(doc)
    set_up_page(doc)
    # python-docx's blank document starts with no paragraph; nothing to remove
    body(doc, kind)
    core = doc.core_properties
    core.title = f"{kind}模板" if kind == NOTICE else f"{kind}通报模板"
    core.author = "督查台账工具箱"
    core.language = "zh-CN"
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent / "templates"
    for kind in (*KINDS, NOTICE):
        print(build(kind, out / f"{kind}.docx"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
