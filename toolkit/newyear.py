"""A new year's notice: telling it from a revision of this year's, and starting the new year's workspace.

`toolkit newyear DIR [--notice FILE]` copies what carries over (单位名录, toolkit.toml, templates/, the office key)
into a new workspace and, given the notice, parses it there; last year's workspace is only read.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from toolkit.errors import EXIT_OK, ToolkitError
from toolkit.workspace import Workspace


@dataclass
class NewYearOutcome:
    target: Path
    copied: list[str] = field(default_factory=list)
    parsed: object = None             # notice.ParseOutcome when --notice was given

    @property
    def exit_code(self) -> int:
        return self.parsed.exit_code if self.parsed is not None and hasattr(self.parsed, "exit_code") else EXIT_OK

    def lines(self) -> list[str]:
        lines = [f"已建立新工作区：{self.target}"]
        lines += [f"  已复制 {name}" for name in self.copied]
        if self.parsed is not None:
            lines += self.parsed.lines()
        else:
            lines.append(f"下一步：把新通知放进 {self.target / 'inputs'}，然后运行 "
                         f"toolkit -w {self.target} parse inputs/<新通知>")
        lines.append("原工作区未作任何改动，去年的台账、历史和归档仍可在原处查看。")
        return lines


def start_new_year(ws: Workspace, target_dir: Path, notice: Path | None = None) -> NewYearOutcome:
    """Copy what carries over into a new workspace at `target_dir`; parse `notice` there when given."""
    target = Workspace.at(target_dir)
    if target.root.resolve() == ws.root.resolve():
        raise ToolkitError("新工作区不能与当前工作区是同一个文件夹。请另选一个文件夹，例如在原文件夹名后加上年份。")
    if target.ledger.exists() or (target.root.exists() and any(target.root.iterdir())):
        raise ToolkitError(f"文件夹 {target.root} 已存在且不是空的。请另选一个新的文件夹名。")
    outcome = NewYearOutcome(target.root)
    from toolkit.oserrors import writing

    with writing(target.root):
        target.inputs.mkdir(parents=True, exist_ok=True)
        target.outputs.mkdir(parents=True, exist_ok=True)
        for source, dest, name in _carried_over(ws, target):
            _copy(source, dest)
            outcome.copied.append(name)
        if notice is not None:
            copied_notice = target.inputs / Path(notice).name
            shutil.copy2(notice, copied_notice)
    if notice is not None:
        from toolkit.notice import parse_into_ledger

        outcome.parsed = parse_into_ledger(target, copied_notice)
    return outcome


def _carried_over(ws: Workspace, target: Workspace) -> list[tuple[Path, Path, str]]:
    pairs = [(ws.directory, target.directory, f"inputs/{ws.directory.name}（单位名录）"),
             (ws.config, target.config, f"inputs/{ws.config.name}（设置）"),
             (ws.root / "templates", target.root / "templates", "templates/（通报模板）"),
             (ws.office_key, target.office_key, f"outputs/{ws.office_key.name}（督查室密钥）")]
    return [p for p in pairs if p[0].exists()]


def _copy(source: Path, dest: Path) -> None:
    if source.is_dir():
        shutil.copytree(source, dest)
    else:
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, dest)
