"""Benchmark of the weekly cycle (issue 6): each stage timed as a separate process, as a clerk runs it.

    .venv/bin/python scripts/bench.py                         # the real notice (76 tasks), one week
    .venv/bin/python scripts/bench.py --tasks 2000 --units 300 --weeks 52 --workspace /tmp/省级
    .venv/bin/python scripts/bench.py --tasks 30 --units 12 --weeks 2 --json
    .venv/bin/python scripts/bench.py --repeat 3                              # min/median/max of three runs

Without --tasks the real notice in inputs/ is used; with it a synthetic notice in the real notice's layout is
written (task texts made of the real notice's clauses, leaders, 1–6 units per task incl. collective names) and
parsed by the real `parse`. A unit directory with every unit and its 类别 is then written to
inputs/单位名录.xlsx, as a clerk completes it. Every week: issue → simulated returns (not timed) → collect →
status → circular. Wall time includes interpreter start; peak RSS is each process's own (os.wait4). Stages run
with bytecode caches allowed (PYTHONDONTWRITEBYTECODE dropped), as an installed toolkit does.

Each command is printed beside its floor, measured in the same run, and the ratio (issue 16): `python -m toolkit
--help` (interpreter and click start, median of three) for every command; for collect also python-calamine reading
every cell of the same returns; for issue also xlsxwriter writing the same cells of the same forms (values only,
no styles, validation or identity; in memory, as the forms are written). The calamine and xlsxwriter floors are timed inside this process.
Each ratio is printed beside issue 16's target for its scale; the history database's bytes a row, collect's growth
(last week over week 2) and the peak memory beside theirs. --repeat N runs it all N times, each in a fresh workspace,
and adds the min/median/max of every figure.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REAL_NOTICE = ROOT / "inputs" / "济兖政发〔2024〕1号.txt"
REAL_CONFIG = ROOT / "inputs" / "toolkit.toml"
STAGES = ("parse", "issue", "collect", "status", "circular")
HELP_RUNS = 3

# How often a synthetic task names each collective (lower than the district notice, where 各镇街 is in 70%
# of the tasks: at province scale "各镇街" stands for the cities or counties, a smaller share of the units).
COLLECTIVE_SHARE = {"各镇街": 0.35, "相关镇街": 0.10, "区直相关部门": 0.15, "区直各部门": 0.01}
TOWN_SHARE, PARK_SHARE, OTHER_SHARE = 0.10, 0.03, 0.02
LEADERS = ("石可清", "展召爽", "孙恒民", "张传驰", "宋恩全", "吴广", "张允锐", "张孝元", "王立新", "刘德华")
DOMAINS = ("工业和信息化", "发展和改革", "商务", "财政", "自然资源", "住房城乡建设", "交通运输", "水务", "农业农村",
           "文化和旅游", "卫生健康", "应急管理", "市场监督管理", "生态环境", "教育", "科学技术", "民政",
           "人力资源和社会保障", "司法", "统计", "审计", "医疗保障", "退役军人事务", "行政审批服务", "综合行政执法",
           "投资促进", "地方金融", "信访", "林业", "能源", "粮食和物资储备", "大数据", "机关事务", "档案",
           "供销合作", "外事", "体育", "气象", "人防", "国资")
KINDS = ("局", "服务中心", "事务中心", "办公室", "委员会", "管理处", "发展中心", "保障中心")
PLACE_CHARS = "东西南北新安龙兴华泰康宁平昌盛和顺丰源阳明德惠福清河山湖桥庄店集"


# ------------------------------------------------------------------------------------------------ units

def make_units(count: int, rng: random.Random) -> list[tuple[str, str]]:
    """(name, 类别) of `count` distinct units; names follow the patterns directory.guess_category knows."""
    towns = max(2, round(count * TOWN_SHARE))
    parks = max(1, round(count * PARK_SHARE))
    others = max(1, round(count * OTHER_SHARE))
    departments = max(1, count - towns - parks - others)
    places = [a + b for a in PLACE_CHARS for b in PLACE_CHARS if a != b]
    rng.shuffle(places)
    units = [(f"区{d}{k}", "区直部门") for k in KINDS for d in DOMAINS][:departments]
    units += [(f"{p}{'镇' if i % 3 else '街道'}", "镇街") for i, p in enumerate(places[:towns])]
    units += [(f"{p}园区", "园区") for p in places[towns:towns + parks]]
    units += [(f"{p}供电部", "其他") for p in places[towns + parks:towns + parks + others]]
    return units[:count]


# ------------------------------------------------------------------------------------------------ notice

def real_parts() -> tuple[str, list[str], list[str], str, list[int]]:
    """From the real notice: the text up to the first task section, the section headings, the clauses of the
    task texts, the closing part, and the task text lengths."""
    text = REAL_NOTICE.read_text(encoding="utf-8")
    lines = text.splitlines()
    second = next(i for i, line in enumerate(lines) if line.startswith("二、"))
    head = "\n".join(lines[:second])
    headings = [line for line in lines if re.match(r"^[二三四五六七八九十]+、", line)]
    tasks = [re.sub(r"（牵头领导：.*$", "", m) for m in re.findall(r"^\d+\.(.*)$", text, re.M)]
    clauses = [c for t in tasks for c in re.split(r"(?<=[。；])", t) if len(c) > 6]
    closing = text[text.index("\n济宁市兖州区人民政府\n\n2024年1月12日"):]
    return head, headings, clauses, closing, [len(t) for t in tasks]


def task_line(number: int, rng: random.Random, clauses: list[str], lengths: list[int],
              named: list[str], towns: list[str]) -> str:
    target = rng.choice(lengths)
    text = ""
    while len(text) < target:
        text += rng.choice(clauses)
    if not text.endswith("。"):
        text = text.rstrip("；") + "。"
    leaders = "、".join(rng.sample(LEADERS, rng.choice((1, 1, 1, 2))))
    units = rng.sample(named, rng.randint(1, 4))
    if rng.random() < 0.05:
        units.append(rng.choice(towns))
    collectives = [name for name, share in COLLECTIVE_SHARE.items() if rng.random() < share]
    units = (units + collectives)[:6]
    departments = [u for u in units if u.startswith("区") and u not in COLLECTIVE_SHARE]
    rest = [u for u in units if u not in departments]
    listing = "，".join(part for part in ("、".join(departments), "、".join(rest)) if part)
    return f"{number}.{text}（牵头领导：{leaders}。承办单位：{listing}）"


def synthetic_notice(task_count: int, units: list[tuple[str, str]], rng: random.Random) -> str:
    head, headings, clauses, closing, lengths = real_parts()
    named = [n for n, c in units if c in ("区直部门", "园区", "其他")]
    towns = [n for n, c in units if c == "镇街"]
    body, number = [head], 0
    per_section = -(-task_count // len(headings))
    for heading in headings:
        if number >= task_count:
            break
        body.append(heading)
        for _ in range(min(per_section, task_count - number)):
            number += 1
            body.append(task_line(number, rng, clauses, lengths, named, towns))
    return "\n".join(body) + closing


def write_full_directory(ws, units: list[tuple[str, str]]) -> None:
    """What the clerk does after the first parse: every unit of the region with its 类别."""
    from python_calamine import CalamineWorkbook

    from toolkit.directory import COLLECTIVE_SHEET, Unit, collective, load_directory, write_directory

    directory = load_directory(ws)
    listed = {u.name for u in directory.units}
    extra = [Unit(name, category=category) for name, category in units if name not in listed]
    kept = [Unit(u.name, u.aliases, dict(units).get(u.name, u.category), u.contact, u.phone)
            for u in directory.units]
    rows = CalamineWorkbook.from_path(str(ws.directory)).get_sheet_by_name(COLLECTIVE_SHEET).to_python()[1:]
    write_directory(ws.directory, kept + extra, [c for c in (collective(str(r[0])) for r in rows if r and r[0]) if c])


# ------------------------------------------------------------------------------------------------ running

def run_stage(ws: Path, log: Path, *args: str) -> tuple[float, float, int]:
    """One `python -m toolkit -w WS …` process: (wall seconds, peak RSS MB, exit code)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)    # an installed toolkit runs from bytecode caches (pip writes them)
    with open(log, "ab") as out:
        out.write(f"\n$ toolkit {' '.join(args)}\n".encode())
        out.flush()
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "toolkit", "-w", str(ws), *args],
                                   stdout=out, stderr=out, cwd=str(ROOT), env=env)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):
        raise SystemExit(f"toolkit {' '.join(args)} 失败（退出码 {process.returncode}），见 {log}")
    return wall, usage.ru_maxrss / 1024, process.returncode


