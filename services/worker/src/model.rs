//! A Llama-architecture causal LM in Hugging Face format, with a training forward pass.
//!
//! candle-transformers' Llama is inference-only and candle-nn's fused kernels (`softmax_last_dim`,
//! `rms_norm`, `rotary_emb::rope`, `sdpa`) have no backward pass, so this forward pass is built only
//! from ops that do: `ops::softmax`, `ops::rms_norm_slow`, `rotary_emb::rope_slow`, matmul, silu.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{D, DType, Device, Tensor, Var};
use serde::{Deserialize, Serialize};

use crate::TrainError;

/// The fields of a Hugging Face `LlamaConfig` (`config.json`) this trainer reads. Unknown fields are
/// ignored, so a real model's config loads as it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LlamaConfig {
    pub hidden_size: usize,
    pub intermediate_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    #[serde(default)]
    pub num_key_value_heads: Option<usize>,
    pub vocab_size: usize,
    #[serde(default = "default_rms_norm_eps")]
    pub rms_norm_eps: f64,
    #[serde(default = "default_rope_theta")]
    pub rope_theta: f64,
    #[serde(default = "default_max_position_embeddings")]
    pub max_position_embeddings: usize,
    #[serde(default)]
    pub tie_word_embeddings: bool,
    #[serde(default)]
    pub bos_token_id: Option<u32>,
    #[serde(default)]
    pub eos_token_id: Option<u32>,
}

fn default_rms_norm_eps() -> f64 {
    1e-6
}
fn default_rope_theta() -> f64 {
    10_000.0
}
fn default_max_position_embeddings() -> usize {
    2048
}

impl LlamaConfig {
    pub fn kv_heads(&self) -> usize {
        self.num_key_value_heads.unwrap_or(self.num_attention_heads)
    }

    pub fn head_dim(&self) -> usize {
        self.hidden_size / self.num_attention_heads.max(1)
    }

    /// Checks the shape arithmetic a forward pass relies on.
    pub fn validate(&self) -> Result<(), TrainError> {
        let bad = |reason: &str| Err(TrainError::Model(format!("config.json: {reason}")));
        if self.hidden_size == 0
            || self.num_attention_heads == 0
            || self.num_hidden_layers == 0
            || self.vocab_size == 0
            || self.intermediate_size == 0
        {
            return bad("sizes must be positive");
        }
        if !self.hidden_size.is_multiple_of(self.num_attention_heads) {
            return bad("hidden_size is not a multiple of num_attention_heads");
        }
        if !self.head_dim().is_multiple_of(2) {
            return bad("the head dimension must be even for rotary embeddings");
        }
        let kv = self.kv_heads();
        if kv == 0 || !self.num_attention_heads.is_multiple_of(kv) {
            return bad("num_attention_heads is not a multiple of num_key_value_heads");
        }
        Ok(())
    }

    /// Parameters of the base model (every weight matrix and norm, embeddings and head included).
    pub fn parameter_count(&self) -> u64 {
        let d = self.hidden_size as u64;
        let kv = (self.kv_heads() * self.head_dim()) as u64;
        let i = self.intermediate_size as u64;
        let v = self.vocab_size as u64;
        let per_layer = d * d * 2 + d * kv * 2 + 3 * d * i + 2 * d;
        let head = if self.tie_word_embeddings { 0 } else { v * d };
        v * d + self.num_hidden_layers as u64 * per_layer + d + head
    }
}

struct Layer {
    input_norm: Tensor,
    post_norm: Tensor,
    q: Tensor,
    k: Tensor,
    v: Tensor,
    o: Tensor,
    gate: Tensor,
    up: Tensor,
    down: Tensor,
}

/// The frozen base weights, in f32 on the training device.
pub(crate) struct BaseModel {
    pub(crate) config: LlamaConfig,
    embed: Tensor,
    layers: Vec<Layer>,
    norm: Tensor,
    lm_head: Tensor,
    cos: Tensor,
    sin: Tensor,
    pub(crate) device: Device,
}

