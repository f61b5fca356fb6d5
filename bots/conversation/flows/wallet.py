"""The payout wallet: /wallet shows it, /wallet link proves one by signature, /wallet unlink.

`/wallet link 0xADDRESS` replies with a Sign-In with Ethereum message, alone in its own reply so
it copies whole. While that message waits, typed text that looks like a hex signature (`0x…`) is
taken as its signature; any other text goes on to the text tasks. Signature-like text with no
message waiting is never a text answer: the member is told their wallet is already linked (or how
to link one), and nothing is saved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bots.conversation.context import Person, Services
from bots.conversation.replies import Expect, Reply
from storage.wallets import WalletKind
from wallet.signatures import looks_like_signature

if TYPE_CHECKING:
    from wallet.linking import LinkedWallet, WalletLinker


def account_label(p: Person) -> str:
    """How the message to sign names the member's chat account."""
    label = f"{p.sender.platform} account {p.sender.external_id}"
    return f"{label} (@{p.sender.username})" if p.sender.username else label


async def wallet(s: Services, p: Person, args: str) -> list[Reply]:
    linker = s.wallet
    if linker is None:
        return [Reply(p.t("wallet.unavailable"))]
    verb, _, rest = args.strip().partition(" ")
    match verb.lower():
        case "":
            return await show(linker, p)
        case "link":
            return await link(linker, p, rest.strip())
        case "unlink":
            return await unlink(linker, p)
    if looks_like_signature(args):
        return await finish(linker, p, args)
    return [Reply(p.t("wallet.usage"))]


def _wallet_lines(p: Person, linked: LinkedWallet) -> list[str]:
    kind = p.t("wallet.kind_contract" if linked.kind is WalletKind.contract else "wallet.kind_eoa")
    lines = [p.t("wallet.address", address=linked.address, kind=kind)]
    if linked.explorer_link:
        lines.append(linked.explorer_link)
    return lines


async def show(linker: WalletLinker, p: Person) -> list[Reply]:
    linked = await linker.show(p.profile.id)
    if linked is None:
        return [Reply(p.t("wallet.none"))]
    return [
        Reply("\n".join([p.t("wallet.title"), *_wallet_lines(p, linked), p.t("wallet.change")]))
    ]


async def link(linker: WalletLinker, p: Person, address: str) -> list[Reply]:
    if not address:
        return [Reply(p.t("wallet.link_usage"))]
    challenge = await linker.start(p.profile.id, account_label(p), address)
    steps = p.t.count(
        "wallet.sign_steps", max(1, challenge.ttl_seconds // 60), address=challenge.address
    )
    return [Reply(steps), Reply(challenge.message, expects=Expect.text)]


async def finish(linker: WalletLinker, p: Person, text: str) -> list[Reply]:
    linked = await linker.finish(p.profile.id, text)
    return [Reply("\n".join([p.t("wallet.linked"), *_wallet_lines(p, linked)]))]


async def unlink(linker: WalletLinker, p: Person) -> list[Reply]:
    removed = await linker.unlink(p.profile.id)
    if removed is None:
        return [Reply(p.t("wallet.none"))]
    return [Reply(p.t("wallet.unlinked", address=removed.address))]


async def pasted_signature(s: Services, p: Person, text: str) -> list[Reply] | None:
    """The replies when typed text is the signature for a waiting link; None: not ours."""
    if s.wallet is None or not looks_like_signature(text):
        return None
    if await s.wallet.pending(p.profile.id) is None:
        linked = await s.wallet.show(p.profile.id)
        if linked is None:
            return [Reply(p.t("wallet.stray_signature_unlinked"))]
        return [Reply(p.t("wallet.stray_signature_linked", address=linked.address))]
    return await finish(s.wallet, p, text)
