"""Start a throwaway anvil node for tests and stop it again, whatever happens."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import tempfile
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import aiohttp
from eth_account import Account

REPO_ROOT = Path(__file__).resolve().parents[2]
ANVIL_BIN = REPO_ROOT / "node_modules" / ".bin" / "anvil"
ANVIL_MNEMONIC = "test test test test test test test test test test test junk"
ANVIL_CHAIN_ID = 31337
DEFAULT_ACCOUNTS = 10
STARTUP_TIMEOUT_S = 30.0
SHUTDOWN_TIMEOUT_S = 5.0
_HOST = "127.0.0.1"
_POLL_INTERVAL_S = 0.05
_PORT_ATTEMPTS = 3


class AnvilError(RuntimeError):
    """anvil is missing, failed to start, or did not answer in time."""


@dataclass(frozen=True, slots=True)
class AnvilNode:
    """A running anvil node: where to reach it and the keys of its funded accounts."""

    rpc_url: str
    chain_id: int
    private_keys: tuple[str, ...]


def derive_private_keys(count: int, mnemonic: str = ANVIL_MNEMONIC) -> tuple[str, ...]:
    """Private keys of the first ``count`` accounts anvil funds for ``mnemonic``."""
    Account.enable_unaudited_hdwallet_features()
    return tuple(
        Account.from_mnemonic(mnemonic, account_path=f"m/44'/60'/0'/0/{index}").key.to_0x_hex()
        for index in range(count)
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((_HOST, 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def run_anvil(
    *,
    accounts: int = DEFAULT_ACCOUNTS,
    startup_timeout: float = STARTUP_TIMEOUT_S,
    extra_args: Sequence[str] = (),
) -> AsyncIterator[AnvilNode]:
    """Run anvil on a free local port for the duration of the ``async with`` block."""
    if not ANVIL_BIN.exists():
        raise AnvilError(f"anvil not found at {ANVIL_BIN}; run `npm ci` in {REPO_ROOT}")
    keys = derive_private_keys(accounts)
    with tempfile.TemporaryFile() as log:
        process, url = await _start_on_free_port(log, accounts, startup_timeout, extra_args)
        try:
            yield AnvilNode(rpc_url=url, chain_id=ANVIL_CHAIN_ID, private_keys=keys)
        finally:
            await _stop(process)


async def _start_on_free_port(
    log: IO[bytes], accounts: int, startup_timeout: float, extra_args: Sequence[str]
) -> tuple[asyncio.subprocess.Process, str]:
    # Another process may take the port between probing and anvil binding it: retry a few times.
    for attempt in range(1, _PORT_ATTEMPTS + 1):
        log.seek(0)
        log.truncate()
        port = free_port()
        url = f"http://{_HOST}:{port}"
        process = await _spawn(port, accounts, log, extra_args)
        try:
            await _wait_until_ready(process, url, startup_timeout, log)
        except AnvilError:
            exited_early = process.returncode is not None
            await _stop(process)
            if exited_early and attempt < _PORT_ATTEMPTS:
                continue
            raise
        except BaseException:
            await _stop(process)
            raise
        return process, url
    raise AssertionError("unreachable")


async def _spawn(
    port: int, accounts: int, log: IO[bytes], extra_args: Sequence[str]
) -> asyncio.subprocess.Process:
    args = [
        "--silent",
        "--host",
        _HOST,
        "--port",
        str(port),
        "--chain-id",
        str(ANVIL_CHAIN_ID),
        "--accounts",
        str(accounts),
        "--mnemonic",
        ANVIL_MNEMONIC,
        *extra_args,
    ]
    # A session of its own lets shutdown reach both the npm launcher and the anvil binary.
    return await asyncio.create_subprocess_exec(
        str(ANVIL_BIN),
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=log,
        stderr=log,
        start_new_session=True,
        cwd=REPO_ROOT,
    )


async def _wait_until_ready(
    process: asyncio.subprocess.Process, url: str, startup_timeout: float, log: IO[bytes]
) -> None:
    try:
        async with asyncio.timeout(startup_timeout):
            await _poll_chain_id(process, url, log)
    except TimeoutError:
        raise AnvilError(
            f"anvil did not answer eth_chainId at {url} within {startup_timeout:.0f}s: "
            f"{_read_log(log)}"
        ) from None


async def _poll_chain_id(process: asyncio.subprocess.Process, url: str, log: IO[bytes]) -> None:
    request = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session:
        while process.returncode is None:
            with contextlib.suppress(aiohttp.ClientError, TimeoutError, ValueError, KeyError):
                async with session.post(url, json=request) as response:
                    body = await response.json()
                    if int(body["result"], 16) == ANVIL_CHAIN_ID:
                        return
            await asyncio.sleep(_POLL_INTERVAL_S)
    raise AnvilError(f"anvil exited with code {process.returncode}: {_read_log(log)}")


async def _stop(process: asyncio.subprocess.Process) -> None:
    """Stop the launcher and the anvil binary it started: politely first, then by force."""
    try:
        # The launcher forwards SIGTERM to anvil and exits; anvil itself stops within milliseconds.
        _signal_group(process.pid, signal.SIGTERM)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(process.wait(), SHUTDOWN_TIMEOUT_S)
    finally:
        # Whatever is still in the node's process group now gets no more chances.
        _signal_group(process.pid, signal.SIGKILL)
        if process.returncode is None:
            await process.wait()


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _read_log(log: IO[bytes]) -> str:
    log.flush()
    log.seek(0)
    text = log.read().decode(errors="replace").strip()
    return text[-2000:] or "(no output)"
