"""Sign, store, then broadcast; and replace a stuck transaction with the same nonce.

The order is the whole point: a signed transaction is committed to the database (raw bytes,
hash, nonce) before any node sees it, so every hash that could ever be mined is known to the
database, and a restart can always find out what happened to a nonce.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from enum import Enum

from storage import payouts as store
from storage.database import Database
from storage.payouts import NewTx, Signed, Tx
from wallet.chain import Chain, ChainError, Fees, NodeUnreachable, unreachable
from wallet.faults import crash_point
from wallet.treasury import Shortfall, Treasury

logger = logging.getLogger("microtasks.payouts")


def log(event: str, **fields: object) -> None:
    logger.info(event, extra={"fields": fields})


class Sent(Enum):
    accepted = "accepted"  # the node has it (now, or had it already)
    nonce_used = "nonce_used"  # the nonce is taken: a receipt or the nonce check will tell
    underpriced = "underpriced"  # the fees are too low for the node: replace it


ALREADY_KNOWN = ("already known", "already imported", "known transaction", "alreadyknown")
NONCE_USED = ("nonce too low", "nonce is too low", "invalid nonce", "oldnonce")
UNDERPRICED = ("underpriced", "base fee", "fee too low", "feecap", "fee cap")
NO_FUNDS = ("insufficient funds", "insufficient balance", "not enough funds")


def _reason(error: Exception) -> str:
    message = getattr(error, "message", None) or str(error)
    return str(message)


class Broadcaster:
    def __init__(
        self, db: Database, chain: Chain, treasury: Treasury, clock: Callable[[], float] = time.time
    ):
        self.db = db
        self.chain = chain
        self.treasury = treasury
        self.clock = clock

    def _signer(self, new: NewTx | Tx, fees: Fees) -> Callable[[int], Signed]:
        def sign(nonce: int) -> Signed:
            return self.treasury.sign(
                chain_id=self.chain.chain_id,
                nonce=nonce,
                to=new.to_address,
                value=new.value,
                data=new.data,
                gas=new.gas_limit,
                fees=fees,
            )

        return sign

    async def pending_nonce(self) -> int:
        """The node's view of the next nonce: only ever raises the database's counter."""
        return int(await self.chain.w3.eth.get_transaction_count(self.treasury.address, "pending"))

    async def send_new(self, new: NewTx, fees: Fees, floor: int) -> Tx:
        """Allocate a nonce, sign and commit, then broadcast."""
        tx = await store.store_tx(
            self.db,
            chain_key=self.chain.key,
            sender=self.treasury.address,
            floor=floor,
            new=new,
            sign=self._signer(new, fees),
            now=self.clock(),
        )
        log(
            "payout.tx_signed",
            kind=tx.kind,
            nonce=tx.nonce,
            hash=tx.newest.hash,
            payouts=len(new.payout_ids),
        )
        crash_point("after_sign")
        outcome = await self.broadcast(tx, tx.newest)
        if outcome is Sent.underpriced:
            await self.replace(tx)
        return tx

    async def broadcast(self, tx: Tx, version: store.TxVersion) -> Sent:
        """Send one stored version's raw bytes as they are."""
        try:
            await self.chain.w3.eth.send_raw_transaction(version.raw)
            outcome = Sent.accepted
        except Exception as error:
            if unreachable(error):
                raise NodeUnreachable(
                    f"the node could not be reached while sending transaction {tx.nonce} "
                    f"({version.hash}); it is kept and `microtasks payouts run` will send it again"
                ) from error
            outcome = self._classify(tx, error)
        crash_point("after_broadcast")
        if outcome is Sent.accepted:
            await store.mark_sent(self.db, version.hash, self.clock())
        log("payout.tx_broadcast", nonce=tx.nonce, hash=version.hash, outcome=outcome.value)
        return outcome

    def _classify(self, tx: Tx, error: Exception) -> Sent:
        reason = _reason(error)
        text = reason.lower()
        if any(words in text for words in ALREADY_KNOWN):
            return Sent.accepted
        if any(words in text for words in NONCE_USED):
            return Sent.nonce_used
        if any(words in text for words in NO_FUNDS):
            raise Shortfall(
                f"the node refused transaction {tx.nonce} of the treasury {self.treasury.address}"
                f": {reason}. Top the treasury up and run `microtasks payouts run` again (the "
                "signed transaction is kept and will be sent as it is)"
            )
        if any(words in text for words in UNDERPRICED):
            return Sent.underpriced
        raise ChainError(
            f"the node refused transaction {tx.nonce} ({tx.newest.hash}): {reason}; it is kept "
            "and `microtasks payouts run` will send it again"
        )

    async def replace(self, tx: Tx) -> Tx:
        """Sign the same payload with the same nonce and higher fees, commit, broadcast.

        Whichever version is mined pays the same payouts, and only one can be: replacing is
        always safe.
        """
        newest = tx.newest
        fees = Fees(newest.max_fee, newest.priority_fee).bumped(await self.chain.fees())
        signed = self._signer(tx, fees)(tx.nonce)
        tx = await store.add_version(self.db, tx.id, signed, self.clock())
        log(
            "payout.tx_replaced",
            nonce=tx.nonce,
            hash=signed.hash,
            versions=len(tx.versions),
            max_fee=fees.max_fee,
            priority_fee=fees.priority_fee,
        )
        crash_point("after_replace")
        outcome = await self.broadcast(tx, tx.newest)
        if outcome is Sent.underpriced and len(tx.versions) < 20:
            return await self.replace(tx)
        return tx
