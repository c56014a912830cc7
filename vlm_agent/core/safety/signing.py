"""Signed approvals: the guard signs what it releases, and only signed, unexpired, unused
approvals are acted on. HMAC-SHA256 with a per-deployment key; without SROS2 this is what keeps
a stray publisher from moving the robot.

The key comes from VLM_AGENT_GATE_KEY_FILE, a path given by the caller, or
$XDG_CONFIG_HOME/vlm_agent/gate.key (~/.config/vlm_agent/gate.key), created on first use with
0600 permissions. Every node of one deployment must read the same key (copy the file to each
machine of a multi-machine graph). The key is never printed or logged.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from ..errors import InputError

KEY_FILE_VARIABLE = "VLM_AGENT_GATE_KEY_FILE"
KEY_BYTES = 32


def default_key_path() -> Path:
    config_home = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return config_home / "vlm_agent" / "gate.key"


def key_path(path: str | Path | None = None) -> Path:
    return Path(path or os.environ.get(KEY_FILE_VARIABLE) or default_key_path()).expanduser()


def load_or_create_key(path: str | Path | None = None) -> bytes:
    """The deployment key; created (0600) when the file does not exist yet."""
    path = key_path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another node of the graph created it a moment ago
            pass
        else:
            with os.fdopen(descriptor, "w") as file:
                file.write(secrets.token_hex(KEY_BYTES))
    try:
        key = bytes.fromhex(path.read_text().strip())
    except (OSError, ValueError) as exc:
        raise InputError(f"gate key {path} is unreadable or not hex ({type(exc).__name__})") from exc
    if len(key) < 16:
        raise InputError(f"gate key {path} is shorter than 16 bytes")
    if path.stat().st_mode & 0o077:
        raise InputError(f"gate key {path} is readable by other users; chmod 600 it")
    return key


def new_nonce() -> str:
    return secrets.token_hex(16)


def sign(key: bytes, payload: bytes) -> str:
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


MAX_AHEAD_NS = 3600 * 10**9  # approvals last seconds; an expiry further ahead means clocks that differ


class ApprovalVerifier:
    """Checks signature, expiry and single use of approvals; remembers nonces until they expire."""

    def __init__(self, key: bytes, remember: int = 100000):
        self.key, self.remember = key, remember
        self.used: dict[str, int] = {}  # nonce -> expiry (ns)

    def problem(self, payload: bytes, signature: str, nonce: str, expiry_ns: int, now_ns: int) -> str:
        """'' if the approval may be acted on (and marks it used), else why not."""
        if not signature or not nonce:
            return "it is not signed by the guard"
        if not hmac.compare_digest(sign(self.key, payload), signature):
            return "its signature does not match (forged, altered, or signed with another deployment's key)"
        if expiry_ns == 0 or now_ns > expiry_ns:
            return "its approval has expired"
        if expiry_ns - now_ns > MAX_AHEAD_NS:
            return ("its approval expires more than an hour after this node's now: the approver and this node keep "
                    "different clocks (one on sim time, one on wall time?)")
        if nonce in self.used:
            return "its approval was already used (a replay)"
        self.used[nonce] = expiry_ns
        if len(self.used) > self.remember:
            self.used = {n: e for n, e in self.used.items() if e >= now_ns}
        return ""
