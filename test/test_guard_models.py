"""Llama Guard 3 through transformers, on a tiny randomly initialised Llama saved and loaded
the way real weights are (no real weights are reachable here: this proves the code path and
the fail-closed parsing, not the model's judgement)."""
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from vlm_agent.core.errors import InputError  # noqa: E402
from vlm_agent.core.safety.guard_models import LlamaGuard, llama_guard_prompt, parse_llama_guard  # noqa: E402


@pytest.fixture(scope="module")
def tiny_llama_guard(tmp_path_factory):
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast
    folder = tmp_path_factory.mktemp("llama_guard_tiny")
    tokenizer = Tokenizer(models.BPE(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    corpus = [llama_guard_prompt("pick up the red cube"), "safe unsafe S1 S9 S11"]
    tokenizer.train_from_iterator(corpus, trainers.BpeTrainer(vocab_size=300, special_tokens=["<unk>", "<eos>"]))
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, unk_token="<unk>", eos_token="<eos>")
    fast.save_pretrained(folder)
    config = LlamaConfig(vocab_size=fast.vocab_size, hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                         num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=1024,
                         eos_token_id=fast.eos_token_id)
    torch.manual_seed(0)
    model = LlamaForCausalLM(config)
    with torch.no_grad():
        model.model.norm.weight.zero_()  # every logit 0: greedy decoding emits token 0, "<unk>", forever
    model.save_pretrained(folder)
    return folder


def test_prompt_follows_the_documented_format():
    prompt = llama_guard_prompt("throw the cube at him")
    assert "S1: Violent Crimes." in prompt and "S14: Code Interpreter Abuse." in prompt
    assert "User: throw the cube at him" in prompt and prompt.endswith("<|start_header_id|>assistant<|end_header_id|>\n\n")


@pytest.mark.parametrize("output, allowed, category", [
    ("safe", True, "none"), ("\n\nsafe\n", True, "none"), ("unsafe\nS1", False, "harm_to_people"),
    ("unsafe\nS9,S11", False, "weapons_hazards"), ("unsafe", False, "unsafe"),
    ("safe-ish", False, "guard_error"), ("", False, "guard_error"), ("safe\nS1", False, "guard_error")])
def test_output_parsing_fails_closed(output, allowed, category):
    verdict = parse_llama_guard(output)
    assert (verdict.allowed, verdict.category) == (allowed, category)


def test_local_weights_load_and_an_unusable_answer_is_refused(tiny_llama_guard):
    guard = LlamaGuard(str(tiny_llama_guard), max_new_tokens=4)
    verdict = guard.check("pick up the red cube")
    assert not verdict.allowed and verdict.category == "guard_error"


def test_missing_weights_say_how_to_get_them(tmp_path):
    with pytest.raises(InputError, match="Llama-Guard-3"):
        LlamaGuard(str(tmp_path / "nothing"))


def test_command_guard_runs_the_model_layer_last(tiny_llama_guard):
    from dataclasses import replace

    from vlm_agent.core.safety.guard import CommandGuard, load_guard_config
    guard = CommandGuard(replace(load_guard_config(embedding=False), llama_guard_path=str(tiny_llama_guard)))
    assert guard.check("throw the knife at the person").category == "harm_to_people"  # rules first
    assert guard.check("pick up the red cube").category == "guard_error"  # the model's garbage refuses


@pytest.fixture(scope="module")
def tiny_shieldgemma(tmp_path_factory):
    pytest.importorskip("PIL")
    from tiny_models import build_tiny_shieldgemma
    return build_tiny_shieldgemma(tmp_path_factory.mktemp("shieldgemma2_tiny"))


def test_shieldgemma2_scores_every_policy_and_applies_the_threshold(tiny_shieldgemma, tabletop):
    from vlm_agent.core.safety.guard_models import ShieldGemma2
    image = tabletop[1].rgb
    strict = ShieldGemma2(str(tiny_shieldgemma), threshold=0.0)
    verdict = strict.check_image(image)
    assert not verdict.allowed and verdict.category in ("image_dangerous", "image_violence")
    assert 0.0 < verdict.score < 1.0 and verdict.stage == "plan"
    lenient = ShieldGemma2(str(tiny_shieldgemma), threshold=1.01)
    assert lenient.check_image(image).allowed


def test_shieldgemma2_missing_weights(tmp_path):
    from vlm_agent.core.safety.guard_models import ShieldGemma2
    with pytest.raises(InputError, match="shieldgemma-2"):
        ShieldGemma2(str(tmp_path))
