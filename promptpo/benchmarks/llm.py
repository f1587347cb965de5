"""Local LLM cost: prompt and generation speed, what a round of N samples costs, and how to use both cores.

    python -m promptpo.benchmarks.llm                 # about 5 minutes on 2 cores; run on an otherwise idle machine
    python -m promptpo.benchmarks.llm --parallel      # also: two 1-thread servers vs one 2-thread server

A PromptPO round sends one prompt N times. Every sample is streamed, so each call splits into its time to the first
token (evaluating the part of the prompt the server has not cached, plus one token) and its generation time. The
ideal round evaluates the prompt once and then only generates: ideal = TTFT(sample 0) + sum of generation times.
The ratio (measured round time) / ideal is 1.0 when the server reuses the prompt's KV cache for samples 1..N-1
(llama.cpp keeps the previous request's cache and reuses the longest common prefix); without reuse it would be
about (N * TTFT + generation) / ideal, which the report also gives for comparison.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from dataclasses import asdict, dataclass

import openai

from promptpo.llm.local_server import DEFAULT_MODEL_ALIAS, LocalServer, ServerSettings
from promptpo.prompts import Prompts
from promptpo.sandbox import Limits
from promptpo.tasks import get_task


@dataclass(frozen=True)
class Call:
    """One streamed completion. Times in seconds; tokens counted as streamed chunks (one token each)."""

    ttft_s: float
    total_s: float
    completion_tokens: int

    @property
    def generation_s(self) -> float:
        return self.total_s - self.ttft_s


def policy_prompt(task_name: str) -> list[dict[str, str]]:
    """The round-1 policy prompt of `task_name`, exactly as PromptPO sends it."""
    messages = Prompts(get_task(task_name), Limits()).policy([], None)
    return [{"role": role, "content": content} for role, content in messages]


def streamed(client: openai.OpenAI, model: str, messages: list[dict[str, str]], max_tokens: int, seed: int) -> Call:
    started = time.perf_counter()
    first, tokens = None, 0
    stream = client.chat.completions.create(
        model=model, messages=messages, max_tokens=max_tokens, temperature=0.7, seed=seed, stream=True
    )
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            first = first if first is not None else time.perf_counter()
            tokens += 1
    end = time.perf_counter()
    return Call(ttft_s=(first or end) - started, total_s=end - started, completion_tokens=tokens)


def prompt_tokens(client: openai.OpenAI, model: str, messages: list[dict[str, str]]) -> int:
    """Tokens of the templated prompt (a 1-token request; the prompt is cached by then, so it is fast)."""
    reply = client.chat.completions.create(model=model, messages=messages, max_tokens=1)
    return reply.usage.prompt_tokens if reply.usage else 0


def round_of_samples(base_url: str, model: str, messages: list[dict[str, str]], n: int, max_tokens: int) -> dict:
    """N samples of one prompt after an unrelated request (so that nothing of the prompt is cached at the start)."""
    client = openai.OpenAI(base_url=base_url, api_key="local", max_retries=0, timeout=1800)
    client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": "Name a prime number."}], max_tokens=4
    )  # evicts any cached prefix of the policy prompt
    started = time.perf_counter()
    calls = [streamed(client, model, messages, max_tokens, seed=i) for i in range(n)]
    round_s = time.perf_counter() - started
    tokens = prompt_tokens(client, model, messages)
    ideal = calls[0].ttft_s + sum(c.generation_s for c in calls)
    generated = sum(c.completion_tokens for c in calls)
    return {
        "n": n,
        "prompt_tokens": tokens,
        "prompt_tokens_per_s": tokens / calls[0].ttft_s,
        "generation_tokens_per_s": generated / sum(c.generation_s for c in calls),
        "ttft_s": [round(c.ttft_s, 2) for c in calls],
        "completion_tokens": [c.completion_tokens for c in calls],
        "round_s": round_s,
        "ideal_s": ideal,
        "ratio": round_s / ideal,
        "ratio_without_prefix_reuse": (n * calls[0].ttft_s + sum(c.generation_s for c in calls)) / ideal,
        "calls": [asdict(c) for c in calls],
    }


def throughput(servers: int, threads: int, model: str, messages, n: int, max_tokens: int) -> dict:
    """Completion tokens per second over all servers, each answering its own round of `n` samples."""
    results: list[dict] = [{}] * servers
    settings = ServerSettings(model_alias=model, n_threads=threads)
    running = [LocalServer(settings) for _ in range(servers)]
    try:
        urls = [server.start() for server in running]
        started = time.perf_counter()

        def work(index: int) -> None:
            results[index] = round_of_samples(urls[index], model, messages, n, max_tokens)

        workers = [threading.Thread(target=work, args=(i,)) for i in range(servers)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        elapsed = time.perf_counter() - started
    finally:
        for server in running:
            server.stop()
    tokens = sum(sum(r["completion_tokens"]) for r in results)
    return {"servers": servers, "threads": threads, "seconds": elapsed, "completion_tokens_per_s": tokens / elapsed}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=DEFAULT_MODEL_ALIAS, help="a catalogue alias")
    parser.add_argument("--task", default="noise_world_board_1", help="whose round-1 prompt to send")
    parser.add_argument("--n", type=int, default=4, help="samples per round")
    parser.add_argument("--max-tokens", type=int, default=256, help="cap per sample (keeps the benchmark short)")
    parser.add_argument("--parallel", action="store_true", help="also compare 2 servers x 1 thread, 1 x 2 threads")
    parser.add_argument("--json", action="store_true", help="print the full results as JSON")
    args = parser.parse_args(argv)
    messages = policy_prompt(args.task)
    with LocalServer(ServerSettings(model_alias=args.model)) as base_url:
        result = round_of_samples(base_url, args.model, messages, args.n, args.max_tokens)
    report = {"model": args.model, "task": args.task, "round": result}
    print(f"{args.model}, 1 thread, {args.task} round-1 prompt ({result['prompt_tokens']} tokens), N = {args.n}")
    print(f"  prompt evaluation  {result['prompt_tokens_per_s']:7.1f} tokens/s")
    print(f"  generation         {result['generation_tokens_per_s']:7.1f} tokens/s")
    print(f"  time to first token per sample: {result['ttft_s']} s")
    print(
        f"  round / (one prompt evaluation + N generations) = {result['ratio']:.3f}"
        f"  (without prefix reuse it would be {result['ratio_without_prefix_reuse']:.2f})"
    )
    if args.parallel:
        two = throughput(2, 1, args.model, messages, args.n, args.max_tokens)
        one = throughput(1, 2, args.model, messages, args.n, args.max_tokens)
        report["parallel"] = [two, one]
        for entry in (two, one):
            print(
                f"  {entry['servers']} server(s) x {entry['threads']} thread(s): "
                f"{entry['completion_tokens_per_s']:.1f} completion tokens/s over all servers"
            )
        speedup = two["completion_tokens_per_s"] / one["completion_tokens_per_s"]
        print(f"  two 1-thread servers / one 2-thread server: {speedup:.2f}x")
    if args.json:
        print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
