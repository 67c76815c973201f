"""`toolkit check` (工作区体检): ledger, history database, unit directory, office key, archive and outputs;
repairs what it safely can and reports the rest, each with what to do."""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

from toolkit.errors import EXIT_OK, EXIT_REJECTED, ToolkitError, ToolkitWarning
from toolkit.workspace import Workspace

OK, REPAIRED, PROBLEM = "正常", "已修复", "需处理"


@dataclass
class Finding:
    area: str          # 台账 / 数据库 / 单位名录 / 密钥 / 归档 / 输出
    state: str         # OK / REPAIRED / PROBLEM
    text: str


@dataclass
class HealthOutcome:
    root: object
    findings: list[Finding] = field(default_factory=list)

    def add(self, area: str, state: str, text: str) -> None:
        self.findings.append(Finding(area, state, text))

    @property
    def exit_code(self) -> int:
        return EXIT_REJECTED if any(f.state == PROBLEM for f in self.findings) else EXIT_OK

    def lines(self) -> list[str]:
        lines = [f"工作区体检：{self.root}"]
        lines += [f"  [{f.state}] {f.area}：{f.text}" for f in self.findings]
        problems = sum(f.state == PROBLEM for f in self.findings)
        repaired = sum(f.state == REPAIRED for f in self.findings)
        lines.append(f"合计：已修复 {repaired} 项，需处理 {problems} 项。" if problems or repaired else "一切正常。")
        return lines


def check_workspace(ws: Workspace, repair: bool = True) -> HealthOutcome:
    """Check every part of the workspace; with `repair`, fix what is safe (temporary files, a stale lock, a
    ledger behind or ahead of the database)."""
    ws.require()
    outcome = HealthOutcome(ws.root)
    _check_outputs(ws, outcome, repair)
    if repair:
        _write_back_other_formats(ws, outcome)
    ledger = _check_ledger(ws, outcome)
    _check_store(ws, outcome, ledger, repair)
    if ledger is not None:
        _check_directory(ws, outcome, ledger)
        _check_archive(ws, outcome, ledger)
    _check_key(ws, outcome)
    return outcome


def _check_outputs(ws: Workspace, outcome: HealthOutcome, repair: bool) -> None:
    from toolkit.housekeeping import remove_stale_temp_files, stale_temp_files
    from toolkit.ledger import lock_is_stale

    stale = remove_stale_temp_files(ws) if repair else stale_temp_files(ws)
    if stale:
        outcome.add("输出", REPAIRED if repair else PROBLEM,
                    f"中断的运行留下的临时文件 {len(stale)} 个" + ("，已删除。" if repair else "，可加修复运行删除。"))
    lock = ws.outputs / ".toolkit.lock"
    if lock.exists() and lock_is_stale(lock):
        if repair:
            lock.unlink(missing_ok=True)
        outcome.add("输出", REPAIRED if repair else PROBLEM, f"已结束的命令留下的锁文件 {lock.name}" +
                    ("，已删除。" if repair else "。"))
    for owner in (ws.outputs / f"~${ws.ledger.name}", ws.outputs / f".~lock.{ws.ledger.name}#"):
        if owner.exists():
            outcome.add("台账", PROBLEM, f"台账正被 Excel/WPS/LibreOffice 打开（锁文件 {owner.name}）。请关闭台账；"
                                       "如已关闭仍有此提示，请删除该锁文件。")


def _write_back_other_formats(ws: Workspace, outcome: HealthOutcome) -> None:
    """A 台账.xls/.et/.ods the clerk saved is read and written back as 台账.xlsx (the .xls goes to 备份/)."""
    from toolkit.ledger import ledger_lock, ledger_source, load_ledger, other_format_ledgers, save_ledger

    others = other_format_ledgers(ws)
    if not others:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ToolkitWarning)
        source = ledger_source(ws)
        try:
            with ledger_lock(ws):
                save_ledger(ws, load_ledger(ws))
        except ToolkitError as exc:
            outcome.add("台账", PROBLEM, f"另存的 {'、'.join(p.name for p in others)} 未能写回：{exc.message}")
            return
    read = f"已读取 {source.name} 中的修改并" if source != ws.ledger else "已"
    outcome.add("台账", REPAIRED, f"发现另存的 {'、'.join(p.name for p in others)}：{read}写回 {ws.ledger.name}，"
                                f"另存的文件移到 outputs/备份/。今后请保存为 .xlsx。")


def _check_ledger(ws: Workspace, outcome: HealthOutcome):
    from toolkit.ledger import load_ledger, other_format_ledgers

    for other in other_format_ledgers(ws):
        outcome.add("台账", PROBLEM, f"发现另存的 {other.name}：下一个写台账的命令会读取其中较新的修改并写回 "
                                   f"{ws.ledger.name}。今后请保存为 .xlsx。")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ToolkitWarning)
        try:
            ledger = load_ledger(ws, check_store=False)
        except ToolkitError as exc:
            outcome.add("台账", PROBLEM, exc.message)
            return None
    outcome.add("台账", OK, f"{ws.ledger.name} 可以读取：任务 {len(ledger.tasks)} 项，责任分工 {len(ledger.assignments)} 条。")
    return ledger


