"""Load under a fault (``make bench``): 200 Telegram people (webhook mode, as a
load balancer delivers) and 50 on the web chat for 60 s, reminders falling
due meanwhile, PostgreSQL restarted a third of the way in. The same run as
``tests/reliability`` (which asserts it); here it prints the figures:
``load_turns_per_s``, ``load_reply_p95_ms``, ``load_lost_updates`` (budget 0),
``load_duplicate_replies`` (budget 0). ``quick`` is 20 + 5 people for 30 s.

Run alone: ``python -m tests.perf.load_bench [--quick]``.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from tests.reliability.postgres import PrivatePostgres
from tests.reliability.scenario import Stage, open_stage, run


async def run_load_bench(quick: bool) -> dict[str, Any]:
    telegram, web, seconds = (20, 5, 30.0) if quick else (200, 50, 60.0)
    postgres = PrivatePostgres()
    folder = Path(tempfile.mkdtemp(prefix="ehrenamt-load-"))
    try:
        await asyncio.to_thread(postgres.init)
        await asyncio.to_thread(postgres.start)

        async def restart(stage: Stage) -> None:
            await asyncio.to_thread(stage.postgres.restart, 8.0)

        async with open_stage(postgres, folder) as stage:
            outcome = await run(
                stage,
                telegram_people=telegram,
                web_people=web,
                seconds=seconds,
                fault=restart,
                fault_after=seconds / 3,
                rounds=10,
            )
        report = outcome.report()
        return {
            "load_people": f"{telegram} telegram + {web} web",
            **{k: v for k, v in report.items() if k.startswith("load_")},
        }
    finally:
        await asyncio.to_thread(postgres.destroy)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    print(json.dumps(asyncio.run(run_load_bench("--quick" in sys.argv)), indent=2))
