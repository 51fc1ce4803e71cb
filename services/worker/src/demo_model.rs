//! The demo base model: a small Llama-architecture causal LM in Hugging Face format, written with
//! deterministically seeded random weights so the embedded setup has a model to list and train
//! without downloading anything.
//!
//! [`DemoModelSpec::demo`] (the one the embedded setup writes): hidden size 256, 4 layers, 8 attention
//! heads over 4 key/value heads (grouped-query attention), MLP width 688, a byte-level tokenizer of
//! 258 tokens (`<s>`, `</s>` and the 256 bytes), untied head, 512 positions:
//! **3,034,368 parameters** (12.1 MB of f32 safetensors). Its weights are random, so it knows no
//! language before fine-tuning; it exists so a first job trains in minutes on a laptop CPU.
//!
//! The same spec and seed always give byte-identical files (so the same sha256).

use std::collections::HashMap;
use std::path::Path;

use candle_core::{Device, Tensor};
use serde_json::json;

use crate::TrainError;
use crate::model::LlamaConfig;
use crate::rng::SplitMix64;
use crate::trainer::sha256_file;

/// The shape of a generated model.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoModelSpec {
    pub hidden_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub num_key_value_heads: usize,
    pub intermediate_size: usize,
    pub max_position_embeddings: usize,
    pub seed: u64,
}

impl DemoModelSpec {
    /// The embedded setup's demo model (3,034,368 parameters).
    pub fn demo() -> Self {
        Self {
            hidden_size: 256,
            num_hidden_layers: 4,
            num_attention_heads: 8,
            num_key_value_heads: 4,
            intermediate_size: 688,
            max_position_embeddings: 512,
            seed: 11,
        }
    }

    /// A much smaller model of the same architecture, for tests (about 120 thousand parameters).
    pub fn tiny() -> Self {
        Self {
            hidden_size: 64,
            num_hidden_layers: 2,
            num_attention_heads: 4,
            num_key_value_heads: 2,
            intermediate_size: 176,
            max_position_embeddings: 256,
            seed: 11,
        }
    }

    pub fn config(&self) -> LlamaConfig {
        LlamaConfig {
            hidden_size: self.hidden_size,
            intermediate_size: self.intermediate_size,
            num_hidden_layers: self.num_hidden_layers,
            num_attention_heads: self.num_attention_heads,
            num_key_value_heads: Some(self.num_key_value_heads),
            vocab_size: VOCAB_SIZE,
            rms_norm_eps: 1e-5,
            rope_theta: 10_000.0,
            max_position_embeddings: self.max_position_embeddings,
            tie_word_embeddings: false,
            bos_token_id: Some(BOS_ID),
            eos_token_id: Some(EOS_ID),
        }
    }
}

/// What was written.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoModelInfo {
    pub parameters: u64,
    /// (file name, lower-case hex sha256), sorted by name.
    pub files: Vec<(String, String)>,
}

const BOS_ID: u32 = 0;
const EOS_ID: u32 = 1;
/// `<s>`, `</s>`, then the 256 byte tokens.
pub const VOCAB_SIZE: usize = 258;

/// Writes `config.json`, `model.safetensors`, `tokenizer.json` and `README.md` into `dir` (created if
/// missing; existing files of those names are replaced).
pub fn write_demo_model(dir: &Path, spec: &DemoModelSpec) -> Result<DemoModelInfo, TrainError> {
    let config = spec.config();
    config.validate()?;
    std::fs::create_dir_all(dir)?;

    let mut cfg = serde_json::to_value(&config)?;
    if let Some(map) = cfg.as_object_mut() {
        map.insert("architectures".into(), json!(["LlamaForCausalLM"]));
        map.insert("model_type".into(), json!("llama"));
        map.insert("hidden_act".into(), json!("silu"));
        map.insert("torch_dtype".into(), json!("float32"));
        map.insert("attention_bias".into(), json!(false));
        map.insert("mlp_bias".into(), json!(false));
    }
    std::fs::write(dir.join("config.json"), serde_json::to_vec_pretty(&cfg)?)?;

    let tokenizer = byte_level_tokenizer_json();
    let text = serde_json::to_string_pretty(&tokenizer)?;
    // Written only once the tokenizers crate accepts it.
    text.parse::<tokenizers::Tokenizer>().map_err(|e| TrainError::Model(format!("generated tokenizer.json: {e}")))?;
    std::fs::write(dir.join("tokenizer.json"), text)?;

    let tensors = random_weights(spec, &config)?;
    let parameters: u64 = tensors.values().map(|t| t.elem_count() as u64).sum();
    candle_core::safetensors::save(&tensors, dir.join("model.safetensors"))?;

    std::fs::write(
        dir.join("README.md"),
        format!(
            "# Attune demo base model\n\nA Llama-architecture causal language model with {parameters} parameters \
             (hidden size {}, {} layers, {} heads over {} key/value heads, MLP width {}), a byte-level \
             tokenizer of {VOCAB_SIZE} tokens and seeded random weights (seed {}). It knows no language \
             until fine-tuned; it exists so a first job trains in minutes on a CPU.\n",
            spec.hidden_size, spec.num_hidden_layers, spec.num_attention_heads, spec.num_key_value_heads, spec.intermediate_size, spec.seed
        ),
    )?;

    let mut files = Vec::new();
    for name in ["README.md", "config.json", "model.safetensors", "tokenizer.json"] {
        files.push((name.to_string(), sha256_file(&dir.join(name))?));
    }
    Ok(DemoModelInfo { parameters, files })
}

