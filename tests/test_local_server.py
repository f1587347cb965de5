"""Integration: the real llama.cpp server through the same client code PromptPO uses."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import time

import openai
import pytest

from promptpo.llm import LLM, CallTag, LLMConfig, LocalServer, LocalServerUnavailable, ServerSettings
from promptpo.llm.local_server import _free_port, healthy

pytestmark = pytest.mark.integration
needs_llama = pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None, reason="llm-server extra not installed (make test installs it)"
)
MESSAGES = [("system", "You write short Python."), ("user", "Write a function add(a, b).")]
OTHER = [("user", "List three prime numbers.")]


@needs_llama
def test_record_mode_without_base_url_starts_the_local_server_and_replies_deterministically(tmp_path):
    cfg = LLMConfig(llm_mode="record", max_tokens=24, transcripts_dir=str(tmp_path / "t"), concurrency=1)
    tag = CallTag(task="smoke", purpose="chat")
    with LLM(cfg, run_dir=tmp_path / "run") as llm:
        first = llm.chat(MESSAGES, tag=tag)
        llm.chat(OTHER, tag=tag)  # a different prompt in between must not change the next reply
        server_url = llm._server.base_url
    assert first.from_endpoint and first.completion_tokens > 0 and first.text.strip()
    assert not healthy(server_url)  # closing the session stopped the server
    # Same request on a freshly started server, after an unrelated prompt: identical text.
    with LocalServer(ServerSettings()) as base_url:
        client = openai.OpenAI(base_url=base_url, api_key="unused")
        client.chat.completions.create(model=cfg.model, messages=[{"role": "user", "content": "Hi"}], max_tokens=8)
        again = client.chat.completions.create(
            model=cfg.model, messages=[{"role": r, "content": c} for r, c in MESSAGES],
            temperature=cfg.temperature, max_tokens=24, seed=cfg.sampling_seed,
        )  # fmt: skip
    assert again.choices[0].message.content == first.text


@needs_llama
def test_promptpo_serve_command_serves_until_terminated():
    port = _free_port("127.0.0.1")
    process = subprocess.Popen([sys.executable, "-m", "promptpo", "serve", "--port", str(port)])
    try:
        deadline = time.monotonic() + 120
        while not healthy(f"http://127.0.0.1:{port}/v1") and time.monotonic() < deadline:
            assert process.poll() is None, "promptpo serve exited early"
            time.sleep(0.3)
        reply = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="x").chat.completions.create(
            model="gemma-3-270m-q4_k_m", messages=[{"role": "user", "content": "Say hi."}], max_tokens=8
        )
        assert reply.usage.completion_tokens > 0
    finally:
        process.terminate()
        assert process.wait(timeout=30) is not None
    assert not healthy(f"http://127.0.0.1:{port}/v1")


def test_missing_extra_gives_an_actionable_error(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(LocalServerUnavailable, match=r"llm-server"):
        LocalServer(ServerSettings()).start()
