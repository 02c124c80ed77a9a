"""Write a random-weight Qwen3-TTS checkpoint that loads through the real code path.

    python -m gpu_worker.testing.tiny_model DIR [--kind base|custom_voice] [--size tiny|0.6b|1.7b]

The checkpoint is about a megabyte: the real architecture with toy sizes, a small byte-level
BPE tokenizer, the codec under ``speech_tokenizer/`` and a ``generation_config.json``. It loads
with ``Qwen3TTSModel.from_pretrained`` like a downloaded model and speaks noise. Tests, the
benchmark's CPU mode and ``make run`` use it, so nothing is ever downloaded.

``custom_voice`` checkpoints carry the nine preset speakers of the released CustomVoice models
and both carry the released languages, so requests are validated against real names.

The codebook is deliberately small (16 codes): random weights pick codec EOS with a
probability of about 1/17 per frame, so segments end after a second or two and almost never
run into the frame cap, which keeps tests fast and the cap guard meaningful.

``--size 0.6b`` and ``--size 1.7b`` write the released models' geometry instead (talker, code
predictor, speaker encoder, codec; 1 and 2 billion parameters in bf16, from the published
configs, nothing downloaded), for benchmarks on a GPU: the compute per frame is the real one,
the speech is noise. Their text embedding has the released 151 936 rows, addressed by the small
tokenizer's ids. Random weights of that size would almost never pick EOS among 2048 codes, so
the talker's last norm and head are set to make EOS likely about once in 90 frames (7 s): a
segment's length is then random around that mean, not its text's.
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
SIZES = ("tiny", "0.6b", "1.7b")
# Marks the checkpoint in its config.json, so the worker's health can say it speaks noise.
RANDOM_WEIGHTS_FLAG = "random_weights"

CODEBOOK_SIZE = 16
CODE_GROUPS = 4
HIDDEN = 32
HEAD_DIM = 16
TALKER_WEIGHT_SCALE = 0.1

# The released checkpoints (Qwen/Qwen3-TTS-12Hz-{0.6B,1.7B}-*, config.json): talker width and MLP,
# the size tag, and the codec, language and speaker ids.
PUBLISHED_TALKERS = {"0.6b": (1024, 3072, "0b6"), "1.7b": (2048, 6144, "1b7")}
PUBLISHED_CODEC_IDS = dict(
    codec_pad_id=2148,
    codec_bos_id=2149,
    codec_eos_token_id=2150,
    codec_think_id=2154,
    codec_nothink_id=2155,
    codec_think_bos_id=2156,
    codec_think_eos_id=2157,
)
PUBLISHED_LANGUAGES = dict(
    english=2050, german=2053, spanish=2054, chinese=2055, japanese=2058, french=2061, korean=2064,
    russian=2069, italian=2070, portuguese=2071,
)  # fmt: skip
PUBLISHED_DIALECTS = dict(sichuan_dialect=2062, beijing_dialect=2074)
PUBLISHED_SPEAKERS = dict(
    vivian=3065, serena=3066, uncle_fu=3010, dylan=2878, eric=2875, ryan=3061, aiden=2861, ono_anna=2873, sohee=2864
)
PUBLISHED_CODEBOOK = 2048
# EOS logit = this times a standard normal value per frame: P(EOS) is about e^(2.5^2/2)/2049 = 1/90.
EOS_LOGIT_SCALE = 2.5

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


def published_talker_config(kind: str, size: str, text_vocab_size: int) -> dict:
    hidden, intermediate, _ = PUBLISHED_TALKERS[size]
    languages, speakers, dialect_flags = dict(PUBLISHED_LANGUAGES), {}, {}
    if kind == "custom_voice":
        languages.update(PUBLISHED_DIALECTS)
        speakers = dict(PUBLISHED_SPEAKERS)
        dialect_flags = {name: DIALECTS.get(name, False) for name in SPEAKERS}
    layers = dict(num_attention_heads=16, num_key_value_heads=8, head_dim=128, rope_theta=1000000)
    return dict(
        code_predictor_config=dict(
            vocab_size=PUBLISHED_CODEBOOK,
            hidden_size=1024,
            intermediate_size=3072,
            num_hidden_layers=5,
            max_position_embeddings=65536,
            num_code_groups=16,
            pad_token_id=None,
            **layers,
        ),
        vocab_size=3072,
        hidden_size=hidden,
        intermediate_size=intermediate,
        num_hidden_layers=28,
        max_position_embeddings=32768,
        rope_scaling={"rope_type": "default", "mrope_section": [24, 20, 20], "interleaved": True},
        num_code_groups=16,
        text_hidden_size=2048,
        # The released vocabulary's rows, so the embedding costs what it costs; the tokenizer uses few.
        text_vocab_size=max(151936, text_vocab_size),
        codec_language_id=languages,
        spk_id=speakers,
        spk_is_dialect=dialect_flags,
        **PUBLISHED_CODEC_IDS,
        **layers,
    )


def speaker_encoder_config(size: str) -> dict:
    if size == "tiny":
        return dict(
            mel_dim=128,
            enc_dim=HIDDEN,
            enc_channels=[16, 16, 16, 16, 48],
            enc_kernel_sizes=[5, 3, 3, 3, 1],
            enc_dilations=[1, 2, 3, 4, 1],
            enc_attention_channels=8,
            enc_res2net_scale=4,
            enc_se_channels=8,
            sample_rate=24000,
        )
    return dict(
        mel_dim=128,
        enc_dim=PUBLISHED_TALKERS[size][0],
        enc_channels=[512, 512, 512, 512, 1536],
        enc_kernel_sizes=[5, 3, 3, 3, 1],
        enc_dilations=[1, 2, 3, 4, 1],
        enc_attention_channels=128,
        enc_res2net_scale=8,
        enc_se_channels=128,
        sample_rate=24000,
    )


def published_speech_tokenizer_config() -> Qwen3TTSTokenizerV2Config:
    """The released 12 Hz codec: a Mimi encoder (its defaults are the released ones) and its decoder."""
    return Qwen3TTSTokenizerV2Config(
        encoder_config=dict(num_quantizers=32, num_semantic_quantizers=1, upsampling_ratios=[8, 6, 5, 4]),
        decoder_config=dict(
            codebook_size=PUBLISHED_CODEBOOK,
            codebook_dim=512,
            latent_dim=1024,
            hidden_size=512,
            intermediate_size=1024,
            num_hidden_layers=8,
            num_attention_heads=16,
            num_key_value_heads=16,
            num_quantizers=16,
            upsample_rates=[8, 5, 4, 3],
            upsampling_ratios=[2, 2],
            decoder_dim=1536,
            sliding_window=72,
        ),
        encoder_valid_num_quantizers=16,
        input_sample_rate=24000,
        output_sample_rate=24000,
        decode_upsample_rate=1920,
        encode_downsample_rate=1920,
        architectures=["Qwen3TTSTokenizerV2Model"],
    )


def tiny_speech_tokenizer_config() -> Qwen3TTSTokenizerV2Config:
    return Qwen3TTSTokenizerV2Config(
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


def build_speech_tokenizer(size: str) -> Qwen3TTSTokenizerV2Model:
    config = tiny_speech_tokenizer_config() if size == "tiny" else published_speech_tokenizer_config()
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


def randomize_talker(model: Qwen3TTSForConditionalGeneration, size: str) -> None:
    talker = model.talker
    with torch.no_grad():
        if size == "tiny":
            # At the default scale (0.02) the talker's logits are nearly uniform and the same seed
            # samples the same codes whatever the speaker or prompt; at 0.1 the voice shows in the
            # audio, and segments still end after a second or two.
            for module in talker.modules():
                if isinstance(module, (torch.nn.Linear, torch.nn.Embedding)):
                    module.weight.normal_(0, TALKER_WEIGHT_SCALE)
            return
        # One hidden dimension passes the last norm, about standard normal per frame; the head reads
        # it into the EOS logit alone, so every other code stays equally likely.
        talker.model.norm.weight.zero_()
        talker.model.norm.weight[0] = 1.0
        talker.codec_head.weight.zero_()
        talker.codec_head.weight[model.config.talker_config.codec_eos_token_id, 0] = EOS_LOGIT_SCALE


def model_config(kind: str, size: str, text_tokenizer: Qwen2TokenizerFast) -> Qwen3TTSConfig:
    ids = {token: text_tokenizer.convert_tokens_to_ids(token) for token in SPECIAL_TOKENS}
    if size == "tiny":
        talker = talker_config(kind, len(text_tokenizer))
    else:
        talker = published_talker_config(kind, size, len(text_tokenizer))
    return Qwen3TTSConfig(
        talker_config=talker,
        speaker_encoder_config=speaker_encoder_config(size),
        tokenizer_type="qwen3_tts_tokenizer_12hz",
        tts_model_size="0b6" if size == "tiny" else PUBLISHED_TALKERS[size][2],
        tts_model_type=kind,
        im_start_token_id=ids["<|im_start|>"],
        im_end_token_id=ids["<|im_end|>"],
        tts_pad_token_id=ids["<|tts_pad|>"],
        tts_bos_token_id=ids["<|tts_text_bos|>"],
        tts_eos_token_id=ids["<|tts_text_eod|>"],
        architectures=["Qwen3TTSForConditionalGeneration"],
    )


def write_checkpoint(directory: Path, kind: str = "base", size: str = "tiny") -> Path:
    if kind not in KINDS or size not in SIZES:
        raise ValueError(f"kind must be one of {', '.join(KINDS)} and size one of {', '.join(SIZES)}")
    directory = Path(directory)
    torch.manual_seed(0)
    text_tokenizer = build_text_tokenizer()
    model = Qwen3TTSForConditionalGeneration(model_config(kind, size, text_tokenizer)).eval()
    randomize_talker(model, size)
    # The released weights are bf16; the tiny ones stay float32, as CPU tests load them.
    (model if size == "tiny" else model.to(torch.bfloat16)).save_pretrained(directory)

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
    build_speech_tokenizer(size).save_pretrained(speech_dir)
    EncodecFeatureExtractor(feature_size=1, sampling_rate=24000, padding_value=0.0).save_pretrained(speech_dir)
    return directory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--kind", choices=KINDS, default="base")
    parser.add_argument("--size", choices=SIZES, default="tiny")
    args = parser.parse_args()
    write_checkpoint(args.directory, args.kind, args.size)
    print(f"wrote a {args.size} random-weight {args.kind} checkpoint to {args.directory}")


if __name__ == "__main__":
    main()
