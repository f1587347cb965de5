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
SMALL = "qwen2.5-coder-0.5b-instruct-q4_k_m"  # the smallest catalogue model: fastest to load and to answer


@needs_llama
def test_record_mode_without_base_url_serves_a_catalogue_model_that_follows_the_system_message(tmp_path):
    """The chat template from the GGUF keeps the system message: the reply depends on it."""
    cfg = LLMConfig(model=SMALL, llm_mode="record", temperature=0.0, max_tokens=16, transcripts_dir=str(tmp_path / "t"))
    tag = CallTag(task="smoke", purpose="chat")
    replies = {}
    with LLM(cfg, run_dir=tmp_path / "run") as llm:
        for word in ("BANANA", "CHERRY"):
            system = f"You are a parrot. Whatever the user says, reply with exactly one word: {word}"
            replies[word] = llm.chat([("system", system), ("user", "What is your word?")], tag=tag)
        server_url = llm._server.base_url
    assert not healthy(server_url)  # closing the session stopped the server
    for word, reply in replies.items():
        assert reply.from_endpoint and reply.finish_reason == "stop", reply
        assert word in reply.text.upper(), reply.text
    assert len(list((tmp_path / "t" / SMALL / "smoke").glob("*.json"))) == 2  # both recorded


@needs_llama
def test_promptpo_serve_command_serves_until_terminated():
    port = _free_port("127.0.0.1")
    process = subprocess.Popen([sys.executable, "-m", "promptpo", "serve", "--alias", SMALL, "--port", str(port)])
    try:
        deadline = time.monotonic() + 120
        while not healthy(f"http://127.0.0.1:{port}/v1") and time.monotonic() < deadline:
            assert process.poll() is None, "promptpo serve exited early"
            time.sleep(0.3)
        reply = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="x").chat.completions.create(
            model=SMALL, messages=[{"role": "user", "content": "Say hi."}], max_tokens=8
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
