//! The compact neuron core, for FPGAs with a handful of multipliers (an iCE40 UltraPlus has
//! eight 16 x 16): the same ports, host map and arithmetic as [`NeuronCore`](crate::NeuronCore),
//! but one 26 x 19-bit multiplier, shared by every product of a neuron update, instead of 92
//! in a pipeline. A microprogram of [`clocks_per_neuron`] clocks updates one neuron at a
//! time: read its state, update the gates, the channels' open fractions, conductances and
//! currents, the receptors, then V, and write it all back.
//!
//! Generated Verilog, like the chip top: the schedule is built here clock by clock, and each
//! clock's statements come from the operation it performs. Memories are written so that
//! Yosys maps them onto the FPGA's: the state, the gate tables, the membrane table and the
//! channel and receptor parameters are single-port (the tables in SB_SPRAM256KA with
//! `synth_ice40 -spram`), the accumulators simple dual-port (block RAM), because a delivery
//! reads one and writes another in the same clock. Few values are held in registers: words
//! are read from memory the clock before they are used, which keeps the core within an
//! UP5K's logic.
//!
//! Capacity: `2^neuron_bits` neurons. A step stops at the capacity whatever `neuron_count`
//! says; host and delivery indices at or above it alias (the host map's index is the same
//! 11 bits), so a chip reports its cores' capacity and a host checks images against it
//! (`chip_map::CHIP_SHAPE`).

use std::fmt::Write as _;

use crate::map::{self, MAX_NEURONS};
use crate::parameters::numbered_registers;

/// Name of the compact core's module (and file, `compact_neuron_core.v`).
pub const COMPACT_CORE_TOP: &str = "compact_neuron_core";

/// State memory slots (a slot holds one 25-bit word per neuron) in the order they are read.
const STATE_SLOTS: [(&str, u32, u32); 10] = [
    ("v", map::REGION_V, 20),
    ("x0", map::REGION_GATE, 16),
    ("x1", map::REGION_GATE + 1, 16),
    ("x2", map::REGION_GATE + 2, 16),
    ("x3", map::REGION_GATE + 3, 16),
    ("i_ext", map::REGION_I_EXT, 25),
    ("rs0", map::REGION_RECEPTOR_STATE, 24),
    ("rs1", map::REGION_RECEPTOR_STATE + 1, 24),
    ("rs2", map::REGION_RECEPTOR_STATE + 2, 24),
    ("rs3", map::REGION_RECEPTOR_STATE + 3, 24),
];
const I_EXT_SLOT: usize = 5;

/// One clock of the microprogram: controls (combinational: memory requests and the
/// selects of the shared units) and register updates (at the clock's end).
#[derive(Default)]
struct Clock {
    controls: String,
    updates: String,
}

/// The microprogram under construction.
#[derive(Default)]
struct Program(Vec<Clock>);

impl Program {
    fn at(&mut self, t: usize, controls: &str, updates: &str) {
        while self.0.len() <= t {
            self.0.push(Clock::default());
        }
        self.0[t].controls.push_str(controls);
        self.0[t].updates.push_str(updates);
    }

    /// The rounding the product used in clock `t` takes (`HALF_*`): a register set in the
    /// clock before, so that no decode of the step lies on the path through the multiplier.
    fn round(&mut self, t: usize, half: &str) {
        let before = self.0.get(t - 1).map_or("", |c| c.updates.as_str());
        assert!(
            !before.contains("rounding_half"),
            "two roundings for clock {t}"
        );
        self.at(t - 1, "", &format!("rounding_half <= {half};\n"));
    }
}

