"""Command line: parses arguments, calls one library function, prints the outcome (DESIGN §10).

Exit codes: 0 done; 1 done but some input was rejected; 2 could not run. No traceback unless --debug.
"""
from __future__ import annotations

import contextlib
import json
import os
import sys
import warnings
from datetime import date, datetime
from pathlib import Path

import click

from toolkit import __version__, cli_text
from toolkit.errors import EXIT_FAILED, ToolkitError, ToolkitWarning
from toolkit.workspace import Workspace

cli_text.install()

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class Session:
    def __init__(self, workspace: str, debug: bool):
        missing = cli_text.missing_folder(workspace)
        if missing:
            click.echo(f"错误：{missing}", err=True)
            sys.exit(EXIT_FAILED)
        self.ws = Workspace.at(workspace)
        self.debug = debug


def run(session: Session, action, long_running: bool = False):
    """Run one library call: warnings printed as 提醒, errors as a Chinese sentence and exit 2.

    A command that is not `long_running` exits when done: what it loads may stay in memory (toolkit.memory)."""
    if not long_running:
        from toolkit.memory import one_shot_command

        one_shot_command()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ToolkitWarning)
        try:
            outcome = action()
        except ToolkitError as exc:
            _print_warnings(caught)
            click.echo(f"错误：{exc.message}", err=True)
            if exc.hint:
                click.echo(exc.hint, err=True)
            if session.debug:
                raise
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("已中断。台账未被改动（写入是原子操作）。", err=True)
            sys.exit(EXIT_FAILED)
        except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback for the clerk
            if session.debug:
                raise
            _print_warnings(caught)
            if _echo_clerk_os_error(exc):      # a full disk, a read-only folder …: the clerk's own sentence
                sys.exit(EXIT_FAILED)
            click.echo(f"错误：程序内部错误（{type(exc).__name__}: {exc}）。台账写入是原子操作，不会被写坏。"
                       f"请加 --debug 重新运行，把输出发给维护人员。", err=True)
            sys.exit(EXIT_FAILED)
    _print_warnings(caught)
    return outcome


def _echo_clerk_os_error(exc: Exception) -> bool:
    from toolkit.oserrors import clerk_error, is_clerk_fixable, os_error_in

    if not is_clerk_fixable(exc):
        return False
    click.echo(f"错误：{clerk_error(os_error_in(exc)).message}", err=True)
    return True


def _print_warnings(caught) -> None:
    seen = set()
    for w in caught:
        if issubclass(w.category, ToolkitWarning) and str(w.message) not in seen:
            seen.add(str(w.message))
            click.echo(f"提醒：{w.message}", err=True)


def finish(outcome) -> None:
    for line in outcome.lines():
        click.echo(line)
    sys.exit(outcome.exit_code)


def tracker():
    """A rich progress bar for multi-file work, shown only on a terminal."""
    def track(iterable, total: int, description: str):
        if not sys.stderr.isatty() or total < 2:
            yield from iterable
            return
        from rich.progress import track as rich_track

        yield from rich_track(iterable, total=total, description=description, transient=True)
    return track


def parse_date(value: str | None) -> date | None:
    if value is None:
        return None
    if len(value) == 10 and value[4] == value[7] == "-":     # 2024-03-18, without strptime's start-up cost
        with contextlib.suppress(ValueError):
            return date.fromisoformat(value)
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y年%m月%d日"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise click.BadParameter(f"日期“{value}”无法识别，请写成 2024-03-18。")


def parse_datetime(value: str | None) -> datetime | None:
    if value is None:
        return None
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    raise click.BadParameter(f"时间“{value}”无法识别，请写成 \"2024-03-21 16:30\"。")


