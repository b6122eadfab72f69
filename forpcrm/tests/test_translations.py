"""Simplified Chinese is complete: every string of the product's templates and Python code has a
non-empty, non-fuzzy translation in forpcrm/locale/zh_Hans/LC_MESSAGES/django.po, and the compiled
django.mo matches the catalogue.

Extraction uses Django's makemessages (GNU xgettext) into a temporary copy of the source; without
xgettext only the catalogue itself is checked (`apt-get install gettext` for the full check; CI has it).
English is the source language and needs no catalogue.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]


def _load_i18n_tool():
    spec = importlib.util.spec_from_file_location("forpcrm_i18n_tool", ROOT / "scripts" / "i18n.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


i18n = _load_i18n_tool()


def _report(problems, limit: int = 60) -> str:
    lines = [str(problem) for problem in problems[:limit]]
    if len(problems) > limit:
        lines.append(f"… and {len(problems) - limit} more")
    lines.append("Fix: python scripts/i18n.py extract, translate the entries, python scripts/i18n.py compile")
    return "\n".join(lines)


def test_every_product_string_has_a_chinese_translation(capsys):
    if not i18n.PO_PATH.is_file():
        pytest.fail(f"{i18n.PO_PATH.relative_to(ROOT)} is missing: run python scripts/i18n.py extract")
    fresh = i18n.xgettext_available()
    if not fresh:
        with capsys.disabled():
            sys.stdout.write(
                "\ntranslations: xgettext not found, so the source was not extracted; only the catalogue "
                "was checked (apt-get install gettext for the full check)\n"
            )
    problems = i18n.missing(fresh=fresh)
    if problems:
        pytest.fail(f"{len(problems)} missing zh_Hans translation(s):\n" + _report(problems), pytrace=False)


def test_the_compiled_catalogue_is_up_to_date():
    if not i18n.PO_PATH.is_file():
        pytest.fail(f"{i18n.PO_PATH.relative_to(ROOT)} is missing: run python scripts/i18n.py extract")
    mo_path = i18n.MO_PATH
    assert mo_path.is_file(), f"{mo_path.relative_to(ROOT)} is missing: run python scripts/i18n.py compile"
    assert mo_path.read_bytes() == i18n.compiled_bytes(i18n.PO_PATH), (
        f"{mo_path.relative_to(ROOT)} is older than the .po: run python scripts/i18n.py compile"
    )


def test_django_finds_the_catalogue_for_both_languages():
    if not i18n.MO_PATH.is_file():
        pytest.fail(f"{i18n.MO_PATH.relative_to(ROOT)} is missing: run python scripts/i18n.py compile")
    polib = pytest.importorskip("polib")
    entry = next(
        (
            e
            for e in polib.pofile(str(i18n.PO_PATH)).translated_entries()
            if not e.msgctxt and not e.msgid_plural
        ),
        None,
    )
    assert entry is not None, "the catalogue has no translated entry"
    with translation.override("zh-hans"):
        assert translation.gettext(entry.msgid) == entry.msgstr
    with translation.override("en"):
        assert translation.gettext(entry.msgid) == entry.msgid


def test_the_tool_reports_an_untranslated_and_a_fuzzy_entry(tmp_path, monkeypatch):
    polib = pytest.importorskip("polib")
    po = polib.POFile()
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Language": "zh_Hans"}
    po.append(polib.POEntry(msgid="Customers", msgstr="客户"))
    po.append(polib.POEntry(msgid="Contacts", msgstr=""))
    po.append(polib.POEntry(msgid="Pool", msgstr="公海", flags=["fuzzy"]))
    po.append(polib.POEntry(msgid="%(name)s left", msgstr="%(user)s 离开", flags=["python-format"]))
    po.append(polib.POEntry(msgid="%(name)s came", msgstr="%(name)s 来了", flags=["python-format"]))
    po.append(
        polib.POEntry(
            msgid="%(n)s customer", msgid_plural="%(n)s customers", msgstr_plural={0: "%(n)s 个客户"}
        )
    )
    path = tmp_path / "django.po"
    po.save(str(path))
    monkeypatch.setattr(i18n, "PO_PATH", path)

    problems = i18n.missing(fresh=False)

    assert [(p.msgid, p.reason) for p in problems] == [
        ("%(name)s left", "placeholders differ from the msgid"),
        ("Contacts", "untranslated"),
        ("Pool", "fuzzy"),
    ]
    compiled = tmp_path / "django.mo"
    compiled.write_bytes(i18n.compiled_bytes(path))
    catalogue = polib.mofile(str(compiled))
    assert sorted(e.msgid for e in catalogue if e.msgid) == [
        "%(n)s customer",
        "%(name)s came",
        "%(name)s left",
        "Customers",
    ]