/// The microprogram for one neuron. Products: operands registered in one clock, the
/// rounded product used in the next; the units after the multiplier (rounding, gate
/// relaxation, driving force, receptor total) exist once, their inputs chosen by selects.
/// Memory words are read the clock before they are used, so few are held in registers: a
/// gate's table entries, a channel's and a receptor's parameters, a receptor's state and
/// accumulator come from the memories just in time.
fn schedule() -> Vec<Clock> {
    let mut p = Program::default();
    // Clocks 0-5: V, the gates and I_ext (one slot per clock, data a clock later).
    p.at(0, "", "g_acc <= 27'd0;\n");
    for (slot, &(name, _, width)) in STATE_SLOTS[..=I_EXT_SLOT].iter().enumerate() {
        p.at(
            slot,
            &format!("state_request = 1'b1; state_slot = 4'd{slot};\n"),
            "",
        );
        let capture = if slot == I_EXT_SLOT {
            // The current sum starts from the injected current.
            "i_acc <= {{9{state_read[24]}}, state_read[24:0]};\n".to_string()
        } else {
            format!("{name} <= state_read[{}:0];\n", width - 1)
        };
        p.at(slot + 1, "", &capture);
    }
    // Gates from clock 4 (V is in at 2): x += round((inf - x) k / 2^18), the steady state
    // read two clocks ahead, the relaxation rate one.
    let mut t = 4;
    for g in 0..4 {
        let table = |table: usize| {
            format!("table_request = 1'b1; table_address = {{3'd{table}, gate_row}};\n")
        };
        p.at(t - 2, &table(g), "");
        p.at(t - 1, &table(4 + g), "inf <= table_read[15:0];\n");
        let select = format!("gate_select = 2'd{g};\n");
        p.at(
            t,
            &select,
            "mul_a <= {{9{gate_difference[16]}}, gate_difference}; mul_b <= {1'b0, table_read};\n",
        );
        p.at(t + 1, &select, &format!("x{g} <= x_relaxed;\n"));
        p.round(t + 1, "HALF_18");
        t += 2;
    }
    // Channels: the open fraction, factor by factor; the conductance; the current term.
    // Parameters: the structure word (held for the channel), then E, then gbar.
    for c in 0..4u32 {
        let parameter = |register: u32| {
            format!("parameter_request = 1'b1; parameter_address = 5'd{register};\n")
        };
        p.at(t - 2, &parameter(map::REG_STRUCTURE + c), "");
        p.at(
            t - 1,
            &parameter(map::REG_REVERSAL + c),
            "structure <= parameter_value[14:0];\n",
        );
        p.at(
            t,
            "gate_select = structure[1:0];\n",
            "open <= {x_selected, 8'd0};\ndrive <= drive_next;\n",
        );
        t += 1;
        for slot in 1..5 {
            p.at(
                t,
                &format!("gate_select = structure[{}:{}];\n", 2 * slot + 1, 2 * slot),
                "mul_a <= {2'd0, open}; mul_b <= {3'd0, x_selected};\n",
            );
            p.at(
                t + 1,
                "",
                &format!("if (structure[{}]) open <= rounded[39:16];\n", 9 + slot),
            );
            p.round(t + 1, "HALF_16");
            t += 2;
        }
        p.at(t - 1, &parameter(map::REG_GBAR + c), "");
        p.at(
            t,
            "",
            "mul_a <= {2'd0, open}; mul_b <= {2'd0, parameter_value[16:0]};\n",
        );
        p.at(
            t + 1,
            "",
            "gc <= conductance_next;\ng_acc <= g_acc + {3'd0, conductance_next};\n",
        );
        p.round(t + 1, "HALF_18");
        p.at(t + 2, "", "mul_a <= {2'd0, gc}; mul_b <= drive[18:0];\n");
        p.at(t + 3, "", "i_acc <= i_acc + current_term;\n");
        p.round(t + 3, "HALF_13");
        t += 4;
    }
    // Receptors: the state and the delivered weights read just before (the accumulator
    // cleared as it is read), summed; the current or conductance term; the state decays
    // (floor: no rounding) and goes straight back to memory.
    for r in 0..4u32 {
        let parameter = |register: u32| {
            format!("parameter_request = 1'b1; parameter_address = 5'd{register};\n")
        };
        let slot = I_EXT_SLOT as u32 + 1 + r;
        p.at(
            t - 2,
            &format!("state_request = 1'b1; state_slot = 4'd{slot};\n"),
            "",
        );
        p.at(
            t - 1,
            &format!(
                "acc_read_address = {{2'd{r}, neuron_index}};\n{}",
                parameter(map::REG_RECEPTOR_REVERSAL + r)
            ),
            "",
        );
        p.at(
            t,
            &format!(
                "acc_write = 1'b1; acc_write_address = {{2'd{r}, neuron_index}}; acc_write_data = 24'd0;\n{}",
                parameter(map::REG_RECEPTOR_KIND + r)
            ),
            "s <= receptor_total[24] ? 24'hffffff : receptor_total[23:0];\ndrive <= drive_next;\n",
        );
        p.at(
            t + 1,
            &parameter(map::REG_RECEPTOR_DECAY + r),
            "mul_a <= {2'd0, s}; mul_b <= drive[18:0];\nkind <= parameter_value[1:0];\n",
        );
        p.at(
            t + 2,
            "receptor_term = 1'b1;\n",
            "i_acc <= i_acc + current_term;\n\
             if (kind == 2'd1) g_acc <= g_acc + {3'd0, s};\n\
             mul_a <= {2'd0, s}; mul_b <= {1'b0, parameter_value[17:0]};\n",
        );
        p.round(t + 2, "HALF_13");
        p.at(
            t + 3,
            &format!(
                "state_request = 1'b1; state_write = 1'b1; state_slot = 4'd{slot}; state_write_data = {{1'b0, product[41:18]}};\n"
            ),
            "",
        );
        t += 4;
    }
    // The membrane: sums saturated once, F(G) read, V updated.
    p.at(
        t,
        "",
        "g_total <= (g_acc > 27'hffffff) ? 24'hffffff : g_acc[23:0];\n\
         i_total <= (i_acc > 34'sd16777215) ? 25'h0ffffff : (i_acc < -34'sd16777216) ? 25'h1000000 : i_acc[24:0];\n",
    );
    p.at(
        t + 1,
        "membrane_request = 1'b1; membrane_address = g_total[23:14];\n",
        "",
    );
    p.at(
        t + 2,
        "",
        "mul_a <= {i_total[24], i_total}; mul_b <= {2'd0, membrane_read};\n",
    );
    p.at(t + 3, "", "v_new <= v_saturated;\n");
    p.round(t + 3, "half_v");
    t += 4;
    // Write-back of V and the gates, one slot per clock; the spike and probe outputs.
    p.at(
        t,
        "",
        "spike_valid <= ($signed(v) < threshold_signed) && ($signed(v_new) >= threshold_signed);\n\
         spike_neuron <= neuron[9:0];\n\
         probe_valid <= (neuron[9:0] == probe_neuron);\n\
         probe_v <= v_new; probe_x0 <= x0; probe_x1 <= x1; probe_x2 <= x2; probe_x3 <= x3;\n",
    );
    for (slot, &(name, _, width)) in STATE_SLOTS[..I_EXT_SLOT].iter().enumerate() {
        let value = if name == "v" { "v_new" } else { name };
        p.at(
            t + slot,
            &format!(
                "state_request = 1'b1; state_write = 1'b1; state_slot = 4'd{slot}; state_write_data = {{{}'d0, {value}}};\n",
                25 - width
            ),
            "",
        );
    }
    p.0
}

