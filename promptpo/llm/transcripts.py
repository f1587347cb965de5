"""Content-addressed transcripts of chat calls: one diffable JSON file per call, written atomically."""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from promptpo.files import slug, write_atomic

Messages = Sequence[tuple[str, str]]  # a chat: (role, content) pairs
KEY_VERSION = "promptpo-chat-v2"  # bump when the request fields or their canonical form change
KEY_SIGNIFICANT_DIGITS = 10
_DECIMAL = re.compile(r"\d+\.\d+(?:[eE][-+]?\d+)?")


def key_text(text: str) -> str:
    """`text` with every decimal number rewritten to `KEY_SIGNIFICANT_DIGITS` significant digits: the form of a
    message that a request key hashes (the request itself, and the prompt sent, keep the exact text).

    Why: prompts quote simulator results (returns, distances) at full float precision, and their last bits differ
    between CPUs (MuJoCo's math vectorises differently with and without AVX-512), so exact keys recorded on one
    machine would miss on another. Pitfall: a number whose two machine values straddle a rounding boundary at the
    10th digit still misses; the replay error then shows the differing line.
    """
    return _DECIMAL.sub(lambda m: format(float(m.group()), f".{KEY_SIGNIFICANT_DIGITS}g"), text)


@dataclass(frozen=True)
class CallTag:
    """Where a call comes from: used to name transcript files and to explain a replay miss (not part of the key)."""

    task: str = "_untagged"
    round: int = 0
    purpose: str = "chat"  # policy | repair | reflection | feedback | feedback-repair | chat
    sample: int = 0
    attempt: int = 0

    def describe(self) -> str:
        text = f"task {self.task!r}, round {self.round}, sample {self.sample} ({self.purpose}"
        return text + (f", attempt {self.attempt})" if self.attempt else ")")


@dataclass(frozen=True)
class ChatRequest:
    """Everything that determines a reply. `sample_index` keeps the N samples of one prompt distinct."""

    model: str
    messages: tuple[tuple[str, str], ...]  # (role, content) pairs
    temperature: float
    max_tokens: int
    seed: int | None
    sample_index: int

    def key(self) -> str:
        """Stable SHA-256 of the canonical JSON of the request (never of credentials or the endpoint URL)."""
        payload = {"version": KEY_VERSION, **self.as_dict()}
        payload["messages"] = [{**m, "content": key_text(m["content"])} for m in payload["messages"]]
        canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["messages"] = [{"role": role, "content": content} for role, content in self.messages]
        return data

    def openai_messages(self) -> list[dict[str, str]]:
        return [{"role": role, "content": content} for role, content in self.messages]


