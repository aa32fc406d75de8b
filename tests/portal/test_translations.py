"""French is written in the code; the English catalogue must cover every string."""

from __future__ import annotations

import gettext
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"


def _entries(text: str) -> list[str]:
    """The live entries of a .po file, header and obsolete ones left out."""
    return [
        e
        for e in text.split("\n\n")
        if "\nmsgid " in "\n" + e and 'msgid ""\nmsgstr ""\n"' not in e
    ]


def _field(entry: str, name: str) -> str:
    match = re.search(rf'^{name} ((?:".*"\n?)+)', entry, re.M)
    if not match:
        return ""
    # PO strings are C-escaped like JSON ones (\\", \\n, \\\\).
    return "".join(json.loads(part) for part in re.findall(r'^(".*")$', match.group(1), re.M))


def _msgids(text: str) -> set[str]:
    return {_field(entry, "msgid") for entry in _entries(text)}


def test_every_entry_is_translated_and_none_is_fuzzy() -> None:
    for entry in _entries(PO.read_text()):
        assert "#, fuzzy" not in entry, entry
        translations = (
            [_field(entry, "msgstr")]
            if "msgid_plural" not in entry
            else [_field(entry, r"msgstr\[0\]"), _field(entry, r"msgstr\[1\]")]
        )
        assert all(translations), entry


def test_compiled_catalogue_matches_the_source() -> None:
    with PO.with_suffix(".mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in _entries(PO.read_text()):
        if "msgid_plural" not in entry:
            msgid, msgstr = _field(entry, "msgid"), _field(entry, "msgstr")
            context = _field(entry, "msgctxt")
            found = compiled.pgettext(context, msgid) if context else compiled.gettext(msgid)
            assert found == msgstr, f"{msgid!r} is not compiled: make messages"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext")
def test_catalogue_holds_every_string_of_the_code(tmp_path) -> None:
    copy = tmp_path / "portal"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "*.sqlite3", "private-media", "staticfiles", "node_modules"
        ),
    )
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "en",
            "--no-obsolete",
            "--ignore=tests",
            "--ignore=bench",
            "--ignore=staticfiles",
        ],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    fresh = _msgids((copy / "locale/en/LC_MESSAGES/django.po").read_text())
    missing = fresh - _msgids(PO.read_text())
    assert not missing, f"Run `make messages` and translate: {sorted(missing)[:10]}"


FRENCH = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def test_french_counts_take_french_plurals() -> None:
    """French says "0 accord", English "0 consents": each language's own plural rule, which
    the French catalogue carries for every plural string (tools/french_plurals.py)."""
    from django.utils import translation
    from django.utils.translation import ngettext

    english = {
        _field(entry, "msgid") for entry in _entries(PO.read_text()) if "msgid_plural" in entry
    }
    french = {
        _field(entry, "msgid") for entry in _entries(FRENCH.read_text()) if "msgid_plural" in entry
    }
    assert english
    assert english == french, "Run `make messages`"
    with translation.override("fr"):
        assert ngettext("%(count)d document", "%(count)d documents", 0) == "%(count)d document"
        assert ngettext("%(count)d document", "%(count)d documents", 2) == "%(count)d documents"
    with translation.override("en"):
        assert ngettext("%(count)d document", "%(count)d documents", 0) == "%(count)d documents"