/// One LoRA pair on a projection: `W x + (alpha / r) · B A x`, A: [r, in], B: [out, r].
pub(crate) struct LoraPair {
    pub(crate) a: Var,
    pub(crate) b: Var,
}

/// LoRA on q_proj and v_proj of every layer.
pub(crate) struct Lora {
    pub(crate) layers: Vec<(LoraPair, LoraPair)>,
    pub(crate) scale: f64,
}

pub(crate) const TARGET_MODULES: [&str; 2] = ["q_proj", "v_proj"];

/// PEFT's key for one LoRA matrix, so the adapter loads into `peft` as it is.
pub(crate) fn lora_key(layer: usize, module: &str, which: &str) -> String {
    format!("base_model.model.model.layers.{layer}.self_attn.{module}.lora_{which}.weight")
}

impl Lora {
    /// Variables in a fixed order (layer, q A, q B, v A, v B), named with PEFT keys.
    pub(crate) fn named_vars(&self) -> Vec<(String, &Var)> {
        let mut out = Vec::with_capacity(self.layers.len() * 4);
        for (i, (q, v)) in self.layers.iter().enumerate() {
            out.push((lora_key(i, "q_proj", "A"), &q.a));
            out.push((lora_key(i, "q_proj", "B"), &q.b));
            out.push((lora_key(i, "v_proj", "A"), &v.a));
            out.push((lora_key(i, "v_proj", "B"), &v.b));
        }
        out
    }

    pub(crate) fn parameter_count(&self) -> u64 {
        self.named_vars().iter().map(|(_, v)| v.as_tensor().elem_count() as u64).sum()
    }

    /// Fresh LoRA: A from a seeded uniform (PEFT's Kaiming-uniform bound 1/sqrt(in)), B zero, so the
    /// adapted model starts exactly as the base model.
    pub(crate) fn init(base: &BaseModel, rank: usize, alpha: f64, seed: u64) -> candle_core::Result<Self> {
        let c = &base.config;
        let d = c.hidden_size;
        let kv = c.kv_heads() * c.head_dim();
        let bound = 1.0 / (d as f64).sqrt();
        let mut layers = Vec::with_capacity(c.num_hidden_layers);
        for i in 0..c.num_hidden_layers {
            let pair = |module: &str, out: usize| -> candle_core::Result<LoraPair> {
                let mut rng = crate::rng::SplitMix64::derived(seed, module, i as u64);
                let a = Tensor::from_vec(rng.uniform_vec(rank * d, bound), (rank, d), &base.device)?;
                let b = Tensor::zeros((out, rank), DType::F32, &base.device)?;
                Ok(LoraPair { a: Var::from_tensor(&a)?, b: Var::from_tensor(&b)? })
            };
            let q = pair("q_proj", d)?;
            let v = pair("v_proj", kv)?;
            layers.push((q, v));
        }
        Ok(Self { layers, scale: alpha / rank as f64 })
    }

    /// LoRA from saved tensors (a checkpoint), checked against the base model's shapes.
    pub(crate) fn from_tensors(base: &BaseModel, tensors: &HashMap<String, Tensor>, rank: usize, alpha: f64) -> Result<Self, TrainError> {
        let c = &base.config;
        let d = c.hidden_size;
        let kv = c.kv_heads() * c.head_dim();
        let get = |key: String, shape: (usize, usize)| -> Result<Var, TrainError> {
            let t = tensors.get(&key).ok_or_else(|| TrainError::Checkpoint(format!("missing tensor {key}")))?;
            if t.dims() != [shape.0, shape.1] {
                return Err(TrainError::Checkpoint(format!("tensor {key} has shape {:?}, expected {shape:?}", t.dims())));
            }
            Ok(Var::from_tensor(&t.to_dtype(DType::F32)?.to_device(&base.device)?)?)
        };
        let mut layers = Vec::with_capacity(c.num_hidden_layers);
        for i in 0..c.num_hidden_layers {
            let q = LoraPair { a: get(lora_key(i, "q_proj", "A"), (rank, d))?, b: get(lora_key(i, "q_proj", "B"), (d, rank))? };
            let v = LoraPair { a: get(lora_key(i, "v_proj", "A"), (rank, d))?, b: get(lora_key(i, "v_proj", "B"), (kv, rank))? };
            layers.push((q, v));
        }
        Ok(Self { layers, scale: alpha / rank as f64 })
    }
}