@dataclass
class Transcript:
    """One completed call. `latency_s` and `recorded_at` describe the original call, also when replayed."""

    key: str
    tag: CallTag
    request: ChatRequest
    reply: str
    finish_reason: str | None
    prompt_tokens: int
    completion_tokens: int
    latency_s: float
    recorded_at: str
    served_model: str | None = None
    retries: int = 0

    def to_json(self) -> str:
        # Multi-line strings are stored as lists of lines so that `git diff` shows changes line by line;
        # `"".join(lines)` restores the exact text.
        request = self.request.as_dict()
        request["messages"] = [{"role": m["role"], "content": _lines(m["content"])} for m in request["messages"]]
        data = {
            "key": self.key,
            "tag": asdict(self.tag),
            "request": request,
            "reply": _lines(self.reply),
            "finish_reason": self.finish_reason,
            "usage": {"prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens},
            "latency_s": round(self.latency_s, 3),
            "recorded_at": self.recorded_at,
            "served_model": self.served_model,
            "retries": self.retries,
        }
        return json.dumps(data, indent=1, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Transcript:
        data = json.loads(text)
        req = data["request"]
        request = ChatRequest(
            model=req["model"],
            messages=tuple((m["role"], "".join(m["content"])) for m in req["messages"]),
            temperature=req["temperature"],
            max_tokens=req["max_tokens"],
            seed=req["seed"],
            sample_index=req["sample_index"],
        )
        return cls(
            key=data["key"],
            tag=CallTag(**data["tag"]),
            request=request,
            reply="".join(data["reply"]),
            finish_reason=data["finish_reason"],
            prompt_tokens=data["usage"]["prompt_tokens"],
            completion_tokens=data["usage"]["completion_tokens"],
            latency_s=data["latency_s"],
            recorded_at=data["recorded_at"],
            served_model=data.get("served_model"),
            retries=data.get("retries", 0),
        )


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True) or [""]


class TranscriptStore:
    """A folder of transcripts: `<root>/<model>/<task>/r<round>_<purpose>_s<sample>[_a<attempt>]_<key16>.json`.

    Lookups are by request key; the file name only helps people browse. Writes go to a temporary file that is
    fsynced and renamed, so a killed process leaves either the whole record or nothing.
    """

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self._index: dict[str, Path] | None = None

    def path_for(self, key: str, request: ChatRequest, tag: CallTag) -> Path:
        attempt = f"_a{tag.attempt}" if tag.attempt else ""
        name = f"r{tag.round:02d}_{slug(tag.purpose)}_s{tag.sample:02d}{attempt}_{key[:16]}.json"
        return self.root / slug(request.model) / slug(tag.task) / name

    def get(self, request: ChatRequest, tag: CallTag) -> Transcript | None:
        """The stored transcript of `request`, or None. Checks the full key, not just the file name."""
        key = request.key()
        path = self.path_for(key, request, tag)
        if not path.exists():
            path = self._lookup(key[:16])
        if path is None:
            return None
        transcript = Transcript.from_json(path.read_text(encoding="utf-8"))
        return transcript if transcript.key == key else None

    def put(self, transcript: Transcript) -> Path:
        path = self.path_for(transcript.key, transcript.request, transcript.tag)
        write_atomic(path, transcript.to_json())
        if self._index is not None:
            self._index[transcript.key[:16]] = path
        return path

    def by_key(self, key: str) -> Transcript | None:
        """The stored transcript with request key `key` (a full key), or None."""
        path = self._lookup(key[:16])
        transcript = Transcript.from_json(path.read_text(encoding="utf-8")) if path is not None else None
        return transcript if transcript is not None and transcript.key == key else None

    def near_miss(self, request: ChatRequest, tag: CallTag) -> str | None:
        """Why a call with this tag was recorded but does not match `request`: the first (up to 4) lines where the
        recorded prompt differs from this one, or None when no call with this tag and sample was recorded."""
        pattern = self.path_for("?" * 16, request, tag).name
        for path in sorted(self.path_for("", request, tag).parent.glob(pattern)):
            recorded = Transcript.from_json(path.read_text(encoding="utf-8")).request
            if recorded.sample_index != request.sample_index:
                continue
            old = "".join(content for _, content in recorded.messages).splitlines()
            new = "".join(content for _, content in request.messages).splitlines()
            diff = difflib.unified_diff(old, new, lineterm="", n=0)
            changed = [line for line in diff if line[:1] in "-+" and line[:3] not in ("---", "+++")]
            if changed:
                return f"{path} was recorded for a prompt that differs from this one:\n" + "\n".join(changed[:4])
        return None

    def rekey(self) -> list[tuple[Path, Path]]:
        """Give every stored transcript the key its stored request has under the current `KEY_VERSION`, renaming
        its file; returns the (old, new) paths of those that changed. The replies are untouched."""
        moved = []
        for path in sorted(self._scan().values()):
            transcript = Transcript.from_json(path.read_text(encoding="utf-8"))
            key = transcript.request.key()
            if key != transcript.key:
                new = self.put(replace(transcript, key=key))
                if new != path:
                    path.unlink()
                moved.append((path, new))
        self._index = None
        return moved

    def __len__(self) -> int:
        return len(self._scan())

    def unused(self, runs_dir: Path) -> list[Path]:
        """Stored transcripts that no run folder under `runs_dir` used. Every run writes each reply it received to
        `<run folder>/llm/` under the same file name, so this is meaningful only once every run that should use
        this store has been replayed into `runs_dir` (e.g. `make reproduce` with an empty runs/ folder)."""
        used = {path.stem.rsplit("_", 1)[-1] for path in Path(runs_dir).glob("**/llm/**/*.json")}
        return sorted(path for key, path in self._scan().items() if key not in used)

    def _lookup(self, key16: str) -> Path | None:
        # The tag of a call may change (a renamed purpose) while the request stays the same: fall back to an
        # index of every file by key prefix, built once.
        if self._index is None or key16 not in self._index:
            self._index = self._scan()
        return self._index.get(key16)

    def _scan(self) -> dict[str, Path]:
        if not self.root.exists():
            return {}
        return {path.stem.rsplit("_", 1)[-1]: path for path in self.root.rglob("*.json")}
