"""Click's own texts in Chinese (usage line, headings, help option, the common mistakes) and how errors are shown.

Click asks gettext for each of its sentences; `install()` answers from ZH instead, so a clerk never sees English.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

ZH = {
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "参数",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本号并退出。",
    "default: {default}": "默认：{default}",
    "env var: {var}": "环境变量：{var}",
    "required": "必填",
    "(dynamic)": "（动态）",
    "deprecated": "已停用",
    "Aborted!": "已中断。",
    "Missing command.": "缺少命令。请在 toolkit 后面写要做的事，例如 toolkit issue 2024-W12；toolkit -h 列出全部命令。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing {param_type}": "缺少{param_type}",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "No such option {name!r}.": "没有“{name}”这个选项。",
    "No such option: {name}": "没有“{name}”这个选项。",
    "No such command {name!r}.": "没有“{name}”这个命令。",
    "No such command '{name}'.": "没有“{name}”这个命令。",
    "Did you mean {possibility}?": "您要写的是不是 {possibility}？",
    "(Did you mean one of: {possibilities}?)": "（您要写的是不是其中之一：{possibilities}？）",
    "Got unexpected extra argument ({args})": "多写了参数（{args}）。",
    "Got unexpected extra arguments ({args})": "多写了参数（{args}）。",
    "Option {name!r} requires an argument.": "选项 {name} 后面需要写一个值。",
    "Option {name!r} requires {nargs} arguments.": "选项 {name} 后面需要写 {nargs} 个值。",
    "Option '{name}' requires an argument.": "选项 {name} 后面需要写一个值。",
    "Option {name!r} does not take a value.": "选项 {name} 后面不用写值。",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值不对：{message}",
    "Invalid value: {message}": "值不对：{message}",
    "{value!r} is not {choice}.": "“{value}”不是可选的值，只能写 {choice}。",
    "{value!r} is not one of {choices}.": "“{value}”不是可选的值，只能写 {choices} 之一。",
    "{value!r} is not a valid {number_type}.": "“{value}”不是有效的{number_type}。",
    "{value} is not in the range {range}.": "{value} 超出范围（{range}）。",
    "{name} {filename!r} does not exist.": "{name}“{filename}”不存在。",
    "{name} {filename!r} is a file.": "{name}“{filename}”是文件，这里要写文件夹。",
    "{name} {filename!r} is a directory.": "{name}“{filename}”是文件夹，这里要写文件。",
    "{name} {filename!r} is not readable.": "{name}“{filename}”无法读取（没有权限）。",
    "{name} {filename!r} is not writable.": "{name}“{filename}”无法写入（没有权限）。",
    "file": "文件",
    "directory": "文件夹",
    "path": "路径",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "查看帮助：{command} {option}",
}
TYPE_NAMES = {"IntParamType": "整数", "IntRange": "整数", "FloatParamType": "数字", "FloatRange": "数字",
              "BoolParamType": "是/否"}
PARAM_KINDS = {"argument": "参数", "option": "选项", "parameter": "参数"}
USAGE_HINT = "查看帮助：{command} -h"


def zh_gettext(message: str) -> str:
    return ZH.get(message, message)


def zh_ngettext(singular: str, plural: str, n: int) -> str:
    return zh_gettext(singular if n == 1 else plural)


def install() -> None:
    """Answer Click's gettext calls from ZH (click looks `_` up in its own modules at call time)."""
    import click.core
    import click.decorators
    import click.exceptions
    import click.formatting
    import click.parser
    import click.types

    for module in (click.core, click.decorators, click.exceptions, click.formatting, click.parser, click.types):
        if hasattr(module, "_"):
            module._ = zh_gettext
        if hasattr(module, "ngettext"):
            module.ngettext = zh_ngettext
    for class_name, name in TYPE_NAMES.items():       # "'七' is not a valid {type name}"
        if hasattr(click.types, class_name):
            getattr(click.types, class_name).name = name


def missing_folder(path: str | Path) -> str | None:
    """The sentence for a -w folder that does not exist (None when it does)."""
    if Path(path).is_dir():
        return None
    if Path(path).exists():
        return f"工作区“{path}”不是文件夹。-w 后面请写工作区文件夹（含 inputs/ 和 outputs/）。"
    return f"工作区文件夹“{path}”不存在。请检查 -w 后面的路径（可以把文件夹拖进命令行窗口得到完整路径），或先建立该文件夹。"


def error_text(exc: click.ClickException) -> str:
    """One Chinese sentence for a Click error."""
    if isinstance(exc, click.MissingParameter) and exc.param is not None:
        kind = PARAM_KINDS.get(exc.param_type or exc.param.param_type_name, "参数")
        name = exc.param.metavar if isinstance(exc.param, click.Argument) and exc.param.metavar else \
            " / ".join(exc.param.opts)
        return f"缺少{kind}“{name}”。"
    return exc.format_message()


def show_error(exc: click.ClickException) -> None:
    ctx = getattr(exc, "ctx", None)
    if type(exc).__name__ == "NoArgsIsHelpError":      # `toolkit` alone: the help itself, no error line
        click.echo(exc.format_message(), err=True)
        return
    if isinstance(exc, click.UsageError) and ctx is not None:
        click.echo(ctx.get_usage(), err=True)
        click.echo(USAGE_HINT.format(command=ctx.command_path), err=True)
    click.echo(f"错误：{error_text(exc)}", err=True)


class ChineseFormatter(click.HelpFormatter):
    """Full-width colons after headings and the usage label."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, "用法：" if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading}：\n")


class ChineseContext(click.Context):
    formatter_class = ChineseFormatter


class ChineseCommand(click.Command):
    context_class = ChineseContext

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", "[选项]")
        super().__init__(*args, **kwargs)


class ChineseGroup(click.Group):
    """The toolkit's group: Chinese usage and errors; commands made by it are ChineseCommand."""
    command_class = ChineseCommand
    context_class = ChineseContext

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", "[选项]")
        kwargs.setdefault("subcommand_metavar", "命令 [参数]...")
        super().__init__(*args, **kwargs)

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.ClickException as exc:
            show_error(exc)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("已中断。", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)
