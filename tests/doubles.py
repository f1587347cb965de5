"""Test doubles: a scripted OpenAI-compatible HTTP server that injects faults, and the canned LLM (which lives in the
package, `promptpo.llm.canned`, because the classroom assignments drive the loop with it too)."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from promptpo.llm.canned import CannedLLM

__all__ = ["CannedLLM", "Fault", "FaultyOpenAIServer"]


@dataclass
class Fault:
    """One scripted answer. kind: ok | status | hang | malformed."""

    kind: str = "ok"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    hang_s: float = 0.0


class FaultyOpenAIServer:
    """A real HTTP server on 127.0.0.1 speaking `/v1/chat/completions`.

    Answers follow `script` in order (then `ok` forever). An `ok` answer echoes a deterministic reply built from the
    request (`reply_for`), so tests can check round trips. Every request's headers and JSON body are kept in
    `requests` for assertions.
    """

    def __init__(self, script: list[Fault] | None = None, *, reply=None, stall_after: int | None = None):
        self.script = list(script or [])
        self.requests: list[dict[str, Any]] = []
        self.answered: list[dict[str, Any]] = []  # bodies of requests that got a completion
        self.reply = reply or self.reply_for
        self.stall_after = stall_after  # after this many answers, every further request hangs unanswered
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                server.requests.append(
                    {"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body, "time": time.monotonic()}
                )
                fault = server.script.pop(0) if server.script else Fault()
                if server.stall_after is not None and len(server.answered) >= server.stall_after:
                    fault = Fault("hang", hang_s=3600)
                if fault.kind == "hang":
                    time.sleep(fault.hang_s)
                    return
                if fault.kind == "status":
                    self._send(fault.status, {"error": {"message": f"scripted {fault.status}"}}, fault.headers)
                elif fault.kind == "malformed":
                    self._send_raw(200, b'{"id": "x", "choices": [ {"message": tru', {})
                else:
                    self._send(200, server.completion(body), {})
                    server.answered.append(body)

            def _send(self, status: int, payload: dict[str, Any], headers: dict[str, str]) -> None:
                self._send_raw(status, json.dumps(payload).encode(), headers)

            def _send_raw(self, status: int, data: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @staticmethod
    def reply_for(body: dict[str, Any]) -> str:
        last = body["messages"][-1]["content"]
        return f"echo seed={body.get('seed')} t={body.get('temperature')}\n```python\n# {last[:40]}\n```\n"

    def completion(self, body: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": 0,
            "model": body["model"],
            "choices": [
                {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": self.reply(body)}}
            ],
            "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18},
        }

    def __enter__(self) -> FaultyOpenAIServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