fn random_weights(spec: &DemoModelSpec, c: &LlamaConfig) -> Result<HashMap<String, Tensor>, TrainError> {
    let dev = Device::Cpu;
    let (d, i, v) = (c.hidden_size, c.intermediate_size, c.vocab_size);
    let kv = c.kv_heads() * c.head_dim();
    let std = 0.02;
    let residual_std = std / ((2 * c.num_hidden_layers) as f64).sqrt();
    let mut out = HashMap::new();
    let mut normal = |name: String, shape: (usize, usize), std: f64| -> candle_core::Result<()> {
        let mut rng = SplitMix64::derived(spec.seed, &name, 0);
        let t = Tensor::from_vec(rng.normal_vec(shape.0 * shape.1, std), shape, &dev)?;
        out.insert(name, t);
        Ok(())
    };
    normal("model.embed_tokens.weight".into(), (v, d), std)?;
    // The head at 1/sqrt(d): after the final RMSNorm the residual has norm sqrt(d), so logits start
    // at unit scale and LoRA on the attention path can move them far enough to learn the text.
    normal("lm_head.weight".into(), (v, d), 1.0 / (d as f64).sqrt())?;
    for n in 0..c.num_hidden_layers {
        let p = format!("model.layers.{n}");
        normal(format!("{p}.self_attn.q_proj.weight"), (d, d), std)?;
        normal(format!("{p}.self_attn.k_proj.weight"), (kv, d), std)?;
        normal(format!("{p}.self_attn.v_proj.weight"), (kv, d), std)?;
        normal(format!("{p}.self_attn.o_proj.weight"), (d, d), residual_std)?;
        normal(format!("{p}.mlp.gate_proj.weight"), (i, d), std)?;
        normal(format!("{p}.mlp.up_proj.weight"), (i, d), std)?;
        normal(format!("{p}.mlp.down_proj.weight"), (d, i), residual_std)?;
    }
    let ones = Tensor::ones(d, candle_core::DType::F32, &dev)?;
    for n in 0..c.num_hidden_layers {
        out.insert(format!("model.layers.{n}.input_layernorm.weight"), ones.clone());
        out.insert(format!("model.layers.{n}.post_attention_layernorm.weight"), ones.clone());
    }
    out.insert("model.norm.weight".into(), ones);
    Ok(out)
}

/// GPT-2's byte → printable-character map used by byte-level BPE.
fn bytes_to_unicode() -> Vec<(u8, char)> {
    let printable = |b: u32| (33..=126).contains(&b) || (161..=172).contains(&b) || (174..=255).contains(&b);
    let mut extra = 0u32;
    (0u32..256)
        .map(|b| {
            let c = if printable(b) {
                b
            } else {
                extra += 1;
                255 + extra
            };
            (b as u8, char::from_u32(c).unwrap_or('?'))
        })
        .collect()
}

/// A byte-level BPE tokenizer with no merges: every UTF-8 byte is one token, so any text encodes.
fn byte_level_tokenizer_json() -> serde_json::Value {
    let mut vocab = serde_json::Map::new();
    vocab.insert("<s>".into(), json!(BOS_ID));
    vocab.insert("</s>".into(), json!(EOS_ID));
    for (b, c) in bytes_to_unicode() {
        vocab.insert(c.to_string(), json!(u32::from(b) + 2));
    }
    let special = |id: u32, content: &str| {
        json!({"id": id, "content": content, "single_word": false, "lstrip": false,
               "rstrip": false, "normalized": false, "special": true})
    };
    json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": [special(BOS_ID, "<s>"), special(EOS_ID, "</s>")],
        "normalizer": null,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
        "post_processor": null,
        "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
        "model": {
            "type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": null,
            "end_of_word_suffix": null, "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
            "vocab": vocab, "merges": []
        }
    })
}
