"""Approvals: signed, single use, within their lifetime, and on the same clock as their approver."""
from vlm_agent.core.safety.signing import ApprovalVerifier, new_nonce, sign

KEY = b"k" * 32
WALL_NOW_NS = 1_796_000_000 * 10**9


def _approval(expiry_ns, payload=b"plan"):
    nonce = new_nonce()
    return payload, sign(KEY, payload), nonce, expiry_ns


def test_a_fresh_approval_is_accepted_once():
    verifier = ApprovalVerifier(KEY)
    approval = _approval(WALL_NOW_NS + 2 * 10**9)
    assert verifier.problem(*approval, now_ns=WALL_NOW_NS) == ""
    assert "replay" in verifier.problem(*approval, now_ns=WALL_NOW_NS)


def test_expired_and_altered_approvals_are_refused():
    verifier = ApprovalVerifier(KEY)
    assert "expired" in verifier.problem(*_approval(WALL_NOW_NS - 1), now_ns=WALL_NOW_NS)
    payload, signature, nonce, expiry = _approval(WALL_NOW_NS + 10**9)
    assert "signature" in verifier.problem(b"other plan", signature, nonce, expiry, now_ns=WALL_NOW_NS)


def test_an_approval_from_a_wall_clock_guard_is_refused_by_a_node_on_sim_time():
    sim_now_ns = 12 * 10**9  # /clock from the simulator starts at 0
    problem = ApprovalVerifier(KEY).problem(*_approval(WALL_NOW_NS + 2 * 10**9), now_ns=sim_now_ns)
    assert "different clocks" in problem
