//! Simple dual-port synchronous RAM: one read port (data one clock after the address), one
//! write port, one clock. Infers block RAM (SB_RAM40_4K on iCE40, RAMB18/36 on Xilinx).
//! Optional initial contents come from a `$readmemh` file written by the export.
//!
//! A RAM may hold fewer than `2^A` words ([`SyncRam::sized`]): it then keeps the low address
//! bits only, so addresses at or above its depth alias. Whoever writes it checks addresses
//! against the depth the chip reports (`chip_map::CHIP_CAPACITY`).

use rust_hdl::prelude::*;

#[derive(LogicBlock)]
pub struct SyncRam<const W: usize, const A: usize> {
    pub clock: Signal<In, Clock>,
    pub read_address: Signal<In, Bits<A>>,
    pub read_data: Signal<Out, Bits<W>>,
    pub write_address: Signal<In, Bits<A>>,
    pub write_data: Signal<In, Bits<W>>,
    pub write_enable: Signal<In, Bit>,
    /// `$readmemh` file name, relative to where the simulator or synthesizer runs.
    _init_file: Option<String>,
    _contents: Vec<u64>,
    /// log2 of the words it holds (at most `A`).
    _depth_bits: usize,
    /// No read ever needs a word written in the same clock (see [`SyncRam::without_collisions`]).
    _no_collisions: bool,
}

impl<const W: usize, const A: usize> Default for SyncRam<W, A> {
    fn default() -> Self {
        Self::with_init(None, Vec::new())
    }
}

impl<const W: usize, const A: usize> SyncRam<W, A> {
    pub const DEPTH: usize = 1 << A;

    /// A RAM whose contents start as `contents` (padded with zeros), loaded in Verilog from
    /// `init_file` when given.
    pub fn with_init(init_file: Option<String>, mut contents: Vec<u64>) -> Self {
        contents.resize(Self::DEPTH, 0);
        Self {
            clock: Default::default(),
            read_address: Default::default(),
            read_data: Default::default(),
            write_address: Default::default(),
            write_data: Default::default(),
            write_enable: Default::default(),
            _init_file: init_file,
            _contents: contents,
            _depth_bits: A,
            _no_collisions: false,
        }
    }

    /// A RAM of `2^depth_bits` words (at most `2^A`), zeros at start.
    pub fn sized(depth_bits: usize) -> Self {
        assert!(
            (1..=A).contains(&depth_bits),
            "a RAM of 2^{depth_bits} words behind {A} address bits"
        );
        let mut ram = Self::default();
        ram._depth_bits = depth_bits;
        ram._contents.truncate(1 << depth_bits);
        ram
    }

    /// Declares that its user never reads a word in the clock it is written (or ignores what
    /// such a read returns), so synthesis may drop the logic that would give the old word
    /// (`no_rw_check`: on an iCE40 it saves a register and a comparator per data bit).
    pub fn without_collisions(mut self) -> Self {
        self._no_collisions = true;
        self
    }

    fn word(&self, address: usize) -> usize {
        address & ((1 << self._depth_bits) - 1)
    }

    pub fn init_file(&self) -> Option<&str> {
        self._init_file.as_deref()
    }

    pub fn contents(&self) -> &[u64] {
        &self._contents
    }
}

impl<const W: usize, const A: usize> Logic for SyncRam<W, A> {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            let read = self.word(self.read_address.val().index());
            self.read_data.next = bits::<W>(self._contents[read]);
            if self.write_enable.val() {
                let written = self.word(self.write_address.val().index());
                self._contents[written] = self.write_data.val().to_u64();
            }
        }
    }

    fn connect(&mut self) {
        self.read_data.connect();
    }

    fn hdl(&self) -> Verilog {
        let init = match &self._init_file {
            Some(f) => format!("initial $readmemh(\"{f}\", mem);\n"),
            None => String::new(),
        };
        let d = self._depth_bits;
        let (read, write, unused) = if d < A {
            (
                format!("read_address[{}:0]", d - 1),
                format!("write_address[{}:0]", d - 1),
                format!(
                    "wire unused_address = &{{1'b0, read_address[{m}:{d}], write_address[{m}:{d}]}};\n",
                    m = A - 1
                ),
            )
        } else {
            ("read_address".into(), "write_address".into(), String::new())
        };
        let attribute = if self._no_collisions {
            "(* no_rw_check *) "
        } else {
            ""
        };
        Verilog::Custom(format!(
            "{unused}{attribute}reg [{msb}:0] mem [0:{last}];\n{init}\
always @(posedge clock) begin\n\
    read_data <= mem[{read}];\n\
    if (write_enable) mem[{write}] <= write_data;\n\
end",
            msb = W - 1,
            last = (1usize << d) - 1,
        ))
    }

    fn timing(&self) -> Vec<TimingInfo> {
        vec![TimingInfo {
            name: "sync_ram".into(),
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
