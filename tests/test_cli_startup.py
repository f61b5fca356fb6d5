"""`microtasks --help` starts without the heavy libraries: no chain, crowd or chat SDK is loaded
just to print help (speed itself is measured in `bench/startup.py`)."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("web3", "crowdkit", "telegram", "discord", "matplotlib", "pandas", "pydantic_settings")

PROBE = f"""
import sys
from typer.testing import CliRunner
from microtasks.cli import app
for args in (["--help"], ["batch", "--help"], ["payouts", "--help"], ["ledger", "show", "--help"]):
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
print(" ".join(name for name in {HEAVY!r} if name in sys.modules))
"""


def test_help_loads_no_chain_crowd_or_chat_library(isolated_environment) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=False
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [], f"--help imported {done.stdout.strip()}"


def test_the_chat_wires_wallet_linking_without_loading_siwe_or_web3() -> None:
    probe = (
        "import sys\n"
        "from wallet.siwe_message import SiweRules\n"
        "import wallet.linking\n"
        "print(' '.join(n for n in ('siwe', 'web3', 'eth_account') if n in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [], "loaded when a wallet is first linked, not at start"
