"""Translation tooling for FORP-CRM, usable without system gettext tools except for extraction.

    python scripts/i18n.py extract   # makemessages -l zh_Hans --no-obsolete (needs xgettext)
    python scripts/i18n.py compile   # .po -> .mo with polib (no msgfmt needed); writes only on change
    python scripts/i18n.py missing   # lists msgids without a zh_Hans translation (exit 1 when any)
    python scripts/i18n.py check     # compile is up to date and nothing is missing (exit 1 otherwise)

The catalogue is forpcrm/locale/zh_Hans/LC_MESSAGES/django.po. Django looks the directory up by
``to_locale("zh-hans") == "zh_Hans"``, so the capital H matters on a case-sensitive file system.
English is the source language and needs no catalogue (Django never falls back from ``en`` to the
default language).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "forpcrm"
LOCALE_DIR = PACKAGE / "locale"
LOCALE = "zh_Hans"
PO_PATH = LOCALE_DIR / LOCALE / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")

# Directories that hold no product strings (or are not ours); passed to makemessages --ignore.
IGNORED = [
    ".venv",
    "node_modules",
    "var",
    "build",
    "dist",
    "scripts",
    ".ci",
    "docs",
    "forpcrm/static",
    "forpcrm/locale",
    "*/tests",
    "*/tests/*",
    "forpcrm/conftest.py",
    "*/migrations/*",
]


@dataclass(frozen=True)
class Missing:
    msgid: str
    msgctxt: str | None
    reason: str
    occurrences: tuple[str, ...] = ()

    def __str__(self) -> str:
        where = f"  ({', '.join(self.occurrences[:3])})" if self.occurrences else ""
        context = f"[{self.msgctxt}] " if self.msgctxt else ""
        return f"{self.reason}: {context}{self.msgid!r}{where}"


def _polib():
    try:
        import polib
    except ImportError:  # pragma: no cover - polib is in the [test] extra
        sys.stderr.write("polib is not installed: pip install polib (it is in the [test] extra)\n")
        raise
    return polib


def xgettext_available() -> bool:
    return all(shutil.which(tool) for tool in ("xgettext", "msgmerge", "msguniq", "msgattrib"))


def _fix_locale_dir_name() -> None:
    """A catalogue saved as locale/zh_hans is invisible to Django on Linux: move it to zh_Hans."""
    wrong = LOCALE_DIR / "zh_hans"
    right = LOCALE_DIR / LOCALE
    if wrong.is_dir() and not right.exists():
        wrong.rename(right)
        sys.stdout.write(
            f"renamed {wrong.relative_to(ROOT)} -> {right.relative_to(ROOT)} (Django needs zh_Hans)\n"
        )


def _makemessages(cwd: Path, python: str = sys.executable) -> None:
    """Run Django's makemessages for zh_Hans in ``cwd`` (a checkout with manage.py and forpcrm/)."""
    command = [python, "manage.py", "makemessages", "-l", LOCALE, "--no-obsolete", "--add-location=file"]
    for pattern in IGNORED:
        command += ["--ignore", pattern]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "forpcrm.settings", "PYTHONPATH": str(cwd)}
    env.pop("DATABASE_URL", None)  # extraction needs no database
    env["FORPCRM_DATA_DIR"] = str(cwd / "var")
    subprocess.run(command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)


def extract() -> Path:
    """Update forpcrm/locale/zh_Hans/LC_MESSAGES/django.po from the templates and Python code."""
    if not xgettext_available():
        raise SystemExit("extract needs GNU gettext (xgettext, msgmerge): apt-get install gettext")
    _fix_locale_dir_name()
    PO_PATH.parent.mkdir(parents=True, exist_ok=True)
    _makemessages(ROOT)
    _normalise_header(PO_PATH)
    return PO_PATH


def _normalise_header(path: Path) -> None:
    polib = _polib()
    po = polib.pofile(str(path), wrapwidth=0)
    po.metadata_is_fuzzy = False  # makemessages marks a new catalogue's header fuzzy
    po.header = "Simplified Chinese catalogue of FORP-CRM (scripts/i18n.py extract; translations by hand)."
    po.metadata["Project-Id-Version"] = "FORP-CRM"
    po.metadata["Language-Team"] = "FORP-CRM"
    po.metadata["Language"] = "zh_Hans"
    po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    po.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
    po.metadata.pop("POT-Creation-Date", None)  # keep re-extraction from changing the file each time
    po.save(str(path))


def extract_fresh() -> dict[tuple[str | None, str], tuple[str, ...]]:
    """Extract every msgid of the product into a temporary copy; return {(msgctxt, msgid): occurrences}.

    The working tree is not touched: manage.py and forpcrm/ (without locale/, static/) are copied to a
    temporary directory, where makemessages writes a brand-new catalogue.
    """
    if not xgettext_available():
        raise RuntimeError("xgettext not found")
    polib = _polib()
    with tempfile.TemporaryDirectory(prefix="forpcrm-i18n-") as tmp:
        work = Path(tmp)
        shutil.copy2(ROOT / "manage.py", work / "manage.py")
        shutil.copytree(
            PACKAGE,
            work / "forpcrm",
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "locale", "static", "media"),
        )
        (work / "forpcrm" / "locale").mkdir()
        _makemessages(work)
        po_file = work / "forpcrm" / "locale" / LOCALE / "LC_MESSAGES" / "django.po"
        if not po_file.exists():
            return {}
        return {
            (entry.msgctxt, entry.msgid): tuple(f"{path}" for path, _line in entry.occurrences)
            for entry in polib.pofile(str(po_file))
            if entry.msgid
        }


_PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]|\{[^{}]*\}")


def _placeholders(text: str) -> list[str]:
    return sorted(p for p in _PLACEHOLDER.findall(text or "") if p != "%%")


def _placeholders_match(entry) -> bool:
    """A translation keeps the msgid's %(name)s / %s / {name} placeholders (else it breaks at run time)."""
    if "python-format" not in entry.flags and "python-brace-format" not in entry.flags:
        return True
    if entry.msgid_plural:
        wanted = _placeholders(entry.msgid_plural)
        return all(
            set(_placeholders(value)) <= set(wanted) | set(_placeholders(entry.msgid))
            for value in entry.msgstr_plural.values()
        )
    return _placeholders(entry.msgstr) == _placeholders(entry.msgid)


def _is_translated(entry) -> bool:
    if entry.msgid_plural:
        return bool(entry.msgstr_plural) and all(value.strip() for value in entry.msgstr_plural.values())
    return bool(entry.msgstr.strip())


def missing(*, fresh: bool = True) -> list[Missing]:
    """Every product msgid without a non-empty, non-fuzzy zh_Hans translation.

    With ``fresh`` (and xgettext installed) the source is extracted anew, so a string added to the
    code but never extracted is reported too; otherwise only the catalogue itself is checked.
    """
    polib = _polib()
    problems: list[Missing] = []
    catalogue = {}
    if PO_PATH.exists():
        catalogue = {
            (entry.msgctxt, entry.msgid): entry
            for entry in polib.pofile(str(PO_PATH))
            if entry.msgid and not entry.obsolete
        }
    wanted: dict[tuple[str | None, str], tuple[str, ...]]
    if fresh and xgettext_available():
        wanted = extract_fresh()
    else:
        wanted = {key: tuple(path for path, _line in entry.occurrences) for key, entry in catalogue.items()}
    for key, occurrences in sorted(wanted.items(), key=lambda item: (item[0][1], item[0][0] or "")):
        entry = catalogue.get(key)
        if entry is None:
            problems.append(Missing(key[1], key[0], "not in catalogue", occurrences))
        elif "fuzzy" in entry.flags:
            problems.append(Missing(key[1], key[0], "fuzzy", occurrences))
        elif not _is_translated(entry):
            problems.append(Missing(key[1], key[0], "untranslated", occurrences))
        elif not _placeholders_match(entry):
            problems.append(Missing(key[1], key[0], "placeholders differ from the msgid", occurrences))
    return problems


def compiled_bytes(po_path: Path) -> bytes:
    """The .mo bytes polib makes for a .po (fuzzy and untranslated entries left out)."""
    polib = _polib()
    with tempfile.TemporaryDirectory(prefix="forpcrm-mo-") as tmp:
        target = Path(tmp) / "django.mo"
        polib.pofile(str(po_path)).save_as_mofile(str(target))
        return target.read_bytes()


def catalogues() -> list[Path]:
    return sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po"))


def compile_all(*, check_only: bool = False) -> list[Path]:
    """Compile every .po under forpcrm/locale; return the .mo files that were (or would be) written."""
    _fix_locale_dir_name()
    changed: list[Path] = []
    for po_path in catalogues():
        mo_path = po_path.with_suffix(".mo")
        data = compiled_bytes(po_path)
        if mo_path.exists() and mo_path.read_bytes() == data:
            continue
        changed.append(mo_path)
        if not check_only:
            mo_path.write_bytes(data)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=["extract", "compile", "missing", "check"])
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    out = sys.stdout

    if args.command == "extract":
        path = extract()
        problems = missing(fresh=False)
        out.write(f"extracted {path.relative_to(ROOT)}; {len(problems)} entries still need a translation\n")
        return 0
    if args.command == "compile":
        found = catalogues()
        written = compile_all()
        if not args.quiet or written:
            out.write(
                f"translations: {len(found)} catalogue(s), {len(written)} compiled"
                + (f" ({', '.join(str(p.relative_to(ROOT)) for p in written)})" if written else "")
                + "\n"
            )
        if not found:
            out.write(f"translations: no catalogue yet at {PO_PATH.relative_to(ROOT)} (run extract)\n")
        return 0
    if args.command == "missing":
        if not xgettext_available():
            out.write("xgettext not found: checking the catalogue only, not the source\n")
        problems = missing()
        for problem in problems:
            out.write(f"{problem}\n")
        out.write(f"{len(problems)} missing zh_Hans translation(s)\n")
        return 1 if problems else 0
    # check
    stale = compile_all(check_only=True)
    problems = missing()
    for path in stale:
        out.write(f"stale: {path.relative_to(ROOT)} (run scripts/i18n.py compile)\n")
    for problem in problems:
        out.write(f"{problem}\n")
    return 1 if stale or problems or not PO_PATH.exists() else 0


if __name__ == "__main__":
    sys.exit(main())
