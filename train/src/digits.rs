//! The 8x8 handwritten digits of the UCI repository (1,797 images, pixels 0..16), as
//! distributed with scikit-learn; shipped in `data/digits/` with its licence.

use std::io::Read;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

const CSV_GZ: &[u8] = include_bytes!("../../data/digits/digits.csv.gz");

pub const PIXELS: usize = 64;
pub const CLASSES: usize = 10;
/// Largest pixel value.
pub const PIXEL_MAX: u8 = 16;

#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    pub pixels: [u8; PIXELS],
    pub label: u8,
}

/// Every image, in the file's order.
pub fn load() -> Vec<Sample> {
    parse(CSV_GZ).expect("the shipped digits file is valid (checked by a test)")
}

fn parse(gz: &[u8]) -> Result<Vec<Sample>, String> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(gz)
        .read_to_string(&mut text)
        .map_err(|e| format!("digits.csv.gz: {e}"))?;
    text.lines()
        .enumerate()
        .map(|(row, line)| {
            let values: Vec<u8> = line
                .split(',')
                .map(|v| v.trim().parse::<u8>())
                .collect::<Result<_, _>>()
                .map_err(|e| format!("digits.csv.gz row {}: {e}", row + 1))?;
            if values.len() != PIXELS + 1
                || values[..PIXELS].iter().any(|&p| p > PIXEL_MAX)
                || values[PIXELS] as usize >= CLASSES
            {
                return Err(format!(
                    "digits.csv.gz row {}: expected 64 pixels in 0..=16 and a label 0..=9",
                    row + 1
                ));
            }
            Ok(Sample {
                pixels: values[..PIXELS].try_into().unwrap(),
                label: values[PIXELS],
            })
        })
        .collect()
}

/// A fixed shuffle (seeded) split into a training and a test set, `test_fraction` of the
/// images held out.
pub fn split(samples: &[Sample], test_fraction: f64, seed: u64) -> (Vec<Sample>, Vec<Sample>) {
    let mut order: Vec<usize> = (0..samples.len()).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    let test = (samples.len() as f64 * test_fraction).round() as usize;
    let pick = |idx: &[usize]| idx.iter().map(|&i| samples[i].clone()).collect();
    (pick(&order[test..]), pick(&order[..test]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_file_has_1797_images_of_every_class() {
        let all = load();
        assert_eq!(all.len(), 1797);
        let mut per_class = [0; CLASSES];
        for s in &all {
            per_class[s.label as usize] += 1;
        }
        // scikit-learn's documented class sizes lie between 174 and 183.
        assert!(
            per_class.iter().all(|&c| (174..=183).contains(&c)),
            "{per_class:?}"
        );
        // The first image is a zero (scikit-learn's `load_digits().target[0]`).
        assert_eq!(all[0].label, 0);
        assert_eq!(&all[0].pixels[..8], &[0, 0, 5, 13, 9, 1, 0, 0]);
    }

    #[test]
    fn the_split_is_disjoint_and_reproducible() {
        let all = load();
        let (train, test) = split(&all, 0.2, 1);
        assert_eq!((train.len(), test.len()), (1438, 359));
        assert_eq!(split(&all, 0.2, 1).1, test);
    }

    #[test]
    fn a_malformed_row_is_reported_by_number() {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(b"0,1,2\n").unwrap();
        let err = parse(&enc.finish().unwrap()).unwrap_err();
        assert!(err.contains("row 1: expected 64 pixels"), "{err}");
    }
}
