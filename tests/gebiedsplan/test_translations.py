"""The English interface is English throughout: every Dutch text in the code and templates
is in the catalogue with a translation that is not a fuzzy guess (what `make messages` would
add is already there), and the compiled catalogue Django reads holds exactly those
translations (a .po edited without `make compile-messages` shows Dutch)."""

import ast
import gettext
import shutil
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

LOCALE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
# What `make messages` reads (it leaves out .venv, static, tests and benchmarks), and the catalogue.
SOURCES = ["gebiedsplan", "plans", "wijkdata", "matrix", "execution", "templates", "locale"]


def _entries(text: str):
    """Each entry of a .po file as (flags, msgctxt, msgid, msgid_plural, msgstrs); obsolete
    ones left out. Only what this test needs of the format (gettext's own tools write it)."""
    for block in text.split("\n\n"):
        flags, fields, current = set(), {}, None
        for line in block.splitlines():
            if line.startswith("#~"):
                break
            if line.startswith("#,"):
                flags.update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                fields[current] += ast.literal_eval(line)
            else:
                current, _, value = line.partition(" ")
                fields[current] = ast.literal_eval(value)
        if "msgid" not in fields or not fields["msgid"]:
            continue  # the header, or an obsolete entry
        strings = [value for key, value in fields.items() if key.startswith("msgstr")]
        yield flags, fields.get("msgctxt"), fields["msgid"], fields.get("msgid_plural"), strings


def test_every_interface_text_has_an_english_translation(tmp_path, monkeypatch, settings):
    # `make messages` on a copy of the sources and the catalogue (it writes beside the files
    # it reads): what it adds, or marks fuzzy, is missing from ours.
    base = Path(settings.BASE_DIR)
    for name in SOURCES:
        shutil.copytree(base / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    copy = tmp_path / "locale" / "en" / "LC_MESSAGES"
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    monkeypatch.chdir(tmp_path)
    call_command("makemessages", locale=["en"], verbosity=0)
    entries = list(_entries((copy / "django.po").read_text(encoding="utf-8")))
    assert len(entries) > 500  # the parser read the catalogue
    untranslated = [entry[2] for entry in entries if not all(entry[4])]
    fuzzy = [entry[2] for entry in entries if "fuzzy" in entry[0]]
    assert untranslated == []
    assert fuzzy == []


def test_the_compiled_catalogue_matches_the_translations():
    with (LOCALE / "django.mo").open("rb") as file:
        compiled = gettext.GNUTranslations(file)
    stale = []
    for _flags, context, msgid, plural, strings in _entries((LOCALE / "django.po").read_text(encoding="utf-8")):
        if plural:
            shown = [
                compiled.npgettext(context, msgid, plural, n) if context else compiled.ngettext(msgid, plural, n)
                for n in (1, 2)
            ]
            expected = strings[:2]
        else:
            shown = compiled.pgettext(context, msgid) if context else compiled.gettext(msgid)
            expected = strings[0]
        if shown != expected:
            stale.append(msgid)
    assert stale == [], "run `make compile-messages`"
