"""Payout wallet: contracts, signing and on-chain payments for microtasks."""
