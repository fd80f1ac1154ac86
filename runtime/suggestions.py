""" "Did you mean ...?" for the container side: the closest known name to a misspelled one.

Step code reports unknown step names, flags and handlers with a suggestion,
the way the compiler does for names in a .ptflow file.  The compiler has its
own `did_you_mean` (compiler/diagnostics/suggestions.py, where a suggestion also becomes a Fix
on a source span); this one stays separate because runtime/ must load without
the compiler (the layering rule in tests/architecture/test_layering.py), and
the matching is too small to be worth a shared package: keep the two in step.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate to a misspelled `name`, if one is close enough."""
    candidates = list(candidates)
    matches = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    if matches:
        return matches[0]
    lowered = {candidate.lower().replace("-", "_"): candidate for candidate in candidates}
    return lowered.get(name.lower().replace("-", "_"))
