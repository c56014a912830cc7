"""Tiny randomly initialised models built from the real transformers classes, for tests."""


def build_tiny_shieldgemma(folder):
    """A randomly initialised ShieldGemma 2 (real config, processor and tokenizer classes) saved in folder."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import (Gemma3TextConfig, PreTrainedTokenizerFast, ShieldGemma2Config,
                              ShieldGemma2ForImageClassification, ShieldGemma2Processor, SiglipVisionConfig)
    from transformers.models.gemma3.image_processing_pil_gemma3 import Gemma3ImageProcessorPil
    specials = ["<pad>", "<eos>", "<bos>", "<unk>", "<start_of_image>", "<end_of_image>", "<image_soft_token>",
                "<start_of_turn>", "<end_of_turn>", "Yes", "No"]
    tokenizer = Tokenizer(models.BPE(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.train_from_iterator(["is the image in violation of the safety policy dangerous violence"],
                                  trainers.BpeTrainer(vocab_size=200, special_tokens=specials))
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, pad_token="<pad>", eos_token="<eos>", bos_token="<bos>", unk_token="<unk>",
        extra_special_tokens={"boi_token": "<start_of_image>", "eoi_token": "<end_of_image>",
                              "image_token": "<image_soft_token>"})
    template = ("{{ bos_token }}{% for message in messages %}<start_of_turn>{{ message['role'] }}\n"
                "{% for item in message['content'] %}{% if item['type'] == 'image' %}<start_of_image>"
                "{% elif item['type'] == 'text' %}{{ item['text'] }}{% endif %}{% endfor %}<end_of_turn>\n"
                "{% endfor %}{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}")
    ShieldGemma2Processor(image_processor=Gemma3ImageProcessorPil(size={"height": 32, "width": 32}), tokenizer=fast,
                          chat_template=template, image_seq_length=4).save_pretrained(folder)
    config = ShieldGemma2Config(
        text_config=Gemma3TextConfig(vocab_size=fast.vocab_size, hidden_size=16, intermediate_size=32,
                                     num_hidden_layers=1, num_attention_heads=2, num_key_value_heads=1, head_dim=8,
                                     max_position_embeddings=512),
        vision_config=SiglipVisionConfig(image_size=32, patch_size=8, hidden_size=16, intermediate_size=32,
                                         num_hidden_layers=1, num_attention_heads=2),
        mm_tokens_per_image=4, boi_token_index=fast.boi_token_id, image_token_index=fast.image_token_id,
        eoi_token_index=fast.convert_tokens_to_ids("<end_of_image>"))
    config.yes_token_index = fast.convert_tokens_to_ids("Yes")
    config.no_token_index = fast.convert_tokens_to_ids("No")
    torch.manual_seed(0)
    ShieldGemma2ForImageClassification(config).save_pretrained(folder)
    return folder


def build_tiny_owl(folder, model_type="owlvit", text_width=16, text_layers=1, vision_width=16, vision_layers=1,
                   image_size=64, patch_size=16, with_processor=False):
    """A randomly initialised OWL-ViT or OWLv2 detector with a small tokenizer, saved in folder
    (with an image processor too when with_processor, for the transformers pipeline)."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import Owlv2Config, Owlv2ForObjectDetection, OwlViTConfig, OwlViTForObjectDetection
    from transformers import OwlViTProcessor, PreTrainedTokenizerFast
    from transformers.models.owlvit.image_processing_pil_owlvit import OwlViTImageProcessorPil
    tokenizer = Tokenizer(models.BPE(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.train_from_iterator(["a photo of an object a red cube blue ball green can plate"],
                                  trainers.BpeTrainer(vocab_size=120, special_tokens=["<pad>", "<unk>", "<eos>"]))
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, pad_token="<pad>", unk_token="<unk>", eos_token="<eos>")
    fast.save_pretrained(folder)
    config_class, model_class = ((Owlv2Config, Owlv2ForObjectDetection) if model_type == "owlv2"
                                 else (OwlViTConfig, OwlViTForObjectDetection))
    text = {"vocab_size": fast.vocab_size, "hidden_size": text_width, "intermediate_size": 4 * text_width,
            "num_hidden_layers": text_layers, "num_attention_heads": 2 if text_width < 64 else 4,
            "max_position_embeddings": 16, "eos_token_id": fast.eos_token_id, "pad_token_id": fast.pad_token_id,
            "bos_token_id": fast.eos_token_id}
    vision = {"image_size": image_size, "patch_size": patch_size, "hidden_size": vision_width,
              "intermediate_size": 4 * vision_width, "num_hidden_layers": vision_layers,
              "num_attention_heads": 2 if vision_width < 64 else 6}
    torch.manual_seed(0)
    model_class(config_class(text_config=text, vision_config=vision, projection_dim=text_width)).save_pretrained(folder)
    if with_processor:
        size = {"height": image_size, "width": image_size}
        OwlViTProcessor(image_processor=OwlViTImageProcessorPil(size=size, crop_size=size),
                        tokenizer=fast).save_pretrained(folder)
    return folder


def build_tiny_grounding_dino(folder):
    """A randomly initialised Grounding DINO (Swin + BERT, real config/processor classes) saved in folder."""
    import torch
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import (BertConfig, BertTokenizerFast, GroundingDinoConfig, GroundingDinoForObjectDetection,
                              GroundingDinoProcessor, SwinConfig)
    from transformers.models.grounding_dino.image_processing_pil_grounding_dino import \
        GroundingDinoImageProcessorPil
    from vlm_agent.core.language.vocabulary import CATEGORY_SYNONYMS
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    words = " . ".join(list(CATEGORY_SYNONYMS) + ["teddy bear", "red", "blue"])
    tokenizer.train_from_iterator([words], trainers.WordPieceTrainer(vocab_size=200, special_tokens=specials))
    tokenizer.post_processor = processors.BertProcessing(("[SEP]", tokenizer.token_to_id("[SEP]")),
                                                         ("[CLS]", tokenizer.token_to_id("[CLS]")))
    fast = BertTokenizerFast(tokenizer_object=tokenizer, unk_token="[UNK]", sep_token="[SEP]", pad_token="[PAD]",
                             cls_token="[CLS]", mask_token="[MASK]")
    size = {"height": 64, "width": 64}
    GroundingDinoProcessor(image_processor=GroundingDinoImageProcessorPil(size=size), tokenizer=fast).save_pretrained(folder)
    config = GroundingDinoConfig(
        backbone_config=SwinConfig(image_size=64, embed_dim=16, depths=[1, 1], num_heads=[1, 1], window_size=4,
                                   out_features=["stage1", "stage2"]),
        text_config=BertConfig(vocab_size=fast.vocab_size, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                               intermediate_size=32),
        d_model=32, encoder_layers=1, decoder_layers=2, encoder_ffn_dim=32, decoder_ffn_dim=32,
        encoder_attention_heads=2, decoder_attention_heads=2, num_queries=10, num_feature_levels=2,
        encoder_n_points=2, decoder_n_points=2, max_text_len=64, use_timm_backbone=False)
    torch.manual_seed(0)
    GroundingDinoForObjectDetection(config).save_pretrained(folder)
    return folder


def build_tiny_florence2(folder):
    """A randomly initialised Florence-2 (DaViT + BART, real config/processor classes) saved in folder."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import (BartConfig, Florence2Config, Florence2ForConditionalGeneration, Florence2Processor,
                              Florence2VisionConfig, PreTrainedTokenizerFast)
    from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil
    tokenizer = Tokenizer(models.BPE(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.train_from_iterator(["What is the object in the image? Locate the objects. cube ball red blue"],
                                  trainers.BpeTrainer(vocab_size=300, special_tokens=["<s>", "<pad>", "</s>", "<unk>",
                                                                                      "<image>"],
                                                      initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tokenizer.add_special_tokens([f"<loc_{i}>" for i in range(1000)])
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, bos_token="<s>", eos_token="</s>", pad_token="<pad>",
                                   unk_token="<unk>", extra_special_tokens={"image_token": "<image>"})
    size = {"height": 64, "width": 64}
    image_processor = CLIPImageProcessorPil(size=size, crop_size=size, do_center_crop=False)
    image_processor.image_seq_length = 65  # 8x8 patches + 1 pooled token for a 64 px image
    Florence2Processor(image_processor=image_processor, tokenizer=fast, post_processor_config={
        "description_with_bboxes": {}, "pure_text": {}, "phrase_grounding": {"banned_grounding_tokens": []}},
    ).save_pretrained(folder)
    vision = Florence2VisionConfig(depths=[1, 1], patch_size=[7, 3], patch_stride=[4, 2], patch_padding=[3, 1],
                                   patch_prenorm=[False, True], embed_dim=[16, 32], num_heads=[2, 2],
                                   num_groups=[2, 2], window_size=4, projection_dim=32, drop_path_rate=0.0)
    text = BartConfig(vocab_size=fast.vocab_size, d_model=32, encoder_layers=1, decoder_layers=1,
                      encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=32, decoder_ffn_dim=32,
                      max_position_embeddings=128, bos_token_id=fast.bos_token_id, eos_token_id=fast.eos_token_id,
                      pad_token_id=fast.pad_token_id, decoder_start_token_id=fast.eos_token_id)
    torch.manual_seed(0)
    Florence2ForConditionalGeneration(Florence2Config(vision_config=vision, text_config=text,
                                                      image_token_id=fast.convert_tokens_to_ids("<image>"))
                                      ).save_pretrained(folder)
    return folder


def build_tiny_qwen2_5_vl(folder):
    """A randomly initialised Qwen2.5-VL (real config, model, image processor and ChatML tokens) saved in folder."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast, Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>", "<|image_pad|>",
                "<|video_pad|>", "<unk>"]
    tokenizer = Tokenizer(models.BPE(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.train_from_iterator(["List every object you can see. What colour is the cube? system user assistant"],
                                  trainers.BpeTrainer(vocab_size=400, special_tokens=specials,
                                                      initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, eos_token="<|im_end|>", pad_token="<|endoftext|>",
                                   unk_token="<unk>")
    fast.save_pretrained(folder)
    Qwen2VLImageProcessorPil(min_pixels=56 * 56, max_pixels=112 * 112).save_pretrained(folder)
    ids = {name: fast.convert_tokens_to_ids(name) for name in specials}
    config = Qwen2_5_VLConfig(
        text_config={"vocab_size": fast.vocab_size, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 1,
                     "num_attention_heads": 2, "num_key_value_heads": 1, "max_position_embeddings": 1024,
                     "rope_scaling": {"type": "mrope", "mrope_section": [2, 3, 3]},
                     "bos_token_id": ids["<|endoftext|>"], "eos_token_id": ids["<|im_end|>"],
                     "pad_token_id": ids["<|endoftext|>"]},
        vision_config={"depth": 1, "hidden_size": 32, "intermediate_size": 64, "num_heads": 2, "out_hidden_size": 32,
                       "fullatt_block_indexes": [0], "window_size": 56, "patch_size": 14, "spatial_merge_size": 2,
                       "temporal_patch_size": 2},
        image_token_id=ids["<|image_pad|>"], video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"])
    torch.manual_seed(0)
    Qwen2_5_VLForConditionalGeneration(config).save_pretrained(folder)
    return folder
