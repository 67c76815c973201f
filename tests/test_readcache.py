"""toolkit.readcache: a ledger read once is taken from the user's cache while its bytes and the toolkit's code are
the same — the same Ledger, the same warnings — and read again as soon as either changes (issue 16)."""
from __future__ import annotations

import os
import shutil
import warnings

import pytest

from toolkit import ledger as ledger_stage, readcache
from toolkit.errors import ToolkitWarning
from toolkit.workspace import Workspace


@pytest.fixture
def counted_reads(monkeypatch, tmp_path):
    """The workbook reads load_ledger makes (each a real read), in a cache folder of this test's own."""
    monkeypatch.setenv("TOOLKIT_CACHE_DIR", str(tmp_path / "cache"))
    reads = []
    original = ledger_stage._read_workbook

    def counting(source, with_progress):
        reads.append(source)
        return original(source, with_progress)

    monkeypatch.setattr(ledger_stage, "_read_workbook", counting)
    return reads


def _loaded(ws: Workspace):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ToolkitWarning)
        ledger = ledger_stage.load_ledger(ws)
    return ledger, [str(w.message) for w in caught if issubclass(w.category, ToolkitWarning)]


def _with_a_store(parsed_workspace) -> Workspace:
    """The cache serves ledgers whose history is in the store, as every ledger after its first save; the cache is
    then emptied (a save within the same second as the parse can leave the very same bytes)."""
    ws = Workspace.at(parsed_workspace)
    ledger_stage.save_ledger(ws, ledger_stage.load_ledger(ws))
    shutil.rmtree(os.environ["TOOLKIT_CACHE_DIR"], ignore_errors=True)
    return ws


def test_the_same_bytes_are_read_once_and_give_the_same_ledger_and_warnings(parsed_workspace, counted_reads):
    import openpyxl

    ws = _with_a_store(parsed_workspace)

    book = openpyxl.load_workbook(ws.ledger)
    for row in book["量化指标"].iter_rows(min_row=2):
        if row[0].value == "8#2":
            row[3].value = "很多"                         # a clerk's value the reading warns about
    book.save(ws.ledger)
    counted_reads.clear()
    first, first_warnings = _loaded(ws)
    second, second_warnings = _loaded(ws)
    assert len(counted_reads) == 1                      # the second load took the first one's reading
    assert first == second and first is not second
    assert any("很多" in m for m in first_warnings) and first_warnings == second_warnings
    second.tasks[0].text = "改动"                        # what a command does to its ledger stays its own
    third, _ = _loaded(ws)
    assert third.tasks[0].text == first.tasks[0].text and len(counted_reads) == 1


def test_changed_bytes_a_changed_toolkit_or_a_damaged_entry_are_read_again(parsed_workspace, counted_reads,
                                                                          tmp_path):
    ws = _with_a_store(parsed_workspace)
    counted_reads.clear()
    _loaded(ws)
    _loaded(ws)
    assert len(counted_reads) == 1
    ledger = ledger_stage.load_ledger(ws)               # the same bytes: no reading
    ledger.tasks[0].text = "督查室改过的任务内容"
    ledger_stage.save_ledger(ws, ledger)               # new bytes
    edited, _ = _loaded(ws)
    assert edited.tasks[0].text == "督查室改过的任务内容" and len(counted_reads) == 2
    _loaded(ws)
    assert len(counted_reads) == 2
    entries = list((tmp_path / "cache" / readcache.FOLDER).glob("*.pickle"))
    for entry in entries:
        entry.write_bytes(b"\x80\x05damaged")
    _loaded(ws)
    assert len(counted_reads) == 3                      # damaged: read again, no error
    readcache._code.cache_clear()
    module = readcache.Path(readcache.__file__)
    stat = module.stat()
    try:
        os.utime(module, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        _loaded(ws)
        assert len(counted_reads) == 4                  # another toolkit: read again
    finally:
        os.utime(module, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        readcache._code.cache_clear()


def test_a_ledger_without_a_store_is_read_from_its_sheets_every_time(parsed_workspace, counted_reads):
    ws = Workspace.at(parsed_workspace)
    (ws.outputs / "进展记录.sqlite").unlink()            # a copied ledger, its history in its 进展记录 sheet
    _loaded(ws)
    _loaded(ws)
    assert len(counted_reads) == 2


def test_no_cache_folder_only_means_reading(parsed_workspace, counted_reads, monkeypatch, tmp_path):
    ws = _with_a_store(parsed_workspace)
    blocker = tmp_path / "a file, not a folder"
    blocker.write_text("")
    monkeypatch.setenv("TOOLKIT_CACHE_DIR", str(blocker))
    counted_reads.clear()
    first, _ = _loaded(ws)
    second, _ = _loaded(ws)
    assert first == second and len(counted_reads) == 2