@click.group(cls=cli_text.ChineseGroup, context_settings=CONTEXT, help="""督查台账工具箱：通知分解 → 分单位下发 → 回收校验 → 通报。

不用命令行：toolkit serve 在浏览器中打开控制台，每一步都有一个页面。

\b
每周的流程：
  toolkit parse inputs/济兖政发〔2024〕1号.txt   解析通知，生成 outputs/台账.xlsx（--check 只预览）
  toolkit issue 2024-W12                     生成各单位填报表 outputs/2024-W12/下发/
  toolkit status 2024-W12                    查看谁已报、谁迟报、谁未报，生成催报消息
  toolkit collect 2024-W12                   校验、汇总 inputs/回收/2024-W12/ 中的回收表
  toolkit circular 2024-W12 --pdf            生成周盘点通报（Word，可选 PDF）
  toolkit score 2024-03                      督查工作考核，输出 outputs/2024-03/考核.xlsx
  toolkit check                              工作区体检（台账、数据库、归档…），能修的直接修
  toolkit newyear D:/督查2025 --notice 新通知.docx   新的一年另建工作区
  toolkit periods --year 2024                列出全年各周期及截止时间
  toolkit serve                              打开浏览器控制台
  toolkit demo                               在演示工作区里跑一遍完整流程
""")
@click.option("-w", "--workspace", default=".", show_default=True, metavar="目录",
              help="工作区目录（含 inputs/ 和 outputs/）。")
@click.option("--debug", is_flag=True, help="出错时显示完整的程序错误信息（供维护人员排查）。")
@click.version_option(__version__, "-V", "--version", message="督查台账工具箱 %(version)s", help="显示版本号并退出。")
@click.pass_context
def main(ctx, workspace, debug):
    ctx.obj = Session(workspace, debug)


@main.command(context_settings=CONTEXT, help="""解析任务分解通知（.txt、.docx，或 .xlsx 任务表），生成总台账 outputs/台账.xlsx。

\b
同时在 inputs/ 下生成单位名录（如不存在）。台账已存在时需加 --force：
旧台账先备份，文本未变任务的责任分工调整和历史记录都会保留。

\b
建议先加 --check 预览：列出每项任务的牵头领导、主办和协办单位、完成时限、
按什么判定主办，以及全部提醒，不写任何文件（有提醒时退出码为 1）。

\b
示例：
  toolkit parse inputs/通知.docx --check
  toolkit parse inputs/济兖政发〔2024〕1号.txt
  toolkit parse inputs/通知.docx --force
  toolkit parse inputs/任务分解表.xlsx
  toolkit parse inputs/通知.docx --json > 解析结果.json
""")
@click.argument("notice", metavar="通知文件", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="台账已存在时仍重新生成（旧台账自动备份）。")
@click.option("--check", "check_only", is_flag=True, help="只预览将生成的任务表和全部提醒，不写任何文件。")
@click.option("--json", "as_json", is_flag=True, help="只把解析结果以 JSON 打印到标准输出，不写任何文件。")
@click.pass_obj
def parse(session: Session, notice: Path, force: bool, check_only: bool, as_json: bool):
    from toolkit import notice as notice_stage

    if not notice.exists() and (session.ws.root / notice).exists():
        notice = session.ws.root / notice   # a path written relative to the workspace
    if as_json:
        parsed = run(session, lambda: notice_stage.parse_notice(notice))
        data = json.dumps(notice_stage.notice_to_json(parsed), ensure_ascii=False, indent=1)
        sys.stdout.buffer.write(data.encode("utf-8") + b"\n")
        return
    if check_only:
        finish(run(session, lambda: notice_stage.check_notice(notice)))
    finish(run(session, lambda: notice_stage.parse_into_ledger(session.ws, notice, force)))


