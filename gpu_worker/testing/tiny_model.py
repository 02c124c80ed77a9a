"""Write a tiny random-weight Qwen3-TTS checkpoint that loads through the real code path.

    python -m gpu_worker.testing.tiny_model DIR [--kind base|custom_voice]

The checkpoint is about a megabyte: the real architecture with toy sizes, a small byte-level
BPE tokenizer, the codec under ``speech_tokenizer/`` and a ``generation_config.json``. It loads
with ``Qwen3TTSModel.from_pretrained`` like a downloaded model and speaks noise. Tests, the
benchmark's CPU mode and ``make run`` use it, so nothing is ever downloaded.

``custom_voice`` checkpoints carry the nine preset speakers of the released CustomVoice models
and both carry the released languages, so requests are validated against real names.

The codebook is deliberately small (16 codes): random weights pick codec EOS with a
probability of about 1/17 per frame, so segments end after a second or two and almost never
run into the frame cap, which keeps tests fast and the cap guard meaningful.
"""

import argparse
import json
from pathlib import Path

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import EncodecFeatureExtractor, Qwen2TokenizerFast

from gpu_worker.qwen import (
    Qwen3TTSConfig,
    Qwen3TTSForConditionalGeneration,
    Qwen3TTSProcessor,
    Qwen3TTSTokenizerV2Config,
    Qwen3TTSTokenizerV2Model,
)

KINDS = ("base", "custom_voice")
# Marks the checkpoint in its config.json, so the worker's health can say it speaks noise.
RANDOM_WEIGHTS_FLAG = "random_weights"

CODEBOOK_SIZE = 16
CODE_GROUPS = 4
HIDDEN = 32
HEAD_DIM = 16
TALKER_WEIGHT_SCALE = 0.1

LANGUAGES = (
    "chinese",
    "english",
    "german",
    "italian",
    "portuguese",
    "spanish",
    "japanese",
    "korean",
    "french",
    "russian",
)
SPEAKERS = ("vivian", "serena", "uncle_fu", "dylan", "eric", "ryan", "aiden", "ono_anna", "sohee")
DIALECTS = {"dylan": "beijing_dialect", "eric": "sichuan_dialect"}

SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|tts_pad|>", "<|tts_text_bos|>", "<|tts_text_eod|>"]
TRAINING_TEXT = ["assistant\n"] * 200 + [
    "Hello world. This is a tiny test of a chapter read aloud.\n",
    "The quick brown fox jumps over the lazy dog, again and again.\n",
] * 20


def build_text_tokenizer() -> Qwen2TokenizerFast:
    tokenizer = Tokenizer(models.BPE())
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=SPECIAL_TOKENS,
        show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tokenizer.train_from_iterator(TRAINING_TEXT, trainer)
    hf_tokenizer = Qwen2TokenizerFast(
        tokenizer_object=tokenizer,
        bos_token=None,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        unk_token=None,
        additional_special_tokens=SPECIAL_TOKENS[1:],
    )
    # qwen-tts slices the chat template by position: the prefix must be 3 tokens, the suffix 5.
    assert len(hf_tokenizer("<|im_start|>assistant\n")["input_ids"]) == 3
    assert len(hf_tokenizer("<|im_end|>\n<|im_start|>assistant\n")["input_ids"]) == 5
    return hf_tokenizer


def talker_config(kind: str, text_vocab_size: int) -> dict:
    # Every codec special, language and speaker id sits in [CODEBOOK_SIZE, vocab_size): qwen-tts
    # suppresses the top 1024 ids during sampling except EOS, so codes stay below CODEBOOK_SIZE.
    c = CODEBOOK_SIZE
    languages = {name: c + 2 + i for i, name in enumerate(LANGUAGES)}
    speakers, dialect_flags = {}, {}
    if kind == "custom_voice":
        languages.update(beijing_dialect=c + 20, sichuan_dialect=c + 21)
        speakers = {name: c + 500 + i for i, name in enumerate(SPEAKERS)}
        dialect_flags = {name: DIALECTS.get(name, False) for name in SPEAKERS}
    return dict(
        code_predictor_config=dict(
            vocab_size=c,
            hidden_size=HIDDEN,
            intermediate_size=64,
            num_hidden_layers=1,
            num_attention_heads=2,
            num_key_value_heads=1,
            head_dim=HEAD_DIM,
            max_position_embeddings=256,
            num_code_groups=CODE_GROUPS,
            pad_token_id=None,
        ),
        vocab_size=c + 1024,
        hidden_size=HIDDEN,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        head_dim=HEAD_DIM,
        max_position_embeddings=8192,
        rope_theta=1000000,
        rope_scaling={"rope_type": "default", "mrope_section": [4, 2, 2], "interleaved": True},
        num_code_groups=CODE_GROUPS,
        text_hidden_size=32,
        text_vocab_size=text_vocab_size,
        codec_pad_id=c + 100,
        codec_bos_id=c + 101,
        codec_eos_token_id=c + 102,
        codec_think_id=c + 106,
        codec_nothink_id=c + 107,
        codec_think_bos_id=c + 108,
        codec_think_eos_id=c + 109,
        codec_language_id=languages,
        spk_id=speakers,
        spk_is_dialect=dialect_flags,
    )


