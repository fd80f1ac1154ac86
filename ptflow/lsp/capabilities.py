"""What the ptflow language server offers a client: its capabilities, as LSP's JSON, in one place.

Two readers use this module.  `server.py` registers its features with pygls
with the options below, and pygls builds the answer to `initialize` from the
registrations.  `handshake.py` answers `initialize` before pygls is even
imported (importing it is most of the server's start), so it builds the same
answer here, from plain JSON, with the rules pygls applies to the client's
capabilities (which position encoding, whether rename may announce
`prepareProvider`, ...).  tests/lsp/test_handshake.py compares the two
answers for the capabilities of real clients; the server also compares them
at run time and logs a warning if they ever differ.

Nothing here imports pygls or lsprotocol.
"""

from __future__ import annotations

from typing import Any

from ptflow import __version__

SERVER_NAME = "ptflow"

# The characters that make an editor ask for completion without the user asking.
COMPLETION_TRIGGER_CHARACTERS = [".", "(", ",", '"', "/"]
# The kinds of code actions offered: the quick fixes diagnostics suggest.
CODE_ACTION_KINDS = ["quickfix"]
# Documents are synchronized by incremental changes (LSP's TextDocumentSyncKind.Incremental).
INCREMENTAL_SYNC = 2

# The position encodings pygls' workspace can count in; UTF-16 is LSP's default and the one every client knows.
POSITION_ENCODINGS = ("utf-8", "utf-16", "utf-32")
DEFAULT_POSITION_ENCODING = "utf-16"


def position_encoding(client_capabilities: dict[str, Any]) -> str:
    """The encoding positions are counted in: the client's first preference the server supports, else UTF-16."""
    general = client_capabilities.get("general") or {}
    for encoding in general.get("positionEncodings") or []:
        if encoding in POSITION_ENCODINGS:
            return encoding
    return DEFAULT_POSITION_ENCODING


def server_capabilities(client_capabilities: dict[str, Any]) -> dict[str, Any]:
    """The `capabilities` of the answer to `initialize`, for a client that declared `client_capabilities`."""
    text_document = client_capabilities.get("textDocument") or {}
    synchronization = text_document.get("synchronization") or {}
    sync: dict[str, Any] = {"openClose": True, "change": INCREMENTAL_SYNC}
    # pygls answers "not supported" to the will-save notifications only to a client that mentions them.
    for option in ("willSave", "willSaveWaitUntil"):
        if synchronization.get(option) is not None:
            sync[option] = False
    sync["save"] = False
    # LSP allows rename's options (`prepareProvider`) only to a client that supports `prepareRename`.
    prepare_rename = bool((text_document.get("rename") or {}).get("prepareSupport"))
    return {
        "positionEncoding": position_encoding(client_capabilities),
        "textDocumentSync": sync,
        "completionProvider": {"triggerCharacters": list(COMPLETION_TRIGGER_CHARACTERS)},
        "hoverProvider": True,
        "definitionProvider": True,
        "referencesProvider": True,
        "documentSymbolProvider": True,
        "codeActionProvider": {"codeActionKinds": list(CODE_ACTION_KINDS)},
        "documentFormattingProvider": True,
        "renameProvider": {"prepareProvider": True} if prepare_rename else True,
        "executeCommandProvider": {"commands": []},
        "workspace": {"workspaceFolders": {"supported": True, "changeNotifications": True}, "fileOperations": {}},
    }


def initialize_result(params: dict[str, Any]) -> dict[str, Any]:
    """The result of `initialize` for the client's `params` (an `InitializeParams` as JSON)."""
    return {
        "capabilities": server_capabilities(params.get("capabilities") or {}),
        "serverInfo": {"name": SERVER_NAME, "version": __version__},
    }