@main.command(context_settings=CONTEXT, help="""列出一年的报送周期（周、旬、月）及截止时间。

\b
截止时间按 inputs/toolkit.toml 的规则计算，遇法定节假日顺延到下一个工作日。

\b
示例：
  toolkit periods --year 2024
  toolkit periods --year 2024 --kind 旬
""")
@click.option("--year", type=click.IntRange(2000, 2100), default=None, help="年度（2000—2100），默认今年。")
@click.option("--kind", type=click.Choice(["周", "旬", "月"]), default=None, help="只列出一种周期。")
@click.pass_obj
def periods(session: Session, year: int | None, kind: str | None):
    from toolkit import config, periods as periods_stage

    def listing():
        settings = config.load_config(session.ws)
        kinds = [kind] if kind else ["周", "旬", "月"]
        chosen = date.today().year if year is None else year
        return [p for k in kinds for p in periods_stage.periods_of_year(chosen, k, settings)]

    for p in run(session, listing):
        due = p.due.strftime("%Y-%m-%d %H:%M")
        weekday = "一二三四五六日"[p.due.weekday()]
        click.echo(f"{p.id:<12} {p.display:<28} 截止 {due}（周{weekday}）")


@main.command(context_settings=CONTEXT, help="""为一个报送周期生成各单位的填报表（每个单位一个 Excel 文件）。

\b
输出 outputs/<周期>/下发/<单位>.xlsx、下发清单.xlsx、下发通知.txt。
周期写法：2024-W12、2024年第12周、2024-03上旬、2024年3月上旬、2024-03、2024年3月。

\b
示例：
  toolkit issue 2024-W12
  toolkit issue --date 2024-03-18 --kind 周
""")
@click.argument("period", metavar="周期", required=False)
@click.option("--date", "as_of", default=None, metavar="日期", help="下发日期；不写周期时取该日期所在周期。")
@click.option("--kind", type=click.Choice(["周", "旬", "月"]), default="周", show_default=True,
              help="只给 --date 时按哪种周期。")
@click.pass_obj
def issue(session: Session, period: str | None, as_of: str | None, kind: str):
    from toolkit import forms

    day = parse_date(as_of)
    text = period or _period_from_date(session, day, kind)
    finish(run(session, lambda: forms.issue_forms(session.ws, text, as_of=day, track=tracker())))


def _period_from_date(session: Session, day: date | None, kind: str) -> str:
    if day is None:
        raise click.UsageError("请给出周期（如 2024-W12），或用 --date 指定日期。")
    from toolkit import config, periods as periods_stage

    return run(session, lambda: periods_stage.period_containing(day, kind, config.load_config(session.ws)).id)


@main.command(context_settings=CONTEXT, help="""回收、校验并汇总各单位报回的填报表，更新台账。

\b
读取 inputs/回收/<周期>/ 下的全部文件（可含子文件夹，任意文件名；.xlsx/.xls/.et/.ods，
.zip 压缩包中的文件逐个收取；链接不跟随；刚放入、仍在复制的文件留待下次）。
每个文件先原样归档到 outputs/归档/<周期>/，再逐项校验；合格的行并入台账。
输出 outputs/<周期>/校验报告.xlsx、汇总.xlsx 和 退回/<单位>.txt。重复运行结果不变。

\b
示例：
  toolkit collect 2024-W12
  toolkit collect 2024-W12 --from D:/微信文件/回收 --received "2024-03-21 16:30"
""")
@click.argument("period", metavar="周期")
@click.option("--from", "source", type=click.Path(path_type=Path), default=None, metavar="目录",
              help="从该目录读取回收文件（默认 inputs/回收/<周期>/）。")
@click.option("--received", default=None, metavar="时间",
              help="本批文件的接收时间（默认取各文件的修改时间），用于判断迟报。")
@click.pass_obj
def collect(session: Session, period: str, source: Path | None, received: str | None):
    from toolkit import collect as collect_stage

    when = parse_datetime(received)
    finish(run(session, lambda: collect_stage.collect_period(session.ws, period, source=source, received=when,
                                                             track=tracker())))


