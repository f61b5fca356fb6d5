"""How payouts behave: the settings (PAYOUT_*) in the units the payout code works in."""

from __future__ import annotations

from dataclasses import dataclass

from wallet.chain import TX_GAS_CAP


@dataclass(frozen=True)
class PayoutConfig:
    minimum: int = 1  # smallest payout, in the token's smallest unit
    cap: int | None = None  # most one run pays, same unit
    confirmations: int = 1  # blocks, counting the one holding the transaction; 0 counts as 1
    batch_size: int = 200  # recipients per Disperse transaction; 1: a transfer each
    tx_timeout: float = 180.0  # seconds without a receipt before the fees are raised
    poll_interval: float = 0.5  # seconds between looks at a node (the embedded chain mines)
    max_attempts: int = 3  # reverts before a payout is re-credited instead of re-queued
    max_in_flight: int = 64  # transactions sent before waiting for their outcomes
    batch_gas_cap: int = TX_GAS_CAP  # most gas a Disperse batch may ask for (EIP-7825: 2^24)

    @property
    def depth(self) -> int:
        return max(1, self.confirmations)

    @property
    def batching(self) -> bool:
        return self.batch_size > 1
