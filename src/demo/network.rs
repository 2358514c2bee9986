//! The network the demo runs: the shipped trained digits classifier, embedded in the binary
//! so that the demo works from any directory, or another export given with `--network`.

use std::path::Path;

use anyhow::{Context, Result};
use network::Network;
use train::classifier::ClassifierSpec;
use train::export::Manifest;

/// data/trained/digits-hh: the HH digits classifier `neurofuse train` exported (94.7 %).
const SHIPPED_MANIFEST: &[u8] = include_bytes!("../../data/trained/digits-hh/network.json");
const SHIPPED_TENSORS: &[u8] = include_bytes!("../../data/trained/digits-hh/network.safetensors");

/// A loaded digits classifier.
pub struct Classifier {
    pub net: Network,
    pub manifest: Manifest,
    pub spec: ClassifierSpec,
}

/// Writes the shipped export into `dir` (so the run leaves a copy beside its results).
pub fn write_shipped(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create", dir.display()))?;
    for (name, bytes) in [
        (train::export::MANIFEST, SHIPPED_MANIFEST),
        (train::export::TENSORS, SHIPPED_TENSORS),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, bytes)
            .with_context(|| format!("{}: cannot write", path.display()))?;
    }
    Ok(())
}

/// Loads the export in `dir`; an error naming the file and field unless it is a digits
/// classifier exported by `neurofuse train`.
pub fn load(dir: &Path) -> Result<Classifier> {
    let (net, manifest) = crate::compile::load_network(dir)?;
    crate::evaluate::check_digits_task(dir, &manifest)?;
    let spec = crate::evaluate::classifier_spec(dir, &manifest, &net)?;
    Ok(Classifier {
        net,
        manifest,
        spec,
    })
}
