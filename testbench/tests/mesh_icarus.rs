//! The router mesh under load, in Icarus Verilog: every core injects random packets (some
//! runs aim most of them at one hot-spot core, which fills FIFOs all the way back), the
//! ejection ports stall at random. Every packet must arrive exactly once, at the core its
//! address names, in order per (source, destination), with no packet offered off an edge.

use std::collections::HashMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const TEST_BENCH: &str = r#"
`timescale 1ns/1ps
module tb;
    parameter N = 4, PER_CORE = 1, SEED = 1;
    reg clock = 0, reset = 1;
    reg [N-1:0] inject_valid = 0, eject_ready = 0;
    reg [32*N-1:0] inject_data = 0;
    wire [N-1:0] inject_ready, eject_valid;
    wire [32*N-1:0] eject_data;
    wire idle, edge_error;
    spike_mesh dut(.clock(clock), .reset(reset), .inject_valid(inject_valid),
        .inject_data(inject_data), .inject_ready(inject_ready), .eject_valid(eject_valid),
        .eject_data(eject_data), .eject_ready(eject_ready), .idle(idle), .edge_error(edge_error));
    reg [31:0] packets [0:N*PER_CORE-1];
    integer sent [0:N-1];
    integer k, cycle, quiet, seed, stalled;
    always #5 clock = ~clock;
    initial begin
        $readmemh("packets.hex", packets);
        seed = SEED;
        for (k = 0; k < N; k = k + 1) sent[k] = 0;
        @(negedge clock) reset = 0;
        quiet = 0;
        for (cycle = 0; cycle < 200000 && quiet < 50; cycle = cycle + 1) begin
            // Inputs change at the falling edge; the handshakes they make happen at the
            // next rising edge, and ready/valid depend on registers only.
            stalled = (cycle < 300) || (($random(seed) & 3) == 0);
            for (k = 0; k < N; k = k + 1) begin
                inject_valid[k] = sent[k] < PER_CORE;
                inject_data[32*k +: 32] = (sent[k] < PER_CORE) ? packets[k*PER_CORE + sent[k]] : 32'd0;
                eject_ready[k] = !stalled && (($random(seed) & 7) != 0);
            end
            #1;
            for (k = 0; k < N; k = k + 1) begin
                if (inject_valid[k] && inject_ready[k]) sent[k] = sent[k] + 1;
                if (eject_valid[k] && eject_ready[k]) $display("e %0d %0d %0d", cycle, k, eject_data[32*k +: 32]);
                if (!inject_ready[k]) $display("full %0d", k);
            end
            if (edge_error) $display("edge_error %0d", cycle);
            quiet = (idle && eject_valid == 0) ? quiet + 1 : 0;
            @(negedge clock);
        end
        for (k = 0; k < N; k = k + 1) $display("sent %0d %0d", k, sent[k]);
        $display("cycles %0d", cycle);
        $finish;
    end
endmodule
"#;

fn run_mesh(width: u32, height: u32, per_core: usize, hot_fraction: f64, seed: u64) {
    let n = (width * height) as usize;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("spike_router.v"),
        hdl::export::router_verilog(4),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("spike_mesh.v"),
        hdl::mesh::mesh_verilog(width, height),
    )
    .unwrap();
    std::fs::write(dir.path().join("tb.v"), TEST_BENCH).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // Axon = source core * 4096 + sequence number: identifies every packet.
    let mut packets = Vec::new();
    for k in 0..n {
        for i in 0..per_core {
            let dest = if rng.gen_bool(hot_fraction) {
                0
            } else {
                rng.gen_range(0..n as u32)
            };
            let axon = (k * 4096 + i) as u32;
            packets.push(hdl::router::packet(dest % width, dest / width, axon));
        }
    }
    let hex: String = packets.iter().map(|p| format!("{p:08x}\n")).collect();
    std::fs::write(dir.path().join("packets.hex"), hex).unwrap();
    let log = testbench::icarus::run(
        dir.path(),
        "tb",
        &["spike_router.v", "spike_mesh.v", "tb.v"],
        &[
            format!("N={n}"),
            format!("PER_CORE={per_core}"),
            format!("SEED={seed}"),
        ],
    );
    let mut seen: HashMap<u32, usize> = HashMap::new();
    let mut last: HashMap<(u32, usize), u32> = HashMap::new();
    let mut full = vec![false; n];
    let mut cycles = 0;
    for line in log.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        match f.as_slice() {
            ["e", cycle, core, data] => {
                let (core, data): (usize, u32) = (core.parse().unwrap(), data.parse().unwrap());
                let dest = (data & 63) + ((data >> 6) & 63) * width;
                assert_eq!(
                    dest as usize, core,
                    "cycle {cycle}: packet {data:#x} ejected at core {core}"
                );
                *seen.entry(data).or_default() += 1;
                let (src, seq) = (data >> 24, (data >> 12) & 4095);
                if let Some(prev) = last.insert((src, core), seq) {
                    assert!(
                        seq > prev,
                        "core {src} -> {core}: packet {seq} after {prev}"
                    );
                }
            }
            ["full", k] => full[k.parse::<usize>().unwrap()] = true,
            ["edge_error", c] => panic!("cycle {c}: a packet was offered off the mesh's edge"),
            ["sent", k, s] => assert_eq!(
                s.parse::<usize>().unwrap(),
                per_core,
                "core {k} could not inject all"
            ),
            ["cycles", c] => cycles = c.parse().unwrap(),
            _ => {}
        }
    }
    for p in &packets {
        assert_eq!(
            seen.get(p).copied().unwrap_or(0),
            1,
            "packet {p:#x} arrived {:?} times",
            seen.get(p)
        );
    }
    assert_eq!(seen.len(), packets.len());
    if hot_fraction > 0.5 {
        assert!(
            full.iter().filter(|&&f| f).count() >= 2,
            "the hot spot should back FIFOs up: {full:?}"
        );
    }
    println!(
        "{width}x{height}, {} packets, hot {hot_fraction}: {cycles} cycles",
        packets.len()
    );
}

#[test]
fn the_mesh_delivers_every_packet_once_under_load() {
    if !testbench::icarus::available() {
        return;
    }
    run_mesh(1, 1, 300, 0.0, 4);
    run_mesh(2, 2, 200, 0.0, 1);
    run_mesh(3, 2, 150, 0.8, 2);
    run_mesh(4, 3, 60, 0.3, 3);
}

/// A one-core chip's link drops a packet for a core that does not exist and reports it, and
/// still passes the valid ones.
#[test]
fn the_one_core_link_drops_packets_off_its_edge_and_reports_them() {
    if !testbench::icarus::available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("spike_mesh.v"),
        hdl::mesh::mesh_verilog(1, 1),
    )
    .unwrap();
    std::fs::write(dir.path().join("tb.v"), TEST_BENCH).unwrap();
    let packets = [
        hdl::router::packet(1, 0, 7),
        hdl::router::packet(0, 0, 8),
        hdl::router::packet(0, 1, 9),
        hdl::router::packet(0, 0, 10),
    ];
    let hex: String = packets.iter().map(|p| format!("{p:08x}\n")).collect();
    std::fs::write(dir.path().join("packets.hex"), hex).unwrap();
    let log = testbench::icarus::run(
        dir.path(),
        "tb",
        &["spike_mesh.v", "tb.v"],
        &["N=1".into(), "PER_CORE=4".into(), "SEED=5".into()],
    );
    let ejected: Vec<u32> = log
        .lines()
        .filter_map(|l| l.strip_prefix("e "))
        .map(|l| l.split_whitespace().nth(2).unwrap().parse().unwrap())
        .collect();
    assert_eq!(ejected, vec![packets[1], packets[3]], "{log}");
    assert_eq!(
        log.lines().filter(|l| l.starts_with("edge_error")).count(),
        2,
        "{log}"
    );
}
