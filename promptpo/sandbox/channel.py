"""Length-prefixed JSON messages over a socket: the only thing that crosses the sandbox boundary (never pickle)."""

from __future__ import annotations

import json
import socket
import struct
from typing import Any

# Caps on what one worker may send: a forged stream must not grow the trusted parent's memory. A result of 1,000
# episodes with Feedback lines is well under 1 MiB.
MAX_MESSAGE_BYTES = 4 * 1024 * 1024
MAX_STREAM_BYTES = 32 * 1024 * 1024
_HEADER = struct.Struct(">I")


def send(sock: socket.socket, message: dict[str, Any]) -> None:
    data = json.dumps(message, allow_nan=True).encode("utf-8")
    sock.sendall(_HEADER.pack(len(data)) + data)


class Reader:
    """Incremental decoder for a non-blocking stream: feed bytes, get whole messages.

    A worker that sends a frame larger than MAX_MESSAGE_BYTES, more than MAX_STREAM_BYTES in all, or bytes that
    are not a JSON object (or nest too deeply to decode) is treated as broken (`ValueError`), never trusted.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._received = 0

    def feed(self, data: bytes) -> list[dict[str, Any]]:
        self._received += len(data)
        if self._received > MAX_STREAM_BYTES:
            raise ValueError(f"the worker sent more than {MAX_STREAM_BYTES} bytes")
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
            try:
                message = json.loads(payload)
            except RecursionError as error:
                raise ValueError("message nests too deeply") from error
            if not isinstance(message, dict):
                raise ValueError("message is not a JSON object")
            messages.append(message)
        return messages
