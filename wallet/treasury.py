"""The treasury: the key that pays, from TREASURY_KEY or an encrypted keystore, and its funds.

The key never leaves this module's `Treasury` object except as signatures: its repr shows the
address only, error messages never quote the key, and the caller is handed the key's text forms
once (`mask`) to register with the log formatter, so no log line can show it even by accident.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eth_account import Account
from eth_account.signers.local import LocalAccount

from storage.payouts import Signed
from wallet.chain import Chain, Fees

if TYPE_CHECKING:
    from eth_typing import ChecksumAddress


class TreasuryError(Exception):
    """The treasury key cannot be loaded; the message says what to fix (never the key)."""


class Shortfall(Exception):
    """The treasury holds too little to pay (tokens or gas); the message says how much more."""


class Treasury:
    """Signs payout transactions. `repr` and `str` show the address, never the key."""

    def __init__(self, account: LocalAccount):
        self._account = account
        self.address: ChecksumAddress = account.address

    def __repr__(self) -> str:
        return f"Treasury({self.address})"

    __str__ = __repr__

    def sign(
        self,
        *,
        chain_id: int,
        nonce: int,
        to: str | None,
        value: int,
        data: bytes,
        gas: int,
        fees: Fees,
    ) -> Signed:
        """Sign an EIP-1559 transaction (`to` None: a contract creation)."""
        tx: dict[str, Any] = {
            "type": 2,
            "chainId": chain_id,
            "nonce": nonce,
            "value": value,
            "data": data,
            "gas": gas,
            "maxFeePerGas": fees.max_fee,
            "maxPriorityFeePerGas": fees.priority_fee,
        }
        if to is not None:
            tx["to"] = to
        signed = self._account.sign_transaction(tx)
        return Signed(
            hash=signed.hash.to_0x_hex(),
            raw=bytes(signed.raw_transaction),
            max_fee=fees.max_fee,
            priority_fee=fees.priority_fee,
            created_address=created_address(self.address, nonce) if to is None else None,
        )


def created_address(sender: str, nonce: int) -> str:
    """The address of the contract that `sender` creates with `nonce` (CREATE)."""
    import rlp
    from eth_utils import keccak, to_bytes, to_checksum_address

    encoded = rlp.encode([to_bytes(hexstr=sender), nonce])
    return to_checksum_address(keccak(encoded)[12:])


def load_treasury(
    *,
    key: str | None,
    keystore: Path | None,
    password: str | None,
    allow_random: bool,
    mask: Callable[[list[str]], None] | None = None,
) -> Treasury:
    """The treasury from TREASURY_KEY, else TREASURY_KEYSTORE (+ TREASURY_KEYSTORE_PASSWORD).

    With neither, `allow_random` (the embedded chain) makes a throwaway key for this process.
    `mask` is given the key's text forms, for the log formatter to hide (microtasks.logs).
    """
    if key:
        account = _from_key(key)
    elif keystore is not None:
        account = _from_keystore(keystore, password)
    elif allow_random:
        account = Account.create()
    else:
        raise TreasuryError(
            "TREASURY_KEY or TREASURY_KEYSTORE: required with CHAIN_RPC_URL; set the payout "
            "account's private key, or the path of its encrypted keystore file and "
            "TREASURY_KEYSTORE_PASSWORD"
        )
    if mask is not None:
        text = account.key.hex().removeprefix("0x")
        mask([text, "0x" + text])
    return Treasury(account)


def _from_key(key: str) -> LocalAccount:
    try:
        return Account.from_key(key.strip())
    except Exception:
        raise TreasuryError(
            "TREASURY_KEY: not a valid private key; expected 64 hex digits (with or without 0x)"
        ) from None


def _from_keystore(path: Path, password: str | None) -> LocalAccount:
    if password is None:
        raise TreasuryError(
            "TREASURY_KEYSTORE_PASSWORD: required with TREASURY_KEYSTORE, to decrypt the keystore"
        )
    try:
        keyfile = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise TreasuryError(
            f"TREASURY_KEYSTORE: cannot read {path} ({error.strerror or error})"
        ) from None
    except ValueError:
        raise TreasuryError(f"TREASURY_KEYSTORE: {path} is not a JSON keystore file") from None
    try:
        private_key = Account.decrypt(keyfile, password)
    except ValueError:
        raise TreasuryError(
            f"TREASURY_KEYSTORE: {path} does not open with TREASURY_KEYSTORE_PASSWORD; check the "
            "password (and that the file is an Ethereum keystore)"
        ) from None
    except Exception:
        raise TreasuryError(f"TREASURY_KEYSTORE: {path} is not a valid keystore file") from None
    return Account.from_key(private_key)


# Funds


@dataclass(frozen=True)
class Holdings:
    tokens: int  # the reward token, smallest unit (wei for the native coin)
    gas: int  # the chain's coin, wei


async def holdings(chain: Chain, treasury: Treasury) -> Holdings:
    gas = int(await chain.w3.eth.get_balance(treasury.address))
    tokens = gas if chain.token.native else await chain.token_balance(treasury.address)
    return Holdings(tokens, gas)


def shortfall_message(
    chain: Chain, treasury: Treasury, have: Holdings, tokens: int, gas: int
) -> str | None:
    """What is missing to pay `tokens` and `gas` (both in the smallest unit), or None."""
    from tasks.rewards import format_amount

    token = chain.token
    lines = []
    if token.native:
        need = tokens + gas
        if have.gas < need:
            lines.append(
                f"it holds {format_amount(have.gas, 18)} {token.symbol} but the payouts and gas "
                f"need about {format_amount(need, 18)}"
            )
    else:
        if have.tokens < tokens:
            lines.append(
                f"it holds {format_amount(have.tokens, token.decimals)} {token.symbol} but the "
                f"payouts need {format_amount(tokens, token.decimals)}"
            )
        if have.gas < gas:
            lines.append(
                f"it holds {format_amount(have.gas, 18)} of the chain's coin for gas but needs "
                f"about {format_amount(gas, 18)}"
            )
    if not lines:
        return None
    return (
        f"the treasury {treasury.address} cannot pay: {'; '.join(lines)}. Top it up and run "
        "`microtasks payouts run` again (nothing was sent)"
    )