@main.command(context_settings=CONTEXT, help="""查看一个周期的报送情况：已报、迟报、未报单位，生成催报消息，并按催报阶梯督办。

\b
催报阶梯（工具只生成文字和文件，不发送任何消息）：
  截止前一个工作日起：提醒消息，列出尚未报送的单位；
  过了截止时间：催报消息，写明各单位在单位名录中的联系人和电话；
  上一期（同类周期）也未报送的单位：生成编号的督办通知单 outputs/<周期>/催办/<单位>督办通知单.docx。
每次生成的提醒、催报和督办通知单都记入台账“催报记录”表（同样的内容只记一次）；除此之外不写任何文件。

\b
示例：
  toolkit status 2024-W12
  toolkit status 2024-W12 --date "2024-03-22 09:00"
""")
@click.argument("period", metavar="周期")
@click.option("--date", "as_of", default=None, metavar="时间",
              help="按此时间判断处在催报的哪一步（默认现在），便于重复得到同样的结果。")
@click.pass_obj
def status(session: Session, period: str, as_of: str | None):
    from toolkit import collect as collect_stage

    when = parse_datetime(as_of)
    finish(run(session, lambda: collect_stage.chase_period(session.ws, period, as_of=when)))


@main.command(context_settings=CONTEXT, help="""生成督查通报（Word）：周 → 周盘点，旬 → 旬推进，月 → 月调度。

\b
数据取自台账，截至周期最后一天；期数按类型和年度自动编号，重新生成同一周期沿用原期数。
输出 outputs/<周期>/通报/。加 --pdf 时用 LibreOffice 同时转换为 PDF。

\b
示例：
  toolkit circular 2024-W12
  toolkit circular 2024-03 --pdf
  toolkit circular 2024-03上旬 --date 2024-03-11
""")
@click.argument("period", metavar="周期")
@click.option("--date", "as_of", default=None, metavar="日期", help="通报的印发日期（默认为周期最后一天，保证重复生成结果一致）。")
@click.option("--pdf", is_flag=True, help="同时生成 PDF（需要安装 LibreOffice）。")
@click.pass_obj
def circular(session: Session, period: str, as_of: str | None, pdf: bool):
    from toolkit import circular as circular_stage

    day = parse_date(as_of)
    paths = run(session, lambda: circular_stage.render_circulars(session.ws, period, as_of=day, pdf=pdf))
    for path in paths:
        click.echo(f"已生成：{path}")


@main.command(context_settings=CONTEXT, help="""督查工作考核：按 inputs/toolkit.toml 的 [scoring] 给各单位计分，每一分都有出处。

\b
得分 = 基础分 + 加分 − 减分：迟报、未报送（每个回收周期），主办任务月末滞后、红色预警，
任务逾期未完成（主办、协办），按时销号（加分），校验报告拒收的行（每期有上限）。没有回收的周期不计分。
周期可以是月（2024-03）、上半年（2024-H1）、前三季度（2024-Q3）或全年（2024，即年初至今）。
输出 outputs/<周期>/考核.xlsx（各单位得分、按规则分项、每一条扣加分记录），更新台账“考核”表（全年累计），
并列出得分最高和最低的单位。

\b
示例：
  toolkit score 2024-03
  toolkit score 2024-H1
  toolkit score 2024
""")
@click.argument("period", metavar="周期")
@click.pass_obj
def score(session: Session, period: str):
    from toolkit import scoring

    finish(run(session, lambda: scoring.score_period(session.ws, period)))


@main.command(context_settings=CONTEXT, help="""工作区体检：检查台账、进展记录数据库、单位名录、督查室密钥、归档和输出文件夹。

\b
能安全修复的直接修复（中断的运行留下的临时文件和锁文件；台账与数据库不同步时按数据库补齐报送情况，
或按台账“进展记录”表补回数据库缺少的近期记录），其余逐条说明怎么处理。
退出码：0 一切正常或已修复；1 有需要督查室处理的问题；2 无法运行。

\b
示例：
  toolkit check
  toolkit -w D:/督查 check --no-repair
""")
@click.option("--no-repair", is_flag=True, help="只检查，不做任何修复（不写任何文件）。")
@click.pass_obj
def check(session: Session, no_repair: bool):
    from toolkit import health

    finish(run(session, lambda: health.check_workspace(session.ws, repair=not no_repair)))


