"""One bot process's scheduler, for the test that starts two on one database.

    python -m tests.scheduler.bot_process DB DATA_DIR NOW HOLDER

Loads everything, prints `ready`, waits for a line on stdin (so both processes start the job at
the same moment), runs the payout job if it is due, and prints the outcome as JSON.
"""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import asdict
from pathlib import Path

from microtasks.settings import load_settings
from microtasks.wiring import translate
from scheduler.jobs import runner_for
from storage.database import Database


async def main(db_path: Path, data_dir: Path, now: float, holder: str) -> None:
    import wallet.payouts.service  # noqa: F401  (web3 loads before the start line)

    settings = load_settings(
        database_url=f"sqlite:///{db_path}", data_dir=data_dir, payouts_cron="0 12 * * *"
    )
    async with await Database.open(db_path) as db:
        runner = runner_for(settings, db, translate=translate, clock=lambda: now, holder=holder)
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        outcome = await runner.run_due("payouts")
    print(json.dumps(asdict(outcome)), flush=True)


if __name__ == "__main__":
    db, data, moment, name = sys.argv[1:5]
    asyncio.run(main(Path(db), Path(data), float(moment), name))
