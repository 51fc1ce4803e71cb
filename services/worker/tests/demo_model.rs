//! The demo base model the embedded setup writes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use attune_worker::LlamaConfig;
use attune_worker::demo_model::{DemoModelSpec, VOCAB_SIZE, write_demo_model};

#[test]
fn demo_model_is_deterministic_hf_llama_of_three_million_parameters() {
    let tmp = tempfile::tempdir().unwrap();
    let a = write_demo_model(&tmp.path().join("a"), &DemoModelSpec::demo()).unwrap();
    let b = write_demo_model(&tmp.path().join("b"), &DemoModelSpec::demo()).unwrap();
    assert_eq!(a.parameters, 3_034_368);
    assert_eq!(a, b, "the same spec must give byte-identical files");
    let names: Vec<&str> = a.files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["README.md", "config.json", "model.safetensors", "tokenizer.json"]);

    let config: LlamaConfig = serde_json::from_slice(&std::fs::read(tmp.path().join("a/config.json")).unwrap()).unwrap();
    assert_eq!(config.parameter_count(), a.parameters);
    assert_eq!(config.vocab_size, VOCAB_SIZE);

    let weights = candle_core::safetensors::load(tmp.path().join("a/model.safetensors"), &candle_core::Device::Cpu).unwrap();
    for key in ["model.embed_tokens.weight", "model.layers.3.self_attn.q_proj.weight", "model.norm.weight", "lm_head.weight"] {
        assert!(weights.contains_key(key), "{key}");
    }

    let another_seed = DemoModelSpec { seed: 12, ..DemoModelSpec::demo() };
    let c = write_demo_model(&tmp.path().join("c"), &another_seed).unwrap();
    assert_ne!(a.files[2], c.files[2]);
}

#[test]
fn demo_tokenizer_encodes_any_text_byte_by_byte() {
    let tmp = tempfile::tempdir().unwrap();
    write_demo_model(tmp.path(), &DemoModelSpec::tiny()).unwrap();
    let tok = tokenizers::Tokenizer::from_file(tmp.path().join("tokenizer.json")).unwrap();
    let text = "Café — naïve résumé, 4 score & 7 years";
    let enc = tok.encode(text, false).unwrap();
    let expected: Vec<u32> = text.bytes().map(|b| u32::from(b) + 2).collect();
    assert_eq!(enc.get_ids(), expected.as_slice());
    assert_eq!(tok.decode(enc.get_ids(), false).unwrap(), text);
}
