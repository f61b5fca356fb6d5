"""`microtasks chain deploy-token` on anvil: the operator gets an ERC-20, held by the treasury,
whose address then works as TOKEN_ADDRESS for payouts."""

from __future__ import annotations

from pathlib import Path

from web3 import AsyncWeb3

from tests.payouts.commands import microtasks
from tests.payouts.conftest import TokenOnAnvil, token_balance


async def test_the_treasury_deploys_a_reward_token_and_gets_its_address(
    db_path: Path, demo_token: TokenOnAnvil, anvil_w3: AsyncWeb3
) -> None:
    environment = demo_token.environment(db_path)
    del environment["TOKEN_ADDRESS"]

    code, output = microtasks(
        "chain",
        "deploy-token",
        "--name",
        "Label Points",
        "--symbol",
        "LBL",
        "--supply",
        "1000",
        **environment,
    )

    assert code == 0, output
    [line] = [line for line in output.splitlines() if line.startswith("TOKEN_ADDRESS=")]
    address = line.removeprefix("TOKEN_ADDRESS=")
    assert await token_balance(anvil_w3, address, demo_token.treasury) == 1000 * 10**18
    assert demo_token.treasury_key.removeprefix("0x") not in output

    assert microtasks("db", "upgrade", **environment)[0] == 0
    code, output = microtasks("payouts", "plan", **{**environment, "TOKEN_ADDRESS": address})
    assert code == 0, output
    assert "LBL" in output


def test_a_supply_that_is_not_a_number_is_one_line_and_status_2(
    db_path: Path, demo_token: TokenOnAnvil
) -> None:
    code, output = microtasks(
        "chain",
        "deploy-token",
        "--name",
        "X",
        "--symbol",
        "X",
        "--supply",
        "lots",
        **demo_token.environment(db_path),
    )
    assert code == 2
    assert output.strip().startswith("microtasks: --supply: 'lots' is not a number")
    assert len(output.strip().splitlines()) == 1
