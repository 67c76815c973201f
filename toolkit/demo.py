"""`toolkit demo`: the whole cycle on the bundled notice, with simulated unit returns.

Units are simulated the way they behave: most fill in on time, some late, two stay silent, a few make
mistakes (a state typed by hand, a full-width percentage, an empty progress text, a Word file sent by
mistake, a corrected file sent twice). Filling uses openpyxl load → set cells → save, as Excel does.
"""
from __future__ import annotations

import os
import random
import shutil
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Callable

from toolkit.errors import ToolkitError
from toolkit.workspace import Workspace

DEMO_MARKER = ".toolkit-demo"
DEMO_WEEKS = ("2024-W11", "2024-W12")
DEMO_CIRCULARS = ("2024-W12", "2024-03中旬", "2024-03")
DEMO_SCORED = "2024-03"      # the demo ends with the month's 考核 …
DEMO_REPORT = "2024-H1"      # … and the 上半年 完成情况报告
# The district's towns the notice does not name; a clerk adds them to 单位名录 after the first parse.
EXTRA_TOWNS = ("鼓楼街道", "酒仙桥街道", "漕河镇", "新驿镇", "小孟镇")


@dataclass
class UnitAnswer:
    """What a unit writes into its workbook for one task."""
    state: str | None
    percent: object
    text: str | None
    problems: str = ""
    plan: str = ""
    keep_text: bool = False      # leave the pre-filled 本期进展 as it is (a return sent back untouched)


@dataclass
class DemoOutcome:
    lines_out: list[str] = field(default_factory=list)
    exit_code: int = 0

    def lines(self) -> list[str]:
        return self.lines_out


# ------------------------------------------------------------------------------------------- filling

def fill_workbook(source: Path, target: Path, answers: dict[str, UnitAnswer], indicator_values: dict[str, object],
                  filler: str = "张明", phone: str = "0537-3412345", head: str = "李华") -> Path:
    """Fill an issued workbook as a unit does in Excel and save it under `target`."""
    import openpyxl

    from toolkit import forms

    book = openpyxl.load_workbook(source)
    sheet = book[forms.TASK_SHEET]
    columns = {cell.value: cell.column for cell in sheet[forms.TASK_HEADER_ROW] if cell.value}
    row = forms.TASK_FIRST_ROW
    while sheet.cell(row, columns["序号"]).value not in (None, ""):
        answer = answers.get(str(sheet.cell(row, columns["序号"]).value))
        if answer is not None:
            _set(sheet, row, columns["本期状态"], answer.state)
            _set(sheet, row, columns["完成进度（%）"], answer.percent)
            if not answer.keep_text:
                _set(sheet, row, columns["本期进展"], answer.text)
            _set(sheet, row, columns["存在问题"], answer.problems)
            _set(sheet, row, columns["下步计划"], answer.plan)
        row += 1
    for label, value in (("填报人", filler), ("联系电话", phone), (forms.FOOTER_LABELS[2], head)):
        for r in range(row, row + 6):
            if sheet.cell(r, 2).value == label:
                sheet.cell(r, 3).value = value
    if forms.INDICATOR_SHEET in book.sheetnames:
        ind = book[forms.INDICATOR_SHEET]
        for r in range(forms.INDICATOR_FIRST_ROW, ind.max_row + 1):
            key = ind.cell(r, 1).value
            if key in indicator_values:
                ind.cell(r, 7).value = indicator_values[key]
    target.parent.mkdir(parents=True, exist_ok=True)
    book.save(target)
    return target


def _set(sheet, row: int, col: int, value) -> None:
    cell = sheet.cell(row, col)
    cell.value = value if value != "" else None
    if isinstance(value, str):
        cell.data_type = "s"  # what a unit types is text, never a formula


def _stamp(path: Path, when: datetime) -> None:
    os.utime(path, (when.timestamp(), when.timestamp()))


# ------------------------------------------------------------------------------------------- simulation