def calamine_floor(files: list[Path]) -> float:
    """Seconds python-calamine alone needs to read every cell of every sheet of `files`."""
    from python_calamine import CalamineWorkbook

    started = time.perf_counter()
    for path in files:
        book = CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        book.close()
    return time.perf_counter() - started


def help_floor(ws: Path, log: Path) -> float:
    """Median wall seconds of `python -m toolkit --help`: the least any command costs."""
    return statistics.median(run_stage(ws, log, "--help")[0] for _ in range(HELP_RUNS))


def xlsxwriter_floor(files: list[Path], out_dir: Path) -> float:
    """Seconds xlsxwriter alone needs to write the cells of `files` again (values only, same sheets)."""
    from python_calamine import CalamineWorkbook

    books = []
    for path in files:
        source = CalamineWorkbook.from_path(str(path))
        books.append([(name, source.get_sheet_by_name(name).to_python(skip_empty_area=False))
                      for name in source.sheet_names])
        source.close()
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    import xlsxwriter

    for n, sheets in enumerate(books):
        book = xlsxwriter.Workbook(str(out_dir / f"{n}.xlsx"), {"strings_to_numbers": False,
                                                                "strings_to_formulas": False, "in_memory": True})
        for name, rows in sheets:
            sheet = book.add_worksheet(name)
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    if value not in ("", None):
                        sheet.write(r, c, value)
        book.close()
    elapsed = time.perf_counter() - started
    shutil.rmtree(out_dir, ignore_errors=True)
    return elapsed


