"""The link between a job's trusted host and its confined worker: length-prefixed messages on a socket pair.

Host to worker: pickled tuples (the worker trusts the host). Worker to host: a one-byte tag and a payload the host
checks exactly: an action as raw bytes of the action space's exact size, everything else as a small JSON value.
Nothing the worker sends is unpickled or evaluated.
"""

from __future__ import annotations

import io
import json
import math
import pickle
import socket
import struct
from typing import Any

import gymnasium as gym
import numpy as np

MAX_PACKET = 1 << 16  # every worker message is smaller: Feedback lines and failures are capped well below it

ACTION, READY, FAILURE, SUMMARY, OUTPUT = b"a", b"r", b"x", b"s", b"o"
_HEADER = struct.Struct("<I")
_INT = struct.Struct("<q")
_FLOAT_TYPES = {b"f": np.dtype(np.float32), b"d": np.dtype(np.float64)}  # native order: both ends share a machine


class BrokenLink(ValueError):
    """The worker sent something that is not a well-formed message, or closed the link."""


def pair() -> tuple[socket.socket, socket.socket]:
    """(host end, worker end): a stream socket pair carrying length-prefixed messages (see `Receiver`)."""
    return socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)


class Receiver:
    """Length-prefixed messages from one end of the link, read into one reused buffer (allocating a receive
    buffer per step cost more than a NoiseWorld step). `limit` caps a message's length."""

    def __init__(self, sock: socket.socket, limit: int):
        self.sock, self.limit = sock, limit
        self.buffer = bytearray(limit + _HEADER.size)
        self.start = self.end = 0  # unread bytes are buffer[start:end]

    def next(self) -> memoryview:
        """The next message's bytes (valid until the next call); EOFError when the other end closed."""
        self._fill(_HEADER.size)
        (size,) = _HEADER.unpack_from(self.buffer, self.start)
        if size > self.limit:
            raise BrokenLink("a malformed message: longer than the link allows")
        self._fill(_HEADER.size + size)
        begin = self.start + _HEADER.size
        self.start = begin + size
        return memoryview(self.buffer)[begin : self.start]

    def _fill(self, needed: int) -> None:
        if self.end - self.start >= needed:
            return
        if self.start:  # move the unread tail to the front
            self.buffer[: self.end - self.start] = self.buffer[self.start : self.end]
            self.start, self.end = 0, self.end - self.start
        while self.end - self.start < needed:
            received = self.sock.recv_into(memoryview(self.buffer)[self.end :])
            if not received:
                raise EOFError("the link is closed")
            self.end += received


def _send(sock: socket.socket, data: bytes) -> None:
    sock.sendall(_HEADER.pack(len(data)) + data)


def dumps(message: tuple[Any, ...]) -> bytes:
    """Pickle a host message, with numpy arrays and scalars in a compact form (`_Pickler`)."""
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(message)
    return buffer.getvalue()


class _Pickler(pickle.Pickler):
    """numpy's own pickling of an array or a scalar costs 6-7 us each (it pickles the dtype object), as much as
    a NoiseWorld step; raw observations are arrays and MuJoCo's info values numpy scalars. Plain numeric arrays go
    as (bytes, dtype string, shape), scalars as (type, Python value): both unpickle to equal objects of the same
    type. Anything else (object or structured dtypes, long doubles, subclasses) is pickled as usual."""

    def reducer_override(self, obj: Any) -> Any:
        if type(obj) is np.ndarray and obj.dtype.kind in "biufc" and obj.dtype.isnative and obj.itemsize <= 16:
            return _array, (obj.tobytes(), obj.dtype.str, obj.shape)
        if isinstance(obj, _PLAIN_SCALARS) and not isinstance(obj, _LONG_SCALARS):
            return type(obj), (obj.item(),)
        return NotImplemented


_PLAIN_SCALARS = (np.bool_, np.integer, np.floating, np.complexfloating)
_LONG_SCALARS = (np.longdouble, np.clongdouble)  # `item()` would round them to a Python float or complex


def _array(data: bytes, dtype: str, shape: tuple[int, ...]) -> np.ndarray:
    return np.frombuffer(data, dtype=dtype).reshape(shape).copy()  # writable, as an unpickled array is


# ---- the two ends -----------------------------------------------------------------------------------------------

HOST_MESSAGE_LIMIT = 1 << 22  # observations and info dicts are far smaller


class WorkerLink:
    """The host's end: sends pickled tuples, receives (tag, payload) messages it checks before use."""

    def __init__(self, sock: socket.socket):
        self.sock, self.receiver = sock, Receiver(sock, MAX_PACKET)

    def send(self, *message: Any) -> None:
        try:
            _send(self.sock, dumps(message))
        except OSError:
            raise BrokenLink("the worker exited without reporting a result") from None

    def receive(self) -> tuple[bytes, bytes]:
        """(tag, payload) of the worker's next message; `BrokenLink` at end of stream, for an over-long message
        or an unknown tag."""
        try:
            packet = bytes(self.receiver.next())
        except (EOFError, OSError):
            raise BrokenLink("the worker exited without reporting a result") from None
        if packet[:1] not in (ACTION, READY, FAILURE, SUMMARY, OUTPUT):
            raise BrokenLink("the worker sent a malformed message")
        return packet[:1], packet[1:]


class HostLink:
    """The worker's end: receives the host's tuples, sends tagged messages (`action_packet`, `json_packet`)."""

    def __init__(self, sock: socket.socket):
        self.sock, self.receiver = sock, Receiver(sock, HOST_MESSAGE_LIMIT)

    def send(self, packet: bytes) -> None:
        _send(self.sock, packet)

    def send_many(self, packets: list[bytes]) -> None:
        """Several messages in one system call (a lockstep round's replies)."""
        if packets:
            self.sock.sendall(b"".join(_HEADER.pack(len(packet)) + packet for packet in packets))

    def receive(self) -> tuple[Any, ...]:
        # Trusted direction: the host is the worker's parent and runs no generated code.
        return pickle.loads(self.receiver.next())


def action_packet(action: int | np.ndarray) -> bytes:
    """A checked action (`check_action`'s int or float32/float64 array) as raw bytes."""
    if isinstance(action, np.ndarray):
        code = b"f" if action.dtype == np.float32 else b"d"
        return ACTION + code + action.tobytes()  # C order, native float32 or float64 (see check_action)
    return ACTION + b"i" + _INT.pack(action)


def json_packet(tag: bytes, value: Any) -> bytes:
    return tag + json.dumps(value, allow_nan=True, ensure_ascii=False).encode("utf-8")  # 4 bytes a char at most


def decode_action(payload: bytes, space: gym.Space) -> int | np.ndarray:
    """The action in an ACTION payload: exactly one int (Discrete) or one array of the space's shape (Box)."""
    code, data = payload[:1], payload[1:]
    if isinstance(space, gym.spaces.Discrete) and code == b"i" and len(data) == _INT.size:
        return _INT.unpack(data)[0]
    if isinstance(space, gym.spaces.Box) and code in _FLOAT_TYPES:
        dtype = _FLOAT_TYPES[code]
        if len(data) == dtype.itemsize * math.prod(space.shape):
            return np.frombuffer(data, dtype=dtype).reshape(space.shape).copy()  # a writable array of its own
    raise BrokenLink("the worker sent a malformed action")


def decode_json(payload: bytes) -> Any:
    try:
        return json.loads(payload)
    except (ValueError, RecursionError) as error:
        raise BrokenLink("the worker sent a malformed message") from error
