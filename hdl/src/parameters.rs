//! The core's parameter registers (region 0 of the host map, `map::REG_*`): neuron count,
//! spike threshold, membrane shift, probed neuron, per channel unit its maximal
//! conductance, reversal potential and structure word, and per receptor unit its kind,
//! reversal potential and decay. Written and read by the host port; reads return one clock
//! after the address. `reset` clears every register.

use rust_hdl::prelude::*;

use crate::map::{self, IDENTITY, REGISTER_COUNT};

/// Register widths, in register order; register 16 is the read-only identity (width 0).
const WIDTHS: [u32; REGISTER_COUNT as usize] = [
    11, 20, 5, 10, 17, 17, 17, 17, 20, 20, 20, 20, 15, 15, 15, 15, 0, 2, 2, 2, 2, 20, 20, 20, 20,
    18, 18, 18, 18,
];
const NAMES: [&str; REGISTER_COUNT as usize] = [
    "neuron_count",
    "threshold",
    "v_shift",
    "probe_neuron",
    "gbar0",
    "gbar1",
    "gbar2",
    "gbar3",
    "reversal0",
    "reversal1",
    "reversal2",
    "reversal3",
    "structure0",
    "structure1",
    "structure2",
    "structure3",
    "",
    "receptor_kind0",
    "receptor_kind1",
    "receptor_kind2",
    "receptor_kind3",
    "receptor_reversal0",
    "receptor_reversal1",
    "receptor_reversal2",
    "receptor_reversal3",
    "receptor_decay0",
    "receptor_decay1",
    "receptor_decay2",
    "receptor_decay3",
];
const _: () = assert!(map::REG_IDENTITY == 16 && map::REG_RECEPTOR_KIND == 17);
const _: () = assert!(map::REG_RECEPTOR_REVERSAL == 21 && map::REG_RECEPTOR_DECAY == 25);

