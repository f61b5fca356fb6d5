"""Token payouts, exactly once: plan a run from ledger balances, pay it on chain, resume it after
a crash. Start at `service.open_payouts`; docs/payouts.md explains the design."""
