//! Records → token windows for causal LM training.
//!
//! Each record is tokenised (no special tokens added by the tokenizer), wrapped as
//! `[bos] tokens [eos]` when the model's config names those ids, and the records of a stage are
//! concatenated in order into one stream. The stream is cut into windows of `seq_len + 1` tokens with
//! stride `seq_len` (input = window[..seq_len], target = window[1..]); the last window is padded and
//! the padding is masked out of the loss, so every record's tokens are trained on.

use std::path::Path;

use tokenizers::Tokenizer;

use crate::TrainError;

pub(crate) struct TextEncoder {
    tokenizer: Tokenizer,
    bos: Option<u32>,
    eos: Option<u32>,
}

impl TextEncoder {
    pub(crate) fn load(path: &Path, bos: Option<u32>, eos: Option<u32>) -> Result<Self, TrainError> {
        let tokenizer = Tokenizer::from_file(path).map_err(|e| TrainError::Model(format!("tokenizer.json: {e}")))?;
        Ok(Self { tokenizer, bos, eos })
    }

    pub(crate) fn encode(&self, text: &str, vocab: usize) -> Result<Vec<u32>, TrainError> {
        let enc = self.tokenizer.encode(text, false).map_err(|e| TrainError::Model(format!("tokenizer: {e}")))?;
        let mut out = Vec::with_capacity(enc.len() + 2);
        out.extend(self.bos);
        out.extend_from_slice(enc.get_ids());
        out.extend(self.eos);
        if let Some(bad) = out.iter().find(|&&t| t as usize >= vocab) {
            return Err(TrainError::Model(format!("tokenizer produced id {bad}, outside the model's vocab_size {vocab}")));
        }
        Ok(out)
    }
}

/// A training window: `seq_len + 1` tokens and how many of the targets are real (not padding).
#[derive(Clone)]
pub(crate) struct Window {
    pub(crate) tokens: Vec<u32>,
    pub(crate) real_targets: usize,
}

pub(crate) fn windows(stream: &[u32], seq_len: usize) -> Vec<Window> {
    let mut out = Vec::new();
    if stream.len() < 2 {
        return out;
    }
    let mut start = 0;
    while start + 1 < stream.len() {
        let end = (start + seq_len + 1).min(stream.len());
        let mut tokens = stream[start..end].to_vec();
        let real_targets = tokens.len() - 1;
        tokens.resize(seq_len + 1, 0);
        out.push(Window { tokens, real_targets });
        start += seq_len;
    }
    out
}
