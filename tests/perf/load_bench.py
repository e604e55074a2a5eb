"""Load under a fault (``make bench``): 200 Telegram people (webhook mode, as a
load balancer delivers) and 50 on the web chat for 60 s, reminders falling
due meanwhile, PostgreSQL restarted a third of the way in. The same run as
``tests/reliability`` (which asserts it); here it prints the figures:
``load_turns_per_s``, ``load_reply_p95_ms``, ``load_lost_updates`` (budget 0),
``load_duplicate_replies`` (budget 0). ``quick`` is 20 + 5 people for 30 s.

Reading ``load_reply_p95_ms``: each simulated person writes again the moment
the answer is there, so the bot's Telegram messages run at Telegram's limit
(30 a second a bot; ``load_telegram_msgs_per_s``) for the whole run and a
Telegram person's wait is mostly the queue for that limit: people x messages
per turn / 30 on average (``load_telegram_cap_wait_ms``, Little's law), not
time our code takes. The split shows it: ``load_reply_*_telegram``,
``load_reply_*_web`` (the web chat has no such limit) and
``load_reply_*_no_fault`` (messages not in flight during the restart and
taken at the first try); ``load_turns_hit_by_fault`` counts the others.

Run alone: ``python -m tests.perf.load_bench [--quick] [--tree DIR]`` (``--tree``:
the service runs that source tree, e.g. an export of the old commit).
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


async def run_load_bench(quick: bool, tree: Path | None = None) -> dict[str, Any]:
    telegram, web, seconds = (20, 5, 30.0) if quick else (200, 50, 60.0)
    postgres = PrivatePostgres()
    folder = Path(tempfile.mkdtemp(prefix="ehrenamt-load-"))
    try:
        await asyncio.to_thread(postgres.init)
        await asyncio.to_thread(postgres.start)

        async def restart(stage: Stage) -> None:
            await asyncio.to_thread(stage.postgres.restart, 8.0)

        async with open_stage(postgres, folder, tree=tree) as stage:
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
    chosen = Path(sys.argv[sys.argv.index("--tree") + 1]) if "--tree" in sys.argv else None
    print(json.dumps(asyncio.run(run_load_bench("--quick" in sys.argv, chosen)), indent=2))
