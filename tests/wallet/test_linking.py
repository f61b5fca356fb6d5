"""Members link a payout wallet by signing a Sign-In with Ethereum message with a real key."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount
from siwe import SiweMessage
from web3 import AsyncWeb3

from storage import wallets as store
from storage.database import Database
from storage.identity import Platform, ensure_account
from storage.wallets import Challenge, WalletKind
from tasks.problems import InputError
from tests.chain.conftest import tester_w3  # noqa: F401  (the embedded-chain fixture)
from tests.chain.test_contracts import deploy, funded_tester_account
from tests.clock import ManualClock
from wallet.linking import ChainMismatch, LinkChallenge, WalletLinker
from wallet.siwe_message import SiweRules, build_message, check_message, iso_time, new_nonce

EMBEDDED_CHAIN_ID = 131277322940537  # eth-tester's chain id, also the settings' default
RULES = SiweRules(
    domain="microtasks.local",
    uri="https://microtasks.local",
    chain_id=EMBEDDED_CHAIN_ID,
    ttl_seconds=600,
    community="Labelling Guild",
)
SECP256K1_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def linker(db: Database, clock: ManualClock) -> WalletLinker:
    return WalletLinker(db, RULES, clock=clock, explorer_url="https://explorer.example/")


async def member(db: Database, name: str) -> int:
    account = await ensure_account(db, Platform.telegram, name, username=name)
    return account.profile_id


def label(name: str) -> str:
    return f"telegram account {name} (@{name})"


def sign(key: LocalAccount, message: str) -> str:
    return "0x" + key.sign_message(encode_defunct(text=message)).signature.hex()


def high_s_twin(signature: str) -> str:
    """The malleable copy: s -> n - s with v flipped; it recovers the same address."""
    raw = bytes.fromhex(signature[2:])
    r, s, v = raw[:32], int.from_bytes(raw[32:64], "big"), raw[64]
    return "0x" + (r + (SECP256K1_ORDER - s).to_bytes(32, "big") + bytes([55 - v])).hex()


def v_shifted(signature: str) -> str:
    """The same signature with v written as 0/1 instead of 27/28."""
    raw = bytes.fromhex(signature[2:])
    return "0x" + (raw[:64] + bytes([raw[64] - 27])).hex()


async def asked_to_sign(
    db: Database, linker: WalletLinker, name: str
) -> tuple[int, LocalAccount, LinkChallenge]:
    """A member with a fresh key who asked to link it: the message they are to sign."""
    profile = await member(db, name)
    key: LocalAccount = Account.create()
    return profile, key, await linker.start(profile, label(name), key.address)


async def refused(key: str, call: object) -> InputError:
    with pytest.raises(InputError) as raised:
        await call  # type: ignore[misc]
    assert raised.value.problem.key == key, raised.value.problem.text
    return raised.value


async def payout_address_in_a_transaction(db: Database, profile_id: int) -> str | None:
    return await db.read(lambda raw: store.payout_address(raw, profile_id))


# The story that works


async def test_a_member_links_a_wallet_by_signing_the_message(
    db: Database, linker: WalletLinker, clock: ManualClock
) -> None:
    ada = await member(db, "ada")
    key: LocalAccount = Account.create()

    challenge = await linker.start(ada, label("ada"), key.address.lower())
    clock.advance(30)
    linked = await linker.finish(ada, sign(key, challenge.message))

    assert linked.address == key.address  # checksummed, though the member typed lower case
    assert linked.kind is WalletKind.eoa
    assert linked.explorer_link == f"https://explorer.example/address/{key.address}"
    assert await store.linked_wallet(db, ada) == key.address
    assert await payout_address_in_a_transaction(db, ada) == key.address
    assert (await linker.show(ada)) == linked
    assert await linker.pending(ada) is None


async def test_the_message_names_domain_chain_account_community_nonce_and_expiry(
    db: Database, linker: WalletLinker, clock: ManualClock
) -> None:
    ada = await member(db, "ada")
    key: LocalAccount = Account.create()

    challenge = await linker.start(ada, label("ada"), key.address)
    message = SiweMessage.from_message(challenge.message)

    assert message.domain == "microtasks.local" and message.scheme == "https"
    assert message.uri == "https://microtasks.local"
    assert message.chain_id == EMBEDDED_CHAIN_ID
    assert message.address == key.address
    assert message.statement is not None
    assert "telegram account ada (@ada)" in message.statement
    assert "Labelling Guild" in message.statement
    assert message.nonce == challenge.nonce and len(message.nonce) >= 16
    assert message.issued_at == iso_time(clock.now)
    assert message.expiration_time == iso_time(clock.now + 600)
    assert challenge.expires_at == clock.now + 600


async def test_names_outside_the_eip4361_statement_alphabet_are_reduced(
    db: Database, clock: ManualClock
) -> None:
    ada = await member(db, "ada")
    rules = SiweRules("microtasks.local", "https://microtasks.local", 1, community="Café «Метки»")
    linker = WalletLinker(db, rules, clock=clock)

    challenge = await linker.start(ada, 'console account "Ада" <ada>', Account.create().address)

    statement = SiweMessage.from_message(challenge.message).statement
    assert statement == "Link this wallet to console account ada in Cafe to receive token payouts."


# Forged signatures


async def test_a_signature_by_another_key_is_refused_and_changes_nothing(
    db: Database, linker: WalletLinker
) -> None:
    ada = await member(db, "ada")
    key, mallory = Account.create(), Account.create()
    challenge = await linker.start(ada, label("ada"), key.address)

    error = await refused(
        "wallet.signature_mismatch", linker.finish(ada, sign(mallory, challenge.message))
    )

    assert "Sign the exact message" in str(error)
    assert await linker.show(ada) is None
    assert await linker.pending(ada) is not None  # the nonce was not spent
    assert (await linker.finish(ada, sign(key, challenge.message))).address == key.address


async def test_a_signature_for_another_message_is_refused(
    db: Database, linker: WalletLinker, clock: ManualClock
) -> None:
    ada = await member(db, "ada")
    key: LocalAccount = Account.create()
    await linker.start(ada, label("ada"), key.address)
    lookalike = build_message(
        RULES, address=key.address, nonce=new_nonce(), account_label=label("ada"), issued_at=clock()
    )

    await refused("wallet.signature_mismatch", linker.finish(ada, sign(key, lookalike)))
    assert await linker.show(ada) is None


async def test_a_signature_over_a_tampered_message_is_refused(
    db: Database, linker: WalletLinker
) -> None:
    ada, key, challenge = await asked_to_sign(db, linker, "ada")
    stretched = SiweMessage.from_message(challenge.message)
    stretched.expiration_time = iso_time(challenge.expires_at + 86_400)  # a longer life

    await refused(
        "wallet.signature_mismatch", linker.finish(ada, sign(key, stretched.prepare_message()))
    )
    assert await linker.show(ada) is None


async def test_someone_elses_pasted_signature_does_not_link_for_them(
    db: Database, linker: WalletLinker
) -> None:
    ada, eve = await member(db, "ada"), await member(db, "eve")
    key: LocalAccount = Account.create()
    challenge = await linker.start(ada, label("ada"), key.address)

    await refused("wallet.no_challenge", linker.finish(eve, sign(key, challenge.message)))
    await linker.start(eve, label("eve"), key.address)
    await refused("wallet.signature_mismatch", linker.finish(eve, sign(key, challenge.message)))
    assert await linker.show(eve) is None


# Replays


async def test_a_used_message_never_links_again_even_with_a_malleated_signature(
    db: Database, linker: WalletLinker
) -> None:
    ada, key, challenge = await asked_to_sign(db, linker, "ada")
    signature = sign(key, challenge.message)
    await linker.finish(ada, signature)
    await linker.unlink(ada)

    for replay in (signature, high_s_twin(signature), v_shifted(signature)):
        await refused("wallet.nonce_used", linker.finish(ada, replay))

    assert await linker.show(ada) is None


async def test_a_signature_and_its_malleated_copy_sent_at_once_link_once(
    db: Database, linker: WalletLinker
) -> None:
    ada, key, challenge = await asked_to_sign(db, linker, "ada")
    signature = sign(key, challenge.message)

    outcomes = await asyncio.gather(
        linker.finish(ada, signature),
        linker.finish(ada, high_s_twin(signature)),
        return_exceptions=True,
    )

    linked = [o for o in outcomes if not isinstance(o, BaseException)]
    refusals = [o.problem.key for o in outcomes if isinstance(o, InputError)]
    assert len(linked) == 1 and refusals == ["wallet.nonce_used"]
    history = await store.wallet_history(db, ada)
    assert [event for event, _, _ in history] == ["linked"]


async def test_malleated_copies_are_still_valid_signatures_of_the_owner(
    db: Database, linker: WalletLinker
) -> None:
    """Why replay protection rests on the nonce: these copies recover the same address."""
    ada, bob = await member(db, "ada"), await member(db, "bob")
    for profile, make_copy in ((ada, high_s_twin), (bob, v_shifted)):
        key: LocalAccount = Account.create()
        challenge = await linker.start(profile, label("x"), key.address)
        linked = await linker.finish(profile, make_copy(sign(key, challenge.message)))
        assert linked.address == key.address


async def test_an_old_signature_does_not_answer_a_new_message(
    db: Database, linker: WalletLinker
) -> None:
    ada = await member(db, "ada")
    key: LocalAccount = Account.create()
    first = await linker.start(ada, label("ada"), key.address)
    second = await linker.start(ada, label("ada"), key.address)

    await refused("wallet.signature_mismatch", linker.finish(ada, sign(key, first.message)))
    assert (await linker.finish(ada, sign(key, second.message))).address == key.address


# Expiry


async def test_an_expired_message_is_refused_and_links_nothing(
    db: Database, linker: WalletLinker, clock: ManualClock
) -> None:
    ada, key, challenge = await asked_to_sign(db, linker, "ada")
    signature = sign(key, challenge.message)

    clock.advance(600)
    error = await refused("wallet.expired", linker.finish(ada, signature))

    assert "expired at 2026-05-28 20:36 UTC" in str(error)
    assert await linker.show(ada) is None
    fresh = await linker.start(ada, label("ada"), key.address)
    assert (await linker.finish(ada, sign(key, fresh.message))).address == key.address


async def test_a_signature_checked_just_before_expiry_links(
    db: Database, linker: WalletLinker, clock: ManualClock
) -> None:
    ada, key, challenge = await asked_to_sign(db, linker, "ada")

    clock.advance(599)
    assert (await linker.finish(ada, sign(key, challenge.message))).address == key.address


# Messages for another chain or domain


async def test_a_message_issued_for_another_chain_is_refused(
    db: Database, clock: ManualClock
) -> None:
    """The operator moved CHAIN_ID between the message and its signature."""
    ada = await member(db, "ada")
    key: LocalAccount = Account.create()
    old = WalletLinker(
        db, SiweRules("microtasks.local", "https://microtasks.local", 1), clock=clock
    )
    challenge = await old.start(ada, label("ada"), key.address)
    new = WalletLinker(
        db, SiweRules("microtasks.local", "https://microtasks.local", 8453), clock=clock
    )

    error = await refused("wallet.wrong_chain", new.finish(ada, sign(key, challenge.message)))

    assert error.problem.params == {"found": 1, "expected": 8453}
    assert await new.show(ada) is None


async def test_a_message_issued_for_another_domain_is_refused(
    db: Database, linker: WalletLinker, clock: ManualClock
) -> None:
    ada = await member(db, "ada")
    key: LocalAccount = Account.create()
    phishing = SiweRules("rnicrotasks.example", "https://rnicrotasks.example", EMBEDDED_CHAIN_ID)
    text = build_message(
        phishing, address=key.address, nonce=new_nonce(), account_label="x", issued_at=clock()
    )
    nonce = SiweMessage.from_message(text).nonce
    await store.issue_challenge(
        db, Challenge(nonce, ada, key.address, text, clock(), clock() + 600, None, None)
    )

    error = await refused("wallet.wrong_domain", linker.finish(ada, sign(key, text)))

    assert error.problem.params["found"] == "https://rnicrotasks.example"
    assert await linker.show(ada) is None


def constructed(clock: ManualClock, **fields: object) -> tuple[str, str]:
    values: dict[str, object] = {
        "scheme": "https",
        "domain": RULES.domain,
        "address": Account.create().address,
        "uri": RULES.uri,
        "version": "1",
        "chain_id": RULES.chain_id,
        "issued_at": iso_time(clock()),
        "expiration_time": iso_time(clock() + 600),
        "nonce": new_nonce(),
        "statement": "Link this wallet.",
    }
    values.update(fields)
    message = SiweMessage(**values)  # type: ignore[arg-type]
    return message.prepare_message(), message.nonce


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"chain_id": 1}, "wallet.wrong_chain"),
        ({"domain": "evil.example"}, "wallet.wrong_domain"),
        ({"scheme": None}, "wallet.wrong_domain"),
        ({"scheme": "http"}, "wallet.wrong_domain"),
        ({"uri": "https://evil.example/login"}, "wallet.wrong_uri"),
        ({"issued_at": "2020-01-01T00:00:00.000Z", "expiration_time": None}, "wallet.expired"),
        (
            {"issued_at": "2099-01-01T00:00:00.000Z", "expiration_time": None},
            "wallet.issued_in_future",
        ),
        ({"not_before": "2099-01-01T00:00:00.000Z"}, "wallet.not_yet_valid"),
    ],
)
def test_check_message_refuses_what_siwe_verify_would_let_through(
    clock: ManualClock, fields: dict[str, object], key: str
) -> None:
    text, nonce = constructed(clock, **fields)

    with pytest.raises(InputError) as raised:
        check_message(text, RULES, nonce=nonce, now=clock())
    assert raised.value.problem.key == key


def test_check_message_refuses_another_nonce_and_accepts_its_own(clock: ManualClock) -> None:
    text, nonce = constructed(clock)

    assert check_message(text, RULES, nonce=nonce, now=clock()).nonce == nonce
    with pytest.raises(InputError, match="another nonce"):
        check_message(text, RULES, nonce=new_nonce(), now=clock())
    with pytest.raises(InputError, match="not a Sign-In with Ethereum message"):
        check_message("please sign: " + text, RULES, nonce=nonce, now=clock())


# Malformed input


@pytest.mark.parametrize(
    ("pasted", "key"),
    [
        ("", "wallet.bad_signature"),
        ("thanks!", "wallet.bad_signature"),
        ("0x", "wallet.bad_signature"),
        ("0x" + "zz" * 65, "wallet.bad_signature"),
        ("0x" + "a" * 129, "wallet.bad_signature"),
        ("0x1234", "wallet.signature_length"),
        ("0x" + "ab" * 64, "wallet.signature_length"),
        ("0x" + "ab" * 9000, "wallet.signature_length"),
        ("0x" + "ab" * 65 + " and more", "wallet.bad_signature"),
        ("0xNotAnAddress0000000000000000000000000000 0x" + "ab" * 65, "wallet.bad_signature"),
        ("0x52908400098527886e0F7030069857D2E4169EE7 0x" + "ab" * 65, "wallet.bad_checksum"),
    ],
)
async def test_malformed_signatures_get_a_clear_message_and_change_nothing(
    db: Database, linker: WalletLinker, pasted: str, key: str
) -> None:
    ada = await member(db, "ada")
    owner: LocalAccount = Account.create()
    challenge = await linker.start(ada, label("ada"), owner.address)

    await refused(key, linker.finish(ada, pasted))

    assert await linker.show(ada) is None
    assert await linker.pending(ada) == challenge


async def test_a_signature_pasted_with_quotes_line_breaks_and_the_address_is_read(
    db: Database, linker: WalletLinker
) -> None:
    ada, key, challenge = await asked_to_sign(db, linker, "ada")
    signature = sign(key, challenge.message)
    wrapped = f'  {key.address.lower()}\n"{signature[:70]}\n{signature[70:]}"  \n'

    assert (await linker.finish(ada, wrapped)).address == key.address


async def test_an_address_that_is_not_the_messages_is_refused(
    db: Database, linker: WalletLinker
) -> None:
    ada = await member(db, "ada")
    key, other = Account.create(), Account.create()
    challenge = await linker.start(ada, label("ada"), key.address)
    signature = sign(key, challenge.message)

    error = await refused(
        "wallet.other_address", linker.finish(ada, f"{other.address} {signature}")
    )
    assert error.problem.params == {"given": other.address, "address": key.address}
    await refused("wallet.other_address", linker.finish(ada, signature, other.address))
    assert (await linker.finish(ada, signature, key.address)).address == key.address


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("", "wallet.bad_address"),
        ("ada.eth", "wallet.bad_address"),
        ("0x1234", "wallet.bad_address"),
        ("0x" + "0" * 40, "wallet.bad_address"),
        ("52908400098527886E0F7030069857D2E4169EE7", "wallet.bad_address"),
        ("0x52908400098527886e0F7030069857D2E4169EE7", "wallet.bad_checksum"),
    ],
)
async def test_a_malformed_address_is_refused_before_any_message(
    db: Database, linker: WalletLinker, address: str, key: str
) -> None:
    ada = await member(db, "ada")

    await refused(key, linker.start(ada, label("ada"), address))
    assert await linker.pending(ada) is None


async def test_finishing_with_no_message_issued_says_how_to_start(
    db: Database, linker: WalletLinker
) -> None:
    ada = await member(db, "ada")
    await refused("wallet.no_challenge", linker.finish(ada, "0x" + "ab" * 65))


# One wallet, one profile


async def test_a_wallet_linked_to_another_member_is_refused(
    db: Database, linker: WalletLinker
) -> None:
    ada, bob = await member(db, "ada"), await member(db, "bob")
    key: LocalAccount = Account.create()
    challenge = await linker.start(ada, label("ada"), key.address)
    await linker.finish(ada, sign(key, challenge.message))

    await refused("wallet.taken", linker.start(bob, label("bob"), key.address))
    assert await linker.pending(bob) is None


async def test_a_race_for_one_wallet_is_refused_and_keeps_the_loser_nonce_unused(
    db: Database, linker: WalletLinker
) -> None:
    """Both members hold the key; the second link is refused until the first unlinks."""
    ada, bob = await member(db, "ada"), await member(db, "bob")
    key: LocalAccount = Account.create()
    for_ada = await linker.start(ada, label("ada"), key.address)
    for_bob = await linker.start(bob, label("bob"), key.address)
    await linker.finish(ada, sign(key, for_ada.message))
    bob_signature = sign(key, for_bob.message)

    await refused("wallet.taken", linker.finish(bob, bob_signature))
    assert await linker.show(bob) is None
    assert await store.linked_wallet(db, ada) == key.address

    await linker.unlink(ada)
    assert (await linker.finish(bob, bob_signature)).address == key.address


async def test_the_database_itself_refuses_one_address_on_two_profiles(db: Database) -> None:
    ada, bob = await member(db, "ada"), await member(db, "bob")
    address = Account.create().address

    def link_both(raw: sqlite3.Connection) -> None:
        for profile in (ada, bob):
            raw.execute(
                "INSERT INTO wallets (profile_id, address, kind, linked_at) "
                "VALUES (?, ?, 'eoa', 0)",
                (profile, address),
            )

    with pytest.raises(sqlite3.IntegrityError):
        await db.write(link_both)
    assert await store.linked_wallet(db, ada) is None


async def test_relinking_needs_a_fresh_signature_and_frees_the_old_wallet(
    db: Database, linker: WalletLinker, clock: ManualClock
) -> None:
    ada, bob = await member(db, "ada"), await member(db, "bob")
    first, second = Account.create(), Account.create()
    challenge = await linker.start(ada, label("ada"), first.address)
    first_signature = sign(first, challenge.message)
    await linker.finish(ada, first_signature)

    clock.advance(60)
    relink = await linker.start(ada, label("ada"), second.address)
    await refused("wallet.other_address", linker.finish(ada, f"{first.address} {first_signature}"))
    await refused("wallet.signature_mismatch", linker.finish(ada, first_signature))
    assert await store.linked_wallet(db, ada) == first.address

    await linker.finish(ada, sign(second, relink.message))
    assert await store.linked_wallet(db, ada) == second.address
    bob_challenge = await linker.start(bob, label("bob"), first.address)
    assert (await linker.finish(bob, sign(first, bob_challenge.message))).address == first.address
    assert [(event, address) for event, address, _ in await store.wallet_history(db, ada)] == [
        ("linked", first.address),
        ("unlinked", first.address),
        ("linked", second.address),
    ]


async def test_unlinking_removes_the_payout_wallet(db: Database, linker: WalletLinker) -> None:
    ada, key, challenge = await asked_to_sign(db, linker, "ada")
    await linker.finish(ada, sign(key, challenge.message))

    removed = await linker.unlink(ada)

    assert removed is not None and removed.address == key.address
    assert await linker.show(ada) is None
    assert await store.linked_wallet(db, ada) is None
    assert await payout_address_in_a_transaction(db, ada) is None
    assert await linker.unlink(ada) is None


# Contract wallets (EIP-1271) on the embedded chain


async def smart_wallet(w3: AsyncWeb3, owner: LocalAccount) -> str:
    deployer = await funded_tester_account(w3)
    contract = await deploy(w3, deployer, "SmartWallet1271", owner.address)
    return contract.address


async def test_a_contract_wallet_links_with_its_owners_signature(
    db: Database,
    clock: ManualClock,
    tester_w3: AsyncWeb3,  # noqa: F811
) -> None:
    ada = await member(db, "ada")
    owner: LocalAccount = Account.create()
    address = await smart_wallet(tester_w3, owner)
    linker = WalletLinker(db, RULES, clock=clock, w3=tester_w3)

    challenge = await linker.start(ada, label("ada"), address)
    linked = await linker.finish(ada, sign(owner, challenge.message))

    assert linked.address == address and linked.kind is WalletKind.contract
    assert await store.linked_wallet(db, ada) == address


async def test_a_contract_wallet_refuses_a_signature_its_owner_did_not_make(
    db: Database,
    clock: ManualClock,
    tester_w3: AsyncWeb3,  # noqa: F811
) -> None:
    ada = await member(db, "ada")
    owner, stranger = Account.create(), Account.create()
    address = await smart_wallet(tester_w3, owner)
    linker = WalletLinker(db, RULES, clock=clock, w3=tester_w3)
    challenge = await linker.start(ada, label("ada"), address)

    await refused("wallet.contract_refused", linker.finish(ada, sign(stranger, challenge.message)))
    await refused(
        "wallet.contract_refused", linker.finish(ada, "0x" + sign(owner, challenge.message)[2:] * 2)
    )
    assert await linker.show(ada) is None
    assert (await linker.finish(ada, sign(owner, challenge.message))).kind is WalletKind.contract


async def test_an_ordinary_address_with_a_wrong_signature_is_a_mismatch_on_chain_too(
    db: Database,
    clock: ManualClock,
    tester_w3: AsyncWeb3,  # noqa: F811
) -> None:
    ada = await member(db, "ada")
    key, stranger = Account.create(), Account.create()
    linker = WalletLinker(db, RULES, clock=clock, w3=tester_w3)
    challenge = await linker.start(ada, label("ada"), key.address)

    await refused(
        "wallet.signature_mismatch", linker.finish(ada, sign(stranger, challenge.message))
    )


async def test_without_a_chain_a_contract_wallet_gets_a_clear_message(
    db: Database,
    linker: WalletLinker,
    tester_w3: AsyncWeb3,  # noqa: F811
) -> None:
    ada = await member(db, "ada")
    owner: LocalAccount = Account.create()
    address = await smart_wallet(tester_w3, owner)
    challenge = await linker.start(ada, label("ada"), address)
    signature = sign(owner, challenge.message)

    await refused("wallet.signature_mismatch", linker.finish(ada, signature))
    await refused("wallet.contracts_unsupported", linker.finish(ada, signature + "00" * 65))
    assert await linker.show(ada) is None


async def test_a_chain_that_is_not_the_configured_one_is_an_operator_error(
    db: Database,
    clock: ManualClock,
    tester_w3: AsyncWeb3,  # noqa: F811
) -> None:
    ada = await member(db, "ada")
    owner: LocalAccount = Account.create()
    address = await smart_wallet(tester_w3, owner)
    rules = SiweRules("microtasks.local", "https://microtasks.local", 8453)
    linker = WalletLinker(db, rules, clock=clock, w3=tester_w3)
    challenge = await linker.start(ada, label("ada"), address)

    with pytest.raises(ChainMismatch, match="CHAIN_ID is 8453"):
        await linker.finish(ada, sign(owner, challenge.message))
    assert await linker.pending(ada) is not None
