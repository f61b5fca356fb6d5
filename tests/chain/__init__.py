"""Tests that run the payout contracts on a local anvil node and on web3's embedded chain."""
