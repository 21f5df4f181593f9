#!/usr/bin/env python3
"""The baseline of bench_orchestration: the reference implementation's architecture, minimal.

One asyncio event loop and one `openai.AsyncOpenAI` client issue the calls of a recorded maspo
run (calls.json, written by bench_orchestration) in the same dependency order: a call starts once
every call whose reply it was built from has answered, with at most --in-flight requests per model
in flight (maspo's per-role max_concurrency). Nothing else: no templating, no judging, no store,
no cache. So its CPU time is a floor under what any Python program of that architecture spends on
the same calls.

Prints one JSON object: calls, wall and CPU seconds of the replay (after the imports) and of the
whole process, and peak RSS. Exit 1 when a call fails.
"""
import argparse
import asyncio
import json
import resource
import sys
import time

IMPORT_START_CPU = time.process_time()
import openai  # noqa: E402  (timed: the import is part of the process's cost, reported apart)

IMPORT_CPU = time.process_time() - IMPORT_START_CPU


async def replay(calls, base_url, in_flight, timeout_s):
    # The client's default retries (2), as a user's program would have them; maspo retries too.
    client = openai.AsyncOpenAI(base_url=base_url, api_key="bench-no-key", max_retries=2, timeout=timeout_s)
    done = {c["id"]: asyncio.Event() for c in calls}
    limits = {}
    failures = []

    async def one(call):
        for dep in call["deps"]:
            await done[dep].wait()
        body = call["body"]
        limit = limits.setdefault(body["model"], asyncio.Semaphore(in_flight))
        try:
            async with limit:
                reply = await client.chat.completions.create(**body)
            if not reply.choices or reply.choices[0].message.content is None:
                failures.append((call["id"], "empty reply"))
        except Exception as e:  # noqa: BLE001  (a failed call is reported, not raised mid-gather)
            failures.append((call["id"], repr(e)))
        finally:
            done[call["id"]].set()

    await asyncio.gather(*(one(c) for c in calls))
    await client.close()
    return failures


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", required=True, help="calls.json from bench_orchestration")
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--in-flight", type=int, default=64)
    ap.add_argument("--timeout-s", type=float, default=120.0)
    args = ap.parse_args()
    with open(args.calls, encoding="utf-8") as f:
        calls = json.load(f)
    wall0, cpu0 = time.perf_counter(), time.process_time()
    failures = asyncio.run(replay(calls, args.base_url, args.in_flight, args.timeout_s))
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    print(json.dumps({
        "calls": len(calls),
        "failed": len(failures),
        "first_failure": failures[0][1] if failures else None,
        "replay_wall_s": wall,
        "replay_cpu_s": cpu,
        "import_cpu_s": IMPORT_CPU,
        "process_cpu_s": time.process_time(),
        "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "openai_version": openai.__version__,
        "python": sys.version.split()[0],
    }))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
