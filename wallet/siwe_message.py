"""The Sign-In with Ethereum (EIP-4361) message a member signs to link a wallet, and its checks.

Built and parsed with the `siwe` package. Its `verify()` checks the domain, scheme and nonce only
when they are passed, and has no chain-id check and no maximum age for `Issued At`; so
`check_message` checks every field we rely on itself, and `verify_eoa_signature` always passes
scheme, domain, nonce and the time to `verify()`.
"""

from __future__ import annotations

import re
import secrets
import string
import unicodedata
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from types import SimpleNamespace
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from tasks.problems import InputError, problem

if TYPE_CHECKING:
    from siwe import ISO8601Datetime, SiweMessage


def __getattr__(name: str) -> object:
    """siwe's names (`SiweMessage`, ...) read from this module, importing siwe then. Python's
    own questions (`from m import x` asks for `__path__`) are answered without importing it."""
    if name.startswith("__"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        return getattr(_siwe(), name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None


@cache
def _siwe() -> SimpleNamespace:
    """The siwe package, imported on first use: it pulls in web3 and eth-account (about a
    second), which a CLI command or the chat's start-up should not pay for."""
    from eth_keys.exceptions import BadSignature

    with warnings.catch_warnings():
        # siwe's grammar (through abnf) redefines core ABNF rules on import: harmless, but noisy.
        warnings.filterwarnings("ignore", message=r"rule '\w+' redefines '\w+'")
        import siwe
        from siwe.siwe import SchemeMismatch

    return SimpleNamespace(
        BadSignature=BadSignature,
        DomainMismatch=siwe.DomainMismatch,
        ExpiredMessage=siwe.ExpiredMessage,
        InvalidSignature=siwe.InvalidSignature,
        ISO8601Datetime=siwe.ISO8601Datetime,
        NonceMismatch=siwe.NonceMismatch,
        NotYetValidMessage=siwe.NotYetValidMessage,
        SchemeMismatch=SchemeMismatch,
        SiweMessage=siwe.SiweMessage,
        VerificationError=siwe.VerificationError,
    )


NONCE_ALPHABET = string.ascii_letters + string.digits
NONCE_LENGTH = 17  # about 100 bits; EIP-4361 asks for at least 8 alphanumerics
CLOCK_SKEW_SECONDS = 60.0  # how far in the future an Issued At may be
# EIP-4361's statement grammar: RFC 3986 reserved and unreserved characters and spaces.
STATEMENT_UNSAFE = re.compile(r"[^A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;= ]+")


@dataclass(frozen=True)
class SiweRules:
    """What every message we issue says, and what every message we accept must say."""

    domain: str
    uri: str
    chain_id: int
    ttl_seconds: int = 600
    community: str = "microtasks community"

    @property
    def scheme(self) -> str:
        return urlsplit(self.uri).scheme


def new_nonce() -> str:
    return "".join(secrets.choice(NONCE_ALPHABET) for _ in range(NONCE_LENGTH))


def iso_time(unix_seconds: float) -> ISO8601Datetime:
    return _siwe().ISO8601Datetime.from_datetime(datetime.fromtimestamp(unix_seconds, UTC))


def statement_safe(text: str) -> str:
    """`text` reduced to what an EIP-4361 statement may hold (accents dropped, others removed)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(STATEMENT_UNSAFE.sub(" ", ascii_text).split())


def statement_for(community: str, account_label: str) -> str:
    account = statement_safe(account_label) or "a chat account"
    place = statement_safe(community) or "the community"
    return f"Link this wallet to {account} in {place} to receive token payouts."


def build_message(
    rules: SiweRules, *, address: str, nonce: str, account_label: str, issued_at: float
) -> str:
    """The exact text to sign (EIP-191 personal_sign), expiring `rules.ttl_seconds` after issue."""
    message = _siwe().SiweMessage(
        scheme=rules.scheme,
        domain=rules.domain,
        address=address,
        uri=rules.uri,
        version="1",
        chain_id=rules.chain_id,
        issued_at=iso_time(issued_at),
        expiration_time=iso_time(issued_at + rules.ttl_seconds),
        nonce=nonce,
        statement=statement_for(rules.community, account_label),
    )
    text = message.prepare_message()
    _siwe().SiweMessage.from_message(
        text
    )  # what we issue must parse back under the EIP-4361 grammar
    return text


def parse_message(text: str) -> SiweMessage:
    try:
        return _siwe().SiweMessage.from_message(text)
    except ValueError:
        raise InputError(
            problem(
                "wallet.unreadable_message",
                "This is not a Sign-In with Ethereum message I issued. "
                "Send /wallet link with your address for a fresh one.",
            )
        ) from None


def check_message(text: str, rules: SiweRules, *, nonce: str, now: float) -> SiweMessage:
    """Parse `text` and check every field against the rules; raises InputError on the first miss."""
    message = parse_message(text)
    if message.domain != rules.domain or message.scheme != rules.scheme:
        found = f"{message.scheme}://{message.domain}" if message.scheme else message.domain
        raise InputError(
            problem(
                "wallet.wrong_domain",
                "This message was issued for {found}, not for {expected}. "
                "Sign only the message I send you.",
                found=found,
                expected=f"{rules.scheme}://{rules.domain}",
            )
        )
    if message.uri != rules.uri:
        raise InputError(
            problem(
                "wallet.wrong_uri",
                "This message names the URI {found}, not {expected}. "
                "Sign only the message I send you.",
                found=message.uri,
                expected=rules.uri,
            )
        )
    if message.chain_id != rules.chain_id:
        raise InputError(
            problem(
                "wallet.wrong_chain",
                "This message is for chain {found}, but payouts are made on chain {expected}. "
                "Send /wallet link with your address for a fresh message.",
                found=message.chain_id,
                expected=rules.chain_id,
            )
        )
    if message.nonce != nonce:
        raise InputError(
            problem(
                "wallet.wrong_nonce",
                "This message carries another nonce than the one I issued. "
                "Sign the exact message I sent, unchanged.",
            )
        )
    issued = message.issued_at._datetime.timestamp()
    if issued > now + CLOCK_SKEW_SECONDS:
        raise InputError(
            problem(
                "wallet.issued_in_future",
                "This message says it was issued in the future. "
                "Sign the exact message I sent, unchanged.",
            )
        )
    expires = issued + rules.ttl_seconds
    if message.expiration_time is not None:
        expires = min(expires, message.expiration_time._datetime.timestamp())
    if now >= expires:
        raise expired(expires, rules)
    if message.not_before is not None and now < message.not_before._datetime.timestamp():
        raise InputError(
            problem(
                "wallet.not_yet_valid",
                "This message is not valid yet. Sign the exact message I sent, unchanged.",
            )
        )
    return message


def expired(expired_at: float, rules: SiweRules) -> InputError:
    return InputError(
        problem(
            "wallet.expired",
            "This message expired at {time} UTC. Send /wallet link with your address for a fresh "
            "one and sign it within {count} minute.",
            plural="This message expired at {time} UTC. Send /wallet link with your address for a "
            "fresh one and sign it within {count} minutes.",
            time=datetime.fromtimestamp(expired_at, UTC).strftime("%Y-%m-%d %H:%M"),
            count=max(1, rules.ttl_seconds // 60),
        )
    )


def wrong_message() -> InputError:
    return InputError(
        problem(
            "wallet.wrong_message",
            "This is not the message I asked you to sign. "
            "Send /wallet link with your address for a fresh one.",
        )
    )


def verify_eoa_signature(
    message: SiweMessage, signature: bytes, rules: SiweRules, *, nonce: str, now: float
) -> bool:
    """True when `signature` recovers to the message's address (siwe's own `verify()`).

    False when it recovers to anyone else or to nobody; the field checks raise InputError.
    """
    s = _siwe()
    try:
        message.verify(
            "0x" + signature.hex(),
            scheme=rules.scheme,
            domain=rules.domain,
            nonce=nonce,
            timestamp=datetime.fromtimestamp(now, UTC),
        )
    except s.InvalidSignature:
        return False
    except (s.BadSignature, ValueError):
        # siwe 4.4 lets eth_keys' BadSignature through for bytes that recover to no key.
        return False
    except s.ExpiredMessage:
        raise expired(message.expiration_time._datetime.timestamp(), rules) from None
    except (s.DomainMismatch, s.SchemeMismatch, s.NonceMismatch, s.NotYetValidMessage) as error:
        # check_message has already refused these; keep siwe's verdict as a second gate.
        raise wrong_message() from error
    except s.VerificationError:
        return False
    return True
