"""Where a diagnostic's code links to: the text `ptflow explain CODE` prints.

LSP wants a URI for a code's description (editors show the code as a link).
ptflow's explanations live in `ptflow.compiler.diagnostics.codes`, not on a web site, so
by default each code's explanation is written once to a Markdown file in the
user's cache folder and the link points there; `explainUrl` in the client's
initialization options (`https://example.org/codes/{code}`) replaces that.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from pygls.uris import from_fs_path

logger = logging.getLogger(__name__)


def default_directory() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "ptflow" / "explain"


def explanation_markdown(code: str) -> str | None:
    from ptflow.compiler.diagnostics.codes import CODES

    entry = CODES.get(code)
    if entry is None:
        return None
    return (
        f"# {entry.code}: {entry.title} ({entry.severity.label})\n\n"
        f"```\n{entry.explanation}\n```\n\n`ptflow explain {entry.code}` prints this text.\n"
    )


class ExplainLinks:
    def __init__(self, url_template: str | None = None, directory: Path | None = None):
        self.url_template = url_template
        self.directory = directory or default_directory()
        self._links: dict[str, str | None] = {}

    def href(self, code: str) -> str | None:
        """The link for `code`, or None when there is nothing to link to."""
        if code in self._links:
            return self._links[code]
        link = self._make(code)
        self._links[code] = link
        return link

    def _make(self, code: str) -> str | None:
        if self.url_template:
            return self.url_template.replace("{code}", code)
        text = explanation_markdown(code)
        if text is None:
            return None
        path = self.directory / f"{code}.md"
        try:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                self.directory.mkdir(parents=True, exist_ok=True)
                # Write then rename, so a second server never reads half a file.
                with tempfile.NamedTemporaryFile(
                    "w", encoding="utf-8", dir=self.directory, suffix=".tmp", delete=False
                ) as handle:
                    handle.write(text)
                os.replace(handle.name, path)
        except OSError as error:
            logger.warning("can't write the explanation of %s: %s", code, error)
            return None
        return from_fs_path(str(path))