def _check_store(ws: Workspace, outcome: HealthOutcome, ledger, repair: bool) -> None:
    from toolkit.store import store_counts, store_is_damaged, store_path

    path = store_path(ws)
    if not path.exists():
        if ledger is not None and ledger.progress:
            outcome.add("数据库", PROBLEM, f"找不到 {path.name}，台账“进展记录”表只含近期部分。请从原工作区或 outputs/备份/ "
                                        f"取回 {path.name} 放到 outputs/ 下。")
        return
    if store_is_damaged(path):
        outcome.add("数据库", PROBLEM, f"{path.name} 完整性检查未通过，已损坏。请把它改名（例如加上“_损坏”）后重新运行 "
                                    "toolkit check：将按台账“进展记录”表重建近期记录；更早的历史可逐期重新运行 "
                                    "toolkit collect 从回收文件补回，或从 outputs/备份/ 取回 进展记录_*.sqlite。")
        return
    outcome.add("数据库", OK, f"{path.name} 完整性检查通过，共 {(store_counts(ws) or (0, 0))[0]} 行。")
    if ledger is not None:
        _check_in_step(ws, outcome, ledger, repair)


def _check_in_step(ws: Workspace, outcome: HealthOutcome, ledger, repair: bool) -> None:
    from toolkit.store_sync import store_behind_message, store_mismatch

    mismatch = store_mismatch(ws, ledger)
    if mismatch is None:
        outcome.add("数据库", OK, "台账与数据库同步。")
        return
    kind, periods = mismatch
    if not repair:
        outcome.add("数据库", PROBLEM, "台账与数据库不同步" + ("（数据库较新）。" if kind == "ahead" else "（数据库较旧）。"))
        return
    if kind == "ahead":
        _repair_ahead(ws, outcome, periods)
    else:
        _repair_behind(ws, outcome, store_behind_message(ws, ledger))


def _repair_ahead(ws: Workspace, outcome: HealthOutcome, periods: list[str]) -> None:
    from toolkit.ledger import ledger_lock, load_ledger, save_ledger

    with ledger_lock(ws), warnings.catch_warnings():
        warnings.simplefilter("ignore", ToolkitWarning)
        save_ledger(ws, load_ledger(ws))          # load_ledger rebuilds 报送情况 from the database
    outcome.add("数据库", REPAIRED, f"台账比数据库旧（从备份取回，或上次写入被中断），已按数据库补齐 {'、'.join(periods)} "
                                 "的报送情况并重写台账（旧台账在 outputs/备份/）。")


def _repair_behind(ws: Workspace, outcome: HealthOutcome, message: str) -> None:
    """Put the 进展记录 sheet's rows the database lacks back into it; say what is still missing."""
    from toolkit.ledger import ledger_lock, load_ledger, save_ledger, sheet_progress
    from toolkit.store import parse_store_state, store_counts

    with ledger_lock(ws), warnings.catch_warnings():
        warnings.simplefilter("ignore", ToolkitWarning)
        ledger = load_ledger(ws, check_store=False)
        recorded = parse_store_state(ledger.store_state)
        have = {(r.period, r.unit, r.task_id, r.sha256) for r in ledger.progress}
        missing = [r for r in sheet_progress(ws) if (r.period, r.unit, r.task_id, r.sha256) not in have]
        ledger.progress += missing
        before = (store_counts(ws) or (0, 0))[0]
        save_ledger(ws, ledger)
    after = (store_counts(ws) or (0, 0))[0]
    if recorded and after >= recorded[0]:
        outcome.add("数据库", REPAIRED, f"数据库比台账旧，已按台账“进展记录”表补回 {after - before} 行，现已同步。")
    else:
        outcome.add("数据库", PROBLEM, f"已按台账“进展记录”表补回 {after - before} 行，但更早的历史仍缺：{message}")


def _check_directory(ws: Workspace, outcome: HealthOutcome, ledger) -> None:
    from toolkit.directory import load_directory, unknown_unit_notes

    try:
        directory = load_directory(ws)
    except ToolkitError as exc:
        outcome.add("单位名录", PROBLEM, exc.message)
        return
    notes = unknown_unit_notes(ledger, directory, ws.directory.name)
    for note in notes:
        outcome.add("单位名录", PROBLEM, note)
    if not notes:
        outcome.add("单位名录", OK, f"共 {len(directory.units)} 个单位，责任分工中的单位都在名录中。")


def _check_archive(ws: Workspace, outcome: HealthOutcome, ledger) -> None:
    """Every file whose rows are in the history has its archived copy in 归档/<期次>/."""
    archived: dict[str, set[str]] = {}
    missing = []
    for record in ledger.progress:
        if not record.sha256 or len(record.sha256) < 12:
            continue
        if record.period not in archived:
            folder = ws.archive(record.period)
            archived[record.period] = {p.name[:12] for p in folder.rglob("*") if p.is_file()} if folder.is_dir() else set()
        if record.sha256[:12] not in archived[record.period]:
            missing.append(f"{record.period}/{record.file}")
    missing = list(dict.fromkeys(missing))
    if missing:
        outcome.add("归档", PROBLEM, f"{len(missing)} 个已采用文件在 outputs/归档/ 中找不到原件（例如 {missing[0]}）。"
                                   "请从原工作区或备份中取回 outputs/归档/。")
    else:
        outcome.add("归档", OK, "已采用文件的原件都在 outputs/归档/ 中。")


def _check_key(ws: Workspace, outcome: HealthOutcome) -> None:
    issued = any(ws.outputs.glob("*/下发/*.xlsx")) if ws.outputs.is_dir() else False
    if ws.office_key.exists():
        size = ws.office_key.stat().st_size
        state, text = (OK, "督查室密钥存在。") if size >= 32 else (PROBLEM, "督查室密钥文件长度不足，已损坏。请从备份取回 outputs/.office_key。")
        outcome.add("密钥", state, text)
    elif issued:
        outcome.add("密钥", PROBLEM, "已下发过填报表，但督查室密钥 outputs/.office_key 不见了：报回的表格将无法验签。"
                                   "请从原电脑或备份取回该文件；找不回时，需重新运行 issue 下发新表。")
