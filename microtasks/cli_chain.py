"""`microtasks chain ...`: set a chain up for payouts (docs/payouts.md)."""

from __future__ import annotations

import asyncio
import sys
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Annotated

import typer

from microtasks.cli_common import EXIT_UNREACHABLE, fail, settings_or_exit
from microtasks.logs import register_secrets

chain_app = typer.Typer(
    help="Set a chain up for payouts: deploy a reward token.", no_args_is_help=True
)


@chain_app.command("deploy-token")
def deploy_token_command(
    name: Annotated[str, typer.Option("--name", help="the token's name, e.g. 'Label Points'")],
    symbol: Annotated[str, typer.Option("--symbol", help="the token's symbol, e.g. LBL")],
    supply: Annotated[
        str, typer.Option("--supply", help="tokens minted to the treasury, e.g. 1000000")
    ],
) -> None:
    """Deploy our ERC-20 on the configured node from the treasury; print TOKEN_ADDRESS."""
    from wallet.chain import ChainError, NodeUnreachable
    from wallet.token_deploy import TOKEN_DECIMALS, deploy_token
    from wallet.treasury import TreasuryError, load_treasury

    settings = settings_or_exit()
    if not settings.chain_rpc_url:
        fail("CHAIN_RPC_URL: required to deploy a token; set the URL of the chain's node")
    if not name.strip() or not symbol.strip():
        fail("--name and --symbol: give the token a name and a symbol")
    try:
        whole = Decimal(supply)
    except InvalidOperation:
        fail(f"--supply: {supply!r} is not a number; give the whole tokens to mint, e.g. 1000000")
    units = whole * 10**TOKEN_DECIMALS
    if not whole.is_finite() or units <= 0 or units != units.to_integral():
        fail("--supply: give a positive number of tokens, at most 18 decimals")
    if units >= 2**256:
        largest = (Decimal(2**256 - 1) / 10**TOKEN_DECIMALS).quantize(Decimal(1), ROUND_DOWN)
        fail(f"--supply: at most {largest:f} tokens fit in the token (uint256)")
    try:
        treasury = load_treasury(
            key=settings.treasury_key.get_secret_value() if settings.treasury_key else None,
            keystore=settings.treasury_keystore,
            password=(
                settings.treasury_keystore_password.get_secret_value()
                if settings.treasury_keystore_password
                else None
            ),
            allow_random=False,
            mask=register_secrets,
        )
        address = asyncio.run(
            deploy_token(
                settings.chain_rpc_url.get_secret_value(),
                settings.chain_id,
                treasury,
                name=name.strip(),
                symbol=symbol.strip(),
                supply=int(units),
            )
        )
    except (ChainError, TreasuryError) as error:
        fail(str(error))
    except NodeUnreachable as error:  # nothing to fix in the settings: try again later
        print(f"microtasks: {error}", file=sys.stderr)
        raise typer.Exit(EXIT_UNREACHABLE) from None
    minted = f"{whole.normalize():f} tokens minted to the treasury {treasury.address}"
    print(f"deployed {symbol.strip()} ({minted})")
    print(f"TOKEN_ADDRESS={address}")
