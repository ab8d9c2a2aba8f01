"""The reasons email-validator gives for an invalid address, in pandai's translated words.

email-validator (2.x) explains a rejected address in English only. The reasons that plain
typing mistakes produce are matched here and rewritten as messages of pandai's catalog, so a
Hungarian user reads them in Hungarian. A reason not listed is shown as the library wrote it
when English is active, and left out in other languages.
"""

from __future__ import annotations

import re

from pandai.i18n import N_, _, current_language

# Pairs of email-validator's message as a pattern and pandai's message. Named groups fill
# the message.
_REASONS = [
    (r"An email address must have an @-sign\.", N_("the @ sign is missing")),
    (r"There must be something before the @-sign\.", N_("nothing comes before the @ sign")),
    (r"There must be something after the @-sign\.", N_("nothing comes after the @ sign")),
    (r"The part after the @-sign contains invalid characters: (?P<characters>.+)\.",
     N_("the part after the @ sign contains invalid characters: {characters}")),
    (r"The email address contains invalid characters before the @-sign: (?P<characters>.+)\.",
     N_("the part before the @ sign contains invalid characters: {characters}")),
    (r"An email address cannot have two periods in a row\.",
     N_("it has two periods in a row")),
    (r"An email address cannot start with a period\.", N_("it starts with a period")),
    (r"An email address cannot end with a period\.", N_("it ends with a period")),
    (r"An email address cannot have a period immediately before the @-sign\.",
     N_("a period comes right before the @ sign")),
    (r"An email address cannot have a period immediately after the @-sign\.",
     N_("a period comes right after the @ sign")),
    (r"An email address cannot have a hyphen immediately after the @-sign\.",
     N_("a hyphen comes right after the @ sign")),
    (r"An email address cannot have a period and a hyphen next to each other\.",
     N_("a period and a hyphen are next to each other")),
    (r"The part after the @-sign is not valid\. It should have a period\.",
     N_("the part after the @ sign has no period")),
    (r"The part after the @-sign is not valid\. It is not within a valid top-level domain\.",
     N_("the part after the @ sign does not end in a valid top-level domain")),
    (r"The part after the @-sign is a special-use or reserved name that cannot be used with "
     r"email\.", N_("the part after the @ sign is a reserved name that cannot receive e-mail")),
    (r"The email address is too long.*", N_("it is too long")),
]
_PATTERNS = [(re.compile(pattern), message) for pattern, message in _REASONS]


def translate_reason(reason: str) -> str | None:
    """Return email-validator's ``reason`` in the active language, or None to leave it out."""
    for pattern, message in _PATTERNS:
        match = pattern.fullmatch(reason)
        if match:
            return _(message).format(**match.groupdict())
    return reason if current_language() == "en" else None