@main.command(context_settings=CONTEXT, help="""新的一年：另建一个工作区，沿用单位名录、设置、模板和督查室密钥。

\b
新一年的任务分解通知（文号或年度不同）不能在去年的工作区里 parse --force，否则去年的报送会算到今年的任务上。
本命令新建 目录（须不存在或为空），复制 inputs/单位名录.xlsx、inputs/toolkit.toml、templates/、
outputs/.office_key；给出 --notice 时把通知复制到新工作区的 inputs/ 并解析。去年的工作区不作任何改动。

\b
示例：
  toolkit newyear D:/督查2025 --notice D:/通知/济兖政发〔2025〕1号.docx
  toolkit -w D:/督查2024 newyear D:/督查2025
""")
@click.argument("target", metavar="新工作区目录", type=click.Path(path_type=Path))
@click.option("--notice", type=click.Path(path_type=Path, exists=True, dir_okay=False), default=None,
              metavar="通知文件", help="新一年的任务分解通知；给出时在新工作区中直接解析。")
@click.pass_obj
def newyear(session: Session, target: Path, notice: Path | None):
    from toolkit import newyear as newyear_stage

    finish(run(session, lambda: newyear_stage.start_new_year(session.ws, target, notice)))
@main.command(context_settings=CONTEXT, help="""打开浏览器控制台：不用命令行，在网页上完成解析、下发、回收、报送情况、通报的每一步。

\b
控制台只在本机（127.0.0.1）上运行，地址带一次性访问令牌；调用的是与各命令相同的程序。
关闭控制台：在运行它的窗口中按 Ctrl+C。也可以双击仓库根目录的“督查台账.bat”（Windows）或“督查台账.sh”（Linux）。

\b
示例：
  toolkit serve
  toolkit -w D:/督查 serve --port 8765 --no-browser
""")
@click.option("--port", type=click.IntRange(0, 65535), default=0, metavar="端口",
              help="监听的端口（默认自动选择一个空闲端口）。")
@click.option("--no-browser", is_flag=True, help="不自动打开浏览器，只打印地址。")
@click.pass_obj
def serve(session: Session, port: int, no_browser: bool):
    from toolkit.console import server

    finish(run(session, lambda: server.serve(session.ws, port=port, open_browser=not no_browser, echo=click.echo),
               long_running=True))


@main.command(context_settings=CONTEXT, help="""在一个演示工作区里跑完整流程：解析 → 下发 → 模拟回收 → 校验汇总 → 通报 → 考核 → 上半年报告。

\b
示例：
  toolkit demo --to /tmp/督查演示
""")
@click.option("--to", "target", type=click.Path(path_type=Path), default=Path("outputs/演示"), show_default=True,
              metavar="目录", help="演示工作区的位置。")
@click.pass_obj
def demo(session: Session, target: Path):
    from toolkit import demo as demo_stage

    finish(run(session, lambda: demo_stage.run_demo(session.ws, target, echo=click.echo)))


def entry() -> None:
    """The process's way in (`python -m toolkit`, the `toolkit` command). A one-shot command, once its output is
    flushed, leaves without tearing the interpreter down: its files are closed and its children waited for by then,
    and freeing what it loaded object by object would only keep the clerk waiting (30 ms at province scale)."""
    try:
        main()
        code = 0
    except SystemExit as leaving:
        code = leaving.code
    from toolkit import memory

    threading = sys.modules.get("threading")
    if not memory.is_one_shot() or (threading and threading.active_count() > 1) or \
            not (code is None or isinstance(code, int)) or sys.getprofile() or sys.gettrace():
        sys.exit(code)              # (a profiler or coverage writes its findings as Python exits)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        sys.exit(code)              # a closed pipe: Python's own exit says so
    os._exit(code or 0)
