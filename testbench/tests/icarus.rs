//! A second, independent simulator: the exported Verilog under Icarus Verilog, driven by a
//! Verilog test bench through the host port, against `sim`. Verilator and Icarus interpret
//! the same file; agreeing with both is evidence that the Verilog means what `sim` computes,
//! not only what one simulator makes of it.

use hdl::map::{self, CoreImage};
use sim::format::{from_bits, to_bits, I_BITS};
use sim::{current_to_fixed, FixedEngine};

const TEST_BENCH: &str = r#"
`timescale 1ns/1ps
module tb;
    reg clock = 0, reset = 1, host_write = 0, host_read = 0, start = 0;
    reg [15:0] host_address = 0;
    reg [31:0] host_write_data = 0;
    wire [31:0] host_read_data;
    wire host_read_valid, busy, spike_valid, probe_valid;
    wire [9:0] spike_neuron;
    wire [19:0] probe_v;
    wire [15:0] probe_x0, probe_x1, probe_x2, probe_x3;
    neuron_core dut(
        .clock(clock), .reset(reset), .host_address(host_address),
        .host_write_data(host_write_data), .host_write(host_write), .host_read(host_read),
        .host_read_data(host_read_data), .host_read_valid(host_read_valid), .start(start),
        .busy(busy), .spike_valid(spike_valid), .spike_neuron(spike_neuron),
        .probe_valid(probe_valid), .probe_v(probe_v), .probe_x0(probe_x0),
        .probe_x1(probe_x1), .probe_x2(probe_x2), .probe_x3(probe_x3));
    reg [47:0] writes [0:WRITES - 1];
    reg [24:0] currents [0:STEPS - 1];
    integer i, s;
    always #5 clock = ~clock;
    // Inputs change and outputs are read at falling edges, away from the rising edge.
    initial begin
        $readmemh("writes.hex", writes);
        $readmemh("currents.hex", currents);
        @(negedge clock) reset = 0;
        for (i = 0; i < WRITES; i = i + 1) begin
            host_address = writes[i][47:32];
            host_write_data = writes[i][31:0];
            host_write = 1;
            @(negedge clock);
        end
        for (s = 0; s < STEPS; s = s + 1) begin
            host_address = I_EXT_ADDRESS;
            host_write_data = {7'd0, currents[s]};
            host_write = 1;
            @(negedge clock) host_write = 0;
            start = 1;
            @(negedge clock) start = 0;
            while (busy) begin
                if (probe_valid) $display("v %0d %0d %0d", s, probe_v, spike_valid);
                @(negedge clock);
            end
        end
        $finish;
    end
endmodule
"#;

#[test]
fn icarus_runs_the_exported_verilog_bit_exact_with_sim() {
    if !testbench::icarus::available() {
        return;
    }
    let set = channels::ChannelSet::builtin("hh_squid").unwrap();
    let engine = FixedEngine::new(&set, 0.025).unwrap();
    let pop = engine.population(1, -65.0, 0.0);
    let dir = tempfile::tempdir().unwrap();
    let config = chip::ChipConfig::builtin("small").unwrap();
    hdl::export::export(dir.path(), Some(&engine), &config).unwrap();

    // Every memory and register through the host port (the tables too, over the preloaded
    // ones), then 800 steps (20 ms): 15 uA/cm^2 from 2 ms on.
    let image = CoreImage::new(&engine, &pop).unwrap();
    let writes: String = image
        .writes
        .iter()
        .map(|w| format!("{:04x}{:08x}\n", w.address, w.data))
        .collect();
    std::fs::write(dir.path().join("writes.hex"), writes).unwrap();
    let steps = 800;
    let currents: Vec<i32> = (0..steps)
        .map(|k| current_to_fixed(if k >= 80 { 15.0 } else { 0.0 }))
        .collect();
    let hex: String = currents
        .iter()
        .map(|&c| format!("{:07x}\n", to_bits(c.into(), I_BITS)))
        .collect();
    std::fs::write(dir.path().join("currents.hex"), hex).unwrap();
    let bench = TEST_BENCH
        .replace("WRITES", &image.writes.len().to_string())
        .replace("STEPS", &steps.to_string())
        .replace(
            "I_EXT_ADDRESS",
            &format!("16'h{:04x}", map::address(map::REGION_I_EXT, 0)),
        );
    std::fs::write(dir.path().join("tb.v"), bench).unwrap();

    let stdout = testbench::icarus::run(dir.path(), "tb", &["tb.v", "neuron_core.v"], &[]);
    let got: Vec<(usize, i64, bool)> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("v "))
        .map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            (
                f[0].parse().unwrap(),
                from_bits(f[1].parse().unwrap(), 20),
                f[2] == "1",
            )
        })
        .collect();
    assert_eq!(got.len(), steps, "one probe line per step:\n{stdout}");

    let mut model = pop.clone();
    let mut spikes = 0;
    for (k, &(step, v, spike)) in got.iter().enumerate() {
        let before = model.spikes[0];
        model.i_ext[0] = currents[k];
        engine.step(&mut model);
        assert_eq!(step, k);
        assert_eq!(v, i64::from(model.v[0]), "step {k}: V (Icarus vs sim)");
        assert_eq!(spike, model.spikes[0] != before, "step {k}: spike");
        spikes += usize::from(spike);
    }
    assert!(
        spikes >= 2,
        "the pulse must make the neuron fire ({spikes} spikes)"
    );
}
