"""Linking a member's payout wallet by a Sign-In with Ethereum (EIP-4361) signature.

`start` issues a message naming the wallet address, the configured domain and chain, a fresh
single-use nonce and a short expiry. `finish` reads the pasted signature, checks the message again
(siwe does not check the chain id or the age of `Issued At`), proves the address (an ordinary key by
recovery, a contract wallet by EIP-1271 on our own AsyncWeb3), then consumes the nonce and links
the wallet in one transaction. Every refusal is an InputError that changed nothing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from storage import wallets as store
from storage.database import Database
from storage.wallets import Challenge, NonceRefused, NonceState, WalletKind, WalletTaken
from tasks.problems import InputError, problem
from wallet.eip1271 import contract_accepts, has_code
from wallet.signatures import EOA_SIGNATURE_BYTES, parse_address, parse_pasted
from wallet.siwe_message import (
    SiweRules,
    build_message,
    check_message,
    expired,
    new_nonce,
    verify_eoa_signature,
    wrong_message,
)

if TYPE_CHECKING:
    from web3 import AsyncWeb3

    from wallet.siwe_message import SiweMessage

logger = logging.getLogger("microtasks.wallet")

CHAIN_TIMEOUT_SECONDS = 20.0
LATE_SECONDS = 3600.0  # how long an expired message still catches a pasted signature


class ChainMismatch(RuntimeError):
    """The RPC endpoint serves another chain than the configured one (an operator problem)."""


@dataclass(frozen=True)
class LinkChallenge:
    """A message to sign: paste its signature back before `expires_at`."""

    message: str
    address: str
    nonce: str
    expires_at: float
    ttl_seconds: int


@dataclass(frozen=True)
class LinkedWallet:
    address: str  # EIP-55 checksummed
    kind: WalletKind
    linked_at: float
    explorer_link: str | None


def _refused(key: str, text: str, **params: Any) -> InputError:
    return InputError(problem(key, text, **params))


def no_challenge() -> InputError:
    return _refused(
        "wallet.no_challenge",
        "No wallet link is waiting for a signature. Start with /wallet link and your address.",
    )


def taken(address: str) -> InputError:
    return _refused(
        "wallet.taken",
        "The wallet {address} is already linked to another member: each wallet pays one member. "
        "Unlink it there first, or link another wallet.",
        address=address,
    )


class WalletLinker:
    """Links, shows and unlinks payout wallets. Construct one per process and share it."""

    def __init__(
        self,
        db: Database,
        rules: SiweRules,
        *,
        clock: Callable[[], float] = time.time,
        w3: AsyncWeb3 | None = None,
        explorer_url: str | None = None,
        chain_timeout: float = CHAIN_TIMEOUT_SECONDS,
    ):
        self.db = db
        self.rules = rules
        self.clock = clock
        self.w3 = w3
        self.explorer_url = explorer_url.rstrip("/") if explorer_url else None
        self.chain_timeout = chain_timeout
        self._chain_checked = False

    # Reading

    def explorer_link(self, address: str) -> str | None:
        return f"{self.explorer_url}/address/{address}" if self.explorer_url else None

    def _linked(self, wallet: store.Wallet) -> LinkedWallet:
        return LinkedWallet(
            wallet.address, wallet.kind, wallet.linked_at, self.explorer_link(wallet.address)
        )

    async def show(self, profile_id: int) -> LinkedWallet | None:
        """The profile's payout wallet, or None."""
        wallet = await store.wallet_of(self.db, profile_id)
        return None if wallet is None else self._linked(wallet)

    async def pending(self, profile_id: int) -> LinkChallenge | None:
        """The message waiting for this profile's signature, or None.

        A message that expired less than an hour ago still counts, so a late signature is told
        it expired instead of being taken for something else.
        """
        challenge = await store.latest_challenge(self.db, profile_id)
        if challenge is None:
            return None
        now = self.clock()
        state = challenge.state(now)
        late = state is NonceState.expired and now < challenge.expires_at + LATE_SECONDS
        return self._challenge(challenge) if state is NonceState.open or late else None

    def _challenge(self, challenge: Challenge) -> LinkChallenge:
        return LinkChallenge(
            challenge.message,
            challenge.address,
            challenge.nonce,
            challenge.expires_at,
            self.rules.ttl_seconds,
        )

    # Linking

    async def start(self, profile_id: int, account_label: str, address: str) -> LinkChallenge:
        """Issue a message for `address` to sign; it replaces any earlier unsigned one."""
        checksummed = parse_address(address)
        owner = await store.owner_of(self.db, checksummed)
        if owner is not None and owner != profile_id:
            raise taken(checksummed)
        now = self.clock()
        nonce = new_nonce()
        message = build_message(
            self.rules,
            address=checksummed,
            nonce=nonce,
            account_label=account_label,
            issued_at=now,
        )
        challenge = Challenge(
            nonce=nonce,
            profile_id=profile_id,
            address=checksummed,
            message=message,
            issued_at=now,
            expires_at=now + self.rules.ttl_seconds,
            used_at=None,
            replaced_at=None,
        )
        await store.issue_challenge(self.db, challenge)
        return self._challenge(challenge)

    async def finish(
        self, profile_id: int, signature_text: str, address_hint: str | None = None
    ) -> LinkedWallet:
        """Link the wallet the pending message names, if `signature_text` proves it.

        `signature_text` is the pasted signature, optionally preceded by the wallet address.
        """
        pasted = parse_pasted(signature_text)
        hint = parse_address(address_hint) if address_hint else pasted.address
        challenge = await store.latest_challenge(self.db, profile_id)
        if challenge is None:
            raise no_challenge()
        now = self.clock()
        state = challenge.state(now)
        if state is not NonceState.open:
            raise self._closed(state.value, challenge)
        if hint is not None and hint != challenge.address:
            raise _refused(
                "wallet.other_address",
                "You sent the address {given}, but the message to sign names {address}. "
                "To link {given}, send /wallet link {given} and sign the new message.",
                given=hint,
                address=challenge.address,
            )
        message = check_message(challenge.message, self.rules, nonce=challenge.nonce, now=now)
        if message.address != challenge.address:
            raise wrong_message()  # not a message start() issued
        kind = await self._prove(challenge, message, pasted.signature, now)
        try:
            wallet = await store.link_wallet(
                self.db,
                profile_id=profile_id,
                nonce=challenge.nonce,
                address=challenge.address,
                kind=kind,
                now=self.clock(),
            )
        except WalletTaken as error:
            raise taken(error.address) from None
        except NonceRefused as error:
            raise self._closed(error.reason, error.challenge or challenge) from None
        logger.info(
            "wallet.linked",
            extra={"fields": {"profile_id": profile_id, "kind": kind.value}},
        )
        return self._linked(wallet)

    def _closed(self, reason: str, challenge: Challenge) -> InputError:
        """Why a nonce that is not open cannot link: used, replaced, expired (or not ours)."""
        if reason == NonceState.used:
            return _refused(
                "wallet.nonce_used",
                "This message was already used to link a wallet; each message links once. "
                "Send /wallet link with your address for a fresh one.",
            )
        if reason == NonceState.replaced:
            return _refused(
                "wallet.replaced",
                "A newer /wallet link replaced this message. Sign the newest message I sent.",
            )
        if reason == NonceState.expired:
            return expired(challenge.expires_at, self.rules)
        return no_challenge()

    async def _prove(
        self, challenge: Challenge, message: SiweMessage, signature: bytes, now: float
    ) -> WalletKind:
        if len(signature) == EOA_SIGNATURE_BYTES and verify_eoa_signature(
            message, signature, self.rules, nonce=challenge.nonce, now=now
        ):
            return WalletKind.eoa
        address = challenge.address
        if self.w3 is None:
            if len(signature) != EOA_SIGNATURE_BYTES:
                raise _refused(
                    "wallet.contracts_unsupported",
                    "This looks like a contract-wallet signature, but this bot cannot check "
                    "contract wallets. Link an ordinary wallet address instead.",
                )
            raise self._mismatch(address)
        try:
            async with asyncio.timeout(self.chain_timeout):
                await self._check_chain()
                if not await has_code(self.w3, address):
                    raise self._mismatch(address)
                accepted = await contract_accepts(self.w3, address, challenge.message, signature)
        except (InputError, ChainMismatch):
            raise
        except Exception:
            logger.warning("wallet.chain_unavailable", exc_info=True)
            raise _refused(
                "wallet.chain_unavailable",
                "I could not reach the chain to check the contract wallet {address}. Nothing "
                "changed; paste the signature again in a minute.",
                address=address,
            ) from None
        if not accepted:
            raise _refused(
                "wallet.contract_refused",
                "The wallet contract {address} did not accept this signature. Sign the exact "
                "message, unchanged, with an owner of that wallet, and paste the signature.",
                address=address,
            )
        return WalletKind.contract

    def _mismatch(self, address: str) -> InputError:
        return _refused(
            "wallet.signature_mismatch",
            "This signature is not from {address} for the message I sent. Sign the exact "
            "message, unchanged, with the wallet {address}, and paste the signature.",
            address=address,
        )

    async def _check_chain(self) -> None:
        if self._chain_checked or self.w3 is None:
            return
        served = await self.w3.eth.chain_id
        if served != self.rules.chain_id:
            raise ChainMismatch(
                f"CHAIN_RPC_URL serves chain {served}, but CHAIN_ID is {self.rules.chain_id}; "
                "contract wallets cannot be checked until they match"
            )
        self._chain_checked = True

    async def unlink(self, profile_id: int) -> LinkedWallet | None:
        """Remove the profile's payout wallet; returns what was removed, or None."""
        wallet = await store.unlink_wallet(self.db, profile_id, self.clock())
        if wallet is not None:
            logger.info("wallet.unlinked", extra={"fields": {"profile_id": profile_id}})
        return None if wallet is None else self._linked(wallet)