def simulate_returns(ws: Workspace, period_id: str, seed: int = 2024, silent: int = 2, late: int = 3,
                     mistakes: bool = True, untouched: int = 0) -> list[str]:
    """Write filled workbooks for `period_id` into inputs/回收/<period>/; returns notes on what was done."""
    from toolkit import config as config_stage, periods
    from toolkit.ledger import load_ledger

    rng = random.Random(f"{seed}-{period_id}")
    settings = config_stage.load_config(ws)
    period = periods.parse_period(period_id, settings)
    ledger = load_ledger(ws)
    issued = sorted(ws.issued_dir(period_id).glob("*.xlsx"))
    if not issued:
        raise ToolkitError(f"{ws.issued_dir(period_id)} 中没有下发的填报表，请先运行 toolkit issue {period_id}。")
    inbox = ws.returns(period_id)
    units = [p.stem for p in issued]
    silent_units = set(rng.sample(units, min(silent, len(units))))
    late_units = set(rng.sample([u for u in units if u not in silent_units], min(late, len(units) - silent)))
    schedule = {t.id: periods.schedule_percent(ledger.info.date or date(period.start.year, 1, 1),
                                               t.due or date(period.start.year, 12, 31), period.end)
                for t in ledger.tasks}
    previous = {(p.unit, p.task_id): p for p in ledger.progress}
    lazy_units = _untouched_units(rng, units, silent_units | late_units, previous, untouched)
    for path in issued:
        unit = path.stem
        if unit in silent_units:
            continue
        if unit in lazy_units:   # the same state and progress as last time, the pre-filled text left as it is
            answers = {tid: UnitAnswer(previous[(unit, tid)].state, previous[(unit, tid)].progress, None,
                                       keep_text=True) for tid in _task_ids(path) if (unit, tid) in previous}
        else:
            answers = {tid: _answer(rng, unit, tid, schedule.get(tid, 50),
                                    getattr(previous.get((unit, tid)), "progress", 0) or 0, period.id)
                       for tid in _task_ids(path)}
        values = {key: round(target * rng.uniform(0.1, 0.4), 1) for key, target in _indicator_targets(path).items()}
        received = period.due - timedelta(hours=rng.randint(2, 50))
        if unit in late_units:
            received = period.due + timedelta(hours=rng.randint(3, 40))
        name = rng.choice([f"{unit}.xlsx", f"{unit}-{period.id}填报.xlsx", f"（已填）{unit}.xlsx"])
        target = fill_workbook(path, inbox / rng.choice(["", "微信文件"]) / name, answers, values)
        _stamp(target, received)
    notes = [f"模拟回收：{len(units) - len(silent_units)} 个单位报送（其中 {len(late_units)} 个迟报），"
             f"{len(silent_units)} 个单位未报送（{'、'.join(sorted(silent_units))}）。"]
    if lazy_units:
        notes.append(f"模拟错误：{'、'.join(sorted(lazy_units))} 原样报回了上期内容（状态、进度和预填的进展都没改）。")
    if mistakes:
        applied, applicants = add_applications(inbox, period.start.year)
        notes += applied
        notes += _add_mistakes(rng, inbox, period.due, exclude=lazy_units | applicants)
    return notes


def _lead_forms(inbox: Path, count: int) -> list[Path]:
    """The first `count` returned workbooks whose first row is a task the unit leads."""
    import openpyxl

    from toolkit import forms
    from toolkit.models import LEAD

    found = []
    for path in sorted(inbox.rglob("*.xlsx")):
        book = openpyxl.load_workbook(path, read_only=True)
        role = book[forms.TASK_SHEET].cell(forms.TASK_FIRST_ROW, 3).value
        book.close()
        if role == LEAD:
            found.append(path)
        if len(found) == count:
            break
    return found


