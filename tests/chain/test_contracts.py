"""Deploy the payout contracts from the committed artifacts and exercise them on real EVMs."""

from __future__ import annotations

import filecmp
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import function_signature_to_4byte_selector
from web3 import AsyncWeb3
from web3.contract import AsyncContract
from web3.contract.async_contract import AsyncContractFunction
from web3.exceptions import ContractCustomError
from web3.types import TxReceipt

from wallet.contracts import ArtifactError, ArtifactNotFoundError, load_artifact

from .anvil import REPO_ROOT, AnvilNode

ARTIFACTS_DIR = REPO_ROOT / "wallet" / "contracts" / "artifacts"
BUILD_SCRIPT = REPO_ROOT / "scripts" / "build_contracts.mjs"
TOKEN_DECIMALS = 18
INITIAL_SUPPLY = 1_000_000 * 10**TOKEN_DECIMALS
EIP1271_MAGIC = bytes.fromhex("1626ba7e")
EIP1271_INVALID = bytes.fromhex("ffffffff")
SECP256K1_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
LENGTH_MISMATCH = "0x" + function_signature_to_4byte_selector("LengthMismatch()").hex()


async def send_signed(w3: AsyncWeb3, sender: LocalAccount, tx: dict[str, Any]) -> TxReceipt:
    """Sign ``tx`` locally, as the payout wallet does, and wait for its receipt."""
    signed = sender.sign_transaction(tx)
    tx_hash = await w3.eth.send_raw_transaction(signed.raw_transaction)
    return await w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30)


async def tx_params(w3: AsyncWeb3, sender: LocalAccount, **extra: Any) -> dict[str, Any]:
    nonce = await w3.eth.get_transaction_count(sender.address, "pending")
    return {"from": sender.address, "nonce": nonce, **extra}


async def transact(
    w3: AsyncWeb3, sender: LocalAccount, function: AsyncContractFunction, **extra: Any
) -> TxReceipt:
    tx = await function.build_transaction(await tx_params(w3, sender, **extra))
    receipt = await send_signed(w3, sender, dict(tx))
    assert receipt["status"] == 1, f"{function.fn_name} reverted"
    return receipt


async def deploy(w3: AsyncWeb3, sender: LocalAccount, name: str, *args: Any) -> AsyncContract:
    artifact = load_artifact(name)
    factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    tx = await factory.constructor(*args).build_transaction(await tx_params(w3, sender))
    receipt = await send_signed(w3, sender, dict(tx))
    assert receipt["status"] == 1, f"deploying {name} failed"
    return w3.eth.contract(address=receipt["contractAddress"], abi=artifact.abi)


async def deploy_token(w3: AsyncWeb3, sender: LocalAccount) -> AsyncContract:
    return await deploy(w3, sender, "DemoToken", "Demo", "DEMO", TOKEN_DECIMALS, INITIAL_SUPPLY)


async def funded_tester_account(w3: AsyncWeb3) -> LocalAccount:
    """A new local key funded from the embedded chain's unlocked genesis account."""
    account: LocalAccount = Account.create()
    faucet = (await w3.eth.accounts)[0]
    tx_hash = await w3.eth.send_transaction(
        {"from": faucet, "to": account.address, "value": 10**20}
    )
    await w3.eth.wait_for_transaction_receipt(tx_hash)
    return account


async def check_disperse_token(w3: AsyncWeb3, sender: LocalAccount) -> None:
    """Approve once, pay three fresh recipients in one transaction, check every balance."""
    token = await deploy_token(w3, sender)
    disperse = await deploy(w3, sender, "Disperse")
    recipients = [Account.create().address for _ in range(3)]
    values = [1 * 10**TOKEN_DECIMALS, 25 * 10**16, 7]

    await transact(w3, sender, token.functions.approve(disperse.address, sum(values)))
    await transact(w3, sender, disperse.functions.disperseToken(token.address, recipients, values))

    for recipient, value in zip(recipients, values, strict=True):
        assert await token.functions.balanceOf(recipient).call() == value
    assert await token.functions.balanceOf(sender.address).call() == INITIAL_SUPPLY - sum(values)
    assert await token.functions.allowance(sender.address, disperse.address).call() == 0


async def test_demo_token_metadata(anvil_w3: AsyncWeb3, anvil: AnvilNode) -> None:
    deployer = Account.from_key(anvil.private_keys[0])
    token = await deploy_token(anvil_w3, deployer)
    assert await token.functions.name().call() == "Demo"
    assert await token.functions.symbol().call() == "DEMO"
    assert await token.functions.decimals().call() == TOKEN_DECIMALS
    assert await token.functions.totalSupply().call() == INITIAL_SUPPLY
    assert await token.functions.balanceOf(deployer.address).call() == INITIAL_SUPPLY


async def test_anvil_accounts_match_derived_keys(anvil_w3: AsyncWeb3, anvil: AnvilNode) -> None:
    assert await anvil_w3.eth.chain_id == anvil.chain_id == 31337
    derived = [Account.from_key(key).address for key in anvil.private_keys]
    assert await anvil_w3.eth.accounts == derived