FLOORS = {"parse": "help", "issue": "xlsxwriter", "collect": "calamine", "status": "help", "circular": "help"}


def ratios(stages: dict[str, float], floors: dict[str, float]) -> dict[str, dict]:
    """Each stage's seconds beside its floors and the ratios (the stage's own floor first)."""
    table = {}
    for stage, seconds in stages.items():
        own = FLOORS[stage]
        names = [own] + (["help"] if own != "help" else [])
        table[stage] = {"seconds": round(seconds, 3), "floor": own,
                        **{f"{name}_floor": round(floors[name], 3) for name in names},
                        **{f"x_{name}": round(seconds / floors[name], 2) if floors[name] else None for name in names}}
    return table


def week_ids(count: int) -> list[str]:
    first = max(1, min(11, 53 - count))
    monday = date.fromisocalendar(2024, first, 1)
    ids = []
    for i in range(count):
        year, week, _ = (monday + timedelta(weeks=i)).isocalendar()
        ids.append(f"{year}-W{week:02d}")
    return ids


# ------------------------------------------------------------------------------------------------ returns

def simulate_returns_fast(ws, period_id: str, seed: int) -> int:
    """Every issued workbook filled in (all units but two answer, three of them late) and saved again.

    Reads the issued workbook with calamine and writes every sheet back with xlsxwriter, the inputs filled;
    the result has the same sheets, values and identity as a workbook a unit saved in Excel, without the
    styles (toolkit.demo.simulate_returns does it with openpyxl, which is too slow for 300 units × 52 weeks).
    """
    import xlsxwriter
    from python_calamine import CalamineWorkbook

    from toolkit import config as config_stage, forms, periods

    rng = random.Random(f"{seed}-{period_id}")
    period = periods.parse_period(period_id, config_stage.load_config(ws))
    issued = sorted(ws.issued_dir(period_id).glob("*.xlsx"))
    inbox = ws.returns(period_id)
    inbox.mkdir(parents=True, exist_ok=True)
    silent = set(rng.sample(range(len(issued)), min(2, max(0, len(issued) - 1))))
    late = set(rng.sample([i for i in range(len(issued)) if i not in silent], min(3, len(issued) - len(silent))))
    written = 0
    for i, path in enumerate(issued):
        if i in silent:
            continue
        source = CalamineWorkbook.from_path(str(path))
        target = inbox / path.name
        book = xlsxwriter.Workbook(str(target), {"strings_to_numbers": False, "strings_to_formulas": False})
        for meta in source.sheets_metadata:
            rows = source.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
            sheet = book.add_worksheet(meta.name)
            if meta.name == forms.TASK_SHEET:
                rows = _fill_task_rows(rows, rng)
            elif meta.name == forms.INDICATOR_SHEET:
                rows = _fill_indicator_rows(rows, rng)
            if meta.name.startswith("_"):
                sheet.hide()
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    if value not in ("", None):
                        sheet.write(r, c, value)
        book.close()
        when = period.due + timedelta(hours=rng.randint(3, 40)) if i in late else \
            period.due - timedelta(hours=rng.randint(2, 50))
        os.utime(target, (when.timestamp(), when.timestamp()))
        written += 1
    return written


