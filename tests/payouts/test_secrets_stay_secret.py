"""The payout secrets never reach an operator's screen or a log line: not the treasury key, not
the keystore password, not the API key a provider puts in the node's URL. Each run here logs at
DEBUG, the loudest level an operator can choose."""

from __future__ import annotations

import http.server
import json
import threading
from pathlib import Path

import pytest
from eth_account import Account

from microtasks.settings import load_settings
from tests.chain.anvil import free_port
from tests.payouts.commands import cli, members_owed, said
from tests.payouts.conftest import tokens
from wallet.chain import public_url
from wallet.treasury import TreasuryError, load_treasury

API_KEY = "SECRETKEY123"
PASSWORD = "correct horse battery staple"


def test_a_node_url_with_an_api_key_is_never_shown(upgraded_database) -> None:
    port = free_port()  # nobody listens there
    url = f"http://127.0.0.1:{port}/v3/{API_KEY}"

    code, output = cli(
        "payouts",
        "plan",
        CHAIN_RPC_URL=url,
        CHAIN_ID="1",
        TOKEN_ADDRESS="native",
        TREASURY_KEY=Account.create().key.hex(),
        LOG_LEVEL="DEBUG",
    )

    assert code == 3, output  # not a setting to fix: the node could not be reached
    [message] = said(output)
    assert message.startswith(
        "microtasks: payouts stopped: the node could not be reached (CHAIN_RPC_URL: no answer"
        f" from the node at http://127.0.0.1:{port} "
    )
    assert "check the URL and that the node is running" in message
    assert API_KEY not in output
    settings = load_settings(chain_rpc_url=url)
    assert API_KEY not in repr(settings) and url in settings.secrets()  # masked in every log


def test_the_treasury_key_never_reaches_the_output_of_a_run() -> None:
    members_owed([tokens("2"), tokens("1")])
    treasury = Account.create()
    key = treasury.key.hex().removeprefix("0x")

    code, output = cli("payouts", "run", "--yes", TREASURY_KEY=key, LOG_LEVEL="DEBUG")

    assert code == 0, output
    assert "paid 2 of 2 payouts, 3 DEMO" in output
    assert f"treasury {treasury.address}" in output  # it paid with that key
    assert "level=debug" in output and "event=payout.tx_signed" in output
    assert key not in output.lower()


def keystore(folder: Path, private_key: bytes, password: str) -> Path:
    """An encrypted keystore file as wallets export it (a quick KDF: the test's time is short)."""
    path = folder / "treasury.json"
    encrypted = Account.encrypt(private_key, password, kdf="pbkdf2", iterations=2)
    path.write_text(json.dumps(encrypted), encoding="utf-8")
    return path


def test_the_treasury_opens_from_a_keystore_with_its_password(tmp_path: Path) -> None:
    account = Account.create()
    path = keystore(tmp_path, account.key, PASSWORD)
    shown: list[str] = []

    treasury = load_treasury(
        key=None, keystore=path, password=PASSWORD, allow_random=False, mask=shown.extend
    )

    assert treasury.address == account.address
    assert account.key.hex().removeprefix("0x") in shown  # handed to the log masking
    assert account.key.hex() not in repr(treasury)

    with pytest.raises(TreasuryError) as refused:
        load_treasury(key=None, keystore=path, password="wrong", allow_random=False)
    assert "does not open with TREASURY_KEYSTORE_PASSWORD" in str(refused.value)


def test_a_wrong_keystore_password_is_one_clean_line_without_it(tmp_path: Path) -> None:
    members_owed([tokens("2")])
    account = Account.create()
    path = keystore(tmp_path, account.key, PASSWORD)
    wrong = "battery staple horse correct"

    code, output = cli(
        "payouts", "run", "--yes",
        TREASURY_KEYSTORE=str(path), TREASURY_KEYSTORE_PASSWORD=wrong, LOG_LEVEL="DEBUG",
    )  # fmt: skip

    assert code == 2, output
    assert said(output) == [
        f"microtasks: TREASURY_KEYSTORE: {path} does not open with TREASURY_KEYSTORE_PASSWORD; "
        "check the password (and that the file is an Ethereum keystore)"
    ]
    assert wrong not in output and PASSWORD not in output

    code, output = cli(
        "payouts", "plan", TREASURY_KEYSTORE=str(path), TREASURY_KEYSTORE_PASSWORD=PASSWORD
    )
    assert code == 0, output
    assert f"treasury {account.address}" in output
    assert PASSWORD not in output and account.key.hex().removeprefix("0x") not in output


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://mainnet.infura.io/v3/SECRETKEY123", "https://mainnet.infura.io"),
        ("https://user:SECRETKEY123@rpc.example:8443/?key=x", "https://rpc.example:8443"),
        ("http://[::1]:8545/SECRETKEY123", "http://[::1]:8545"),
        ("not a url SECRETKEY123", "the configured URL"),
    ],
)
def test_messages_name_a_node_by_scheme_and_host_only(url: str, shown: str) -> None:
    assert public_url(url) == shown


class RateLimitedNode(http.server.BaseHTTPRequestHandler):
    """A node that names its chain, then refuses everything else with HTTP 429."""

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if body.get("method") == "eth_chainId":
            answer = json.dumps({"jsonrpc": "2.0", "id": body["id"], "result": "0x1"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
            return
        self.send_response(429)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_a_node_failing_mid_way_is_reported_without_the_api_key() -> None:
    node = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RateLimitedNode)
    threading.Thread(target=node.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{node.server_address[1]}/v3/{API_KEY}"
    settings = {
        "CHAIN_RPC_URL": url,
        "CHAIN_ID": "1",
        "TOKEN_ADDRESS": "native",
        "TREASURY_KEY": Account.create().key.hex(),
        "LOG_LEVEL": "DEBUG",
    }
    try:
        members_owed([tokens("2")])
        code, planned = cli("payouts", "plan", **settings)
        jobs, job_run = cli("jobs", "run", "payouts", **settings)
        _, listed = cli("jobs", "list", **settings)
    finally:
        node.shutdown()
        node.server_close()

    assert code != 0 and jobs != 0, (planned, job_run)
    for output in (planned, job_run, listed):
        assert API_KEY not in output, output
    assert "Traceback" not in said(planned)[-1]