fn take(map: &mut HashMap<String, Tensor>, name: &str, dims: &[usize]) -> Result<Tensor, TrainError> {
    let t = map.remove(name).ok_or_else(|| TrainError::Model(format!("model.safetensors: missing tensor {name}")))?;
    if t.dims() != dims {
        return Err(TrainError::Model(format!("model.safetensors: tensor {name} has shape {:?}, expected {dims:?}", t.dims())));
    }
    Ok(t.to_dtype(DType::F32)?)
}

impl BaseModel {
    /// Loads `config.json` and every `*.safetensors` file of a Hugging Face model directory.
    pub(crate) fn load(dir: &Path, device: &Device, max_seq_len: usize) -> Result<Self, TrainError> {
        let config_text = std::fs::read_to_string(dir.join("config.json")).map_err(|e| TrainError::Model(format!("config.json: {e}")))?;
        let config: LlamaConfig = serde_json::from_str(&config_text).map_err(|e| TrainError::Model(format!("config.json: {e}")))?;
        config.validate()?;
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| TrainError::Model(format!("{}: {e}", dir.display())))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "safetensors"))
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(TrainError::Model("no *.safetensors file in the model directory".into()));
        }
        let mut map = HashMap::new();
        for f in &files {
            map.extend(candle_core::safetensors::load(f, device)?);
        }
        let c = &config;
        let (d, i, v) = (c.hidden_size, c.intermediate_size, c.vocab_size);
        let kv = c.kv_heads() * c.head_dim();
        let embed = take(&mut map, "model.embed_tokens.weight", &[v, d])?;
        let mut layers = Vec::with_capacity(c.num_hidden_layers);
        for n in 0..c.num_hidden_layers {
            let p = format!("model.layers.{n}");
            layers.push(Layer {
                input_norm: take(&mut map, &format!("{p}.input_layernorm.weight"), &[d])?,
                post_norm: take(&mut map, &format!("{p}.post_attention_layernorm.weight"), &[d])?,
                q: take(&mut map, &format!("{p}.self_attn.q_proj.weight"), &[d, d])?,
                k: take(&mut map, &format!("{p}.self_attn.k_proj.weight"), &[kv, d])?,
                v: take(&mut map, &format!("{p}.self_attn.v_proj.weight"), &[kv, d])?,
                o: take(&mut map, &format!("{p}.self_attn.o_proj.weight"), &[d, d])?,
                gate: take(&mut map, &format!("{p}.mlp.gate_proj.weight"), &[i, d])?,
                up: take(&mut map, &format!("{p}.mlp.up_proj.weight"), &[i, d])?,
                down: take(&mut map, &format!("{p}.mlp.down_proj.weight"), &[d, i])?,
            });
        }
        let norm = take(&mut map, "model.norm.weight", &[d])?;
        let lm_head = if c.tie_word_embeddings && !map.contains_key("lm_head.weight") {
            embed.clone()
        } else {
            take(&mut map, "lm_head.weight", &[v, d])?
        };
        let (cos, sin) = rope_tables(c, max_seq_len.max(1), device)?;
        Ok(Self { config, embed, layers, norm, lm_head, cos, sin, device: device.clone() })
    }

    /// Logits [batch·seq, vocab] for token ids [batch, seq], LoRA applied on q_proj and v_proj.
    pub(crate) fn forward(&self, ids: &Tensor, lora: &Lora) -> candle_core::Result<Tensor> {
        let c = &self.config;
        let (b, l) = ids.dims2()?;
        let (d, nh, nkv, hd) = (c.hidden_size, c.num_attention_heads, c.kv_heads(), c.head_dim());
        let eps = c.rms_norm_eps as f32;
        let mut x = self.embed.index_select(&ids.flatten_all()?, 0)?; // [b·l, d]
        let mask = causal_mask(l, &self.device)?;
        let cos = self.cos.narrow(0, 0, l)?;
        let sin = self.sin.narrow(0, 0, l)?;
        for (layer, (lq, lv)) in self.layers.iter().zip(&lora.layers) {
            let h = candle_nn::ops::rms_norm_slow(&x, &layer.input_norm, eps)?;
            let q = (linear(&h, &layer.q)? + lora_delta(&h, lq, lora.scale)?)?;
            let k = linear(&h, &layer.k)?;
            let v = (linear(&h, &layer.v)? + lora_delta(&h, lv, lora.scale)?)?;
            let heads = |t: Tensor, n: usize| -> candle_core::Result<Tensor> { t.reshape((b, l, n, hd))?.transpose(1, 2)?.contiguous() };
            let q = candle_nn::rotary_emb::rope_slow(&heads(q, nh)?, &cos, &sin)?;
            let k = candle_nn::rotary_emb::rope_slow(&heads(k, nkv)?, &cos, &sin)?;
            let v = heads(v, nkv)?;
            let (k, v) = (repeat_kv(k, nh / nkv)?, repeat_kv(v, nh / nkv)?);
            let att = (q.matmul(&k.t()?.contiguous()?)? / (hd as f64).sqrt())?;
            let att = candle_nn::ops::softmax(&att.broadcast_add(&mask)?, D::Minus1)?;
            let y = att.matmul(&v)?.transpose(1, 2)?.contiguous()?.reshape((b * l, d))?;
            x = (x + linear(&y, &layer.o)?)?;
            let h = candle_nn::ops::rms_norm_slow(&x, &layer.post_norm, eps)?;
            let m = (linear(&h, &layer.gate)?.silu()? * linear(&h, &layer.up)?)?;
            x = (x + linear(&m, &layer.down)?)?;
        }
        let x = candle_nn::ops::rms_norm_slow(&x, &self.norm, eps)?;
        linear(&x, &self.lm_head)
    }
}

