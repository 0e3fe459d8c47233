"""Invisible Unicode controls that make text read differently from what it says.

Bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069) reorder the characters
around them on screen ("Trojan Source"): a clause can show one wording and hold another.
``check`` warns about them; diff output shows each as a visible mark instead.
"""

from __future__ import annotations

import re

BIDI_RE = re.compile("[\u202a-\u202e\u2066-\u2069]")


def show_controls(text: str) -> str:
    """Each bidirectional control replaced by a visible mark such as '<U+202E>'."""
    return BIDI_RE.sub(lambda m: f"<U+{ord(m.group()):04X}>", text) if BIDI_RE.search(text) else text
