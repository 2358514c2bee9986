//! A synchronous RAM with one address for reads and writes, behind the ports of
//! [`SyncRam`](crate::ram::SyncRam): a clock with `write_enable` writes `write_data` at
//! `write_address` and reads nothing (`read_data` keeps its value); any other clock reads
//! `read_address` (data one clock later). For memories whose user can wait a clock for a
//! read when a write takes the port (the synapse memory: its delivery unit holds a stream
//! while the host writes), so that Yosys can map them onto single-port RAM (iCE40
//! UltraPlus SB_SPRAM256KA with `synth_ice40 -spram`) as well as onto block RAM. Like
//! [`SyncRam::sized`](crate::ram::SyncRam::sized), it may hold fewer than `2^A` words.

use rust_hdl::prelude::*;

#[derive(LogicBlock)]
pub struct SinglePortRam<const W: usize, const A: usize> {
    pub clock: Signal<In, Clock>,
    pub read_address: Signal<In, Bits<A>>,
    pub read_data: Signal<Out, Bits<W>>,
    pub write_address: Signal<In, Bits<A>>,
    pub write_data: Signal<In, Bits<W>>,
    pub write_enable: Signal<In, Bit>,
    _contents: Vec<u64>,
    /// log2 of the words it holds (at most `A`).
    _depth_bits: usize,
}

impl<const W: usize, const A: usize> Default for SinglePortRam<W, A> {
    fn default() -> Self {
        Self {
            clock: Default::default(),
            read_address: Default::default(),
            read_data: Default::default(),
            write_address: Default::default(),
            write_data: Default::default(),
            write_enable: Default::default(),
            _contents: vec![0; 1 << A],
            _depth_bits: A,
        }
    }
}

impl<const W: usize, const A: usize> SinglePortRam<W, A> {
    /// A RAM of `2^depth_bits` words (at most `2^A`): the low address bits pick the word.
    pub fn sized(depth_bits: usize) -> Self {
        assert!(
            (1..=A).contains(&depth_bits),
            "a RAM of 2^{depth_bits} words behind {A} address bits"
        );
        Self {
            _contents: vec![0; 1 << depth_bits],
            _depth_bits: depth_bits,
            ..Self::default()
        }
    }

    fn word(&self, address: usize) -> usize {
        address & ((1 << self._depth_bits) - 1)
    }
}

impl<const W: usize, const A: usize> Logic for SinglePortRam<W, A> {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            if self.write_enable.val() {
                let written = self.word(self.write_address.val().index());
                self._contents[written] = self.write_data.val().to_u64();
            } else {
                let read = self.word(self.read_address.val().index());
                self.read_data.next = bits::<W>(self._contents[read]);
            }
        }
    }

    fn connect(&mut self) {
        self.read_data.connect();
    }

    fn hdl(&self) -> Verilog {
        let d = self._depth_bits;
        let (word, unused) = if d < A {
            (
                format!("address[{}:0]", d - 1),
                format!("wire unused_address = &{{1'b0, address[{}:{d}]}};\n", A - 1),
            )
        } else {
            ("address".into(), String::new())
        };
        Verilog::Custom(format!(
            "reg [{msb}:0] mem [0:{last}];\n\
wire [{amsb}:0] address = write_enable ? write_address : read_address;\n{unused}\
always @(posedge clock) begin\n\
    if (write_enable) mem[{word}] <= write_data;\n\
    else read_data <= mem[{word}];\n\
end",
            msb = W - 1,
            amsb = A - 1,
            last = (1usize << d) - 1,
        ))
    }

    fn timing(&self) -> Vec<TimingInfo> {
        vec![TimingInfo {
            name: "single_port_ram".into(),
            clock: "clock".into(),
            inputs: vec![
                "read_address".into(),
                "write_address".into(),
                "write_data".into(),
                "write_enable".into(),
            ],
            outputs: vec!["read_data".into()],
        }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_clock_reads_nothing_and_other_clocks_read_their_address() {
        let mut uut = SinglePortRam::<8, 4>::default();
        uut.connect_all();
        let mut sim = simple_sim!(SinglePortRam<8, 4>, clock, 100_000_000, ep, {
            let mut x = ep.init()?;
            for a in 0..16u64 {
                x.write_address.next = a.to_bits();
                x.write_data.next = (3 * a + 1).to_bits();
                x.write_enable.next = true;
                wait_clock_cycle!(ep, clock, x);
            }
            x.write_enable.next = false;
            x.read_address.next = 5.into();
            wait_clock_cycle!(ep, clock, x);
            sim_assert_eq!(ep, x.read_data.val(), 16, x);
            // A write (to another address) leaves the last read on the output.
            x.read_address.next = 9.into();
            x.write_address.next = 2.into();
            x.write_data.next = 200.into();
            x.write_enable.next = true;
            wait_clock_cycle!(ep, clock, x);
            sim_assert_eq!(ep, x.read_data.val(), 16, x);
            x.write_enable.next = false;
            wait_clock_cycle!(ep, clock, x);
            sim_assert_eq!(ep, x.read_data.val(), 28, x);
            x.read_address.next = 2.into();
            wait_clock_cycle!(ep, clock, x);
            sim_assert_eq!(ep, x.read_data.val(), 200, x);
            ep.done(x)
        });
        sim.run(Box::new(uut), 1_000_000).unwrap();
    }
}
