"""Write locale/fr/LC_MESSAGES/django.po: the portal's plural strings, in French as written.

The portal is written in French, so French needs no translation, except for one thing:
without a French catalogue, gettext picks between a string's two forms with the English
rule (singular for 1 only) and writes "0 accords". This catalogue holds every plural string
of the English one, each form as written, under French's own rule (singular for 0 and 1).

Run by `make messages`, after the English catalogue is refreshed.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENGLISH = ROOT / "locale/en/LC_MESSAGES/django.po"
FRENCH = ROOT / "locale/fr/LC_MESSAGES/django.po"

HEADER = """# The portal's plural strings as written, under French's plural rule.
# Written by tools/french_plurals.py: do not edit.
msgid ""
msgstr ""
"Project-Id-Version: portal\\n"
"Language: fr\\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Content-Transfer-Encoding: 8bit\\n"
"Plural-Forms: nplurals=2; plural=(n > 1);\\n"
"""

# A keyword ("msgid", "msgid_plural", "msgctxt") and its string, which may go on over the
# following lines as more quoted strings.
FIELD = re.compile(
    r'^(msgctxt|msgid|msgid_plural) ("(?:[^"\\]|\\.)*"\n(?:"(?:[^"\\]|\\.)*"\n)*)', re.M
)


def plural_entries(po: str) -> list[dict[str, str]]:
    entries = []
    for block in po.split("\n\n"):
        if block.lstrip().startswith("#~"):
            continue  # obsolete
        fields = dict(FIELD.findall(block + "\n"))
        if "msgid_plural" in fields:
            entries.append(fields)
    return entries


def french_catalogue(po: str) -> str:
    parts = [HEADER]
    for fields in plural_entries(po):
        entry = ""
        if "msgctxt" in fields:
            entry += f"msgctxt {fields['msgctxt']}"
        entry += f"msgid {fields['msgid']}msgid_plural {fields['msgid_plural']}"
        entry += f"msgstr[0] {fields['msgid']}msgstr[1] {fields['msgid_plural']}"
        parts.append(entry)
    return "\n".join(parts)


def main() -> None:
    FRENCH.parent.mkdir(parents=True, exist_ok=True)
    FRENCH.write_text(french_catalogue(ENGLISH.read_text()))


if __name__ == "__main__":
    main()