def _edit_first_row(path: Path, values: dict[str, object]) -> str:
    """Type `values` (header → value) into the first task row as the unit would; the row's task id."""
    import openpyxl

    from toolkit import forms

    mtime = path.stat().st_mtime
    book = openpyxl.load_workbook(path)
    sheet = book[forms.TASK_SHEET]
    columns = {c.value: c.column for c in sheet[forms.TASK_HEADER_ROW] if c.value}
    for header, value in values.items():
        _set(sheet, forms.TASK_FIRST_ROW, columns[header], value)
    book.save(path)
    os.utime(path, (mtime, mtime))
    return str(sheet.cell(forms.TASK_FIRST_ROW, 1).value)


def add_applications(inbox: Path, year: int) -> tuple[list[str], set[str]]:
    """One lead unit applies to close a task with its evidence in a .zip; another asks for a later deadline
    (issue 13). Returns the notes and the two units."""
    import zipfile

    picked = _lead_forms(inbox, 2)
    if len(picked) < 2:
        return [], set()
    closing, stretching = picked
    task = _edit_first_row(closing, {"本期状态": "已完成", "完成进度（%）": 100, "本期进展": "已全部完成并通过验收。",
                                     "申请销号": "是", "办结依据": "已通过区级验收，验收报告已印发"})
    evidence = f"{task}-验收报告.pdf"
    _edit_first_row(closing, {"佐证材料": evidence})
    package = closing.with_name(f"{path_unit(closing)}报送材料.zip")
    sent = datetime.fromtimestamp(closing.stat().st_mtime)
    report = b"%PDF-1.4 demo acceptance report\n%%EOF\n"
    with zipfile.ZipFile(package, "w") as archive:
        for name, data in ((closing.name, closing.read_bytes()), (evidence, report)):
            archive.writestr(zipfile.ZipInfo(name, date_time=sent.timetuple()[:6]), data)
    closing.unlink()
    _stamp(package, sent)
    stretched = _edit_first_row(stretching, {"申请调整时限": date(year + 1, 6, 30),
                                             "调整理由": "受上级审批进度影响，需顺延完成时限。"})
    return ([f"模拟销号：{path_unit(closing)} 申请第{task}项任务销号，填报表和佐证材料（{evidence}）打包为 {package.name} 报送。",
             f"模拟调整：{path_unit(stretching)} 申请把第{stretched}项任务的完成时限调整到{year + 1}年6月30日。"],
            {path_unit(closing), path_unit(stretching)})



def _untouched_units(rng: random.Random, units: list[str], busy: set[str], previous: dict, count: int) -> set[str]:
    """Units that reported every task last time and will send this period's form back untouched."""
    reported = {unit for unit, _ in previous}
    candidates = sorted(u for u in units if u not in busy and u in reported)
    return set(rng.sample(candidates, min(count, len(candidates))))


def _answer(rng: random.Random, unit: str, task_id: str, schedule: float, before: float, period_id: str) -> UnitAnswer:
    roll = rng.random()
    if roll < 0.05:
        return UnitAnswer("未启动", 0, "正在制定工作方案。", plan="本月内启动。")
    progress = max(before, min(100, round(schedule + rng.uniform(-25, 20))))
    if roll > 0.97:
        progress = 100
    state = "已完成" if progress >= 100 else ("序时推进" if progress >= schedule else "滞后")
    problems = "" if state != "滞后" else rng.choice(["项目审批手续尚未办结。", "资金未及时到位。", "受天气影响施工进度放缓。"])
    text = f"{period_id}：第{task_id}项任务按计划推进，累计完成{progress}%。"
    return UnitAnswer(state, progress, text, problems, "继续推进，按期完成年度目标。")


def _task_ids(path: Path) -> list[str]:
    from python_calamine import CalamineWorkbook

    from toolkit import forms

    meta = dict((str(r[0]), str(r[1])) for r in CalamineWorkbook.from_path(str(path))
                .get_sheet_by_name(forms.META_SHEET).to_python() if r and r[0])
    return forms.split_task_ids(meta.get("tasks", ""))


