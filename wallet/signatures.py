"""What members paste: wallet addresses and signatures, read leniently and checked strictly.

Imported by the conversation core on every start, so it imports eth_utils only when it is used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tasks.problems import InputError, problem

EOA_SIGNATURE_BYTES = 65  # r, s, v
MAX_SIGNATURE_BYTES = 8192  # contract wallets may send several signatures; this is plenty
ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
HEX = re.compile(r"(?:0x)?([0-9a-fA-F]*)")
QUOTES = "\"'`«»“”‘’"
# Text that looks like a pasted signature: 0x and hex, perhaps after an address, perhaps wrapped.
SIGNATURE_LIKE = re.compile(r"(?:0x[0-9a-fA-F]{40}\s+)?0x[0-9a-fA-F\s]{20,}")
ZERO_ADDRESS = "0x" + "0" * 40


@dataclass(frozen=True)
class Pasted:
    signature: bytes
    address: str | None  # checksummed, when the member sent `address signature`


def _unquoted(text: str) -> str:
    return text.strip().strip(QUOTES).strip()


def looks_like_signature(text: str) -> bool:
    """Whether typed text is meant as a signature (so it is not a text-task answer)."""
    return SIGNATURE_LIKE.fullmatch(_unquoted(text)) is not None


def parse_address(text: str) -> str:
    """The checksummed address in `text`; InputError when it is not one."""
    from eth_utils import is_checksum_address, to_checksum_address  # 0.2 s: only when used

    given = _unquoted(text)
    shown = given if len(given) <= 50 else given[:47] + "..."
    if not ADDRESS.fullmatch(given) or given.lower() == ZERO_ADDRESS:
        raise InputError(
            problem(
                "wallet.bad_address",
                "{given} is not a wallet address. An address is 0x followed by 40 hex digits; "
                "copy it from your wallet.",
                given=shown or "''",
            )
        )
    digits = given[2:]
    mixed_case = digits != digits.lower() and digits != digits.upper()
    if mixed_case and not is_checksum_address(given):
        raise InputError(
            problem(
                "wallet.bad_checksum",
                "The address {given} has a typo: its capital letters do not match its EIP-55 "
                "checksum. Copy it again from your wallet.",
                given=given,
            )
        )
    return to_checksum_address(given)


def parse_pasted(text: str) -> Pasted:
    """A signature pasted as 0x-hex, optionally after the wallet address; whitespace tolerated."""
    words = _unquoted(text).split()
    address = None
    if len(words) >= 2 and ADDRESS.fullmatch(words[0].strip(QUOTES)):
        address = parse_address(words[0])
        words = words[1:]
    hex_text = "".join(word.strip(QUOTES) for word in words)
    match = HEX.fullmatch(hex_text)
    if match is None or not match[1] or len(match[1]) % 2:
        raise InputError(
            problem(
                "wallet.bad_signature",
                "That is not a signature. Paste the signature your wallet made: 0x followed by "
                "130 hex digits.",
            )
        )
    signature = bytes.fromhex(match[1])
    if not EOA_SIGNATURE_BYTES <= len(signature) <= MAX_SIGNATURE_BYTES:
        raise InputError(
            problem(
                "wallet.signature_length",
                "That signature has {digits} hex digits; a wallet signature has 130 (contract "
                "wallets: 130 or more). Copy the whole signature and paste it again.",
                digits=len(match[1]),
            )
        )
    return Pasted(signature, address)
