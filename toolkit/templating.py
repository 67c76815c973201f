"""Word templates filled by docxtpl, with the work that is the same on every run done once.

Before filling a template docxtpl rewrites its XML so that Jinja can read it (patch_xml) and Jinja compiles the
result to Python code. Both depend only on the template, so both are kept in the user's cache folder, keyed by the
SHA-256 of what they were made from and the versions that made them (toolkit.usercache): a clerk's edited template gets its own entry,
and an unreadable or read-only cache only means the work is done again.
"""
from __future__ import annotations

import hashlib
import marshal
import sys
from pathlib import Path

import jinja2
from docxtpl import DocxTemplate, __version__ as DOCXTPL_VERSION

from toolkit.usercache import cache_dir, read_entry, write_entry

KEEP_ENTRIES = 64                   # older entries are removed beyond this many
_VERSIONS = f"{sys.version}|{jinja2.__version__}|{DOCXTPL_VERSION}".encode()


def _entry(kind: str, source: str) -> Path | None:
    folder = cache_dir()
    if folder is None:
        return None
    digest = hashlib.sha256(_VERSIONS + kind.encode() + source.encode("utf-8", "surrogatepass")).hexdigest()
    return folder / "templates" / f"{digest}.{kind}"


class CompilingEnvironment(jinja2.Environment):
    """A Jinja environment whose templates from strings are compiled once and then loaded from the cache."""

    def compile(self, source, name=None, filename=None, raw=False, defer_init=False):
        if raw or name is not None or filename is not None or defer_init or not isinstance(source, str):
            return super().compile(source, name, filename, raw, defer_init)
        entry = _entry(f"code{int(bool(self.autoescape))}", source)
        cached = read_entry(entry)
        if cached is not None:
            try:
                return marshal.loads(cached)
            except (EOFError, ValueError, TypeError):
                pass     # a damaged entry: compiled again and replaced below
        code = super().compile(source)
        write_entry(entry, marshal.dumps(code), KEEP_ENTRIES)
        return code


class CachedDocxTemplate(DocxTemplate):
    """docxtpl's DocxTemplate whose XML rewriting is cached, rendered with CompilingEnvironment."""

    def patch_xml(self, src_xml: str) -> str:
        entry = _entry("xml", src_xml)
        cached = read_entry(entry)
        if cached is not None:
            return cached.decode("utf-8", "surrogatepass")
        patched = super().patch_xml(src_xml)
        write_entry(entry, patched.encode("utf-8", "surrogatepass"), KEEP_ENTRIES)
        return patched

    def render(self, context, jinja_env=None, autoescape=False):
        super().render(context, jinja_env or CompilingEnvironment(autoescape=autoescape), autoescape)
