"""Ports for servers that can't pick their own (TorchServe, SeaweedFS).

A port that was free a moment ago may be taken by another process before the
server binds it, so callers start the server again on new ports when it fails
to bind; servers that can bind port 0 themselves should (see `ptflow serve
--port 0`).
"""

from __future__ import annotations

import socket


def free_ports(count: int) -> list[int]:
    """`count` distinct ports on 127.0.0.1 that were free when this returned."""
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in probes]
    finally:
        for probe in probes:
            probe.close()