def build_speech_tokenizer() -> Qwen3TTSTokenizerV2Model:
    config = Qwen3TTSTokenizerV2Config(
        encoder_config=dict(
            hidden_size=32,
            num_filters=4,
            num_residual_layers=1,
            upsampling_ratios=[8, 6, 5, 4],
            codebook_size=CODEBOOK_SIZE,
            codebook_dim=16,
            vector_quantization_hidden_dimension=16,
            num_quantizers=CODE_GROUPS,
            num_semantic_quantizers=1,
            upsample_groups=32,
            num_hidden_layers=1,
            intermediate_size=64,
            num_attention_heads=2,
            num_key_value_heads=2,
            head_dim=16,
            sliding_window=250,
        ),
        decoder_config=dict(
            codebook_size=CODEBOOK_SIZE,
            codebook_dim=16,
            latent_dim=32,
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=1,
            num_attention_heads=2,
            num_key_value_heads=2,
            head_dim=16,
            num_quantizers=CODE_GROUPS,
            upsample_rates=[8, 5, 4, 3],
            upsampling_ratios=[2, 2],
            decoder_dim=32,
            sliding_window=72,
        ),
        encoder_valid_num_quantizers=CODE_GROUPS,
        input_sample_rate=24000,
        output_sample_rate=24000,
        decode_upsample_rate=1920,
        encode_downsample_rate=1920,
        architectures=["Qwen3TTSTokenizerV2Model"],
    )
    model = Qwen3TTSTokenizerV2Model(config).eval()
    decoder = model.decoder
    with torch.no_grad():
        # As initialised, the decoder's codebooks are zero and its small-std weights shrink the
        # signal tenfold per layer: it would decode to silence (about 1e-9). Random codebooks,
        # variance-preserving weights and a quiet last layer make it decode to audible noise.
        for name, parameter in decoder.named_parameters():
            if name.endswith("embedding_sum"):
                parameter.normal_(0, 1.0)
        for module in decoder.modules():
            if isinstance(module, (torch.nn.Conv1d, torch.nn.ConvTranspose1d, torch.nn.Linear)):
                torch.nn.init.kaiming_normal_(module.weight, nonlinearity="linear")
        decoder.decoder[-1].conv.weight.mul_(0.01)
    return model


def write_tiny_checkpoint(directory: Path, kind: str = "base") -> Path:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    directory = Path(directory)
    torch.manual_seed(0)
    text_tokenizer = build_text_tokenizer()
    ids = {token: text_tokenizer.convert_tokens_to_ids(token) for token in SPECIAL_TOKENS}
    config = Qwen3TTSConfig(
        talker_config=talker_config(kind, len(text_tokenizer)),
        speaker_encoder_config=dict(
            mel_dim=128,
            enc_dim=HIDDEN,
            enc_channels=[16, 16, 16, 16, 48],
            enc_kernel_sizes=[5, 3, 3, 3, 1],
            enc_dilations=[1, 2, 3, 4, 1],
            enc_attention_channels=8,
            enc_res2net_scale=4,
            enc_se_channels=8,
            sample_rate=24000,
        ),
        tokenizer_type="qwen3_tts_tokenizer_12hz",
        tts_model_size="0b6",
        tts_model_type=kind,
        im_start_token_id=ids["<|im_start|>"],
        im_end_token_id=ids["<|im_end|>"],
        tts_pad_token_id=ids["<|tts_pad|>"],
        tts_bos_token_id=ids["<|tts_text_bos|>"],
        tts_eos_token_id=ids["<|tts_text_eod|>"],
        architectures=["Qwen3TTSForConditionalGeneration"],
    )
    model = Qwen3TTSForConditionalGeneration(config).eval()
    with torch.no_grad():
        # At the default scale (0.02) the talker's logits are nearly uniform and the same seed
        # samples the same codes whatever the speaker or prompt; at 0.1 the voice shows in the audio,
        # and segments still end after a second or two.
        for module in model.talker.modules():
            if isinstance(module, (torch.nn.Linear, torch.nn.Embedding)):
                module.weight.normal_(0, TALKER_WEIGHT_SCALE)
    model.save_pretrained(directory)

    # save_pretrained writes speaker_encoder_config.model_type, which that config's __init__
    # does not accept on reload.
    config_path = directory / "config.json"
    saved = json.loads(config_path.read_text())
    saved["speaker_encoder_config"].pop("model_type", None)
    saved[RANDOM_WEIGHTS_FLAG] = True
    config_path.write_text(json.dumps(saved, indent=2))

    Qwen3TTSProcessor(tokenizer=text_tokenizer).save_pretrained(directory)
    generation = dict(
        do_sample=True,
        top_k=50,
        top_p=1.0,
        temperature=0.9,
        repetition_penalty=1.05,
        subtalker_dosample=True,
        subtalker_top_k=50,
        subtalker_top_p=1.0,
        subtalker_temperature=0.9,
        max_new_tokens=8192,
    )
    (directory / "generation_config.json").write_text(json.dumps(generation, indent=2))

    speech_dir = directory / "speech_tokenizer"
    build_speech_tokenizer().save_pretrained(speech_dir)
    EncodecFeatureExtractor(feature_size=1, sampling_rate=24000, padding_value=0.0).save_pretrained(speech_dir)
    return directory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--kind", choices=KINDS, default="base")
    args = parser.parse_args()
    write_tiny_checkpoint(args.directory, args.kind)
    print(f"wrote a tiny random-weight {args.kind} checkpoint to {args.directory}")


if __name__ == "__main__":
    main()
