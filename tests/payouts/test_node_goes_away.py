"""The node goes away in the middle of `microtasks payouts run`: always exit status 3 and "the
node could not be reached", never 2 (bad settings) and never "refused" (the node's own answer).

The run talks to anvil through a small loopback relay that, at a chosen moment, drops the
connection and stops listening, as a node that crashed or a network that went down would.
"""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from storage import payouts as store
from storage.database import Database
from tests.payouts.conftest import TokenOnAnvil, crowd, tokens
from tests.payouts.test_crash_recovery import payout_process


def calls(relay: Relay, body: bytes) -> bool:
    return b'"' + relay.method + b'"' in body


class Relay:
    """Forwards JSON-RPC to a node until the `vanish_at`-th call of `method`; that request and
    every later one meet a dropped connection, then a closed port."""

    def __init__(
        self,
        upstream: str,
        method: str,
        vanish_at: int,
        forward_that_one: bool,
        refusal: str | None = None,
    ) -> None:
        self.refusal = refusal  # instead of vanishing, the node answers with this error
        self.upstream = upstream
        self.method = method.encode()
        self.vanish_at = vanish_at
        self.forward_that_one = forward_that_one
        self.sends = 0
        self.gone = False
        relay = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if relay.gone:
                    return relay.vanish(self)
                if calls(relay, body):
                    relay.sends += 1
                    if relay.sends == relay.vanish_at and relay.refusal is not None:
                        return relay.refuse(self, body)
                    if relay.sends == relay.vanish_at:
                        if relay.forward_that_one:
                            relay.forward(body)  # the node has it; nobody hears back
                        return relay.vanish(self)
                answer = relay.forward(body)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def forward(self, body: bytes) -> bytes:
        request = urllib.request.Request(self.upstream, body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return bytes(response.read())

    def refuse(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        """Answer as a node that refuses the call, with a JSON-RPC error."""
        error = {"code": -32000, "message": self.refusal}
        answer = json.dumps({"jsonrpc": "2.0", "id": json.loads(body)["id"], "error": error})
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(answer)))
        handler.end_headers()
        handler.wfile.write(answer.encode())

    def vanish(self, handler: BaseHTTPRequestHandler) -> None:
        """Drop this connection without an answer, and stop listening."""
        handler.close_connection = True
        if not self.gone:
            self.gone = True
            threading.Thread(target=self.stop_listening, daemon=True).start()

    def stop_listening(self) -> None:
        self.server.shutdown()
        self.server.socket.close()  # later connections are refused, not left waiting

    def close(self) -> None:
        if not self.gone:
            self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def relay_factory() -> Iterator[list[Relay]]:
    relays: list[Relay] = []
    yield relays
    for relay in relays:
        relay.close()


@pytest.mark.parametrize(
    ("method", "vanish_at", "forward_that_one"),
    [
        ("eth_sendRawTransaction", 1, False),  # gone while the first transaction is being sent
        ("eth_sendRawTransaction", 3, True),  # the third one reached the node, then it went away
        ("eth_getTransactionReceipt", 1, False),  # gone while the run waits for a receipt
        ("eth_estimateGas", 2, False),  # gone while a batch is being priced
        ("eth_chainId", 1, False),  # gone before the run starts
    ],
)
async def test_a_node_that_goes_away_mid_run_is_reported_unreachable_with_status_3(
    method: str,
    vanish_at: int,
    forward_that_one: bool,
    db: Database,
    db_path: Path,
    demo_token: TokenOnAnvil,
    relay_factory: list[Relay],
) -> None:
    await crowd(db, demo_token.node.chain_id, [tokens("2"), tokens("3"), tokens("4")])
    relay = Relay(demo_token.node.rpc_url, method, vanish_at, forward_that_one)
    relay_factory.append(relay)
    relay.thread.start()
    environment = {**demo_token.environment(db_path), "CHAIN_RPC_URL": relay.url}

    code, output = await payout_process(environment, None)

    assert code == 3, output
    assert "the node could not be reached" in output
    assert "refused" not in output
    assert "Traceback" not in output
    signed = await store.txs_of(db, f"eip155:{demo_token.node.chain_id}")
    if method == "eth_sendRawTransaction":
        assert len(signed) >= vanish_at  # what was signed is kept for the next run


async def test_a_node_that_refuses_a_transaction_says_refused_and_is_no_bad_setting(
    db: Database, db_path: Path, demo_token: TokenOnAnvil, relay_factory: list[Relay]
) -> None:
    await crowd(db, demo_token.node.chain_id, [tokens("2"), tokens("3")])
    relay = Relay(
        demo_token.node.rpc_url, "eth_sendRawTransaction", 1, False, refusal="rejected by policy"
    )
    relay_factory.append(relay)
    relay.thread.start()
    environment = {**demo_token.environment(db_path), "CHAIN_RPC_URL": relay.url}

    code, output = await payout_process(environment, None)

    assert code == 1, output
    assert "the node refused transaction" in output and "rejected by policy" in output
    assert "could not be reached" not in output
    assert "Traceback" not in output
