"""Length-prefixed JSON messages over a socket: the only thing that crosses the sandbox boundary (never pickle)."""

from __future__ import annotations

import json
import socket
import struct
from typing import Any

MAX_MESSAGE_BYTES = 64 * 1024 * 1024
_HEADER = struct.Struct(">I")


def send(sock: socket.socket, message: dict[str, Any]) -> None:
    data = json.dumps(message, allow_nan=True).encode("utf-8")
    sock.sendall(_HEADER.pack(len(data)) + data)


class Reader:
    """Incremental decoder for a non-blocking stream: feed bytes, get whole messages.

    A worker that sends a frame larger than MAX_MESSAGE_BYTES or bytes that are not JSON is treated as broken
    (`ValueError`), never trusted.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[dict[str, Any]]:
        self._buffer += data
        messages = []
        while len(self._buffer) >= _HEADER.size:
            (length,) = _HEADER.unpack_from(self._buffer)
            if length > MAX_MESSAGE_BYTES:
                raise ValueError(f"message of {length} bytes exceeds the limit")
            if len(self._buffer) < _HEADER.size + length:
                break
            payload = bytes(self._buffer[_HEADER.size : _HEADER.size + length])
            del self._buffer[: _HEADER.size + length]
            message = json.loads(payload)
            if not isinstance(message, dict):
                raise ValueError("message is not a JSON object")
            messages.append(message)
        return messages