def _fill_task_rows(rows: list[list], rng: random.Random) -> list[list]:
    from toolkit import forms

    header = forms.TASK_HEADER_ROW - 1
    col = {str(h): i for i, h in enumerate(rows[header])}
    rows = [list(r) for r in rows]
    r = forms.TASK_FIRST_ROW - 1
    while r < len(rows) and rows[r][col["序号"]] not in ("", None):
        row = rows[r]
        progress = rng.randint(5, 99) if rng.random() > 0.04 else 100
        row[col["本期状态"]] = "已完成" if progress == 100 else rng.choice(("序时推进", "序时推进", "滞后"))
        row[col["完成进度（%）"]] = progress
        row[col["本期进展"]] = f"第{row[col['序号']]}项任务按计划推进，本周召开专题调度会，累计完成{progress}%。"
        row[col["存在问题"]] = "" if rng.random() < 0.7 else "项目审批手续尚未办结。"
        row[col["下步计划"]] = "继续推进，按期完成年度目标。"
        r += 1
    for row in rows[r:]:
        for label, value in (("填报人", "张明"), ("联系电话", "0537-3412345"), ("单位负责人", "李华")):
            if len(row) > 2 and row[1] == label:
                row[2] = value
    return rows


def _fill_indicator_rows(rows: list[list], rng: random.Random) -> list[list]:
    from toolkit import forms

    rows = [list(r) for r in rows]
    for row in rows[forms.INDICATOR_FIRST_ROW - 1:]:
        if len(row) >= 7 and row[0] not in ("", None) and isinstance(row[3], (int, float)):
            row[6] = round(float(row[3]) * rng.uniform(0.1, 0.9), 1)
    return rows


def simulate_returns(ws, period_id: str, seed: int, fill: str) -> int:
    if fill == "excel":
        from toolkit import demo

        demo.simulate_returns(ws, period_id, seed=seed, mistakes=False)
        return len([p for p in ws.returns(period_id).rglob("*") if p.is_file()])
    return simulate_returns_fast(ws, period_id, seed)


# ------------------------------------------------------------------------------------------------ the run

def prepare(root: Path, tasks: int | None, units: int | None, seed: int, log: Path) -> tuple[dict, int, int]:
    """A fresh workspace at `root`, parsed (timed) and with a completed unit directory."""
    from toolkit.workspace import Workspace

    if root.exists():
        if not (root / ".bench").exists() and any(root.iterdir()):
            raise SystemExit(f"{root} 已存在且不是 bench.py 建立的工作区，请换一个目录（--workspace）。")
        shutil.rmtree(root)
    (root / "inputs").mkdir(parents=True)
    (root / ".bench").write_text("scripts/bench.py workspace\n", encoding="utf-8")
    shutil.copy2(REAL_CONFIG, root / "inputs" / REAL_CONFIG.name)
    rng = random.Random(seed)
    if tasks is None:
        notice = root / "inputs" / REAL_NOTICE.name
        shutil.copy2(REAL_NOTICE, notice)
        region = None
    else:
        region = make_units(units or 50, rng)
        notice = root / "inputs" / f"合成通知_{tasks}项.txt"
        notice.write_text(synthetic_notice(tasks, region, rng), encoding="utf-8")
    wall, rss, _ = run_stage(root, log, "parse", str(notice))
    ws = Workspace.at(root)
    if region is None:
        from toolkit.demo import add_towns

        add_towns(ws)
    else:
        write_full_directory(ws, region)
    from toolkit.directory import load_directory
    from toolkit.ledger import load_ledger

    ledger = load_ledger(ws)
    return {"parse": (wall, rss)}, len(ledger.tasks), len(load_directory(ws).units)


