//! The partitioner against the naive baseline on structured networks, what it promises
//! (capacity, balance, the same network behaviour whatever the placement), and its
//! traffic model against the traffic the chip model counts.

use chip::ChipConfig;
use compiler::graph::SpikeGraph;
use compiler::{compile_with, PartitionOptions, Placer};
use network::modular::ModularNetwork;
use network::random::RandomNetwork;
use network::{Network, Stimulus};
use sim::ChipModel;

fn partitioned() -> Placer {
    Placer::Partition(PartitionOptions::default())
}

fn compile(net: &Network, config: &ChipConfig, placer: Placer) -> compiler::Compiled {
    compile_with(net, config, placer, &mut |_| {}).unwrap()
}

fn mesh(width: u32, height: u32, neurons: u32) -> ChipConfig {
    let text = format!(
        "name = \"mesh\"\n[mesh]\nwidth = {width}\nheight = {height}\n[core]\nneurons = {neurons}\naxons = 4096\nsynapses = 65536\nroutes = 4096\n[words]\nweight_bits = 12\n[router]\nfifo_depth = 8\n[timing]\nclock_mhz = 100.0\ndt_ms = 0.025\n"
    );
    ChipConfig::from_toml(&text, "test").unwrap()
}

#[test]
fn on_a_shuffled_modular_network_partitioning_cuts_inter_core_packets_and_hops() {
    // 16 modules of 64 neurons on a 4 x 4 mesh: the best placement is a module per core,
    // ring neighbours on neighbouring cores.
    let spec = ModularNetwork::default();
    let net = spec.build();
    let config = mesh(4, 4, 256);
    let naive = compile(&net, &config, Placer::Spread);
    let smart = compile(&net, &config, partitioned());
    assert_eq!(naive.traffic, naive.baseline);
    assert_eq!(smart.baseline, naive.traffic);
    let (b, p) = (&smart.baseline, &smart.traffic);
    // Every source reaches the same neurons, so local + inter-core packets can only shift.
    assert_eq!(b.input, naive.traffic.input);
    assert!(
        p.inter_core * 4 < b.inter_core,
        "partitioned {} vs naive {} inter-core packets",
        p.inter_core,
        b.inter_core
    );
    assert!(p.hops * 4 < b.hops, "hops {} vs {}", p.hops, b.hops);
    // Modules recovered: most of each core's neurons come from one module.
    let module = spec.modules_of();
    for ids in &smart.placement.neurons {
        let mut count = [0usize; 16];
        ids.iter()
            .for_each(|&i| count[module[i as usize] as usize] += 1);
        let top = count.iter().max().unwrap();
        assert!(*top * 10 >= ids.len() * 9, "core mixes modules: {count:?}");
    }
    // Packets that leave a core mostly go one hop (ring neighbours placed side by side).
    assert!(
        p.hops * 10 <= p.inter_core * 13,
        "{} hops for {} packets",
        p.hops,
        p.inter_core
    );
}

#[test]
fn partitioning_never_does_worse_than_index_order_on_an_already_ordered_network() {
    let net = ModularNetwork {
        shuffle: false,
        ..ModularNetwork::default()
    }
    .build();
    let config = ChipConfig::builtin("small").unwrap();
    let smart = compile(&net, &config, partitioned());
    assert!(
        smart.traffic.inter_core <= smart.baseline.inter_core,
        "{} vs {}",
        smart.traffic.inter_core,
        smart.baseline.inter_core
    );
}

#[test]
fn cores_stay_within_capacity_and_the_balance_bound() {
    let net = RandomNetwork {
        neurons: 700,
        hot_fraction: 0.3,
        seed: 9,
        ..RandomNetwork::default()
    }
    .build();
    let config = ChipConfig::builtin("small").unwrap();
    for imbalance in [0.0, 0.05, 0.5] {
        let options = PartitionOptions {
            imbalance,
            ..PartitionOptions::default()
        };
        let c = compile(&net, &config, Placer::Partition(options));
        let bound = ((700f64 / 4.0).ceil() * (1.0 + imbalance)).ceil() as usize;
        let report = c.partition.as_ref().unwrap();
        assert_eq!(report.neuron_cap as usize, bound.min(256));
        let mut seen = vec![false; 700];
        for (k, ids) in c.placement.neurons.iter().enumerate() {
            assert!(
                ids.len() <= bound,
                "core {k}: {} neurons, bound {bound}",
                ids.len()
            );
            for (local, &i) in ids.iter().enumerate() {
                assert!(!seen[i as usize], "neuron {i} placed twice");
                seen[i as usize] = true;
                assert_eq!(c.placement.slot[i as usize], (k as u32, local as u32));
            }
        }
        assert!(seen.iter().all(|&s| s), "every neuron placed");
        // Each pass can only lower the traffic.
        assert!(
            report.packets.windows(2).all(|w| w[1] <= w[0]),
            "{report:?}"
        );
    }
}

