"""Pure rules about who a user is: usernames that cannot be mistaken for another.

A username is how colleagues, the audit history and the operator tell people apart, so two
names that *look* the same must not both exist. Case is already ignored (a database index on
``lower(username)``, migration ``0004``); this module refuses the two other ways of forging a
look-alike: compatibility forms that NFKC folds onto plain letters (full-width ``ａｌｉｃｅ``)
and names mixing letters of several scripts (``аlice`` with a Cyrillic ``а``).
"""

from __future__ import annotations

import unicodedata

from django.utils.translation import gettext as _


def _script(char: str) -> str | None:
    """The script of a letter, from its Unicode name (``LATIN SMALL LETTER A`` → ``LATIN``);
    None for digits and punctuation, which belong to every script."""
    if not char.isalpha():
        return None
    name = unicodedata.name(char, "")
    return name.split(" ", 1)[0] if name else "UNKNOWN"


def username_problem(username: str) -> str | None:
    """Why ``username`` cannot be used (a message for the ``username`` field), or None."""
    if unicodedata.normalize("NFKC", username) != username:
        return _(
            "This username uses special forms of letters (such as full-width letters) that "
            "look like ordinary ones. Type it with ordinary letters."
        )
    scripts = {s for s in map(_script, username) if s}
    if len(scripts) > 1:
        return _(
            "This username mixes letters of different alphabets (for example Latin and "
            "Cyrillic), so it could be mistaken for another name. Use letters of one alphabet."
        )
    return None
