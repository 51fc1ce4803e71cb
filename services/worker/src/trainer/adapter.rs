//! The trained adapter: `adapter.safetensors` (LoRA tensors under PEFT keys) and
//! `adapter_config.json`, loading one back, and the sha256 of a file.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{Device, Tensor};
use sha2::{Digest, Sha256};

use super::Hyperparameters;
use crate::TrainError;
use crate::model::{Lora, TARGET_MODULES};

pub(super) fn save_adapter(lora: &Lora, path: &Path) -> Result<(), TrainError> {
    let tensors: HashMap<String, Tensor> = lora.named_vars().into_iter().map(|(k, v)| (k, v.as_tensor().clone())).collect();
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    candle_core::safetensors::save(&tensors, path)?;
    Ok(())
}

pub(super) fn write_adapter_config(output_dir: &Path, hp: &Hyperparameters) -> Result<(), TrainError> {
    let config = serde_json::json!({
        "peft_type": "LORA",
        "task_type": "CAUSAL_LM",
        "r": hp.lora_rank,
        "lora_alpha": hp.lora_alpha,
        "lora_dropout": 0.0,
        "bias": "none",
        "fan_in_fan_out": false,
        "target_modules": TARGET_MODULES,
    });
    std::fs::write(output_dir.join("adapter_config.json"), serde_json::to_vec_pretty(&config)?)?;
    Ok(())
}

/// Loads an adapter (or any safetensors file) onto the CPU.
pub fn load_adapter(path: &Path) -> Result<HashMap<String, Tensor>, TrainError> {
    Ok(candle_core::safetensors::load(path, &Device::Cpu)?)
}

/// Lower-case hex sha256 of a file.
pub fn sha256_file(path: &Path) -> Result<String, TrainError> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}