/// Network spikes per tick (network indices, sorted).
fn network_spikes(
    image: &chip::ChipImage,
    stim: &Stimulus,
    ticks: usize,
) -> (Vec<Vec<u32>>, sim::Traffic) {
    let mut model = ChipModel::new(image).unwrap();
    let spikes = (0..ticks)
        .map(|t| {
            let mut s: Vec<u32> = model
                .tick(stim.at(t))
                .iter()
                .map(|&(core, local)| image.cores[core as usize].neuron_ids[local as usize])
                .collect();
            s.sort_unstable();
            s
        })
        .collect();
    (spikes, model.traffic().clone())
}

#[test]
fn the_network_behaves_the_same_on_any_placement_and_traffic_is_what_the_chip_counts() {
    let spec = ModularNetwork {
        neurons: 300,
        modules: 6,
        fanout: 24,
        inputs: 24,
        input_fanout: 12,
        ..ModularNetwork::default()
    };
    let net = spec.build();
    let config = mesh(3, 2, 64);
    let ticks = 800;
    let stim = Stimulus::poisson(net.inputs, 80.0, ticks, 0.025, 5);
    let naive = compile(&net, &config, Placer::Spread);
    let smart = compile(&net, &config, partitioned());
    let (a, _) = network_spikes(&naive.image, &stim, ticks);
    let (b, counted) = network_spikes(&smart.image, &stim, ticks);
    let total: usize = a.iter().map(Vec::len).sum();
    assert!(
        total > 100,
        "the network must be active to compare: {total} spikes"
    );
    assert_eq!(a, b, "spikes differ between placements");
    // The compile-time traffic model, weighted by the spikes the chip model produced,
    // predicts the packets and hops the chip model counted.
    let mut count = vec![0u64; net.neurons + net.inputs];
    b.iter().flatten().for_each(|&i| count[i as usize] += 1);
    (0..ticks)
        .flat_map(|t| stim.at(t))
        .for_each(|&i| count[net.neurons + i as usize] += 1);
    let graph = SpikeGraph::new(&net);
    let predicted =
        compiler::traffic::weighted(&graph, &smart.placement.cores(), 6, 3, |s| count[s]);
    assert_eq!(
        predicted.inter_core + predicted.local + predicted.input,
        counted.packets
    );
    assert_eq!(predicted.hops, counted.hops);
    // And the image holds exactly the routes the model counts.
    let routes: usize = smart
        .image
        .cores
        .iter()
        .map(|c| c.routes.entries.len())
        .sum();
    assert_eq!(
        routes as u64,
        smart.traffic.inter_core + smart.traffic.local
    );
    assert_eq!(smart.image.inputs.entries.len() as u64, smart.traffic.input);
}

#[test]
fn refusals_name_the_numbers_and_what_to_change() {
    let config = ChipConfig::builtin("small").unwrap();
    let net = RandomNetwork::default().build();
    let bad = PartitionOptions {
        imbalance: -0.1,
        ..PartitionOptions::default()
    };
    let e = compile_with(&net, &config, Placer::Partition(bad), &mut |_| {}).unwrap_err();
    assert!(
        e.message
            .starts_with("imbalance -0.1: expected a finite number >= 0"),
        "{e}"
    );

    let big = RandomNetwork {
        neurons: 1100,
        ..RandomNetwork::default()
    }
    .build();
    let e = compile_with(&big, &config, partitioned(), &mut |_| {}).unwrap_err();
    assert!(
        e.message
            .starts_with("1100 neurons, but the chip holds 1024 (4 cores x 256)"),
        "{e}"
    );

    // One core of 16 Ki synapses, a network with 20 Ki.
    let tiny = ChipConfig::builtin("tiny").unwrap();
    let dense = RandomNetwork {
        neurons: 200,
        fanout: 100,
        ..RandomNetwork::default()
    }
    .build();
    let e = compile_with(&dense, &tiny, partitioned(), &mut |_| {}).unwrap_err();
    assert!(
        e.message.contains("synapses, but the chip holds 16384 (1 cores x 16384): use a larger mesh or raise `core.synapses`"),
        "{e}"
    );
}
