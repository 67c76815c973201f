"""Where every file of a workspace lives (DESIGN §3)."""
from __future__ import annotations

import hashlib
import re
import sys
from dataclasses import dataclass
from pathlib import Path

LEDGER_NAME = "台账.xlsx"
DIRECTORY_NAME = "单位名录.xlsx"
CONFIG_NAME = "toolkit.toml"
SOURCE_ROOT = Path(__file__).resolve().parent.parent
INSTALLED_SHARE = Path(sys.prefix) / "share" / "ducha-toolkit"    # setup.cfg [options.data_files]


def bundled(relative: str) -> Path:
    """A file shipped with the toolkit: beside the source (a checkout, an editable install) or, from a wheel,
    under <venv>/share/ducha-toolkit/."""
    source = SOURCE_ROOT / relative
    return source if source.exists() or not (INSTALLED_SHARE / relative).exists() else INSTALLED_SHARE / relative


BUNDLED_TEMPLATES = bundled("templates")


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in 1 MB blocks (archived returns, the ledger the table record was written with)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


_UNSAFE_FILE_CHARS = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def safe_file_name(name: str, fallback: str = "未命名") -> str:
    """`name` as a file name that Windows accepts (units and titles become file names)."""
    return _UNSAFE_FILE_CHARS.sub("_", name).strip(" .") or fallback


@dataclass(frozen=True)
class Workspace:
    root: Path

    @classmethod
    def at(cls, root: str | Path) -> "Workspace":
        return cls(Path(root).resolve())

    def require(self) -> "Workspace":
        """Refuse, saying so, when the workspace folder itself does not exist (a mistyped -w)."""
        if not self.root.is_dir():
            from toolkit.errors import ToolkitError

            raise ToolkitError(f"工作区文件夹 {self.root} 不存在。请检查 -w 后面的路径是否写对"
                               "（工作区是含 inputs/ 和 outputs/ 的文件夹）。")
        return self

    @property
    def inputs(self) -> Path:
        return self.root / "inputs"

    @property
    def outputs(self) -> Path:
        return self.root / "outputs"

    @property
    def ledger(self) -> Path:
        return self.outputs / LEDGER_NAME

    @property
    def directory(self) -> Path:
        return self.inputs / DIRECTORY_NAME

    @property
    def config(self) -> Path:
        return self.inputs / CONFIG_NAME

    @property
    def backups(self) -> Path:
        return self.outputs / "备份"

    @property
    def office_key(self) -> Path:
        """HMAC key for the unit workbooks; stays in outputs/, never sent out."""
        return self.outputs / ".office_key"

    def returns(self, period_id: str) -> Path:
        return self.inputs / "回收" / period_id

    def period_dir(self, period_id: str) -> Path:
        return self.outputs / period_id

    def issued_dir(self, period_id: str) -> Path:
        return self.period_dir(period_id) / "下发"

    def archive(self, period_id: str) -> Path:
        return self.outputs / "归档" / period_id

    def circular_dir(self, period_id: str) -> Path:
        return self.period_dir(period_id) / "通报"

    def template(self, name: str) -> Path:
        """A workspace's own templates/ overrides the bundled ones file by file."""
        own = self.root / "templates" / name
        return own if own.exists() else BUNDLED_TEMPLATES / name
