"""Fixtures for chain tests: a real anvil node and web3's embedded py-evm chain."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from web3 import AsyncHTTPProvider, AsyncWeb3
from web3.providers.eth_tester import AsyncEthereumTesterProvider

from .anvil import AnvilNode, run_anvil


@pytest.fixture
async def anvil() -> AsyncIterator[AnvilNode]:
    """A fresh anvil node, stopped when the test ends, pass or fail."""
    async with run_anvil() as node:
        yield node


@pytest.fixture
async def anvil_w3(anvil: AnvilNode) -> AsyncIterator[AsyncWeb3]:
    """AsyncWeb3 connected to the test's anvil node."""
    w3 = AsyncWeb3(AsyncHTTPProvider(anvil.rpc_url))
    try:
        yield w3
    finally:
        await w3.provider.disconnect()


@pytest.fixture
def tester_w3() -> AsyncWeb3:
    """AsyncWeb3 on a fresh in-process py-evm chain with unlocked, funded accounts."""
    return AsyncWeb3(AsyncEthereumTesterProvider())
