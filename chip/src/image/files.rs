//! Images on disk: the manifest, one binary file per memory, `$readmemh` export.

use std::path::{Path, PathBuf};

use super::words::{bytes_per_word, unpack, Memory};
use super::*;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Manifest {
    pub(super) format: String,
    pub(super) version: u32,
    pub(super) config: String,
    pub(super) channels: String,
    pub(super) threshold: i32,
    pub(super) receptors: Vec<ReceptorImage>,
    pub(super) inputs: usize,
    pub(super) cores: Vec<CoreManifest>,
    memories: Vec<MemoryManifest>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CoreManifest {
    pub(super) neurons: usize,
    pub(super) gates: usize,
    pub(super) axons: usize,
    pub(super) synapses: usize,
    pub(super) routes: usize,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct MemoryManifest {
    name: String,
    file: String,
    width: u32,
    words: usize,
    crc32: u32,
}

impl ChipImage {
    /// Writes the image into `dir` (created if needed): the manifest and one file per memory.
    pub fn save(&self, dir: &Path) -> Result<(), ImageError> {
        let io = |path: &Path, e: std::io::Error| ImageError {
            origin: path.display().to_string(),
            message: format!("cannot write: {e}"),
        };
        let files = self.to_files()?;
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        for (name, bytes) in files {
            let path = dir.join(name);
            std::fs::write(&path, bytes).map_err(|e| io(&path, e))?;
        }
        Ok(())
    }

    /// The image as the files [`ChipImage::save`] writes, (file name, contents), the
    /// manifest last: what the host link sends.
    pub fn to_files(&self) -> Result<Vec<(String, Vec<u8>)>, ImageError> {
        self.validate()?;
        let mut files = Vec::new();
        let mut memories = Vec::new();
        for (name, memory) in self.memories() {
            let file = format!("{name}.bin");
            let bytes = to_bytes(&memory);
            memories.push(MemoryManifest {
                name,
                file: file.clone(),
                width: memory.width,
                words: memory.words.len(),
                crc32: crc32fast::hash(&bytes),
            });
            files.push((file, bytes));
        }
        let manifest = Manifest {
            format: IMAGE_FORMAT.into(),
            version: IMAGE_VERSION,
            config: self.config.to_toml(),
            channels: self.channels.clone(),
            threshold: self.threshold,
            receptors: self.receptors.clone(),
            inputs: self.inputs.ranges.len(),
            cores: self
                .cores
                .iter()
                .map(|k| CoreManifest {
                    neurons: k.neurons(),
                    gates: k.gates.len(),
                    axons: k.axons.len(),
                    synapses: k.synapses.len(),
                    routes: k.routes.entries.len(),
                })
                .collect(),
            memories,
        };
        let text = serde_json::to_string_pretty(&manifest).expect("manifest serializes");
        files.push((MANIFEST.to_string(), (text + "\n").into_bytes()));
        Ok(files)
    }

    /// Reads and checks an image written by [`ChipImage::save`].
    pub fn load(dir: &Path) -> Result<ChipImage, ImageError> {
        ChipImage::read_with(&|name| dir.join(name).display().to_string(), &|name| {
            std::fs::read(dir.join(name))
        })
    }

    /// Reads and checks an image given as its files (as [`ChipImage::to_files`] makes
    /// them); `origin` names where they came from in error messages (`origin/file`).
    pub fn from_files(origin: &str, files: &[(String, Vec<u8>)]) -> Result<ChipImage, ImageError> {
        ChipImage::read_with(&|name| format!("{origin}/{name}"), &|name| {
            files
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, bytes)| bytes.clone())
                .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"))
        })
    }

    /// The image from a file reader: `read(name)` gives a file's contents, `origin(name)`
    /// its name in error messages.
    fn read_with(
        origin: &dyn Fn(&str) -> String,
        read: &dyn Fn(&str) -> std::io::Result<Vec<u8>>,
    ) -> Result<ChipImage, ImageError> {
        let fail = |name: &str, message: String| ImageError {
            origin: origin(name),
            message,
        };
        let text = read(MANIFEST)
            .and_then(|bytes| {
                String::from_utf8(bytes)
                    .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
            })
            .map_err(|e| {
                fail(
                    MANIFEST,
                    format!("cannot read the chip image's manifest: {e}"),
                )
            })?;
        // The version first, so an image from another version gets that message.
        let head: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| fail(MANIFEST, format!("not valid JSON: {e}")))?;
        if head.get("format").and_then(|f| f.as_str()) != Some(IMAGE_FORMAT) {
            return Err(fail(
                MANIFEST,
                format!("field `format`: expected \"{IMAGE_FORMAT}\""),
            ));
        }
        let version = head.get("version").and_then(|v| v.as_u64());
        if version != Some(u64::from(IMAGE_VERSION)) {
            return Err(fail(
                MANIFEST,
                format!(
                    "field `version` = {}: this neurofuse reads chip images of version {IMAGE_VERSION}",
                    version.map_or("missing".into(), |v| v.to_string())
                ),
            ));
        }
        let m: Manifest =
            serde_json::from_value(head).map_err(|e| fail(MANIFEST, e.to_string()))?;
        let config = ChipConfig::from_toml(&m.config, "config")
            .map_err(|e| fail(MANIFEST, format!("in `config`: {}", e.message)))?;
        let mut memories = std::collections::BTreeMap::new();
        for mm in &m.memories {
            if mm.file.contains('/') || mm.file.contains('\\') || mm.file.contains("..") {
                return Err(fail(
                    MANIFEST,
                    format!(
                        "memory `{}`: file `{}` must be a plain name inside the image directory",
                        mm.name, mm.file
                    ),
                ));
            }
            if !(1..=64).contains(&mm.width) {
                return Err(fail(
                    MANIFEST,
                    format!(
                        "memory `{}`: width {} bits, expected 1 to 64",
                        mm.name, mm.width
                    ),
                ));
            }
            let bytes = read(&mm.file)
                .map_err(|e| fail(&mm.file, format!("cannot read memory `{}`: {e}", mm.name)))?;
            let expected = mm
                .words
                .checked_mul(bytes_per_word(mm.width))
                .ok_or_else(|| {
                    fail(
                        MANIFEST,
                        format!("memory `{}`: {} words is not a size", mm.name, mm.words),
                    )
                })?;
            if bytes.len() != expected {
                return Err(fail(
                    &mm.file,
                    format!(
                        "{} bytes, expected {expected} ({} words of {} bits){}",
                        bytes.len(),
                        mm.words,
                        mm.width,
                        if bytes.len() < expected {
                            ": truncated"
                        } else {
                            ""
                        }
                    ),
                ));
            }
            let crc = crc32fast::hash(&bytes);
            if crc != mm.crc32 {
                return Err(fail(
                    &mm.file,
                    format!(
                        "CRC-32 {crc:08x}, the manifest says {:08x}: the file is corrupt or from another image",
                        mm.crc32
                    ),
                ));
            }
            memories.insert(mm.name.clone(), from_bytes(&bytes, mm.width));
        }
        let image = unpack(&config, &m, memories).map_err(|e| fail(MANIFEST, e))?;
        image.validate().map_err(|e| fail(MANIFEST, e.message))?;
        Ok(image)
    }

    /// Writes every memory as a `$readmemh` file (one hex word per line) into `dir`;
    /// returns the files written.
    pub fn write_readmemh(&self, dir: &Path) -> Result<Vec<PathBuf>, ImageError> {
        std::fs::create_dir_all(dir).map_err(|e| ImageError {
            origin: dir.display().to_string(),
            message: format!("cannot create: {e}"),
        })?;
        let mut files = Vec::new();
        for (name, memory) in self.memories() {
            let digits = memory.width.div_ceil(4) as usize;
            let mut text = String::with_capacity(memory.words.len() * (digits + 1));
            for w in &memory.words {
                text += &format!("{w:0digits$x}\n");
            }
            let path = dir.join(format!("{name}.hex"));
            std::fs::write(&path, text).map_err(|e| ImageError {
                origin: path.display().to_string(),
                message: format!("cannot write: {e}"),
            })?;
            files.push(path);
        }
        Ok(files)
    }
}

fn to_bytes(m: &Memory) -> Vec<u8> {
    let b = bytes_per_word(m.width);
    let mut out = Vec::with_capacity(m.words.len() * b);
    for w in &m.words {
        out.extend_from_slice(&w.to_le_bytes()[..b]);
    }
    out
}

fn from_bytes(bytes: &[u8], width: u32) -> Memory {
    let b = bytes_per_word(width);
    Memory {
        width,
        words: bytes
            .chunks_exact(b)
            .map(|c| {
                let mut w = [0u8; 8];
                w[..b].copy_from_slice(c);
                u64::from_le_bytes(w)
            })
            .collect(),
    }
}