async def test_disperse_token_on_anvil(anvil_w3: AsyncWeb3, anvil: AnvilNode) -> None:
    await check_disperse_token(anvil_w3, Account.from_key(anvil.private_keys[0]))


async def test_disperse_token_rejects_mismatched_lengths(
    anvil_w3: AsyncWeb3, anvil: AnvilNode
) -> None:
    sender = Account.from_key(anvil.private_keys[0])
    token = await deploy_token(anvil_w3, sender)
    disperse = await deploy(anvil_w3, sender, "Disperse")
    await transact(anvil_w3, sender, token.functions.approve(disperse.address, 10**30))
    recipients = [Account.create().address for _ in range(2)]
    call = disperse.functions.disperseToken(token.address, recipients, [1])

    with pytest.raises(ContractCustomError) as raised:
        await call.call({"from": sender.address})
    assert raised.value.data == LENGTH_MISMATCH

    # Mined with an explicit gas limit (no estimate), the transaction fails on chain too.
    tx = await call.build_transaction(await tx_params(anvil_w3, sender, gas=200_000))
    receipt = await send_signed(anvil_w3, sender, dict(tx))
    assert receipt["status"] == 0
    assert await token.functions.balanceOf(sender.address).call() == INITIAL_SUPPLY


async def test_disperse_ether_refunds_remainder(anvil_w3: AsyncWeb3, anvil: AnvilNode) -> None:
    sender = Account.from_key(anvil.private_keys[1])
    disperse = await deploy(anvil_w3, sender, "Disperse")
    recipients = [Account.create().address for _ in range(2)]
    values = [10**15, 3 * 10**15]
    before = await anvil_w3.eth.get_balance(sender.address)

    receipt = await transact(
        anvil_w3, sender, disperse.functions.disperseEther(recipients, values), value=10**18
    )

    for recipient, value in zip(recipients, values, strict=True):
        assert await anvil_w3.eth.get_balance(recipient) == value
    fee = receipt["gasUsed"] * receipt["effectiveGasPrice"]
    assert await anvil_w3.eth.get_balance(sender.address) == before - sum(values) - fee
    assert await anvil_w3.eth.get_balance(disperse.address) == 0


async def test_disperse_token_on_embedded_chain(tester_w3: AsyncWeb3) -> None:
    await check_disperse_token(tester_w3, await funded_tester_account(tester_w3))


async def test_smart_wallet_1271(tester_w3: AsyncWeb3) -> None:
    deployer = await funded_tester_account(tester_w3)
    owner: LocalAccount = Account.create()
    stranger: LocalAccount = Account.create()
    wallet = await deploy(tester_w3, deployer, "SmartWallet1271", owner.address)
    digest = AsyncWeb3.keccak(text="microtasks payout address proof")

    def is_valid(signature: bytes) -> Any:
        return wallet.functions.isValidSignature(digest, signature).call()

    owner_sig = owner.unsafe_sign_hash(digest)
    assert await is_valid(owner_sig.signature) == EIP1271_MAGIC
    assert await is_valid(stranger.unsafe_sign_hash(digest).signature) == EIP1271_INVALID
    assert await is_valid(owner_sig.signature[:64]) == EIP1271_INVALID

    # The malleable twin (s -> n - s, v flipped) recovers the owner but must still be rejected.
    high_s = SECP256K1_ORDER - owner_sig.s
    flipped_v = 55 - owner_sig.v
    twin = owner_sig.r.to_bytes(32, "big") + high_s.to_bytes(32, "big") + bytes([flipped_v])
    assert await is_valid(twin) == EIP1271_INVALID


def test_load_artifact_reads_committed_json() -> None:
    for name in ("DemoToken", "Disperse", "SmartWallet1271"):
        artifact = load_artifact(name)
        assert artifact.name == name
        assert artifact.bytecode.startswith("0x") and len(artifact.bytecode) > 2
        assert any(item.get("type") == "function" for item in artifact.abi)


def test_load_artifact_names_the_missing_file() -> None:
    with pytest.raises(ArtifactNotFoundError, match=r"NoSuchContract\.json"):
        load_artifact("NoSuchContract")
    with pytest.raises(ArtifactError, match="invalid contract name"):
        load_artifact("../DemoToken")


def test_build_reproduces_committed_artifacts(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None or not (REPO_ROOT / "node_modules" / "solc").is_dir():
        pytest.skip("node or node_modules/solc is missing; run `npm ci` to check the artifacts")
    out_dir = tmp_path / "artifacts"
    subprocess.run(
        [node, str(BUILD_SCRIPT), "--out", str(out_dir)],
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
        timeout=300,
    )
    committed = sorted(path.name for path in ARTIFACTS_DIR.glob("*.json"))
    rebuilt = sorted(path.name for path in out_dir.glob("*.json"))
    assert rebuilt == committed
    _, mismatched, errors = filecmp.cmpfiles(ARTIFACTS_DIR, out_dir, committed, shallow=False)
    assert not mismatched and not errors, f"stale artifacts, rebuild them: {mismatched + errors}"