def run_week(root: Path, period_id: str, seed: int, fill: str, log: Path) -> dict:
    from toolkit.workspace import Workspace

    ws = Workspace.at(root)
    monday = date.fromisocalendar(int(period_id[:4]), int(period_id[6:]), 1)
    figures = {}
    figures["issue"] = run_stage(root, log, "issue", period_id, "--date", monday.isoformat())[:2]
    issued = sorted(ws.issued_dir(period_id).glob("*.xlsx"))
    returned = simulate_returns(ws, period_id, seed, fill)
    files = sorted(p for p in ws.returns(period_id).rglob("*") if p.is_file())
    floor = calamine_floor(files)
    written = xlsxwriter_floor(issued, log.parent / "xlsxwriter-floor")
    figures["collect"] = run_stage(root, log, "collect", period_id)[:2]
    figures["status"] = run_stage(root, log, "status", period_id)[:2]
    figures["circular"] = run_stage(root, log, "circular", period_id,
                                    "--date", (monday + timedelta(days=7)).isoformat())[:2]
    floors = {"help": help_floor(root, log), "calamine": floor, "xlsxwriter": written}
    return {"period": period_id, "issued": len(issued), "returns": returned, "calamine_floor": round(floor, 3),
            "xlsxwriter_floor": round(written, 3), "help_floor": round(floors["help"], 3),
            **{stage: round(wall, 3) for stage, (wall, _) in figures.items()},
            "peak_mb": {stage: round(rss, 1) for stage, (_, rss) in figures.items()},
            "ratios": ratios({stage: wall for stage, (wall, _) in figures.items()}, floors)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="督查台账工具箱性能测试：每个环节单独进程计时（墙钟秒、峰值内存）。")
    parser.add_argument("--tasks", type=int, default=None, help="合成通知的任务数（默认：使用自带的真实通知）。")
    parser.add_argument("--units", type=int, default=None, help="合成单位名录的单位数（默认 50；真实通知按其名录）。")
    parser.add_argument("--weeks", type=int, default=1, help="连续运行的周数（每周：下发→模拟回收→回收校验→通报）。")
    parser.add_argument("--repeat", type=int, default=1,
                        help="整个测试重复的次数（每次新建工作区）；大于 1 时另列各项的最小/中位/最大值。")
    parser.add_argument("--workspace", type=Path, default=None, help="工作区保留在该目录（默认临时目录，结束后删除）。")
    parser.add_argument("--seed", type=int, default=2024, help="随机数种子。")
    parser.add_argument("--fill", choices=("auto", "excel", "fast"), default="auto",
                        help="模拟回收的方式：excel = openpyxl 按单位在 Excel 中填写的方式；fast = 快速重写"
                             "（默认：真实通知用 excel，合成数据用 fast）。")
    parser.add_argument("--json", action="store_true", help="只在标准输出打印一个 JSON 对象。")
    args = parser.parse_args(argv)
    if args.units is not None and args.tasks is None:
        parser.error("--units 需与 --tasks 一起使用（真实通知的单位来自其名录）。")
    if args.repeat < 1:
        parser.error("--repeat 至少为 1。")
    fill = args.fill if args.fill != "auto" else ("excel" if args.tasks is None else "fast")
    runs = []
    for _ in range(args.repeat):
        runs.append(measure(args, fill))
        if not args.json:
            print(_table(runs[-1]) + ("\n" if args.repeat > 1 else ""), flush=True)
    result = runs[-1] if args.repeat == 1 else {**runs[-1], "runs": runs, "spread": spread(runs)}
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    elif args.repeat > 1:
        print(_spread_table(result["spread"], args.repeat, result["scale"]))
    return 0


