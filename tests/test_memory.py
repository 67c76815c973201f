"""The cycle collector while the ledger loads (toolkit.memory, issue 16): paused, then what was loaded frozen out of
later sweeps in a command that exits when done — never in the long-running console."""
from __future__ import annotations

import gc

import pytest
from click.testing import CliRunner

from toolkit import memory
from toolkit.ledger import load_ledger
from toolkit.workspace import Workspace


@pytest.fixture
def collector_restored():
    enabled = gc.isenabled()
    yield
    gc.unfreeze()
    (gc.enable if enabled else gc.disable)()


def test_loading_pauses_the_collector_and_a_one_shot_command_freezes_what_it_loaded(
        parsed_workspace, monkeypatch, collector_restored):
    from toolkit import ledger as ledger_stage

    states = []

    original = ledger_stage._load_history

    def watching(*args, **kwargs):
        states.append(gc.isenabled())
        return original(*args, **kwargs)

    monkeypatch.setattr(ledger_stage, "_load_history", watching)
    gc.enable()
    gc.unfreeze()
    monkeypatch.setattr(memory, "_one_shot", False)
    ledger = load_ledger(Workspace.at(parsed_workspace))
    assert states == [False] and gc.isenabled() and gc.get_freeze_count() == 0   # paused, then as before
    monkeypatch.setattr(memory, "_one_shot", True)
    ledger = load_ledger(Workspace.at(parsed_workspace))
    assert gc.isenabled() and gc.get_freeze_count() >= len(ledger.tasks) > 0     # each Task is a tracked object


def test_a_paused_collector_stays_paused(monkeypatch, collector_restored):
    monkeypatch.setattr(memory, "_one_shot", False)
    gc.disable()
    with memory.bulk_load():
        assert not gc.isenabled()
    assert not gc.isenabled()
    gc.enable()
    with pytest.raises(RuntimeError):
        with memory.bulk_load():
            raise RuntimeError("a failed load")
    assert gc.isenabled()


def test_the_console_is_not_a_one_shot_command(tmp_path, monkeypatch, collector_restored):
    from toolkit import cli
    from toolkit.console import server

    seen = []
    monkeypatch.setattr(memory, "_one_shot", False)
    monkeypatch.setattr(server, "serve", lambda *args, **kwargs: seen.append(memory._one_shot))
    CliRunner().invoke(cli.main, ["-w", str(tmp_path), "serve", "--no-browser"])
    assert seen == [False]
    CliRunner().invoke(cli.main, ["-w", str(tmp_path), "periods", "--year", "2024"])
    assert memory._one_shot


def test_a_one_shot_command_sweeps_less_often_and_keeps_what_collect_judged(monkeypatch, collector_restored):
    threshold = gc.get_threshold()
    try:
        gc.set_threshold(700, *threshold[1:])
        gc.unfreeze()
        monkeypatch.setattr(memory, "_one_shot", False)
        memory.keep_all_made()
        assert gc.get_freeze_count() == 0                     # the console keeps sweeping everything
        memory.one_shot_command()
        assert gc.get_threshold()[0] == memory.ONE_SHOT_SWEEP
        memory.keep_all_made()
        assert gc.get_freeze_count() > 0
    finally:
        gc.set_threshold(*threshold)