def _indicator_targets(path: Path) -> dict[str, float]:
    from python_calamine import CalamineWorkbook

    from toolkit import forms

    book = CalamineWorkbook.from_path(str(path))
    if forms.INDICATOR_SHEET not in book.sheet_names:
        return {}
    rows = book.get_sheet_by_name(forms.INDICATOR_SHEET).to_python()[forms.INDICATOR_FIRST_ROW - 1:]
    return {str(r[0]): float(r[3]) for r in rows if r and r[0] and isinstance(r[3], (int, float))}


def _add_mistakes(rng: random.Random, inbox: Path, due: datetime, exclude: set[str] = frozenset()) -> list[str]:
    """A few of the mistakes units really make, applied to files already in the inbox."""
    import openpyxl

    from toolkit import forms

    files = sorted(p for p in inbox.rglob("*.xlsx") if path_unit(p) not in exclude)
    if len(files) < 5:
        return []
    picked = rng.sample(files, 5)
    notes = []
    typed, percent, empty, resent, extra = picked
    for path, change, note in (
        (typed, ("本期状态", "进展顺利"), f"{path_unit(typed)} 在本期状态中手工输入了“进展顺利”"),
        (percent, ("完成进度（%）", "８０％"), f"{path_unit(percent)} 用全角写了完成进度“８０％”"),
        (empty, ("本期进展", None), f"{path_unit(empty)} 有一项任务没有填写本期进展"),
    ):
        mtime = path.stat().st_mtime
        book = openpyxl.load_workbook(path)
        sheet = book[forms.TASK_SHEET]
        col = next(c.column for c in sheet[forms.TASK_HEADER_ROW] if c.value == change[0])
        _set(sheet, forms.TASK_FIRST_ROW, col, change[1])
        book.save(path)
        os.utime(path, (mtime, mtime))
        notes.append(note)
    corrected = resent.with_name(f"{resent.stem}（修改版）.xlsx")
    book = openpyxl.load_workbook(resent)
    sheet = book[forms.TASK_SHEET]
    col = next(c.column for c in sheet[forms.TASK_HEADER_ROW] if c.value == "本期进展")
    _set(sheet, forms.TASK_FIRST_ROW, col, f"{sheet.cell(forms.TASK_FIRST_ROW, col).value or ''}（已补充：完成现场核查。）")
    book.save(corrected)
    _stamp(corrected, datetime.fromtimestamp(resent.stat().st_mtime) + timedelta(hours=1))
    notes.append(f"{path_unit(resent)} 报送后又发来一份内容有改动的修改版（以修改版为准）")
    stray = inbox / f"{path_unit(extra)}-情况说明.xlsx"
    stray.write_bytes(b"PK\x03\x04" + b"not really a workbook" * 10)
    _stamp(stray, due - timedelta(hours=3))
    notes.append(f"{path_unit(extra)} 的填报表合格，但另附了一份打不开的文件（{stray.name}）")
    return [f"模拟错误：{n}。" for n in notes]


def path_unit(path: Path) -> str:
    name = path.stem.replace("（已填）", "")
    return name.split("-")[0]


# ------------------------------------------------------------------------------------------- the demo

def prepare_workspace(source: Workspace, target: Path) -> Workspace:
    """A fresh demo workspace holding a copy of the source workspace's notice and settings."""
    target = target.resolve()
    if target.exists():
        if not (target / DEMO_MARKER).exists():
            raise ToolkitError(f"{target} 已存在且不是演示目录，为避免误删，请换一个目录（--to）。")
        shutil.rmtree(target)
    (target / "inputs").mkdir(parents=True)
    (target / DEMO_MARKER).write_text("toolkit demo workspace\n", encoding="utf-8")
    notices = sorted(p for p in source.inputs.glob("*") if p.suffix.lower() in (".txt", ".docx"))
    if not notices:
        raise ToolkitError(f"{source.inputs} 中没有通知文件（.txt 或 .docx）。")
    for path in notices[:1] + [source.config]:
        if path.exists():
            shutil.copy2(path, target / "inputs" / path.name)
    return Workspace.at(target)


