//! Simple dual-port synchronous RAM: one read port (data one clock after the address), one
//! write port, one clock. Infers block RAM (SB_RAM40_4K on iCE40, RAMB18/36 on Xilinx).
//! Optional initial contents come from a `$readmemh` file written by the export.

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
        }
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
            self.read_data.next = bits::<W>(self._contents[self.read_address.val().index()]);
            if self.write_enable.val() {
                self._contents[self.write_address.val().index()] = self.write_data.val().to_u64();
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
        Verilog::Custom(format!(
            "reg [{msb}:0] mem [0:{last}];\n{init}\
always @(posedge clock) begin\n\
    read_data <= mem[read_address];\n\
    if (write_enable) mem[write_address] <= write_data;\n\
end",
            msb = W - 1,
            last = Self::DEPTH - 1,
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
