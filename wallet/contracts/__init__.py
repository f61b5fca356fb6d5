"""Compiled Solidity contracts used for payouts, loaded from the committed JSON artifacts.

The artifacts are produced by ``node scripts/build_contracts.mjs`` and live in the
``artifacts`` folder next to this module.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

__all__ = [
    "ArtifactError",
    "ArtifactNotFoundError",
    "ContractArtifact",
    "artifact_path",
    "load_artifact",
]

_NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_HEX_PATTERN = re.compile(r"^0x(?:[0-9a-fA-F]{2})+$")


class ArtifactError(Exception):
    """A contract artifact is missing or malformed."""


class ArtifactNotFoundError(ArtifactError, FileNotFoundError):
    """No artifact file exists for the requested contract."""


@dataclass(frozen=True, slots=True)
class ContractArtifact:
    """What is needed to deploy and call one compiled contract."""

    name: str
    abi: list[dict[str, Any]]
    bytecode: str


def artifact_path(name: str) -> Traversable:
    """Location of the JSON artifact for contract ``name``."""
    if not _NAME_PATTERN.fullmatch(name):
        raise ArtifactError(f"invalid contract name {name!r}")
    return files(__name__) / "artifacts" / f"{name}.json"


def load_artifact(name: str) -> ContractArtifact:
    """Load the compiled ABI and creation bytecode of contract ``name``."""
    path = artifact_path(name)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ArtifactNotFoundError(
            f"contract artifact {path} not found; run `node scripts/build_contracts.mjs`"
        ) from None
    return _parse_artifact(name, text, str(path))


def _parse_artifact(name: str, text: str, where: str) -> ContractArtifact:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ArtifactError(f"contract artifact {where} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ArtifactError(f"contract artifact {where} must hold a JSON object")
    abi = data.get("abi")
    bytecode = data.get("bytecode")
    if data.get("contractName") != name:
        raise ArtifactError(f"contract artifact {where} is not for contract {name}")
    if not isinstance(abi, list) or not all(isinstance(item, dict) for item in abi):
        raise ArtifactError(f"contract artifact {where} has no valid 'abi' list")
    if not isinstance(bytecode, str) or not _HEX_PATTERN.fullmatch(bytecode):
        raise ArtifactError(f"contract artifact {where} has no valid hex 'bytecode'")
    return ContractArtifact(name=name, abi=abi, bytecode=bytecode)
