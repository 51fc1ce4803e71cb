//! One optimizer step: the masked next-token loss of a batch of windows, and AdamW over the LoRA
//! variables with moments that checkpoints keep.

use candle_core::{D, DType, Tensor};

use super::Hyperparameters;
use crate::TrainError;
use crate::data::Window;
use crate::model::{BaseModel, Lora};

/// One optimizer step on the windows `batch`; returns the loss before the update.
pub(super) fn train_step(
    base: &BaseModel,
    lora: &Lora,
    opt: &mut AdamW,
    wins: &[Window],
    batch: &[usize],
    seq_len: usize,
) -> Result<f32, TrainError> {
    let b = batch.len();
    let mut ids = Vec::with_capacity(b * seq_len);
    let mut targets = Vec::with_capacity(b * seq_len);
    let mut mask = Vec::with_capacity(b * seq_len);
    for &i in batch {
        let w = &wins[i];
        ids.extend_from_slice(&w.tokens[..seq_len]);
        targets.extend_from_slice(&w.tokens[1..=seq_len]);
        mask.extend((0..seq_len).map(|j| if j < w.real_targets { 1f32 } else { 0f32 }));
    }
    let real: f32 = mask.iter().sum();
    let dev = &base.device;
    let ids = Tensor::from_vec(ids, (b, seq_len), dev)?;
    let targets = Tensor::from_vec(targets, (b * seq_len, 1), dev)?;
    let mask = Tensor::from_vec(mask, b * seq_len, dev)?;
    let logits = base.forward(&ids, lora)?;
    let logp = candle_nn::ops::log_softmax(&logits, D::Minus1)?;
    let picked = logp.gather(&targets, 1)?.squeeze(1)?;
    let loss = ((picked * mask)?.sum_all()? * (-1.0 / f64::from(real.max(1.0))))?;
    let grads = loss.backward()?;
    opt.step(lora, &grads)?;
    let value = loss.to_dtype(DType::F32)?.to_scalar::<f32>()?;
    if !value.is_finite() {
        return Err(TrainError::Diverged);
    }
    Ok(value)
}

/// AdamW over the LoRA variables, with moments that go into checkpoints so a resumed run continues
/// exactly where the interrupted one stood (candle-nn's AdamW keeps them private).
pub(crate) struct AdamW {
    pub(super) m: Vec<Tensor>,
    pub(super) v: Vec<Tensor>,
    pub(super) step_t: u64,
    lr: f64,
    weight_decay: f64,
}

const BETA1: f64 = 0.9;
const BETA2: f64 = 0.999;
const ADAM_EPS: f64 = 1e-8;

impl AdamW {
    pub(super) fn new(lora: &Lora, hp: &Hyperparameters) -> candle_core::Result<Self> {
        let vars = lora.named_vars();
        let zeros = |(_, v): &(String, &candle_core::Var)| v.as_tensor().zeros_like();
        Ok(Self {
            m: vars.iter().map(zeros).collect::<candle_core::Result<_>>()?,
            v: vars.iter().map(zeros).collect::<candle_core::Result<_>>()?,
            step_t: 0,
            lr: hp.learning_rate,
            weight_decay: hp.weight_decay,
        })
    }

    fn step(&mut self, lora: &Lora, grads: &candle_core::backprop::GradStore) -> candle_core::Result<()> {
        self.step_t += 1;
        let t = i32::try_from(self.step_t).unwrap_or(i32::MAX);
        let scale_m = 1.0 / (1.0 - BETA1.powi(t));
        let scale_v = 1.0 / (1.0 - BETA2.powi(t));
        for (i, (_, var)) in lora.named_vars().into_iter().enumerate() {
            let Some(g) = grads.get(var.as_tensor()) else { continue };
            let m = ((&self.m[i] * BETA1)? + (g * (1.0 - BETA1))?)?;
            let v = ((&self.v[i] * BETA2)? + (g.sqr()? * (1.0 - BETA2))?)?;
            let update = ((&m * scale_m)? / ((&v * scale_v)?.sqrt()? + ADAM_EPS)?)?;
            let theta = (var.as_tensor() * (1.0 - self.lr * self.weight_decay))?;
            var.set(&(theta - (update * self.lr)?)?)?;
            self.m[i] = m;
            self.v[i] = v;
        }
        Ok(())
    }
}
