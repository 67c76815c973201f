"""Which notice a ledger belongs to: the same notice revised, or another 文号 or year (a new ledger)."""
from __future__ import annotations

import re
from pathlib import Path

from toolkit.errors import ToolkitError
from toolkit.models import NoticeInfo
from toolkit.workspace import Workspace


def notice_year(info: NoticeInfo) -> int | None:
    """The year a notice is for: its 文号 year (〔2024〕), else its date."""
    found = re.search(r"[〔\[(（](\d{4})[〕\])）]", info.doc_no or "")
    if found:
        return int(found.group(1))
    return info.date.year if info.date else None


def is_another_notice(old: NoticeInfo, new: NoticeInfo) -> bool:
    """Another 文号 or another year: a new ledger, not a revision of the old notice."""
    if old.doc_no and new.doc_no and old.doc_no != new.doc_no:
        return True
    old_year, new_year = notice_year(old), notice_year(new)
    return bool(old_year and new_year and old_year != new_year)


def refuse_another_notice(ws: Workspace, old: NoticeInfo, new: NoticeInfo, notice_path: Path) -> None:
    """`parse --force` in a workspace whose ledger belongs to another notice: refuse and name the command."""
    if not is_another_notice(old, new):
        return
    year = notice_year(new)
    suggested = ws.root.parent / f"{ws.root.name}_{year or '新'}"
    raise ToolkitError(
        f"新通知（{_label(new)}）与本工作区台账的通知（{_label(old)}）不是同一份：这是新的一年或新的任务分解，"
        "应建立新的台账，否则去年的报送会被算到今年的任务上。本工作区未作改动。请运行：\n"
        f"  toolkit -w {ws.root} newyear {suggested} --notice {notice_path}\n"
        "它会新建工作区，复制单位名录、toolkit.toml、模板和督查室密钥，并在新工作区解析新通知；去年的工作区保持原样可查。")


def _label(info: NoticeInfo) -> str:
    year = notice_year(info)
    return "，".join(x for x in (info.doc_no or "无文号", f"{year}年" if year else "") if x)