/// Clocks one neuron update takes; a time step over `n` neurons takes `n` times this, plus
/// one clock for the start.
pub fn clocks_per_neuron() -> usize {
    schedule().len()
}

/// Verilog of the compact core (module [`COMPACT_CORE_TOP`]) for
/// `2^neuron_bits` neurons, `neuron_bits` from 1 to 10.
pub fn compact_core_verilog(neuron_bits: u32) -> Result<String, String> {
    if !(1..=map::NEURON_ADDRESS_BITS as u32).contains(&neuron_bits) {
        return Err(format!(
            "a compact core holds 2^1 to 2^{} neurons ({MAX_NEURONS}); asked for 2^{neuron_bits}",
            map::NEURON_ADDRESS_BITS
        ));
    }
    let nb = neuron_bits;
    let program = schedule();
    let last_clock = program.len() - 1;
    let mut v = String::new();
    let w = &mut v;
    writeln!(
        w,
        "// Generated by hdl::compact_core: one multiplier, {} clocks per neuron, {} neurons.",
        program.len(),
        1u32 << nb
    )
    .unwrap();
    write!(
        w,
        "
module {COMPACT_CORE_TOP}(clock, reset, host_address, host_write_data, host_write, host_read, host_read_data, host_read_valid,
    start, busy, spike_valid, spike_neuron, probe_valid, probe_v, probe_x0, probe_x1, probe_x2, probe_x3,
    deliver_valid, deliver_neuron, deliver_receptor, deliver_increment);
    input wire clock;
    input wire reset;
    input wire [15:0] host_address;
    input wire [31:0] host_write_data;
    input wire host_write;
    input wire host_read;
    output reg [31:0] host_read_data;
    output reg host_read_valid;
    input wire start;
    output wire busy;
    output reg spike_valid;
    output reg [9:0] spike_neuron;
    output reg probe_valid;
    output reg [19:0] probe_v;
    output reg [15:0] probe_x0, probe_x1, probe_x2, probe_x3;
    input wire deliver_valid;
    input wire [9:0] deliver_neuron;
    input wire [1:0] deliver_receptor;
    input wire [23:0] deliver_increment;
"
    )
    .unwrap();
    let registers = registers_verilog();
    write!(
        w,
        "
    // Host port decode. Host accesses wait while a step runs (`busy`), as on the pipelined core.
    wire [4:0] region = host_address[15:11];
    wire [10:0] index = host_address[10:0];
    reg running;
    assign busy = running;
    wire host_writes = host_write && !running;
{registers}"
    )
    .unwrap();
    write!(
        w,
        "    wire signed [19:0] threshold_signed = threshold;

    // The sequencer: neuron by neuron, {clocks} clocks each.
    reg [10:0] neuron;
    reg [7:0] step;
    wire [{nbm}:0] neuron_index = neuron[{nbm}:0];

    // The neuron being updated.
    reg [19:0] v, v_new;
    reg [15:0] x0, x1, x2, x3, inf;
    // The channel's structure word; the receptor's kind.
    reg [14:0] structure;
    reg [1:0] kind;
    reg [23:0] open, gc, s, g_total;
    // round((E - V) / 2^3) in 22 bits, of which the multiplier takes the low 19.
    reg signed [21:0] drive;
    reg [26:0] g_acc;
    reg signed [33:0] i_acc;
    reg [24:0] i_total;
    // V + 2^19: its top 11 bits are the gate-table row.
    wire [19:0] v_offset = v + 20'd524288;
    wire [10:0] gate_row = v_offset[19:9];

    // Selects of the shared units, set by the microprogram each clock.
    reg [1:0] gate_select;
    reg [15:0] x_selected;
    always @(*) begin
        case (gate_select)
            2'd0: x_selected = x0;
            2'd1: x_selected = x1;
            2'd2: x_selected = x2;
            default: x_selected = x3;
        endcase
    end

    // The one multiplier: operands registered, the product used in the next clock, with
    // the rounding its operation takes (docs/fixed-point.md): half of the last bit kept.
    reg signed [25:0] mul_a;
    reg signed [18:0] mul_b;
    wire signed [44:0] product = mul_a * mul_b;
    wire [4:0] v_shift_amount = (v_shift == 5'd0) ? 5'd1 : v_shift;
    // Half of the last bit kept: set the clock before the product it rounds
    // (`Program::round`), for the product's binary point: 2^16, 2^18, 2^13 or V's shift.
    localparam signed [44:0] HALF_16 = 45'sd32768, HALF_18 = 45'sd131072, HALF_13 = 45'sd4096;
    wire signed [44:0] half_v = 45'sd1 <<< (v_shift_amount - 5'd1);
    reg signed [44:0] rounding_half;
    wire signed [44:0] rounded = product + rounding_half;
    // G_c * drive / 2^13 (S17.12, sign-extended to the current sum's width).
    wire [33:0] term = {{{{2{{rounded[44]}}}}, rounded[44:13]}};
    // What a channel (its term) or a receptor (by its kind) adds to the current sum.
    reg receptor_term;
    reg [33:0] current_term;
    always @(*) begin
        if (!receptor_term) current_term = term;
        else case (kind)
            2'd1: current_term = term;
            2'd2: current_term = {{10'd0, s}};
            2'd3: current_term = -{{10'd0, s}};
            default: current_term = 34'd0;
        endcase
    end
    // x + (inf - x) k / 2^18, saturated to U0.16.
    // (|product| < 2^41: the shifted product fits 27 bits, the sum 28.)
    wire signed [27:0] relaxed_sum = $signed({{12'd0, x_selected}}) + $signed({{rounded[44], rounded[44:18]}});
    wire [15:0] x_relaxed = (relaxed_sum < 28'sd0) ? 16'd0 : (relaxed_sum > 28'sd65535) ? 16'hffff : relaxed_sum[15:0];
    // gbar * P / 2^18 (U8.16), or a leak's gbar << 6 (gbar: the parameter read).
    wire [23:0] conductance_next = structure[14] ? {{1'b0, parameter_value[16:0], 6'd0}} : {{1'b0, rounded[40:18]}};
    // V + I F / 2^(17 + s), saturated to S7.12.
    wire signed [44:0] v_rounded = rounded >>> v_shift_amount;
    wire signed [45:0] v_sum = $signed({{{{26{{v[19]}}}}, v}}) + $signed({{v_rounded[44], v_rounded}});
    wire [19:0] v_saturated = (v_sum > 46'sd524287) ? 20'h7ffff : (v_sum < -46'sd524288) ? 20'h80000 : v_sum[19:0];
    // round((E - V) / 2^3): S8.12 to S9.9 (one bit wider than S8.9, as `sim` keeps 2^17);
    // E is the parameter read (a channel's or a receptor's reversal potential).
    wire signed [21:0] drive_difference = $signed({{{{2{{parameter_value[19]}}}}, parameter_value}}) - $signed({{{{2{{v[19]}}}}, v}});
    wire signed [21:0] drive_next = (drive_difference + 22'sd4) >>> 3;
    wire signed [16:0] gate_difference = $signed({{1'b0, inf}}) - $signed({{1'b0, x_selected}});
    // A receptor's state (read from memory) plus what was delivered to it.
    wire [24:0] receptor_total = {{1'b0, state_read[23:0]}} + {{1'b0, acc_read}};
    // Rounded-off bits, bits the value ranges never reach, and table indices' low bits.
    wire unused_bits = &{{1'b0, rounded[12:0], g_total[13:0], v_offset[8:0], drive[21:19],
        host_write_data[31:25]}};

    // State memory: slot {{0 V, 1-4 gates, 5 I_ext, 6-9 receptor states}} x neuron; single port.
    reg [24:0] state_memory [0:{state_last}];
    reg [24:0] state_read;
    reg state_request, state_write;
    reg [3:0] state_slot;
    reg [{nbm}:0] state_neuron;
    reg [24:0] state_write_data;
    always @(posedge clock) begin
        if (state_request) begin
            if (state_write) state_memory[{{state_slot, state_neuron}}] <= state_write_data;
            else state_read <= state_memory[{{state_slot, state_neuron}}];
        end
    end
    // Gate tables: steady states (tables 0-3, regions 8-11) and relaxations (4-7, 12-15),
    // 2,048 rows each; single port.
    reg [17:0] table_memory [0:16383];
    reg [17:0] table_read;
    reg table_request, table_write;
    reg [13:0] table_address;
    always @(posedge clock) begin
        if (table_request) begin
            if (table_write) table_memory[table_address] <= host_write_data[17:0] & (region[2] ? 18'h3ffff : 18'h0ffff);
            else table_read <= table_memory[table_address];
        end
    end
    // Membrane table F(G); single port.
    reg [16:0] membrane_memory [0:1023];
    reg [16:0] membrane_read;
    reg membrane_request, membrane_write;
    reg [9:0] membrane_address;
    always @(posedge clock) begin
        if (membrane_request) begin
            if (membrane_write) membrane_memory[membrane_address] <= host_write_data[16:0];
            else membrane_read <= membrane_memory[membrane_address];
        end
    end
    // Accumulators: receptor x neuron; simple dual port (a delivery reads one and writes
    // another in the same clock).
    reg [23:0] accumulator_memory [0:{acc_last}];
    reg [23:0] acc_read;
    reg [{accm}:0] acc_read_address, acc_write_address;
    reg acc_write;
    reg [23:0] acc_write_data;
    always @(posedge clock) begin
        acc_read <= accumulator_memory[acc_read_address];
        if (acc_write) accumulator_memory[acc_write_address] <= acc_write_data;
    end

    // Accumulate port: read in the first clock, add and write in the second; a delivery to
    // the accumulator written in the same clock takes the value being written.
    reg accumulate_valid, accumulate_forward;
    reg [9:0] accumulate_neuron;
    reg [1:0] accumulate_receptor;
    reg [23:0] accumulate_increment, accumulate_last;
    wire [23:0] accumulate_base = accumulate_forward ? accumulate_last : acc_read;
    wire [24:0] accumulate_sum = {{1'b0, accumulate_base}} + {{1'b0, accumulate_increment}};
    wire [23:0] accumulate_saturated = accumulate_sum[24] ? 24'hffffff : accumulate_sum[23:0];

    // Host access to the state memory: region -> slot.
    reg host_state_region;
    reg [3:0] host_state_slot;
    always @(*) begin
        host_state_region = 1'b1;
        case (region)
{host_slots}            default: begin host_state_region = 1'b0; host_state_slot = 4'd0; end
        endcase
    end

    // Controls: the microprogram's while running; else memory requests are the host's and
    // the deliveries'.
    always @(*) begin
        state_request = 1'b0; state_write = 1'b0; state_slot = 4'd0; state_neuron = neuron_index; state_write_data = 25'd0;
        table_request = 1'b0; table_write = 1'b0; table_address = 14'd0;
        membrane_request = 1'b0; membrane_write = 1'b0; membrane_address = 10'd0;
        acc_read_address = {{2'd0, neuron_index}};
        acc_write = 1'b0; acc_write_address = {{2'd0, neuron_index}}; acc_write_data = 24'd0;
        parameter_request = 1'b0; parameter_write = 1'b0; parameter_address = 5'd0;
        gate_select = 2'd0; receptor_term = 1'b0;
        if (running) begin
            case (step)
{controls}                default: ;
            endcase
        end else begin
            parameter_request = region == 5'd0 && in_parameter_memory && (host_read || host_write);
            parameter_write = region == 5'd0 && host_write;
            parameter_address = index[4:0];
            state_request = host_state_region && (host_read || host_write);
            state_write = host_state_region && host_write;
            state_slot = host_state_slot;
            state_neuron = index[{nbm}:0];
            // Reads keep only the region's width.
            state_write_data = host_write_data[24:0];
            table_request = region[4:3] == 2'b01 && (host_read || host_write);
            table_write = region[4:3] == 2'b01 && host_write;
            table_address = {{region[2:0], index}};
            membrane_request = region == 5'd{membrane_region} && (host_read || host_write);
            membrane_write = region == 5'd{membrane_region} && host_write;
            membrane_address = index[9:0];
            acc_read_address = deliver_valid ? {{deliver_receptor, deliver_neuron[{nbm}:0]}} : {{region[1:0], index[{nbm}:0]}};
            if (accumulate_valid) begin
                acc_write = 1'b1;
                acc_write_address = {{accumulate_receptor, accumulate_neuron[{nbm}:0]}};
                acc_write_data = accumulate_saturated;
            end else begin
                acc_write = host_write && region[4:2] == 3'b110;
                acc_write_address = {{region[1:0], index[{nbm}:0]}};
                acc_write_data = host_write_data[23:0];
            end
        end
    end

    // Host reads: answered one clock after the address, from the region then addressed.
    reg [4:0] read_region;
    always @(*) begin
        case (read_region)
            5'd0: host_read_data = read_parameter ? {{12'd0, parameter_value}} : register_read_data;
            5'd1: host_read_data = {{12'd0, state_read[19:0]}};
            5'd2, 5'd3, 5'd4, 5'd5: host_read_data = {{16'd0, state_read[15:0]}};
            5'd6: host_read_data = {{7'd0, state_read[24:0]}};
            5'd8, 5'd9, 5'd10, 5'd11: host_read_data = {{16'd0, table_read[15:0]}};
            5'd12, 5'd13, 5'd14, 5'd15: host_read_data = {{14'd0, table_read}};
            5'd16: host_read_data = {{15'd0, membrane_read}};
            5'd20, 5'd21, 5'd22, 5'd23: host_read_data = {{8'd0, state_read[23:0]}};
            5'd24, 5'd25, 5'd26, 5'd27: host_read_data = {{8'd0, acc_read}};
            default: host_read_data = 32'd0;
        endcase
    end

    always @(posedge clock) begin
        spike_valid <= 1'b0;
        probe_valid <= 1'b0;
        read_region <= region;
        read_parameter <= in_parameter_memory;
        host_read_valid <= host_read && !running;
        accumulate_valid <= deliver_valid && !running;
        accumulate_forward <= deliver_valid && accumulate_valid && deliver_neuron == accumulate_neuron
            && deliver_receptor == accumulate_receptor;
        accumulate_neuron <= deliver_neuron;
        accumulate_receptor <= deliver_receptor;
        accumulate_increment <= deliver_increment;
        accumulate_last <= accumulate_saturated;
        if (running) begin
            rounding_half <= HALF_16;
            case (step)
{updates}                default: ;
            endcase
            if (step == 8'd{last_clock}) begin
                step <= 8'd0;
                neuron <= neuron + 11'd1;
                // The last neuron asked for, or the last one the core holds.
                if (neuron + 11'd1 == neuron_count || neuron_index == {{{nb}{{1'b1}}}}) running <= 1'b0;
            end else begin
                step <= step + 8'd1;
            end
        end else if (start && neuron_count != 11'd0) begin
            running <= 1'b1;
            neuron <= 11'd0;
            step <= 8'd0;
        end
        if (reset) begin
            running <= 1'b0;
            spike_valid <= 1'b0;
            probe_valid <= 1'b0;
            host_read_valid <= 1'b0;
            accumulate_valid <= 1'b0;
            accumulate_forward <= 1'b0;
        end
    end
endmodule
",
        clocks = program.len(),
        nbm = nb - 1,
        accm = nb + 1,
        state_last = (16u32 << nb) - 1,
        acc_last = (4u32 << nb) - 1,
        membrane_region = map::REGION_MEMBRANE_TABLE,
        host_slots = host_slot_cases(),
        controls = case_items(&program, |c| &c.controls),
        updates = case_items(&program, |c| &c.updates),
    )
    .unwrap();
    Ok(v)
}

/// Whether register `number` lives in the parameter memory: a channel's or a receptor's,
/// used one at a time by the microprogram; the others are used every clock.
fn in_parameter_memory(number: u32) -> bool {
    number >= map::REG_GBAR && number != map::REG_IDENTITY
}

/// The host's registers (region 0): the neuron count, threshold, V shift and probed neuron
/// in flip-flops; the channels' and receptors' parameters in a 32 x 20-bit memory, read a
/// clock before use (a block RAM, where flip-flops and their selects would take some 700
/// iCE40 logic cells). A reset clears every register: a memory register then reads 0 until
/// the host writes it (`parameter_written`).
fn registers_verilog() -> String {
    let mut flops = String::new();
    let mut reset = String::new();
    let mut writes = String::new();
    let mut reads = String::new();
    let mut masks = String::new();
    for (number, name, width) in numbered_registers() {
        if in_parameter_memory(number) {
            writeln!(
                masks,
                "            5'd{number}: parameter_mask = 20'h{:05x};",
                (1u32 << width) - 1
            )
            .unwrap();
            continue;
        }
        writeln!(flops, "    reg [{}:0] {name};", width - 1).unwrap();
        writeln!(reset, "            {name} <= {width}'d0;").unwrap();
        writeln!(
            writes,
            "                5'd{number}: {name} <= host_write_data[{}:0];",
            width - 1
        )
        .unwrap();
        writeln!(
            reads,
            "            5'd{number}: register_read_data <= {{{}'d0, {name}}};",
            32 - width
        )
        .unwrap();
    }
    let identity = map::REG_IDENTITY;
    let first = map::REG_GBAR;
    format!(
        "{flops}    wire in_parameter_memory = index[4:0] >= 5'd{first} && index[4:0] != 5'd{identity};
    // The parameter memory: one port, the microprogram's while running, else the host's.
    reg [19:0] parameter_memory [0:31];
    reg [19:0] parameter_read;
    reg parameter_request, parameter_write;
    reg [4:0] parameter_address;
    // Registers written since the last reset; what the last read found there.
    reg [31:0] parameter_written;
    reg parameter_read_written;
    wire [19:0] parameter_value = parameter_read_written ? parameter_read : 20'd0;
    reg [19:0] parameter_mask;
    always @(*) begin
        // Registers keep only their width.
        case (index[4:0])
{masks}            default: parameter_mask = 20'd0;
        endcase
    end
    always @(posedge clock) begin
        if (parameter_request) begin
            if (parameter_write) parameter_memory[parameter_address] <= host_write_data[19:0] & parameter_mask;
            else begin
                parameter_read <= parameter_memory[parameter_address];
                parameter_read_written <= parameter_written[parameter_address];
            end
        end
        if (parameter_request && parameter_write) parameter_written[parameter_address] <= 1'b1;
        if (reset) parameter_written <= 32'd0;
    end
    reg read_parameter;
    reg [31:0] register_read_data;
    always @(posedge clock) begin
        case (index[4:0])
{reads}            5'd{identity}: register_read_data <= 32'h{IDENTITY:08x};
            default: register_read_data <= 32'd0;
        endcase
        if (reset) begin
{reset}        end else if (host_writes && region == 5'd0) begin
            case (index[4:0])
{writes}                default: ;
            endcase
        end
    end
",
        IDENTITY = map::IDENTITY,
    )
}

fn host_slot_cases() -> String {
    STATE_SLOTS
        .iter()
        .enumerate()
        .map(|(slot, &(_, region, _))| {
            format!("            5'd{region}: host_state_slot = 4'd{slot};\n")
        })
        .collect()
}

fn case_items(program: &[Clock], part: impl Fn(&Clock) -> &String) -> String {
    let mut s = String::new();
    for (t, clock) in program.iter().enumerate() {
        let body = part(clock);
        if body.is_empty() {
            continue;
        }
        writeln!(s, "                8'd{t}: begin").unwrap();
        for line in body.lines() {
            writeln!(s, "                    {line}").unwrap();
        }
        writeln!(s, "                end").unwrap();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacity_outside_the_host_map_is_refused() {
        let err = compact_core_verilog(11).unwrap_err();
        assert!(err.contains("2^1 to 2^10"), "{err}");
        assert!(compact_core_verilog(0).is_err());
        assert!(compact_core_verilog(6).is_ok());
    }

    #[test]
    fn the_chip_configuration_counts_the_schedule_s_clocks() {
        assert_eq!(
            clocks_per_neuron(),
            chip::COMPACT_CLOCKS_PER_NEURON as usize
        );
    }

    #[test]
    fn every_clock_of_the_schedule_is_used() {
        let program = schedule();
        assert!(program.len() < 256, "the step counter is 8 bits");
        let idle: Vec<usize> = (0..program.len())
            .filter(|&t| program[t].controls.is_empty() && program[t].updates.is_empty())
            .collect();
        assert!(idle.is_empty(), "clocks doing nothing: {idle:?}");
    }
}
