"""Each command imports only what it uses (issue 16): checked on the modules loaded by a real run."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from toolkit.workspace import Workspace

ROOT = Path(__file__).resolve().parent.parent
NOTICE = ROOT / "inputs" / "济兖政发〔2024〕1号.txt"
PERIOD = "2024-W12"
RUN = """
import json, sys
out = sys.argv[1]
sys.argv = ["toolkit"] + sys.argv[2:]
from toolkit.cli import main
try:
    main()
except SystemExit as exc:
    code = exc.code
with open(out, "w", encoding="utf-8") as f:
    json.dump({"code": code, "modules": sorted({name.split(".")[0] for name in sys.modules}),
               "toolkit": sorted(name for name in sys.modules if name.startswith("toolkit."))}, f)
"""
EXCEL_READERS = {"openpyxl", "pandas"}
WORD_AND_CHART = {"docx", "docxtpl", "matplotlib", "numpy", "PIL", "lxml", "jinja2"}


def modules_of(workspace: Path, *args: str, tmp: Path, ours: bool = False) -> set[str]:
    """The top-level packages a real run of `toolkit *args` loaded; with `ours`, the toolkit's own modules."""
    out = tmp / "modules.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TOOLKIT_SETTLE_SECONDS": "0"}
    result = subprocess.run([sys.executable, "-c", RUN, str(out), "-w", str(workspace), *args], env=env,
                            cwd=str(ROOT), capture_output=True, text=True, encoding="utf-8")
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["code"] in (0, 1, None), result.stderr
    return set(data["toolkit" if ours else "modules"])


@pytest.fixture(scope="module")
def returned_workspace(tmp_path_factory) -> Path:
    """Parsed, issued and filled in by the units, one of them typing 80% into a percent-formatted cell."""
    import openpyxl

    from toolkit import demo

    root = tmp_path_factory.mktemp("imports") / "ws"
    (root / "inputs").mkdir(parents=True)
    shutil.copy(NOTICE, root / "inputs" / NOTICE.name)
    tmp = tmp_path_factory.mktemp("modules")
    assert not modules_of(root, "parse", str(root / "inputs" / NOTICE.name), tmp=tmp) & (EXCEL_READERS |
                                                                                          WORD_AND_CHART)
    ws = Workspace.at(root)
    issue_modules = modules_of(root, "issue", PERIOD, "--date", "2024-03-18", tmp=tmp)
    assert not issue_modules & (EXCEL_READERS | WORD_AND_CHART)
    demo.simulate_returns(ws, PERIOD, seed=7, mistakes=False)
    path = sorted(ws.returns(PERIOD).glob("*.xlsx"))[0]
    book = openpyxl.load_workbook(path)
    sheet = book["任务填报"]
    sheet["I4"].value = 0.8
    sheet["I4"].number_format = "0%"
    (root / "percent-cell.json").write_text(json.dumps([sheet["B2"].value, str(sheet["A4"].value)]), encoding="utf-8")
    book.save(path)
    return root


def test_collect_and_status_read_without_openpyxl(returned_workspace, tmp_path):
    from toolkit.ledger import load_ledger

    collect = modules_of(returned_workspace, "collect", PERIOD, tmp=tmp_path)
    assert not collect & (EXCEL_READERS | WORD_AND_CHART)
    # collect reads the forms' contract (sheet names, identity), not the code that writes them
    ours = modules_of(returned_workspace, "collect", PERIOD, tmp=tmp_path, ours=True)
    assert "toolkit.forms.contract" in ours
    assert not ours & {"toolkit.forms.plan", "toolkit.forms.layout", "toolkit.forms.percell", "toolkit.forms.package",
                       "toolkit.forms.command", "toolkit.circular", "toolkit.templating", "toolkit.scoring"}
    ws = Workspace.at(returned_workspace)
    unit, task_id = json.loads((returned_workspace / "percent-cell.json").read_text(encoding="utf-8"))
    progress = {(r.unit, r.task_id): r.progress for r in load_ledger(ws).progress}
    assert progress[(unit, task_id)] == 80                # the percent cell was read as 80, not 0.8
    # the first status after the due time logs its 催报 in the ledger (issue 14): a patch of 催报记录 (issue 16), so
    # xlsxwriter is not needed either
    first = modules_of(returned_workspace, "status", PERIOD, tmp=tmp_path)
    assert not first & (EXCEL_READERS | WORD_AND_CHART | {"xlsxwriter"})
    assert load_ledger(ws).reminders                       # and it did log
    again = modules_of(returned_workspace, "status", PERIOD, tmp=tmp_path)
    assert not again & (EXCEL_READERS | WORD_AND_CHART | {"xlsxwriter"})


def test_circular_imports_only_the_word_and_chart_libraries(returned_workspace, tmp_path):
    modules_of(returned_workspace, "collect", PERIOD, tmp=tmp_path)
    circular = modules_of(returned_workspace, "circular", PERIOD, "--date", "2024-03-25", tmp=tmp_path)
    assert {"docxtpl", "PIL"} <= circular                  # the circular and its chart (drawn with Pillow)
    assert not circular & {"matplotlib", "numpy", "fontTools"}
    assert not circular & EXCEL_READERS
    assert not circular & {"rich", "tqdm", "pdfplumber", "odf", "xlrd"}