def measure(args, fill: str) -> dict:
    """One whole run: a fresh workspace, parse, then every week; the figures as one dict."""
    keep = args.workspace is not None
    root = (args.workspace or Path(tempfile.mkdtemp(prefix="toolkit-bench-")) / "ws").resolve()
    log_dir = Path(tempfile.mkdtemp(prefix="toolkit-bench-log-"))
    log = log_dir / "stages.log"    # outside the workspace, which prepare() empties first
    try:
        figures, task_count, unit_count = prepare(root, args.tasks, args.units, args.seed, log)
        weeks = []
        for period_id in week_ids(args.weeks):
            weeks.append(run_week(root, period_id, args.seed, fill, log))
            if not args.json:
                print(_week_line(weeks[-1]), file=sys.stderr, flush=True)
        history = history_size(root)
    finally:
        if not keep:
            shutil.rmtree(root.parent, ignore_errors=True)
    if keep:
        shutil.move(str(log), root / "bench-stages.log")
        log = root / "bench-stages.log"
    shutil.rmtree(log_dir, ignore_errors=True)
    first = weeks[0]
    return {
        "tasks": task_count, "units": unit_count,
        "scale": "province" if args.tasks is not None and args.tasks >= 1000 else "district",
        "stages": {"parse": round(figures["parse"][0], 3), "issue": first["issue"], "collect": first["collect"],
                   "circular": first["circular"]},
        "peak_rss_mb": round(max([figures["parse"][1]] + [mb for w in weeks for mb in w["peak_mb"].values()]), 1),
        "stage_peak_mb": {"parse": round(figures["parse"][1], 1), **first["peak_mb"]},
        "status": first["status"],
        "calamine_floor": first["calamine_floor"],
        "ratios": {"parse": ratios({"parse": figures["parse"][0]}, {"help": first["help_floor"]})["parse"],
                   **first["ratios"]},
        "growth": growth(weeks),
        "history": history,
        "weeks": weeks,
        "workspace": str(root) if keep else None,
        "log": str(log) if keep else None,
    }


def history_size(root: Path) -> dict | None:
    """The history database on disk (with its -wal/-journal files): bytes, rows, bytes a row."""
    import sqlite3

    from toolkit.store import STORE_NAME

    path = root / "outputs" / STORE_NAME
    if not path.exists():
        return None
    size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.is_file())
    with sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT COUNT(*) FROM progress").fetchone()[0]
    return {"bytes": size, "rows": rows, "bytes_per_row": round(size / rows, 1) if rows else None}


def spread(runs: list[dict]) -> dict:
    """Min, median and max over the runs of each stage's week-1 seconds and ratio to its own floor."""
    def summary(values: list[float]) -> list[float]:
        return [round(min(values), 3), round(statistics.median(values), 3), round(max(values), 3)]

    table = {}
    for stage in runs[0]["ratios"]:
        own = runs[0]["ratios"][stage]["floor"]
        table[stage] = {"seconds": summary([r["ratios"][stage]["seconds"] for r in runs]), "floor": own,
                        "x_floor": summary([r["ratios"][stage]["x_" + own] for r in runs]),
                        "x_help": summary([r["ratios"][stage]["x_help"] for r in runs])}
    table["peak_rss_mb"] = summary([r["peak_rss_mb"] for r in runs])
    if all(r["growth"] for r in runs):
        table["growth"] = summary([r["growth"]["collect_last_over_week2"] for r in runs])
    return table


def _week_line(week: dict) -> str:
    return (f"{week['period']}: 下发 {week['issue']:.2f}s/{week['peak_mb']['issue']:.0f}MB  "
            f"回收 {week['collect']:.2f}s/{week['peak_mb']['collect']:.0f}MB（{week['returns']} 个文件，"
            f"calamine 读取 {week['calamine_floor']:.2f}s）  报送情况 {week['status']:.2f}s  通报 "
            f"{week['circular']:.2f}s/{week['peak_mb']['circular']:.0f}MB  --help {week['help_floor']:.2f}s")


def growth(weeks: list[dict]) -> dict | None:
    """Collect in the last week over collect in week 2 (week 1 has no history yet), from the same run."""
    if len(weeks) < 3:
        return None
    return {"collect_last_over_week2": round(weeks[-1]["collect"] / weeks[1]["collect"], 2),
            "collect_last_over_week2_in_help": round((weeks[-1]["collect"] / weeks[-1]["help_floor"]) /
                                                     (weeks[1]["collect"] / weeks[1]["help_floor"]), 2)}


FLOOR_NAMES = {"help": "toolkit --help", "calamine": "calamine 读取回收", "xlsxwriter": "xlsxwriter 写下发表"}
# Issue 16's targets: (floor, most times the floor) per stage, by scale; and the limits at any scale.
TARGETS = {"district": {stage: ("help", 5.0) for stage in ("parse", "issue", "collect", "status", "circular")},
           "province": {"issue": ("xlsxwriter", 1.0), "collect": ("calamine", 5.0), "circular": ("help", 20.0)}}
GROWTH_TARGET, PEAK_MB_TARGET, BYTES_PER_ROW_TARGET = 1.15, 400, 300


