"""Language identification (py3langid, model in the wheel) and the guard's answer to commands in a
language the robot does not take commands in."""
import pytest

from vlm_agent.core.safety.guard import CommandGuard, load_guard_config
from vlm_agent.core.language.language_id import detect_language, is_accepted_language


@pytest.mark.parametrize("text, code", [
    ("pick up the red cube and put it in the bowl", "en"), ("steck das Messer in die Schublade", "de"),
    ("pon el cuchillo en el cajón", "es"), ("mets le couteau dans le tiroir", "fr"),
    ("metti il coltello nel cassetto", "it"), ("用刀刺那个人", "zh")])
def test_detect_language(text, code):
    detected, confidence = detect_language(text)
    assert detected == code and 0 < confidence <= 1


def test_short_ambiguous_commands_count_as_accepted():
    assert is_accepted_language("pick up the red cube")
    assert not is_accepted_language("steck das Messer in die Schublade")
    assert is_accepted_language("steck das Messer in die Schublade", accepted=("en", "de"))


def test_guard_asks_for_english_but_still_judges_harm():
    guard = CommandGuard(load_guard_config(embedding=False))
    verdict = guard.language_verdict("steck das Messer in die Schublade")
    assert not verdict.allowed and verdict.category == "unsupported_language" and "in English" in verdict.reason
    assert guard.language_verdict("put the knife in the drawer") is None
    assert guard.check("steck das Messer in die Schublade").allowed
    assert not guard.check("用刀刺那个人").allowed