/// `x W^T` for HF's [out, in] weights; x is [rows, in].
fn linear(x: &Tensor, w: &Tensor) -> candle_core::Result<Tensor> {
    x.matmul(&w.t()?)
}

fn lora_delta(x: &Tensor, p: &LoraPair, scale: f64) -> candle_core::Result<Tensor> {
    linear(&linear(x, p.a.as_tensor())?, p.b.as_tensor())? * scale
}

fn repeat_kv(x: Tensor, n_rep: usize) -> candle_core::Result<Tensor> {
    if n_rep == 1 {
        return Ok(x);
    }
    let (b, nkv, l, hd) = x.dims4()?;
    let parts: Vec<&Tensor> = std::iter::repeat_n(&x, n_rep).collect();
    // [b, nkv, n_rep·l, hd] → [b, nkv·n_rep, l, hd]: each kv head repeated n_rep times in a row.
    Tensor::cat(&parts, 2)?.reshape((b, nkv * n_rep, l, hd))
}

fn causal_mask(l: usize, device: &Device) -> candle_core::Result<Tensor> {
    let data: Vec<f32> = (0..l).flat_map(|i| (0..l).map(move |j| if j > i { f32::NEG_INFINITY } else { 0.0 })).collect();
    Tensor::from_vec(data, (l, l), device)
}

/// Non-interleaved (HF Llama "rotate_half") rotary tables [seq, head_dim/2].
fn rope_tables(c: &LlamaConfig, max_len: usize, device: &Device) -> candle_core::Result<(Tensor, Tensor)> {
    let hd = c.head_dim();
    let inv: Vec<f32> = (0..hd / 2).map(|i| (1.0 / c.rope_theta.powf((2 * i) as f64 / hd as f64)) as f32).collect();
    let mut cos = Vec::with_capacity(max_len * hd / 2);
    let mut sin = Vec::with_capacity(max_len * hd / 2);
    for pos in 0..max_len {
        for f in &inv {
            let a = pos as f32 * f;
            cos.push(a.cos());
            sin.push(a.sin());
        }
    }
    Ok((Tensor::from_vec(cos, (max_len, hd / 2), device)?, Tensor::from_vec(sin, (max_len, hd / 2), device)?))
}