def target_text(scale: str, stage: str) -> str:
    target = TARGETS[scale].get(stage)
    return f"≤{target[1]:g}×{'--help' if target[0] == 'help' else target[0]}" if target else ""


def meets(scale: str, stage: str, ratio_row: dict) -> str:
    target = TARGETS[scale].get(stage)
    if target is None:
        return ""
    ratio = ratio_row["x_" + target[0]]
    value = ratio[1] if isinstance(ratio, list) else ratio    # the median of a spread
    return "达标" if value <= target[1] else "未达标"


def _table(result: dict) -> str:
    weeks, scale = result["weeks"], result["scale"]
    lines = [f"任务 {result['tasks']} 项，单位 {result['units']} 个，{len(weeks)} 周",
             f"{'环节':<8}{'第1周 s':>10}{'MB':>8}{'末周 s':>10}{'MB':>8}{'中位 s':>10}"]
    lines.append(f"{'parse':<10}{result['stages']['parse']:>10.2f}{result['stage_peak_mb']['parse']:>8.0f}")
    for stage in ("issue", "collect", "status", "circular"):
        median = statistics.median(w[stage] for w in weeks)
        lines.append(f"{stage:<10}{weeks[0][stage]:>10.2f}{weeks[0]['peak_mb'][stage]:>8.0f}"
                     f"{weeks[-1][stage]:>10.2f}{weeks[-1]['peak_mb'][stage]:>8.0f}{median:>10.2f}")
    lines.append(f"calamine 读取全部回收文件：第1周 {weeks[0]['calamine_floor']:.2f}s，末周 "
                 f"{weeks[-1]['calamine_floor']:.2f}s；峰值内存 {result['peak_rss_mb']:.0f}MB"
                 f"（目标 ≤{PEAK_MB_TARGET}MB）")
    lines.append("第1周各环节与下限（同一次运行中测得）：")
    lines.append(f"{'环节':<8}{'耗时 s':>9}  {'下限':<18}{'下限 s':>8}{'倍数':>8}{'--help 倍数':>12}  目标")
    for stage, row in result["ratios"].items():
        floor = row["floor"]
        lines.append(f"{stage:<10}{row['seconds']:>9.2f}  {FLOOR_NAMES[floor]:<18}{row[floor + '_floor']:>8.2f}"
                     f"{row['x_' + floor]:>8.2f}{row['x_help']:>12.2f}  {target_text(scale, stage)} "
                     f"{meets(scale, stage, row)}".rstrip())
    if result.get("growth"):
        lines.append(f"回收耗时增长：末周 / 第2周 = {result['growth']['collect_last_over_week2']:.2f}"
                     f"（按 --help 折算 {result['growth']['collect_last_over_week2_in_help']:.2f}；"
                     f"目标 ≤{GROWTH_TARGET}）")
    if result.get("history"):
        history = result["history"]
        lines.append(f"进展记录数据库：{history['bytes'] / 1e6:.1f} MB，{history['rows']} 行，每行 "
                     f"{history['bytes_per_row']} 字节（目标 ≤{BYTES_PER_ROW_TARGET}）")
    return "\n".join(lines)


def _spread_table(table: dict, runs: int, scale: str) -> str:
    lines = [f"{runs} 次运行的第1周：最小 / 中位 / 最大（目标按中位判断）",
             f"{'环节':<8}{'耗时 s':>22}{'对本环节下限倍数':>24}{'--help 倍数':>24}"]
    for stage, row in table.items():
        if not isinstance(row, dict):
            continue
        cells = ["/".join(f"{v:.2f}" for v in row[key]) for key in ("seconds", "x_floor", "x_help")]
        verdict = meets(scale, stage, {**row, f"x_{row['floor']}": row["x_floor"]})
        lines.append(f"{stage:<10}{cells[0]:>22}{cells[1]:>26}{cells[2]:>24}  （下限 {FLOOR_NAMES[row['floor']]}）"
                     + (f"  {target_text(scale, stage)} {verdict}" if verdict else ""))
    lines.append(f"峰值内存 MB：{'/'.join(f'{v:.0f}' for v in table['peak_rss_mb'])}")
    if "growth" in table:
        lines.append(f"回收耗时增长（末周 / 第2周）：{'/'.join(f'{v:.2f}' for v in table['growth'])}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
