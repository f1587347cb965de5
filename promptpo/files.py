"""Small helpers every writer shares: atomic writes, CSV tables, stable hashes, slugs, safe printing, one thread."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# Two cores: one BLAS/OpenMP thread per process, or parallel workers slow each other down 3-15x.
THREAD_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` so that a killed process leaves the old file or the whole new one, never a part.

    The temporary file has a unique name (concurrent writers never share one), is fsynced, then renamed over
    `path`. Newlines are written as given (no translation).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def csv_text(fields: Sequence[str], rows: Sequence[dict[str, Any]]) -> str:
    """A CSV table with a header row (the csv module's dialect: comma, minimal quoting, CRLF line ends)."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(fields))
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def stable_hash(data: Any, length: int = 12) -> str:
    """Hex SHA-256 of the canonical JSON of `data` (sorted keys), cut to `length` characters."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:length]


def slug(text: str) -> str:
    """`text` as a safe file or folder name: runs of other characters become '-'; never empty."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "_"


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """`text` with control characters (other than newline and tab) escaped, e.g. ESC as \\x1b: text written by
    generated code cannot move the cursor, recolour or retitle the terminal it is printed to."""
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", text)
