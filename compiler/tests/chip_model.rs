//! The chip model runs a compiled network exactly like a flat model of the same network:
//! one population, every synapse delivered straight from the network's edge list. So the
//! placement, axon tables, synapse memories and routing tables change nothing, whatever
//! the mesh and whatever the order synapses arrive in.

use chip::ChipConfig;
use network::random::RandomNetwork;
use network::{Network, Stimulus};
use sim::format::{mv_to_v, G_FRAC};
use sim::{ChipModel, FixedEngine, FixedReceptor};

const TICKS: usize = 1500;

fn config(width: u32, height: u32, neurons: u32) -> ChipConfig {
    let text = format!(
        "name = \"t\"\n[mesh]\nwidth = {width}\nheight = {height}\n[core]\nneurons = {neurons}\naxons = 4096\nsynapses = 65536\nroutes = 4096\n[words]\nweight_bits = 12\n[router]\nfifo_depth = 8\n[timing]\nclock_mhz = 100.0\ndt_ms = 0.025\n"
    );
    ChipConfig::from_toml(&text, "test").unwrap()
}

/// Spikes per tick (network indices, sorted) of the flat model: one population in network
/// order, synapses straight from the edge lists, weights rounded to `steps`.
fn flat_run(net: &Network, steps: &[f64], stim: &Stimulus) -> Vec<Vec<u32>> {
    let dt = 0.025;
    let receptors = net
        .receptors
        .iter()
        .map(|r| match r.kind {
            network::ReceptorKind::Conductance { reversal_mv } => {
                FixedReceptor::conductance(reversal_mv, r.tau_ms, dt)
            }
            network::ReceptorKind::Current { excitatory } => {
                FixedReceptor::current(excitatory, r.tau_ms, dt)
            }
        })
        .collect();
    let engine = FixedEngine::new(&net.channels, dt)
        .unwrap()
        .with_receptors(receptors)
        .unwrap();
    let mut pop = engine.population(net.neurons, -65.0, net.threshold_mv);
    pop.v = net
        .initial
        .v_mv
        .iter()
        .map(|&v| mv_to_v(v) as i32)
        .collect();
    for (g, values) in net.initial_gates().iter().enumerate() {
        pop.gates[g] = values
            .iter()
            .map(|&x| (x * 65536.0).round().min(65535.0) as u16)
            .collect();
    }
    let lsb = 1.0 / f64::from(1u32 << G_FRAC);
    let increment = |w: f64, r: u8| -> u32 {
        let step = steps[r as usize];
        ((w / step).round() * (step / lsb)).round() as u32
    };
    let mut seen = vec![0u32; net.neurons];
    let mut out = Vec::new();
    for t in 0..TICKS {
        engine.step(&mut pop);
        let spiked: Vec<u32> = (0..net.neurons as u32)
            .filter(|&i| pop.spikes[i as usize] != seen[i as usize])
            .collect();
        for &i in &spiked {
            seen[i as usize] = pop.spikes[i as usize];
        }
        let s = &net.synapses;
        for e in 0..s.len() {
            if spiked.binary_search(&s.pre[e]).is_ok() {
                pop.deliver(
                    s.receptor[e] as usize,
                    s.post[e] as usize,
                    increment(s.weight[e], s.receptor[e]),
                );
            }
        }
        let s = &net.input_synapses;
        for e in 0..s.len() {
            if stim.at(t).contains(&s.pre[e]) {
                pop.deliver(
                    s.receptor[e] as usize,
                    s.post[e] as usize,
                    increment(s.weight[e], s.receptor[e]),
                );
            }
        }
        out.push(spiked);
    }
    out
}

fn chip_run(model: &mut ChipModel, stim: &Stimulus) -> Vec<Vec<u32>> {
    (0..TICKS)
        .map(|t| {
            let spikes = model.tick(stim.at(t)).to_vec();
            let mut ids: Vec<u32> = spikes.iter().map(|&(c, l)| model.neuron_id(c, l)).collect();
            ids.sort_unstable();
            ids
        })
        .collect()
}

fn first_difference(a: &[Vec<u32>], b: &[Vec<u32>]) -> Option<String> {
    a.iter()
        .zip(b)
        .enumerate()
        .find(|(_, (x, y))| x != y)
        .map(|(t, (x, y))| format!("tick {t}: expected spikes {x:?}, got {y:?}"))
}

#[test]
fn every_placement_runs_like_the_flat_network() {
    for seed in 1..=3 {
        let net = RandomNetwork {
            neurons: 120,
            inputs: 16,
            fanout: 15,
            hot_fraction: if seed == 2 { 0.5 } else { 0.0 },
            seed,
            ..RandomNetwork::default()
        }
        .build();
        let stim = Stimulus::poisson(net.inputs, 150.0, TICKS, 0.025, seed);
        let mut reference: Option<Vec<Vec<u32>>> = None;
        for cfg in [config(1, 1, 128), config(2, 2, 32), config(4, 3, 16)] {
            let compiled = compiler::compile(&net, &cfg).unwrap();
            let steps: Vec<f64> = compiled
                .quantization
                .receptors
                .iter()
                .map(|r| r.step)
                .collect();
            let flat = reference
                .get_or_insert_with(|| flat_run(&net, &steps, &stim))
                .clone();
            let total: usize = flat.iter().map(Vec::len).sum();
            assert!(
                total > 50,
                "seed {seed}: the network should be active ({total} spikes)"
            );
            let mut model = ChipModel::new(&compiled.image).unwrap();
            let got = chip_run(&mut model, &stim);
            if let Some(d) = first_difference(&flat, &got) {
                panic!(
                    "seed {seed}, {}x{} mesh: {d}",
                    cfg.mesh.width, cfg.mesh.height
                );
            }
            // Reversing every axon's synapse entries changes the delivery order only.
            let mut image = compiled.image.clone();
            for core in &mut image.cores {
                for a in &core.axons {
                    core.synapses[a.span()].reverse();
                }
            }
            let mut model = ChipModel::new(&image).unwrap();
            assert!(first_difference(&flat, &chip_run(&mut model, &stim)).is_none());
        }
    }
}
