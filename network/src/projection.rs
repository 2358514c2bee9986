//! Synapses as a list of edges, and the per-source index engines use to deliver spikes.

use serde::{Deserialize, Serialize};

/// Synapses, one entry per index of the four vectors (structure of arrays).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Projection {
    pub pre: Vec<u32>,
    pub post: Vec<u32>,
    /// Magnitude added to the receptor's state per presynaptic spike: mS/cm^2 for a
    /// conductance receptor, uA/cm^2 for a current receptor (its sign is the receptor's).
    pub weight: Vec<f64>,
    pub receptor: Vec<u8>,
}

impl Projection {
    pub fn len(&self) -> usize {
        self.pre.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pre.is_empty()
    }

    pub fn push(&mut self, pre: u32, post: u32, weight: f64, receptor: u8) {
        self.pre.push(pre);
        self.post.push(post);
        self.weight.push(weight);
        self.receptor.push(receptor);
    }

    pub(crate) fn validate(
        &self,
        field: &str,
        sources: usize,
        neurons: usize,
        receptors: usize,
    ) -> Result<(), String> {
        let len = self.pre.len();
        for (name, l) in [
            ("post", self.post.len()),
            ("weight", self.weight.len()),
            ("receptor", self.receptor.len()),
        ] {
            if l != len {
                return Err(format!(
                    "{field}.{name} has {l} entries: expected {len}, as many as {field}.pre"
                ));
            }
        }
        let what = if field == "synapses" {
            "a neuron"
        } else {
            "an input"
        };
        if let Some(i) = self.pre.iter().position(|&p| p as usize >= sources) {
            return Err(format!(
                "{field}.pre[{i}] = {}: expected {what} index below {sources}",
                self.pre[i]
            ));
        }
        if let Some(i) = self.post.iter().position(|&p| p as usize >= neurons) {
            return Err(format!(
                "{field}.post[{i}] = {}: expected a neuron index below {neurons}",
                self.post[i]
            ));
        }
        if let Some(i) = self
            .weight
            .iter()
            .position(|w| !(w.is_finite() && *w >= 0.0))
        {
            return Err(format!(
                "{field}.weight[{i}] = {}: expected a finite, non-negative magnitude (the sign is the receptor's)",
                self.weight[i]
            ));
        }
        if let Some(i) = self.receptor.iter().position(|&r| r as usize >= receptors) {
            return Err(format!(
                "{field}.receptor[{i}] = {}: expected a receptor index below {receptors}",
                self.receptor[i]
            ));
        }
        Ok(())
    }

    /// The synapses grouped by source, for delivering spikes.
    pub fn fanout(&self, sources: usize) -> Fanout {
        let mut offsets = vec![0u32; sources + 1];
        for &p in &self.pre {
            offsets[p as usize + 1] += 1;
        }
        for i in 0..sources {
            offsets[i + 1] += offsets[i];
        }
        let mut fill = offsets.clone();
        let mut order = vec![0u32; self.pre.len()];
        for (e, &p) in self.pre.iter().enumerate() {
            order[fill[p as usize] as usize] = e as u32;
            fill[p as usize] += 1;
        }
        Fanout {
            offsets,
            post: order.iter().map(|&e| self.post[e as usize]).collect(),
            receptor: order.iter().map(|&e| self.receptor[e as usize]).collect(),
            edge: order,
        }
    }
}

/// Synapses sorted by source: those of source `s` are `offsets[s]..offsets[s + 1]`.
#[derive(Clone, Debug)]
pub struct Fanout {
    pub offsets: Vec<u32>,
    pub post: Vec<u32>,
    pub receptor: Vec<u8>,
    /// Index of each sorted synapse in the projection (to look up or differentiate weights).
    pub edge: Vec<u32>,
}

impl Fanout {
    pub fn range(&self, source: usize) -> std::ops::Range<usize> {
        self.offsets[source] as usize..self.offsets[source + 1] as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fanout_groups_synapses_by_source_in_order() {
        let mut p = Projection::default();
        p.push(2, 0, 1.0, 0);
        p.push(0, 1, 2.0, 1);
        p.push(2, 3, 3.0, 0);
        let f = p.fanout(3);
        assert_eq!(f.offsets, vec![0, 1, 1, 3]);
        assert_eq!(f.post, vec![1, 0, 3]);
        assert_eq!(f.edge, vec![1, 0, 2]);
        assert_eq!(f.range(2), 1..3);
        assert!(f.range(1).is_empty());
    }
}