def add_towns(ws: Workspace) -> None:
    """What the clerk does after the first parse: list every town of the district in 单位名录."""
    from toolkit.directory import COLLECTIVE_SHEET, Unit, collective, load_directory, write_directory

    directory = load_directory(ws)
    units = directory.units + [Unit(name, category="镇街") for name in EXTRA_TOWNS if not directory.find(name)]
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(ws.directory)).get_sheet_by_name(COLLECTIVE_SHEET).to_python()[1:]
    write_directory(ws.directory, units, [collective(str(r[0])) for r in rows if r and r[0]])


def run_demo(source: Workspace, target: Path, echo: Callable[[str], None] = print,
             pdf: bool | None = None) -> DemoOutcome:
    """Parse → issue → simulated returns → collect, for two weeks; then the three circulars, the month's 考核 and
    the 上半年 report.

    `pdf`: convert the circulars with LibreOffice (default: when it is installed).
    """
    from toolkit import circular, collect, forms, notice, scoring

    ws = prepare_workspace(source, target)
    outcome = DemoOutcome()
    notice_file = next(p for p in ws.inputs.iterdir() if p.suffix.lower() in (".txt", ".docx"))

    def step(title: str, lines: list[str]) -> None:
        echo(f"\n== {title} ==")
        for line in lines:
            echo(line)

    step("1. 解析通知", notice.parse_into_ledger(ws, notice_file).lines())
    add_towns(ws)
    step("   督查室补全单位名录", [f"已在 {ws.directory} 中补充镇街：{'、'.join(EXTRA_TOWNS)}"])
    for i, period_id in enumerate(DEMO_WEEKS):
        monday = date.fromisocalendar(int(period_id[:4]), int(period_id[6:]), 1)
        step(f"{2 + 3 * i}. 下发 {period_id}", forms.issue_forms(ws, period_id, as_of=monday).lines())
        last = i == len(DEMO_WEEKS) - 1
        step(f"{3 + 3 * i}. 模拟各单位填报", simulate_returns(ws, period_id, mistakes=last, untouched=int(last)))
        result = collect.collect_period(ws, period_id)
        step(f"{4 + 3 * i}. 回收校验 {period_id}", result.lines())
    if pdf is None:
        pdf = shutil.which("soffice") is not None or shutil.which("libreoffice") is not None
    paths = []
    for period_id in DEMO_CIRCULARS:
        paths += circular.render_circulars(ws, period_id, as_of=None, pdf=pdf)
    step("8. 生成通报", [f"已生成：{p}" for p in paths] + ([] if pdf else ["（未安装 LibreOffice，未生成 PDF）"]))
    scored = scoring.score_period(ws, DEMO_SCORED)
    step(f"9. 督查工作考核 {DEMO_SCORED}", scored.lines())
    report = circular.render_circulars(ws, DEMO_REPORT, as_of=None, pdf=pdf)
    step(f"10. 上半年完成情况报告 {DEMO_REPORT}", [f"已生成：{p}" for p in report])
    outcome.lines_out = ["", f"演示工作区：{ws.root}", f"总台账：{ws.ledger}",
                         f"销号审核、调整审核（督查室在“审核意见”列填写同意/退回/撤销、同意/不同意）：{ws.ledger} 中的"
                         f"“销号审核”“调整审核”表", f"佐证材料：{ws.outputs / '归档'}/<周期>/佐证材料/<单位>/",
                         f"各期下发、校验报告、汇总和通报：{ws.outputs}/<周期>/", f"归档原件：{ws.outputs / '归档'}",
                         f"考核（{DEMO_SCORED}）：{ws.root / scored.file}", f"上半年完成情况报告：{report[0]}"]
    return outcome
