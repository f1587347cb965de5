"""A local OpenAI-compatible endpoint: llama.cpp's server (llama-cpp-python) for a catalogue model or any GGUF file.

The default model is Qwen2.5-Coder-1.5B-Instruct (`promptpo.llm.models`), assembled from its registry chunk
packages on first use and served with the chat template its GGUF carries (chatml, system messages kept).

Speed over bit-exact determinism: llama.cpp keeps the KV cache of the previous request and reuses its longest
common prefix with the next one, so the N samples of one PromptPO round (and its repairs, which start with the same
base prompt) pay for the shared prompt once. The price is that a reply can depend, in its last bits of floating
point, on what the server evaluated before, so two identical requests are not guaranteed identical text. Results
are reproduced from the committed transcripts (replay), never by asking the server again; tests that talk to the
real server check behaviour (a reply that follows the system message), not exact text.
"""

from __future__ import annotations

import argparse
import importlib.util
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from promptpo.llm.models import DEFAULT_LOCAL_MODEL, ModelUnavailable, assemble, local_model
from promptpo.processes import exit_when_orphaned

DEFAULT_MODEL_ALIAS = DEFAULT_LOCAL_MODEL
INSTALL_HINT = (
    "the local llama.cpp server needs the optional extra: `pip install -e '.[llm-server]'` (compiles llama.cpp, "
    "about 5 minutes on 2 cores, and installs the model chunk packages; `make test` installs it). Or point promptpo "
    "at your own endpoint with --base-url."
)


class LocalServerUnavailable(RuntimeError):
    """The local server cannot be started (extra not installed, model missing, or it did not become healthy)."""


def model_path_for(alias: str) -> Path:
    """The GGUF file of catalogue model `alias`, assembled (SHA-256 checked) from its chunk packages on first use."""
    try:
        return assemble(local_model(alias))
    except ModelUnavailable as error:
        raise LocalServerUnavailable(str(error)) from None


@dataclass(frozen=True)
class ServerSettings:
    """How to run the local server. `port=0` picks a free port; `model_path=None` serves the catalogue model
    `model_alias`."""

    model_path: str | None = None
    model_alias: str = DEFAULT_MODEL_ALIAS
    host: str = "127.0.0.1"
    port: int = 0
    n_ctx: int = 16384  # the longest PromptPO prompt (Humanoid, late rounds) plus a reply fits with room to spare
    n_threads: int = 1  # two cores: one thread per server, a second server (or job) uses the other core
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
        settings = self.settings
        model_path = Path(settings.model_path) if settings.model_path else model_path_for(settings.model_alias)
        if not model_path.exists():
            raise LocalServerUnavailable(f"model file not found: {model_path}")
        port = self.settings.port or _free_port(self.settings.host)
        command = [
            sys.executable,
            "-m",
            "promptpo.llm.local_server",
            "--model-path",
            str(model_path),
            "--alias",
            self.settings.model_alias,
            "--host",
            self.settings.host,
            "--port",
            str(port),
            "--n-ctx",
            str(self.settings.n_ctx),
            "--threads",
            str(self.settings.n_threads),
        ]
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


def serve(model_path: str, alias: str, host: str, port: int, n_ctx: int, threads: int) -> None:
    """Run the server in this process until interrupted (SIGINT/SIGTERM shut it down cleanly)."""
    try:
        import uvicorn
        from llama_cpp.server.app import create_app
        from llama_cpp.server.settings import ModelSettings
        from llama_cpp.server.settings import ServerSettings as LlamaServerSettings
    except ImportError as error:
        raise LocalServerUnavailable(INSTALL_HINT) from error
    exit_when_orphaned()
    app = create_app(
        server_settings=LlamaServerSettings(host=host, port=port),
        model_settings=[
            ModelSettings(
                model=model_path,
                model_alias=alias,
                n_ctx=n_ctx,
                n_threads=threads,
                n_threads_batch=threads,
                verbose=False,  # no chat_format: the template in the GGUF's metadata (chatml for Qwen)
            )
        ],
    )
    uvicorn.run(app, host=host, port=port, log_level="warning")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve a GGUF model on an OpenAI-compatible endpoint.")
    parser.add_argument("--model-path", default=None, help="a GGUF file (default: the catalogue model --alias)")
    parser.add_argument(
        "--alias",
        default=DEFAULT_MODEL_ALIAS,
        help="model name clients send; a catalogue alias "
        "is assembled from its chunk packages when no --model-path is given",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--n-ctx", type=int, default=ServerSettings.n_ctx)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    model_path = args.model_path or str(model_path_for(args.alias))
    print(f"serving {model_path} as model {args.alias!r} at http://{args.host}:{args.port}/v1", flush=True)
    serve(model_path, args.alias, args.host, args.port, args.n_ctx, args.threads)


if __name__ == "__main__":
    main()
