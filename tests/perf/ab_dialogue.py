"""Dialogue bench, old tree against new, paired: for a busy machine.

Two long-lived processes, one per tree, each with its SQLite and PostgreSQL
app seeded and warmed (``dialogue_bench``), run a few rounds of the bench's
conversations in turn, the order alternating; each pair is compared on its
own and the median of the pairs' ratios is printed. Other load slows both
sides of a pair alike, so the ratios hold where absolute numbers do not.
PostgreSQL's backends are counted too (``/proc/<pid>/stat`` of the
connections, by ``application_name``).

    .venv/bin/python -m tests.perf.ab_dialogue OLD_TREE [--pairs 8] [--rounds 3]

``OLD_TREE``: a checkout of the old commit, e.g. ``git worktree add
/tmp/old <commit>`` (this file is needed in the new tree only: each process
runs it from its tree's folder, that tree's modules first).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

NEW_TREE = Path(__file__).resolve().parents[2]


def _cpu_seconds(pid: int) -> float:
    """User and system CPU of a process (a PostgreSQL backend); 0 when it is
    not on this machine."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _worker(tag: str) -> None:
    from sqlalchemy import text

    from tests.perf import dialogue_bench as bench

    create = bench.create_engine

    def named(url: str, **kw: Any) -> Any:  # the connections carry the tree's name
        args = dict(kw.pop("connect_args", None) or {})
        args["server_settings"] = {**args.get("server_settings", {}), "application_name": tag}
        return create(url, connect_args=args, **kw)

    bench.create_engine = named  # type: ignore[assignment]

    async def server_cpu(app: Any) -> float:
        query = text("SELECT pid FROM pg_stat_activity WHERE application_name = :tag")
        pids = [pid for (pid,) in await app.db.rows(query, {"tag": tag})]
        return sum(_cpu_seconds(pid) for pid in pids)  # outside the timed part

    path = bench.BENCH_DIR / f"ab-{tag}-{os.getpid()}.db"
    os.makedirs(bench.BENCH_DIR, exist_ok=True)
    apps = {"sqlite": await bench._prepare(path)}
    postgres = bench._postgres_app()
    pg_app = await postgres.__aenter__()
    if pg_app is not None:
        apps["pg"] = pg_app
    for app in apps.values():
        await bench._measure(app.engine, 1, "warmup")
    print(json.dumps(sorted(apps)), flush=True)
    loop = asyncio.get_running_loop()
    n = 0
    while line := (await loop.run_in_executor(None, sys.stdin.readline)).strip():
        kind, rounds = line.split()
        app, n = apps[kind], n + 1
        server = await server_cpu(app) if kind == "pg" else 0.0
        wall, cpu, pcpu = time.perf_counter(), time.thread_time(), time.process_time()
        m = await bench._measure(app.engine, int(rounds), f"ab{n}")
        wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
        pcpu = time.process_time() - pcpu
        server = (await server_cpu(app) - server) if kind == "pg" else 0.0
        lat = sorted(m.latencies)
        out = {"turns": len(lat), "wall": wall, "cpu": cpu, "pcpu": pcpu, "server": server}
        print(json.dumps(out | {"p95": lat[int(0.95 * len(lat))]}), flush=True)
    await apps["sqlite"].close()
    bench._remove_database(path)
    await postgres.__aexit__(None, None, None)


METRICS = (
    ("turns per wall second", lambda r: r["turns"] / r["wall"], max),
    ("turns per main-thread CPU s", lambda r: r["turns"] / r["cpu"], max),
    ("turns per process CPU s", lambda r: r["turns"] / r["pcpu"], max),
    ("client+server CPU us a turn", lambda r: (r["pcpu"] + r["server"]) / r["turns"] * 1e6, min),
    ("p95 ms", lambda r: r["p95"] * 1e3, min),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old", type=Path, help="a checkout of the old tree")
    parser.add_argument("--pairs", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of 30 turns a run")
    parser.add_argument("--worker", help=argparse.SUPPRESS)  # one tree's process
    args = parser.parse_args(argv)
    if args.worker:  # run from OLD_TREE's (or the new) folder, its modules first
        sys.path.insert(0, str(Path.cwd()))
        asyncio.run(_worker(args.worker))
        return 0
    trees = {"old": args.old.resolve(), "new": NEW_TREE}
    procs = {
        tag: subprocess.Popen(
            [sys.executable, __file__, str(tree), "--worker", f"ab_{tag}"],
            cwd=tree,
            env={**os.environ, "PYTHONPATH": str(tree)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for tag, tree in trees.items()
    }
    kinds = [set(json.loads(p.stdout.readline())) for p in procs.values()]  # type: ignore[union-attr]
    runs: dict[str, dict[str, list[dict[str, float]]]] = {}
    for i in range(args.pairs):
        for kind in sorted(set.intersection(*kinds)):
            for tag in ("old", "new") if i % 2 == 0 else ("new", "old"):
                proc = procs[tag]
                proc.stdin.write(f"{kind} {args.rounds}\n")  # type: ignore[union-attr]
                proc.stdin.flush()  # type: ignore[union-attr]
                result = json.loads(proc.stdout.readline())  # type: ignore[union-attr]
                runs.setdefault(kind, {}).setdefault(tag, []).append(result)
    for proc in procs.values():
        proc.communicate("\n")
    for kind, by_tree in runs.items():
        print(f"== {kind}: {args.pairs} pairs of {args.rounds * 30} turns")
        for name, metric, best in METRICS:
            old = [metric(r) for r in by_tree["old"]]
            new = [metric(r) for r in by_tree["new"]]
            ratio = statistics.median(n / o for o, n in zip(old, new, strict=True))
            print(
                f"  {name:28} old {statistics.median(old):8.1f} (best {best(old):8.1f})"
                f"  new {statistics.median(new):8.1f} (best {best(new):8.1f})"
                f"  new/old {ratio:.2f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
