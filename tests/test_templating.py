"""Templates' Jinja code and XML rewriting are cached (issue 16): the circular is the same with or without it."""
from __future__ import annotations

import shutil
import zipfile
from datetime import date
from pathlib import Path

import pytest

from conftest import collected_workspace
from toolkit import templating, usercache

PERIOD = "2024-W11"


@pytest.fixture(scope="module")
def collected(tmp_path_factory) -> Path:
    return collected_workspace(tmp_path_factory.mktemp("templating") / "ws", PERIOD, seed=3)


def circular_parts(root: Path) -> dict[str, bytes]:
    """Render the week's 周盘点 in this process; every part of the .docx."""
    from toolkit.circular import render_circulars
    from toolkit.workspace import Workspace

    [docx] = render_circulars(Workspace.at(root), PERIOD, date(2024, 3, 18), pdf=False)
    with zipfile.ZipFile(docx) as book:
        return {name: book.read(name) for name in book.namelist()}


def entries(cache: Path) -> list[tuple[str, int]]:
    """Each entry's name and modification time: an entry that was compiled again is written again."""
    return sorted((p.name, p.stat().st_mtime_ns) for p in (cache / "templates").iterdir())


def test_cold_and_warm_cache_render_what_plain_docxtpl_renders(collected, tmp_path, monkeypatch):
    from docxtpl import DocxTemplate

    cache = tmp_path / "cache"
    monkeypatch.setenv(usercache.CACHE_ENV, str(cache))
    with monkeypatch.context() as plain_docxtpl:
        plain_docxtpl.setattr(templating, "CachedDocxTemplate", DocxTemplate)
        plain = circular_parts(collected)
    assert not (cache / "templates").exists()        # the chart may remember its font there, nothing else
    cold = circular_parts(collected)
    written = entries(cache)
    assert any(name.endswith(".xml") for name, _ in written) and any(".code" in name for name, _ in written)
    warm = circular_parts(collected)
    assert entries(cache) == written                     # every entry read again, none made or written anew
    assert plain == cold == warm


def test_a_damaged_or_unwritable_cache_only_means_the_work_is_done_again(collected, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv(usercache.CACHE_ENV, str(cache))
    first = circular_parts(collected)
    for entry in (cache / "templates").iterdir():
        entry.write_bytes(b"\x00damaged" if ".code" in entry.name else entry.read_bytes())
    assert circular_parts(collected) == first
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv(usercache.CACHE_ENV, str(blocker / "cache"))      # cannot be created
    assert circular_parts(collected) == first


def test_an_edited_template_is_compiled_from_its_own_text(collected, tmp_path, monkeypatch):
    """A clerk's template in the workspace's templates/ is not served from the bundled one's cache entry."""
    from docx import Document

    monkeypatch.setenv(usercache.CACHE_ENV, str(tmp_path / "cache"))
    circular_parts(collected)                             # the bundled template, now cached
    own = collected / "templates"
    own.mkdir(exist_ok=True)
    bundled = Path(__file__).resolve().parent.parent / "templates" / "周盘点.docx"
    document = Document(str(bundled))
    document.add_paragraph("本通报由督查室自拟模板生成。")
    document.save(str(own / bundled.name))
    try:
        parts = circular_parts(collected)
    finally:
        shutil.rmtree(own)
    assert "本通报由督查室自拟模板生成。" in parts["word/document.xml"].decode("utf-8")


def test_the_user_cache_folder(tmp_path, monkeypatch):
    monkeypatch.setenv(usercache.CACHE_ENV, str(tmp_path / "own"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert usercache.cache_dir() == tmp_path / "own"
    monkeypatch.delenv(usercache.CACHE_ENV)
    assert usercache.cache_dir() == tmp_path / "xdg" / "ducha-toolkit"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert usercache.cache_dir() == tmp_path / "home" / ".cache" / "ducha-toolkit"
