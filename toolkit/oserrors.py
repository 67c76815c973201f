"""Operating-system errors a clerk can fix, each as one Chinese sentence saying what happened and what to do.

Every write site turns an OSError into a ToolkitError through `clerk_error` (or the `writing` context manager);
the CLI does the same for any OSError that still reaches it, so the clerk never sees "程序内部错误" for a full disk.
"""
from __future__ import annotations

import contextlib
import errno
import shutil
from pathlib import Path

from toolkit.errors import ToolkitError

# Windows reports "file in use" as winerror 32 (sharing violation) or 33 (lock violation), errno EACCES.
_WINDOWS_IN_USE = {32, 33}
_WINDOWS_PATH_TOO_LONG = {206}
KNOWN_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.ENAMETOOLONG,
                errno.EBUSY, errno.ETXTBSY}


def os_error_in(exc: BaseException | None) -> OSError | None:
    """The OSError behind `exc`: itself, or one a library wrapped (xlsxwriter's FileCreateError(OSError))."""
    for _ in range(4):
        if exc is None:
            return None
        if isinstance(exc, OSError):
            return exc
        wrapped = exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else None
        exc = wrapped or exc.__cause__ or exc.__context__
    return None


def is_clerk_fixable(exc: BaseException) -> bool:
    found = os_error_in(exc)
    return found is not None and (found.errno in KNOWN_ERRNOS
                                  or getattr(found, "winerror", None) in _WINDOWS_IN_USE | _WINDOWS_PATH_TOO_LONG)


def clerk_error(exc: OSError, path: Path | str | None = None, needed_bytes: int | None = None,
                unchanged: str = "") -> ToolkitError:
    """The Chinese sentence for an OSError while writing `path`; `unchanged` says what stayed as it was."""
    target = Path(path or exc.filename or ".")
    after = f"{unchanged}" if unchanged else ""
    code, winerror = exc.errno, getattr(exc, "winerror", None)
    if code in (errno.ENOSPC, errno.EDQUOT):
        message = f"磁盘空间不足，无法写入 {target}（{_space_text(target, needed_bytes)}）。请清理该磁盘后重新运行。"
    elif code == errno.EROFS:
        message = f"{_folder_of(target)} 所在的磁盘或文件夹是只读的，无法写入 {target.name}。" \
                  "请把工作区复制到可写的位置（或取消 U 盘、网络盘的写保护）后重新运行。"
    elif winerror in _WINDOWS_IN_USE or code in (errno.EBUSY, errno.ETXTBSY):
        message = f"文件 {target} 正被其他程序使用（可能在 Excel、WPS 或杀毒软件中打开）。请关闭后重新运行。"
    elif code == errno.ENAMETOOLONG or winerror in _WINDOWS_PATH_TOO_LONG:
        message = f"路径太长，无法写入：{target}。请把工作区移到较短的路径（如 D:/督查）或缩短文件名后重新运行。"
    elif code in (errno.EACCES, errno.EPERM):
        message = f"没有写入 {target} 的权限（文件或文件夹可能设为只读，或属于其他用户）。" \
                  "请在文件属性中取消“只读”、或换一个有权限的文件夹后重新运行。"
    else:
        message = f"无法写入 {target}（{exc.strerror or exc}）。请检查该文件夹后重新运行。"
    return ToolkitError(message + after)


def _folder_of(target: Path) -> Path:
    return target if target.is_dir() else target.parent


def _space_text(target: Path, needed_bytes: int | None) -> str:
    free = free_bytes(target)
    parts = []
    if free is not None:
        parts.append(f"剩余 {_megabytes(free)}")
    if needed_bytes:
        parts.append(f"约需 {_megabytes(needed_bytes)}")
    return "，".join(parts) or "剩余空间未知"


def free_bytes(target: Path) -> int | None:
    for folder in (target, *target.parents):
        if folder.exists():
            try:
                return shutil.disk_usage(folder).free
            except OSError:
                return None
    return None


def _megabytes(size: int) -> str:
    return f"{size / 1048576:.1f} MB" if size >= 1048576 else f"{max(size, 0) / 1024:.0f} KB"


@contextlib.contextmanager
def writing(path: Path | str, needed_bytes: int | None = None, unchanged: str = ""):
    """Turn an OSError raised while writing `path` into the clerk's sentence."""
    try:
        yield
    except ToolkitError:
        raise
    except Exception as exc:
        found = os_error_in(exc)
        if found is None:
            raise
        raise clerk_error(found, path, needed_bytes, unchanged) from exc