/// The register file's Verilog body over the ports `clock`, `reset`, `address`, `write`,
/// `write_data`, `read_data` and one output per register (the pipelined core's block; the
/// compact core keeps most of them in a memory, `compact_core::registers_verilog`).
fn register_file_body() -> String {
    let mut reset = String::new();
    let mut writes = String::new();
    let mut reads = String::new();
    for (i, (name, width)) in NAMES.iter().zip(WIDTHS).enumerate() {
        if width == 0 {
            continue;
        }
        reset.push_str(&format!("        {name} <= {width}'d0;\n"));
        writes.push_str(&format!(
            "            5'd{i}: {name} <= write_data[{}:0];\n",
            width - 1
        ));
        let pad = 32 - width;
        reads.push_str(&format!(
            "        5'd{i}: read_data <= {{{pad}'d0, {name}}};\n"
        ));
    }
    let identity = map::REG_IDENTITY;
    format!(
        "\
// Registers are at most 20 bits wide.
wire unused_bits = &{{1'b0, write_data[31:20]}};
always @(posedge clock) begin
    case (address)
{reads}        5'd{identity}: read_data <= 32'h{IDENTITY:08x};
        default: read_data <= 32'd0;
    endcase
    if (reset) begin
{reset}    end else if (write) begin
        case (address)
{writes}            default: ;
        endcase
    end
end"
    )
}

/// (register number, name, width) of every writable register, in register order.
pub(crate) fn numbered_registers() -> impl Iterator<Item = (u32, &'static str, u32)> {
    NAMES
        .iter()
        .copied()
        .zip(WIDTHS)
        .enumerate()
        .filter(|&(_, (_, width))| width > 0)
        .map(|(i, (name, width))| (i as u32, name, width))
}

#[derive(LogicBlock, Default)]
pub struct ParameterRegisters {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    /// Register number (the index part of a region-0 address).
    pub address: Signal<In, Bits<5>>,
    pub write: Signal<In, Bit>,
    pub write_data: Signal<In, Bits<32>>,
    pub read_data: Signal<Out, Bits<32>>,
    pub neuron_count: Signal<Out, Bits<11>>,
    pub threshold: Signal<Out, Bits<20>>,
    pub v_shift: Signal<Out, Bits<5>>,
    pub probe_neuron: Signal<Out, Bits<10>>,
    pub gbar0: Signal<Out, Bits<17>>,
    pub gbar1: Signal<Out, Bits<17>>,
    pub gbar2: Signal<Out, Bits<17>>,
    pub gbar3: Signal<Out, Bits<17>>,
    pub reversal0: Signal<Out, Bits<20>>,
    pub reversal1: Signal<Out, Bits<20>>,
    pub reversal2: Signal<Out, Bits<20>>,
    pub reversal3: Signal<Out, Bits<20>>,
    pub structure0: Signal<Out, Bits<15>>,
    pub structure1: Signal<Out, Bits<15>>,
    pub structure2: Signal<Out, Bits<15>>,
    pub structure3: Signal<Out, Bits<15>>,
    pub receptor_kind0: Signal<Out, Bits<2>>,
    pub receptor_kind1: Signal<Out, Bits<2>>,
    pub receptor_kind2: Signal<Out, Bits<2>>,
    pub receptor_kind3: Signal<Out, Bits<2>>,
    pub receptor_reversal0: Signal<Out, Bits<20>>,
    pub receptor_reversal1: Signal<Out, Bits<20>>,
    pub receptor_reversal2: Signal<Out, Bits<20>>,
    pub receptor_reversal3: Signal<Out, Bits<20>>,
    pub receptor_decay0: Signal<Out, Bits<18>>,
    pub receptor_decay1: Signal<Out, Bits<18>>,
    pub receptor_decay2: Signal<Out, Bits<18>>,
    pub receptor_decay3: Signal<Out, Bits<18>>,
    _values: [u64; REGISTER_COUNT as usize],
}

impl ParameterRegisters {
    fn publish(&mut self) {
        let v = self._values;
        self.neuron_count.next = bits(v[0]);
        self.threshold.next = bits(v[1]);
        self.v_shift.next = bits(v[2]);
        self.probe_neuron.next = bits(v[3]);
        self.gbar0.next = bits(v[4]);
        self.gbar1.next = bits(v[5]);
        self.gbar2.next = bits(v[6]);
        self.gbar3.next = bits(v[7]);
        self.reversal0.next = bits(v[8]);
        self.reversal1.next = bits(v[9]);
        self.reversal2.next = bits(v[10]);
        self.reversal3.next = bits(v[11]);
        self.structure0.next = bits(v[12]);
        self.structure1.next = bits(v[13]);
        self.structure2.next = bits(v[14]);
        self.structure3.next = bits(v[15]);
        self.receptor_kind0.next = bits(v[17]);
        self.receptor_kind1.next = bits(v[18]);
        self.receptor_kind2.next = bits(v[19]);
        self.receptor_kind3.next = bits(v[20]);
        self.receptor_reversal0.next = bits(v[21]);
        self.receptor_reversal1.next = bits(v[22]);
        self.receptor_reversal2.next = bits(v[23]);
        self.receptor_reversal3.next = bits(v[24]);
        self.receptor_decay0.next = bits(v[25]);
        self.receptor_decay1.next = bits(v[26]);
        self.receptor_decay2.next = bits(v[27]);
        self.receptor_decay3.next = bits(v[28]);
    }
}

impl Logic for ParameterRegisters {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            let index = self.address.val().index();
            let read = match index {
                i if i == map::REG_IDENTITY as usize => IDENTITY.into(),
                i if i < WIDTHS.len() => self._values[i],
                _ => 0,
            };
            self.read_data.next = bits::<32>(read);
            if self.reset.val() {
                self._values = [0; REGISTER_COUNT as usize];
            } else if self.write.val() && index < WIDTHS.len() && WIDTHS[index] > 0 {
                let mask = (1u64 << WIDTHS[index]) - 1;
                self._values[index] = self.write_data.val().to_u64() & mask;
            }
        }
        self.publish();
    }

    fn connect(&mut self) {
        self.read_data.connect();
        self.neuron_count.connect();
        self.threshold.connect();
        self.v_shift.connect();
        self.probe_neuron.connect();
        self.gbar0.connect();
        self.gbar1.connect();
        self.gbar2.connect();
        self.gbar3.connect();
        self.reversal0.connect();
        self.reversal1.connect();
        self.reversal2.connect();
        self.reversal3.connect();
        self.structure0.connect();
        self.structure1.connect();
        self.structure2.connect();
        self.structure3.connect();
        self.receptor_kind0.connect();
        self.receptor_kind1.connect();
        self.receptor_kind2.connect();
        self.receptor_kind3.connect();
        self.receptor_reversal0.connect();
        self.receptor_reversal1.connect();
        self.receptor_reversal2.connect();
        self.receptor_reversal3.connect();
        self.receptor_decay0.connect();
        self.receptor_decay1.connect();
        self.receptor_decay2.connect();
        self.receptor_decay3.connect();
    }

    fn hdl(&self) -> Verilog {
        Verilog::Custom(register_file_body())
    }

    fn timing(&self) -> Vec<TimingInfo> {
        vec![TimingInfo {
            name: "parameters".into(),
            clock: "clock".into(),
            inputs: vec![
                "address".into(),
                "write".into(),
                "write_data".into(),
                "reset".into(),
            ],
            outputs: NAMES
                .iter()
                .filter(|n| !n.is_empty())
                .map(|n| n.to_string())
                .chain(["read_data".to_string()])
                .collect(),
        }]
    }
}
