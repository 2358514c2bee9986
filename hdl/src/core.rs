//! One neuron core: the pipelined HH datapath over a time-multiplexed population, its
//! memories (state, injected current, gate and membrane tables), parameter registers, step
//! controller and host port. One neuron-update per clock once the pipeline is full.
//!
//! Pipeline (clock 0 = the controller issues neuron n):
//!
//! | clock | stage |
//! |---|---|
//! | 0 | state memories read n |
//! | 1 | V, gates, I_ext out; gate tables read row(V) |
//! | 2-3 | gate units: `x += round((inf - x) k / 2^18)` |
//! | 4-8 | factor stages: open fraction of each channel |
//! | 8 | receptor memories read n (state, accumulated weights) |
//! | 9-10 | channel and receptor units: conductance, driving force, current term |
//! | 11 | membrane sums: G, I (saturated once); receptor state written back, accumulator cleared |
//! | 12 | membrane table read F(G) |
//! | 13-14 | voltage update, spike flag |
//! | 15 | write-back of V and gates; spike and probe outputs |
//!
//! Host port: `host_address` is `region[15:11] | index[10:0]` (`map`); a write takes
//! effect at the clock edge, a read answers on `host_read_data` with `host_read_valid` one
//! clock later. Host accesses are ignored while `busy` (a step in flight). `start` runs one
//! time step over neurons `0 .. neuron_count`.
//!
//! Accumulate port (from the synapse-delivery unit, between steps): each clock with
//! `deliver_valid` adds `deliver_increment` to the accumulator of receptor
//! `deliver_receptor` of neuron `deliver_neuron`, saturating at 2^24 - 1. A read-modify-write
//! over two clocks (read, then add and write); a delivery to the accumulator written in the
//! same clock takes the value being written (forwarding), so back-to-back deliveries to one
//! neuron all count. Deliveries take the accumulator ports from the host.

use rust_hdl::prelude::*;

use crate::channel_current::{self, ChannelCurrent};
use crate::controller::StepController;
use crate::delay::Delay;
use crate::factor_stage::FactorStage;
use crate::gate_update::{self, GateUpdate};
use crate::membrane_sum::MembraneSum;
use crate::parameters::ParameterRegisters;
use crate::ram::SyncRam;
use crate::receptor_unit::{self, ReceptorUnit};
use crate::voltage_update::{self, VoltageUpdate};

/// Factor slots per channel unit (`sim::engine::MAX_FACTORS`).
pub const FACTOR_STAGES: usize = 5;
/// Clock at which each stage's inputs are valid (see the table above).
pub const GATE_STAGE: usize = 2;
pub const FACTOR_STAGE: usize = GATE_STAGE + gate_update::LATENCY;
pub const CHANNEL_STAGE: usize = FACTOR_STAGE + FACTOR_STAGES;
pub const SUM_STAGE: usize = CHANNEL_STAGE + channel_current::LATENCY;
pub const VOLTAGE_STAGE: usize = SUM_STAGE + 2;
/// Clock of the write-back: the pipeline's depth.
pub const WRITE_BACK: usize = VOLTAGE_STAGE + voltage_update::LATENCY;

// The delay lengths below are literal (rust-hdl block types); these tie them to the stages.
const _: () = assert!(CHANNEL_STAGE == 9 && SUM_STAGE == 11 && VOLTAGE_STAGE == 13);
const _: () = assert!(WRITE_BACK == 15);
/// The receptor units work beside the channel units: memories read one clock before.
pub const RECEPTOR_READ: usize = CHANNEL_STAGE - 1;
pub const RECEPTOR_WRITE_BACK: usize = CHANNEL_STAGE + receptor_unit::LATENCY;
const _: () = assert!(RECEPTOR_READ == 8 && RECEPTOR_WRITE_BACK == SUM_STAGE);
// The chip configuration's limits are this core's.
const _: () = assert!(chip::MAX_NEURONS_PER_CORE as usize == crate::map::MAX_NEURONS);
const _: () = assert!(chip::STEP_OVERHEAD_CLOCKS as usize == 1 + WRITE_BACK);

#[derive(LogicBlock)]
pub struct NeuronCore {
    pub clock: Signal<In, Clock>,
    /// Synchronous reset of the controller, registers and pipeline valid bits (memories keep
    /// their contents).
    pub reset: Signal<In, Bit>,
    pub host_address: Signal<In, Bits<16>>,
    pub host_write_data: Signal<In, Bits<32>>,
    pub host_write: Signal<In, Bit>,
    pub host_read: Signal<In, Bit>,
    pub host_read_data: Signal<Out, Bits<32>>,
    pub host_read_valid: Signal<Out, Bit>,
    /// Run one time step.
    pub start: Signal<In, Bit>,
    pub busy: Signal<Out, Bit>,
    /// A neuron crossed the threshold upward in this step.
    pub spike_valid: Signal<Out, Bit>,
    pub spike_neuron: Signal<Out, Bits<10>>,
    /// The probed neuron's new state is on `probe_*` this clock.
    pub probe_valid: Signal<Out, Bit>,
    pub probe_v: Signal<Out, Bits<20>>,
    pub probe_x0: Signal<Out, Bits<16>>,
    pub probe_x1: Signal<Out, Bits<16>>,
    pub probe_x2: Signal<Out, Bits<16>>,
    pub probe_x3: Signal<Out, Bits<16>>,
    pub deliver_valid: Signal<In, Bit>,
    pub deliver_neuron: Signal<In, Bits<10>>,
    pub deliver_receptor: Signal<In, Bits<2>>,
    pub deliver_increment: Signal<In, Bits<24>>,
    region: Signal<Local, Bits<5>>,
    /// Accumulate port, second clock: the accumulator before the add, the exact sum, the
    /// saturated sum.
    accumulate_base: Signal<Local, Bits<24>>,
    accumulate_sum: Signal<Local, Bits<25>>,
    accumulate_saturated: Signal<Local, Bits<24>>,
    index: Signal<Local, Bits<11>>,
    /// V + 2^19: its top 11 bits are the gate-table row.
    row_offset: Signal<Local, Bits<20>>,
    controller: StepController,
    parameters: ParameterRegisters,
    v_ram: SyncRam<20, 10>,
    gate_ram0: SyncRam<16, 10>,
    gate_ram1: SyncRam<16, 10>,
    gate_ram2: SyncRam<16, 10>,
    gate_ram3: SyncRam<16, 10>,
    i_ext_ram: SyncRam<25, 10>,
    inf_table0: SyncRam<16, 11>,
    relax_table0: SyncRam<18, 11>,
    inf_table1: SyncRam<16, 11>,
    relax_table1: SyncRam<18, 11>,
    inf_table2: SyncRam<16, 11>,
    relax_table2: SyncRam<18, 11>,
    inf_table3: SyncRam<16, 11>,
    relax_table3: SyncRam<18, 11>,
    membrane_table: SyncRam<17, 10>,
    state_ram0: SyncRam<24, 10>,
    accumulator_ram0: SyncRam<24, 10>,
    state_ram1: SyncRam<24, 10>,
    accumulator_ram1: SyncRam<24, 10>,
    state_ram2: SyncRam<24, 10>,
    accumulator_ram2: SyncRam<24, 10>,
    state_ram3: SyncRam<24, 10>,
    accumulator_ram3: SyncRam<24, 10>,
    receptor0: ReceptorUnit,
    receptor1: ReceptorUnit,
    receptor2: ReceptorUnit,
    receptor3: ReceptorUnit,
    receptor_read_neuron: Delay<Bits<10>, 8>,
    receptor_write_neuron: Delay<Bits<10>, 3>,
    receptor_write_valid: Delay<Bit, 11>,
    accumulate_valid: Delay<Bit, 1>,
    accumulate_neuron: Delay<Bits<10>, 1>,
    accumulate_receptor: Delay<Bits<2>, 1>,
    accumulate_increment: Delay<Bits<24>, 1>,
    /// The delivery in the second clock writes the accumulator this one reads.
    accumulate_forward: Delay<Bit, 1>,
    accumulate_last: Delay<Bits<24>, 1>,
    gate0: GateUpdate,
    gate1: GateUpdate,
    gate2: GateUpdate,
    gate3: GateUpdate,
    factor0_0: FactorStage,
    factor0_1: FactorStage,
    factor0_2: FactorStage,
    factor0_3: FactorStage,
    factor0_4: FactorStage,
    factor1_0: FactorStage,
    factor1_1: FactorStage,
    factor1_2: FactorStage,
    factor1_3: FactorStage,
    factor1_4: FactorStage,
    factor2_0: FactorStage,
    factor2_1: FactorStage,
    factor2_2: FactorStage,
    factor2_3: FactorStage,
    factor2_4: FactorStage,
    factor3_0: FactorStage,
    factor3_1: FactorStage,
    factor3_2: FactorStage,
    factor3_3: FactorStage,
    factor3_4: FactorStage,
    channel0: ChannelCurrent,
    channel1: ChannelCurrent,
    channel2: ChannelCurrent,
    channel3: ChannelCurrent,
    membrane: MembraneSum,
    voltage: VoltageUpdate,
    x_aligned0: Delay<Bits<16>, 1>,
    x_tap0_1: Delay<Bits<16>, 1>,
    x_tap0_2: Delay<Bits<16>, 1>,
    x_tap0_3: Delay<Bits<16>, 1>,
    x_tap0_4: Delay<Bits<16>, 1>,
    x_write_back0: Delay<Bits<16>, 11>,
    x_aligned1: Delay<Bits<16>, 1>,
    x_tap1_1: Delay<Bits<16>, 1>,
    x_tap1_2: Delay<Bits<16>, 1>,
    x_tap1_3: Delay<Bits<16>, 1>,
    x_tap1_4: Delay<Bits<16>, 1>,
    x_write_back1: Delay<Bits<16>, 11>,
    x_aligned2: Delay<Bits<16>, 1>,
    x_tap2_1: Delay<Bits<16>, 1>,
    x_tap2_2: Delay<Bits<16>, 1>,
    x_tap2_3: Delay<Bits<16>, 1>,
    x_tap2_4: Delay<Bits<16>, 1>,
    x_write_back2: Delay<Bits<16>, 11>,
    x_aligned3: Delay<Bits<16>, 1>,
    x_tap3_1: Delay<Bits<16>, 1>,
    x_tap3_2: Delay<Bits<16>, 1>,
    x_tap3_3: Delay<Bits<16>, 1>,
    x_tap3_4: Delay<Bits<16>, 1>,
    x_write_back3: Delay<Bits<16>, 11>,
    v_to_channel: Delay<Bits<20>, 8>,
    v_to_voltage: Delay<Bits<20>, 12>,
    i_ext_to_sum: Delay<Bits<25>, 10>,
    current_to_voltage: Delay<Bits<25>, 1>,
    valid_write_back: Delay<Bit, 15>,
    neuron_write_back: Delay<Bits<10>, 15>,
    read_region: Delay<Bits<5>, 1>,
    read_valid: Delay<Bit, 1>,
}

impl Default for NeuronCore {
    fn default() -> Self {
        Self {
            clock: Default::default(),
            reset: Default::default(),
            host_address: Default::default(),
            host_write_data: Default::default(),
            host_write: Default::default(),
            host_read: Default::default(),
            host_read_data: Default::default(),
            host_read_valid: Default::default(),
            start: Default::default(),
            busy: Default::default(),
            spike_valid: Default::default(),
            spike_neuron: Default::default(),
            probe_valid: Default::default(),
            probe_v: Default::default(),
            probe_x0: Default::default(),
            probe_x1: Default::default(),
            probe_x2: Default::default(),
            probe_x3: Default::default(),
            deliver_valid: Default::default(),
            deliver_neuron: Default::default(),
            deliver_receptor: Default::default(),
            deliver_increment: Default::default(),
            region: Default::default(),
            accumulate_base: Default::default(),
            accumulate_sum: Default::default(),
            accumulate_saturated: Default::default(),
            index: Default::default(),
            row_offset: Default::default(),
            controller: StepController::new((WRITE_BACK) as u64),
            parameters: Default::default(),
            v_ram: Default::default(),
            gate_ram0: Default::default(),
            gate_ram1: Default::default(),
            gate_ram2: Default::default(),
            gate_ram3: Default::default(),
            i_ext_ram: Default::default(),
            inf_table0: Default::default(),
            relax_table0: Default::default(),
            inf_table1: Default::default(),
            relax_table1: Default::default(),
            inf_table2: Default::default(),
            relax_table2: Default::default(),
            inf_table3: Default::default(),
            relax_table3: Default::default(),
            membrane_table: Default::default(),
            state_ram0: Default::default(),
            state_ram1: Default::default(),
            state_ram2: Default::default(),
            state_ram3: Default::default(),
            accumulator_ram0: Default::default(),
            accumulator_ram1: Default::default(),
            accumulator_ram2: Default::default(),
            accumulator_ram3: Default::default(),
            receptor0: Default::default(),
            receptor1: Default::default(),
            receptor2: Default::default(),
            receptor3: Default::default(),
            receptor_read_neuron: Default::default(),
            receptor_write_neuron: Default::default(),
            receptor_write_valid: Default::default(),
            accumulate_valid: Default::default(),
            accumulate_neuron: Default::default(),
            accumulate_receptor: Default::default(),
            accumulate_increment: Default::default(),
            accumulate_forward: Default::default(),
            accumulate_last: Default::default(),
            gate0: Default::default(),
            gate1: Default::default(),
            gate2: Default::default(),
            gate3: Default::default(),
            factor0_0: FactorStage::new(true),
            factor0_1: FactorStage::new(false),
            factor0_2: FactorStage::new(false),
            factor0_3: FactorStage::new(false),
            factor0_4: FactorStage::new(false),
            factor1_0: FactorStage::new(true),
            factor1_1: FactorStage::new(false),
            factor1_2: FactorStage::new(false),
            factor1_3: FactorStage::new(false),
            factor1_4: FactorStage::new(false),
            factor2_0: FactorStage::new(true),
            factor2_1: FactorStage::new(false),
            factor2_2: FactorStage::new(false),
            factor2_3: FactorStage::new(false),
            factor2_4: FactorStage::new(false),
            factor3_0: FactorStage::new(true),
            factor3_1: FactorStage::new(false),
            factor3_2: FactorStage::new(false),
            factor3_3: FactorStage::new(false),
            factor3_4: FactorStage::new(false),
            channel0: Default::default(),
            channel1: Default::default(),
            channel2: Default::default(),
            channel3: Default::default(),
            membrane: Default::default(),
            voltage: Default::default(),
            x_aligned0: Default::default(),
            x_tap0_1: Default::default(),
            x_tap0_2: Default::default(),
            x_tap0_3: Default::default(),
            x_tap0_4: Default::default(),
            x_write_back0: Default::default(),
            x_aligned1: Default::default(),
            x_tap1_1: Default::default(),
            x_tap1_2: Default::default(),
            x_tap1_3: Default::default(),
            x_tap1_4: Default::default(),
            x_write_back1: Default::default(),
            x_aligned2: Default::default(),
            x_tap2_1: Default::default(),
            x_tap2_2: Default::default(),
            x_tap2_3: Default::default(),
            x_tap2_4: Default::default(),
            x_write_back2: Default::default(),
            x_aligned3: Default::default(),
            x_tap3_1: Default::default(),
            x_tap3_2: Default::default(),
            x_tap3_3: Default::default(),
            x_tap3_4: Default::default(),
            x_write_back3: Default::default(),
            v_to_channel: Default::default(),
            v_to_voltage: Default::default(),
            i_ext_to_sum: Default::default(),
            current_to_voltage: Default::default(),
            valid_write_back: Default::default(),
            neuron_write_back: Default::default(),
            read_region: Default::default(),
            read_valid: Default::default(),
        }
    }
}

impl Logic for NeuronCore {
    #[hdl_gen]
    fn update(&mut self) {
        clock!(
            self,
            clock,
            controller,
            parameters,
            v_ram,
            gate_ram0,
            gate_ram1,
            gate_ram2,
            gate_ram3,
            i_ext_ram,
            inf_table0,
            relax_table0,
            inf_table1,
            relax_table1,
            inf_table2,
            relax_table2,
            inf_table3,
            relax_table3,
            membrane_table,
            state_ram0,
            state_ram1,
            state_ram2,
            state_ram3,
            accumulator_ram0,
            accumulator_ram1,
            accumulator_ram2,
            accumulator_ram3,
            receptor0,
            receptor1,
            receptor2,
            receptor3,
            receptor_read_neuron,
            receptor_write_neuron,
            receptor_write_valid,
            accumulate_valid,
            accumulate_neuron,
            accumulate_receptor,
            accumulate_increment,
            accumulate_forward,
            accumulate_last,
            gate0,
            gate1,
            gate2,
            gate3,
            factor0_0,
            factor0_1,
            factor0_2,
            factor0_3,
            factor0_4,
            factor1_0,
            factor1_1,
            factor1_2,
            factor1_3,
            factor1_4,
            factor2_0,
            factor2_1,
            factor2_2,
            factor2_3,
            factor2_4,
            factor3_0,
            factor3_1,
            factor3_2,
            factor3_3,
            factor3_4,
            channel0,
            channel1,
            channel2,
            channel3,
            membrane,
            voltage,
            x_aligned0,
            x_tap0_1,
            x_tap0_2,
            x_tap0_3,
            x_tap0_4,
            x_write_back0,
            x_aligned1,
            x_tap1_1,
            x_tap1_2,
            x_tap1_3,
            x_tap1_4,
            x_write_back1,
            x_aligned2,
            x_tap2_1,
            x_tap2_2,
            x_tap2_3,
            x_tap2_4,
            x_write_back2,
            x_aligned3,
            x_tap3_1,
            x_tap3_2,
            x_tap3_3,
            x_tap3_4,
            x_write_back3,
            v_to_channel,
            v_to_voltage,
            i_ext_to_sum,
            current_to_voltage,
            valid_write_back,
            neuron_write_back,
            read_region,
            read_valid
        );
        self.x_aligned0.reset.next = self.reset.val();
        self.x_tap0_1.reset.next = self.reset.val();
        self.x_tap0_2.reset.next = self.reset.val();
        self.x_tap0_3.reset.next = self.reset.val();
        self.x_tap0_4.reset.next = self.reset.val();
        self.x_write_back0.reset.next = self.reset.val();
        self.x_aligned1.reset.next = self.reset.val();
        self.x_tap1_1.reset.next = self.reset.val();
        self.x_tap1_2.reset.next = self.reset.val();
        self.x_tap1_3.reset.next = self.reset.val();
        self.x_tap1_4.reset.next = self.reset.val();
        self.x_write_back1.reset.next = self.reset.val();
        self.x_aligned2.reset.next = self.reset.val();
        self.x_tap2_1.reset.next = self.reset.val();
        self.x_tap2_2.reset.next = self.reset.val();
        self.x_tap2_3.reset.next = self.reset.val();
        self.x_tap2_4.reset.next = self.reset.val();
        self.x_write_back2.reset.next = self.reset.val();
        self.x_aligned3.reset.next = self.reset.val();
        self.x_tap3_1.reset.next = self.reset.val();
        self.x_tap3_2.reset.next = self.reset.val();
        self.x_tap3_3.reset.next = self.reset.val();
        self.x_tap3_4.reset.next = self.reset.val();
        self.x_write_back3.reset.next = self.reset.val();
        self.v_to_channel.reset.next = self.reset.val();
        self.v_to_voltage.reset.next = self.reset.val();
        self.i_ext_to_sum.reset.next = self.reset.val();
        self.current_to_voltage.reset.next = self.reset.val();
        self.valid_write_back.reset.next = self.reset.val();
        self.neuron_write_back.reset.next = self.reset.val();
        self.read_region.reset.next = self.reset.val();
        self.read_valid.reset.next = self.reset.val();
        self.receptor_read_neuron.reset.next = self.reset.val();
        self.receptor_write_neuron.reset.next = self.reset.val();
        self.receptor_write_valid.reset.next = self.reset.val();
        self.accumulate_valid.reset.next = self.reset.val();
        self.accumulate_neuron.reset.next = self.reset.val();
        self.accumulate_receptor.reset.next = self.reset.val();
        self.accumulate_increment.reset.next = self.reset.val();
        self.accumulate_forward.reset.next = self.reset.val();
        self.accumulate_last.reset.next = self.reset.val();
        self.controller.reset.next = self.reset.val();
        self.parameters.reset.next = self.reset.val();
        // Host port decode.
        self.region.next = self.host_address.val().get_bits::<5>(11);
        self.index.next = self.host_address.val().get_bits::<11>(0);
        self.parameters.address.next = self.index.val().get_bits::<5>(0);
        self.parameters.write_data.next = self.host_write_data.val();
        self.parameters.write.next =
            self.host_write.val() & !self.controller.busy.val() & (self.region.val() == 0);
        self.controller.start.next = self.start.val();
        self.controller.neuron_count.next = self.parameters.neuron_count.val();
        self.busy.next = self.controller.busy.val();

        // Accumulate port: read in the first clock, add and write in the second.
        self.accumulate_valid.d.next = self.deliver_valid.val() & !self.controller.busy.val();
        self.accumulate_neuron.d.next = self.deliver_neuron.val();
        self.accumulate_receptor.d.next = self.deliver_receptor.val();
        self.accumulate_increment.d.next = self.deliver_increment.val();
        self.accumulate_forward.d.next = self.deliver_valid.val()
            & self.accumulate_valid.q.val()
            & (self.deliver_neuron.val() == self.accumulate_neuron.q.val())
            & (self.deliver_receptor.val() == self.accumulate_receptor.q.val());
        self.accumulate_base.next = self.accumulator_ram0.read_data.val();
        if self.accumulate_receptor.q.val() == 1 {
            self.accumulate_base.next = self.accumulator_ram1.read_data.val();
        }
        if self.accumulate_receptor.q.val() == 2 {
            self.accumulate_base.next = self.accumulator_ram2.read_data.val();
        }
        if self.accumulate_receptor.q.val() == 3 {
            self.accumulate_base.next = self.accumulator_ram3.read_data.val();
        }
        if self.accumulate_forward.q.val() {
            self.accumulate_base.next = self.accumulate_last.q.val();
        }
        self.accumulate_sum.next = bit_cast::<25, 24>(self.accumulate_base.val())
            + bit_cast::<25, 24>(self.accumulate_increment.q.val());
        self.accumulate_saturated.next = self.accumulate_sum.val().get_bits::<24>(0);
        if self.accumulate_sum.val().get_bit(24) {
            self.accumulate_saturated.next = 16777215.into();
        }
        self.accumulate_last.d.next = self.accumulate_saturated.val();

        // Clock 0-1: state memories; the datapath owns their ports while busy.
        self.row_offset.next = self.v_ram.read_data.val() + 524288;
        if self.controller.busy.val() {
            self.v_ram.read_address.next = self.controller.neuron.val();
            self.gate_ram0.read_address.next = self.controller.neuron.val();
            self.gate_ram1.read_address.next = self.controller.neuron.val();
            self.gate_ram2.read_address.next = self.controller.neuron.val();
            self.gate_ram3.read_address.next = self.controller.neuron.val();
            self.i_ext_ram.read_address.next = self.controller.neuron.val();
            self.inf_table0.read_address.next = self.row_offset.val().get_bits::<11>(9);
            self.inf_table1.read_address.next = self.row_offset.val().get_bits::<11>(9);
            self.inf_table2.read_address.next = self.row_offset.val().get_bits::<11>(9);
            self.inf_table3.read_address.next = self.row_offset.val().get_bits::<11>(9);
            self.relax_table0.read_address.next = self.row_offset.val().get_bits::<11>(9);
            self.relax_table1.read_address.next = self.row_offset.val().get_bits::<11>(9);
            self.relax_table2.read_address.next = self.row_offset.val().get_bits::<11>(9);
            self.relax_table3.read_address.next = self.row_offset.val().get_bits::<11>(9);
            self.membrane_table.read_address.next =
                self.membrane.conductance.val().get_bits::<10>(14);
            self.v_ram.write_address.next = self.neuron_write_back.q.val();
            self.v_ram.write_data.next = self.voltage.v_new.val();
            self.v_ram.write_enable.next = self.valid_write_back.q.val();
            self.gate_ram0.write_address.next = self.neuron_write_back.q.val();
            self.gate_ram0.write_data.next = self.x_write_back0.q.val();
            self.gate_ram0.write_enable.next = self.valid_write_back.q.val();
            self.gate_ram1.write_address.next = self.neuron_write_back.q.val();
            self.gate_ram1.write_data.next = self.x_write_back1.q.val();
            self.gate_ram1.write_enable.next = self.valid_write_back.q.val();
            self.gate_ram2.write_address.next = self.neuron_write_back.q.val();
            self.gate_ram2.write_data.next = self.x_write_back2.q.val();
            self.gate_ram2.write_enable.next = self.valid_write_back.q.val();
            self.gate_ram3.write_address.next = self.neuron_write_back.q.val();
            self.gate_ram3.write_data.next = self.x_write_back3.q.val();
            self.gate_ram3.write_enable.next = self.valid_write_back.q.val();
            self.state_ram0.read_address.next = self.receptor_read_neuron.q.val();
            self.accumulator_ram0.read_address.next = self.receptor_read_neuron.q.val();
            self.state_ram0.write_address.next = self.receptor_write_neuron.q.val();
            self.state_ram0.write_data.next = self.receptor0.new_state.val();
            self.state_ram0.write_enable.next = self.receptor_write_valid.q.val();
            self.accumulator_ram0.write_address.next = self.receptor_write_neuron.q.val();
            self.accumulator_ram0.write_data.next = 0.into();
            self.accumulator_ram0.write_enable.next = self.receptor_write_valid.q.val();
            self.state_ram1.read_address.next = self.receptor_read_neuron.q.val();
            self.accumulator_ram1.read_address.next = self.receptor_read_neuron.q.val();
            self.state_ram1.write_address.next = self.receptor_write_neuron.q.val();
            self.state_ram1.write_data.next = self.receptor1.new_state.val();
            self.state_ram1.write_enable.next = self.receptor_write_valid.q.val();
            self.accumulator_ram1.write_address.next = self.receptor_write_neuron.q.val();
            self.accumulator_ram1.write_data.next = 0.into();
            self.accumulator_ram1.write_enable.next = self.receptor_write_valid.q.val();
            self.state_ram2.read_address.next = self.receptor_read_neuron.q.val();
            self.accumulator_ram2.read_address.next = self.receptor_read_neuron.q.val();
            self.state_ram2.write_address.next = self.receptor_write_neuron.q.val();
            self.state_ram2.write_data.next = self.receptor2.new_state.val();
            self.state_ram2.write_enable.next = self.receptor_write_valid.q.val();
            self.accumulator_ram2.write_address.next = self.receptor_write_neuron.q.val();
            self.accumulator_ram2.write_data.next = 0.into();
            self.accumulator_ram2.write_enable.next = self.receptor_write_valid.q.val();
            self.state_ram3.read_address.next = self.receptor_read_neuron.q.val();
            self.accumulator_ram3.read_address.next = self.receptor_read_neuron.q.val();
            self.state_ram3.write_address.next = self.receptor_write_neuron.q.val();
            self.state_ram3.write_data.next = self.receptor3.new_state.val();
            self.state_ram3.write_enable.next = self.receptor_write_valid.q.val();
            self.accumulator_ram3.write_address.next = self.receptor_write_neuron.q.val();
            self.accumulator_ram3.write_data.next = 0.into();
            self.accumulator_ram3.write_enable.next = self.receptor_write_valid.q.val();
        } else {
            self.v_ram.read_address.next = self.index.val().get_bits::<10>(0);
            self.gate_ram0.read_address.next = self.index.val().get_bits::<10>(0);
            self.gate_ram1.read_address.next = self.index.val().get_bits::<10>(0);
            self.gate_ram2.read_address.next = self.index.val().get_bits::<10>(0);
            self.gate_ram3.read_address.next = self.index.val().get_bits::<10>(0);
            self.i_ext_ram.read_address.next = self.index.val().get_bits::<10>(0);
            self.inf_table0.read_address.next = self.index.val();
            self.inf_table1.read_address.next = self.index.val();
            self.inf_table2.read_address.next = self.index.val();
            self.inf_table3.read_address.next = self.index.val();
            self.relax_table0.read_address.next = self.index.val();
            self.relax_table1.read_address.next = self.index.val();
            self.relax_table2.read_address.next = self.index.val();
            self.relax_table3.read_address.next = self.index.val();
            self.membrane_table.read_address.next = self.index.val().get_bits::<10>(0);
            self.v_ram.write_address.next = self.index.val().get_bits::<10>(0);
            self.v_ram.write_data.next = self.host_write_data.val().get_bits::<20>(0);
            self.v_ram.write_enable.next = self.host_write.val() & (self.region.val() == 1);
            self.gate_ram0.write_address.next = self.index.val().get_bits::<10>(0);
            self.gate_ram0.write_data.next = self.host_write_data.val().get_bits::<16>(0);
            self.gate_ram0.write_enable.next = self.host_write.val() & (self.region.val() == 2);
            self.gate_ram1.write_address.next = self.index.val().get_bits::<10>(0);
            self.gate_ram1.write_data.next = self.host_write_data.val().get_bits::<16>(0);
            self.gate_ram1.write_enable.next = self.host_write.val() & (self.region.val() == 3);
            self.gate_ram2.write_address.next = self.index.val().get_bits::<10>(0);
            self.gate_ram2.write_data.next = self.host_write_data.val().get_bits::<16>(0);
            self.gate_ram2.write_enable.next = self.host_write.val() & (self.region.val() == 4);
            self.gate_ram3.write_address.next = self.index.val().get_bits::<10>(0);
            self.gate_ram3.write_data.next = self.host_write_data.val().get_bits::<16>(0);
            self.gate_ram3.write_enable.next = self.host_write.val() & (self.region.val() == 5);
            self.state_ram0.read_address.next = self.index.val().get_bits::<10>(0);
            self.accumulator_ram0.read_address.next = self.index.val().get_bits::<10>(0);
            if self.deliver_valid.val() {
                self.accumulator_ram0.read_address.next = self.deliver_neuron.val();
            }
            self.state_ram0.write_address.next = self.index.val().get_bits::<10>(0);
            self.state_ram0.write_data.next = self.host_write_data.val().get_bits::<24>(0);
            self.state_ram0.write_enable.next = self.host_write.val() & (self.region.val() == 20);
            self.accumulator_ram0.write_address.next = self.index.val().get_bits::<10>(0);
            self.accumulator_ram0.write_data.next = self.host_write_data.val().get_bits::<24>(0);
            self.accumulator_ram0.write_enable.next =
                self.host_write.val() & (self.region.val() == 24);
            if self.accumulate_valid.q.val() {
                self.accumulator_ram0.write_address.next = self.accumulate_neuron.q.val();
                self.accumulator_ram0.write_data.next = self.accumulate_saturated.val();
                self.accumulator_ram0.write_enable.next = self.accumulate_receptor.q.val() == 0;
            }
            self.state_ram1.read_address.next = self.index.val().get_bits::<10>(0);
            self.accumulator_ram1.read_address.next = self.index.val().get_bits::<10>(0);
            if self.deliver_valid.val() {
                self.accumulator_ram1.read_address.next = self.deliver_neuron.val();
            }
            self.state_ram1.write_address.next = self.index.val().get_bits::<10>(0);
            self.state_ram1.write_data.next = self.host_write_data.val().get_bits::<24>(0);
            self.state_ram1.write_enable.next = self.host_write.val() & (self.region.val() == 21);
            self.accumulator_ram1.write_address.next = self.index.val().get_bits::<10>(0);
            self.accumulator_ram1.write_data.next = self.host_write_data.val().get_bits::<24>(0);
            self.accumulator_ram1.write_enable.next =
                self.host_write.val() & (self.region.val() == 25);
            if self.accumulate_valid.q.val() {
                self.accumulator_ram1.write_address.next = self.accumulate_neuron.q.val();
                self.accumulator_ram1.write_data.next = self.accumulate_saturated.val();
                self.accumulator_ram1.write_enable.next = self.accumulate_receptor.q.val() == 1;
            }
            self.state_ram2.read_address.next = self.index.val().get_bits::<10>(0);
            self.accumulator_ram2.read_address.next = self.index.val().get_bits::<10>(0);
            if self.deliver_valid.val() {
                self.accumulator_ram2.read_address.next = self.deliver_neuron.val();
            }
            self.state_ram2.write_address.next = self.index.val().get_bits::<10>(0);
            self.state_ram2.write_data.next = self.host_write_data.val().get_bits::<24>(0);
            self.state_ram2.write_enable.next = self.host_write.val() & (self.region.val() == 22);
            self.accumulator_ram2.write_address.next = self.index.val().get_bits::<10>(0);
            self.accumulator_ram2.write_data.next = self.host_write_data.val().get_bits::<24>(0);
            self.accumulator_ram2.write_enable.next =
                self.host_write.val() & (self.region.val() == 26);
            if self.accumulate_valid.q.val() {
                self.accumulator_ram2.write_address.next = self.accumulate_neuron.q.val();
                self.accumulator_ram2.write_data.next = self.accumulate_saturated.val();
                self.accumulator_ram2.write_enable.next = self.accumulate_receptor.q.val() == 2;
            }
            self.state_ram3.read_address.next = self.index.val().get_bits::<10>(0);
            self.accumulator_ram3.read_address.next = self.index.val().get_bits::<10>(0);
            if self.deliver_valid.val() {
                self.accumulator_ram3.read_address.next = self.deliver_neuron.val();
            }
            self.state_ram3.write_address.next = self.index.val().get_bits::<10>(0);
            self.state_ram3.write_data.next = self.host_write_data.val().get_bits::<24>(0);
            self.state_ram3.write_enable.next = self.host_write.val() & (self.region.val() == 23);
            self.accumulator_ram3.write_address.next = self.index.val().get_bits::<10>(0);
            self.accumulator_ram3.write_data.next = self.host_write_data.val().get_bits::<24>(0);
            self.accumulator_ram3.write_enable.next =
                self.host_write.val() & (self.region.val() == 27);
            if self.accumulate_valid.q.val() {
                self.accumulator_ram3.write_address.next = self.accumulate_neuron.q.val();
                self.accumulator_ram3.write_data.next = self.accumulate_saturated.val();
                self.accumulator_ram3.write_enable.next = self.accumulate_receptor.q.val() == 3;
            }
        }
        // Injected current and the tables are written by the host only, never while busy.
        self.i_ext_ram.write_address.next = self.index.val().get_bits::<10>(0);
        self.i_ext_ram.write_data.next = self.host_write_data.val().get_bits::<25>(0);
        self.i_ext_ram.write_enable.next =
            self.host_write.val() & !self.controller.busy.val() & (self.region.val() == 6);
        self.inf_table0.write_address.next = self.index.val();
        self.inf_table0.write_data.next = self.host_write_data.val().get_bits::<16>(0);
        self.inf_table0.write_enable.next =
            self.host_write.val() & !self.controller.busy.val() & (self.region.val() == 8);
        self.inf_table1.write_address.next = self.index.val();
        self.inf_table1.write_data.next = self.host_write_data.val().get_bits::<16>(0);
        self.inf_table1.write_enable.next =
            self.host_write.val() & !self.controller.busy.val() & (self.region.val() == 9);
        self.inf_table2.write_address.next = self.index.val();
        self.inf_table2.write_data.next = self.host_write_data.val().get_bits::<16>(0);
        self.inf_table2.write_enable.next =
            self.host_write.val() & !self.controller.busy.val() & (self.region.val() == 10);
        self.inf_table3.write_address.next = self.index.val();
        self.inf_table3.write_data.next = self.host_write_data.val().get_bits::<16>(0);
        self.inf_table3.write_enable.next =
            self.host_write.val() & !self.controller.busy.val() & (self.region.val() == 11);
        self.relax_table0.write_address.next = self.index.val();
        self.relax_table0.write_data.next = self.host_write_data.val().get_bits::<18>(0);
        self.relax_table0.write_enable.next =
            self.host_write.val() & !self.controller.busy.val() & (self.region.val() == 12);
        self.relax_table1.write_address.next = self.index.val();
        self.relax_table1.write_data.next = self.host_write_data.val().get_bits::<18>(0);
        self.relax_table1.write_enable.next =
            self.host_write.val() & !self.controller.busy.val() & (self.region.val() == 13);
        self.relax_table2.write_address.next = self.index.val();
        self.relax_table2.write_data.next = self.host_write_data.val().get_bits::<18>(0);
        self.relax_table2.write_enable.next =
            self.host_write.val() & !self.controller.busy.val() & (self.region.val() == 14);
        self.relax_table3.write_address.next = self.index.val();
        self.relax_table3.write_data.next = self.host_write_data.val().get_bits::<18>(0);
        self.relax_table3.write_enable.next =
            self.host_write.val() & !self.controller.busy.val() & (self.region.val() == 15);
        self.membrane_table.write_address.next = self.index.val().get_bits::<10>(0);
        self.membrane_table.write_data.next = self.host_write_data.val().get_bits::<17>(0);
        self.membrane_table.write_enable.next =
            self.host_write.val() & !self.controller.busy.val() & (self.region.val() == 16);

        // Clocks 2-3: gate units, with each gate aligned to its table row.
        self.x_aligned0.d.next = self.gate_ram0.read_data.val();
        self.gate0.x.next = self.x_aligned0.q.val();
        self.gate0.inf.next = self.inf_table0.read_data.val();
        self.gate0.relax.next = self.relax_table0.read_data.val();
        self.x_aligned1.d.next = self.gate_ram1.read_data.val();
        self.gate1.x.next = self.x_aligned1.q.val();
        self.gate1.inf.next = self.inf_table1.read_data.val();
        self.gate1.relax.next = self.relax_table1.read_data.val();
        self.x_aligned2.d.next = self.gate_ram2.read_data.val();
        self.gate2.x.next = self.x_aligned2.q.val();
        self.gate2.inf.next = self.inf_table2.read_data.val();
        self.gate2.relax.next = self.relax_table2.read_data.val();
        self.x_aligned3.d.next = self.gate_ram3.read_data.val();
        self.gate3.x.next = self.x_aligned3.q.val();
        self.gate3.inf.next = self.inf_table3.read_data.val();
        self.gate3.relax.next = self.relax_table3.read_data.val();

        // Clocks 4-8: the new gates, tapped once per factor stage.
        self.x_tap0_1.d.next = self.gate0.x_new.val();
        self.x_tap0_2.d.next = self.x_tap0_1.q.val();
        self.x_tap0_3.d.next = self.x_tap0_2.q.val();
        self.x_tap0_4.d.next = self.x_tap0_3.q.val();
        self.x_write_back0.d.next = self.gate0.x_new.val();
        self.x_tap1_1.d.next = self.gate1.x_new.val();
        self.x_tap1_2.d.next = self.x_tap1_1.q.val();
        self.x_tap1_3.d.next = self.x_tap1_2.q.val();
        self.x_tap1_4.d.next = self.x_tap1_3.q.val();
        self.x_write_back1.d.next = self.gate1.x_new.val();
        self.x_tap2_1.d.next = self.gate2.x_new.val();
        self.x_tap2_2.d.next = self.x_tap2_1.q.val();
        self.x_tap2_3.d.next = self.x_tap2_2.q.val();
        self.x_tap2_4.d.next = self.x_tap2_3.q.val();
        self.x_write_back2.d.next = self.gate2.x_new.val();
        self.x_tap3_1.d.next = self.gate3.x_new.val();
        self.x_tap3_2.d.next = self.x_tap3_1.q.val();
        self.x_tap3_3.d.next = self.x_tap3_2.q.val();
        self.x_tap3_4.d.next = self.x_tap3_3.q.val();
        self.x_write_back3.d.next = self.gate3.x_new.val();
        self.factor0_0.x0.next = self.gate0.x_new.val();
        self.factor0_0.x1.next = self.gate1.x_new.val();
        self.factor0_0.x2.next = self.gate2.x_new.val();
        self.factor0_0.x3.next = self.gate3.x_new.val();
        self.factor0_0.select.next = self.parameters.structure0.val().get_bits::<2>(0);
        self.factor0_0.open_in.next = 0.into();
        self.factor0_0.enable.next = false;
        self.factor0_1.x0.next = self.x_tap0_1.q.val();
        self.factor0_1.x1.next = self.x_tap1_1.q.val();
        self.factor0_1.x2.next = self.x_tap2_1.q.val();
        self.factor0_1.x3.next = self.x_tap3_1.q.val();
        self.factor0_1.select.next = self.parameters.structure0.val().get_bits::<2>(2);
        self.factor0_1.open_in.next = self.factor0_0.open_out.val();
        self.factor0_1.enable.next = self.parameters.structure0.val().get_bit(10);
        self.factor0_2.x0.next = self.x_tap0_2.q.val();
        self.factor0_2.x1.next = self.x_tap1_2.q.val();
        self.factor0_2.x2.next = self.x_tap2_2.q.val();
        self.factor0_2.x3.next = self.x_tap3_2.q.val();
        self.factor0_2.select.next = self.parameters.structure0.val().get_bits::<2>(4);
        self.factor0_2.open_in.next = self.factor0_1.open_out.val();
        self.factor0_2.enable.next = self.parameters.structure0.val().get_bit(11);
        self.factor0_3.x0.next = self.x_tap0_3.q.val();
        self.factor0_3.x1.next = self.x_tap1_3.q.val();
        self.factor0_3.x2.next = self.x_tap2_3.q.val();
        self.factor0_3.x3.next = self.x_tap3_3.q.val();
        self.factor0_3.select.next = self.parameters.structure0.val().get_bits::<2>(6);
        self.factor0_3.open_in.next = self.factor0_2.open_out.val();
        self.factor0_3.enable.next = self.parameters.structure0.val().get_bit(12);
        self.factor0_4.x0.next = self.x_tap0_4.q.val();
        self.factor0_4.x1.next = self.x_tap1_4.q.val();
        self.factor0_4.x2.next = self.x_tap2_4.q.val();
        self.factor0_4.x3.next = self.x_tap3_4.q.val();
        self.factor0_4.select.next = self.parameters.structure0.val().get_bits::<2>(8);
        self.factor0_4.open_in.next = self.factor0_3.open_out.val();
        self.factor0_4.enable.next = self.parameters.structure0.val().get_bit(13);
        self.factor1_0.x0.next = self.gate0.x_new.val();
        self.factor1_0.x1.next = self.gate1.x_new.val();
        self.factor1_0.x2.next = self.gate2.x_new.val();
        self.factor1_0.x3.next = self.gate3.x_new.val();
        self.factor1_0.select.next = self.parameters.structure1.val().get_bits::<2>(0);
        self.factor1_0.open_in.next = 0.into();
        self.factor1_0.enable.next = false;
        self.factor1_1.x0.next = self.x_tap0_1.q.val();
        self.factor1_1.x1.next = self.x_tap1_1.q.val();
        self.factor1_1.x2.next = self.x_tap2_1.q.val();
        self.factor1_1.x3.next = self.x_tap3_1.q.val();
        self.factor1_1.select.next = self.parameters.structure1.val().get_bits::<2>(2);
        self.factor1_1.open_in.next = self.factor1_0.open_out.val();
        self.factor1_1.enable.next = self.parameters.structure1.val().get_bit(10);
        self.factor1_2.x0.next = self.x_tap0_2.q.val();
        self.factor1_2.x1.next = self.x_tap1_2.q.val();
        self.factor1_2.x2.next = self.x_tap2_2.q.val();
        self.factor1_2.x3.next = self.x_tap3_2.q.val();
        self.factor1_2.select.next = self.parameters.structure1.val().get_bits::<2>(4);
        self.factor1_2.open_in.next = self.factor1_1.open_out.val();
        self.factor1_2.enable.next = self.parameters.structure1.val().get_bit(11);
        self.factor1_3.x0.next = self.x_tap0_3.q.val();
        self.factor1_3.x1.next = self.x_tap1_3.q.val();
        self.factor1_3.x2.next = self.x_tap2_3.q.val();
        self.factor1_3.x3.next = self.x_tap3_3.q.val();
        self.factor1_3.select.next = self.parameters.structure1.val().get_bits::<2>(6);
        self.factor1_3.open_in.next = self.factor1_2.open_out.val();
        self.factor1_3.enable.next = self.parameters.structure1.val().get_bit(12);
        self.factor1_4.x0.next = self.x_tap0_4.q.val();
        self.factor1_4.x1.next = self.x_tap1_4.q.val();
        self.factor1_4.x2.next = self.x_tap2_4.q.val();
        self.factor1_4.x3.next = self.x_tap3_4.q.val();
        self.factor1_4.select.next = self.parameters.structure1.val().get_bits::<2>(8);
        self.factor1_4.open_in.next = self.factor1_3.open_out.val();
        self.factor1_4.enable.next = self.parameters.structure1.val().get_bit(13);
        self.factor2_0.x0.next = self.gate0.x_new.val();
        self.factor2_0.x1.next = self.gate1.x_new.val();
        self.factor2_0.x2.next = self.gate2.x_new.val();
        self.factor2_0.x3.next = self.gate3.x_new.val();
        self.factor2_0.select.next = self.parameters.structure2.val().get_bits::<2>(0);
        self.factor2_0.open_in.next = 0.into();
        self.factor2_0.enable.next = false;
        self.factor2_1.x0.next = self.x_tap0_1.q.val();
        self.factor2_1.x1.next = self.x_tap1_1.q.val();
        self.factor2_1.x2.next = self.x_tap2_1.q.val();
        self.factor2_1.x3.next = self.x_tap3_1.q.val();
        self.factor2_1.select.next = self.parameters.structure2.val().get_bits::<2>(2);
        self.factor2_1.open_in.next = self.factor2_0.open_out.val();
        self.factor2_1.enable.next = self.parameters.structure2.val().get_bit(10);
        self.factor2_2.x0.next = self.x_tap0_2.q.val();
        self.factor2_2.x1.next = self.x_tap1_2.q.val();
        self.factor2_2.x2.next = self.x_tap2_2.q.val();
        self.factor2_2.x3.next = self.x_tap3_2.q.val();
        self.factor2_2.select.next = self.parameters.structure2.val().get_bits::<2>(4);
        self.factor2_2.open_in.next = self.factor2_1.open_out.val();
        self.factor2_2.enable.next = self.parameters.structure2.val().get_bit(11);
        self.factor2_3.x0.next = self.x_tap0_3.q.val();
        self.factor2_3.x1.next = self.x_tap1_3.q.val();
        self.factor2_3.x2.next = self.x_tap2_3.q.val();
        self.factor2_3.x3.next = self.x_tap3_3.q.val();
        self.factor2_3.select.next = self.parameters.structure2.val().get_bits::<2>(6);
        self.factor2_3.open_in.next = self.factor2_2.open_out.val();
        self.factor2_3.enable.next = self.parameters.structure2.val().get_bit(12);
        self.factor2_4.x0.next = self.x_tap0_4.q.val();
        self.factor2_4.x1.next = self.x_tap1_4.q.val();
        self.factor2_4.x2.next = self.x_tap2_4.q.val();
        self.factor2_4.x3.next = self.x_tap3_4.q.val();
        self.factor2_4.select.next = self.parameters.structure2.val().get_bits::<2>(8);
        self.factor2_4.open_in.next = self.factor2_3.open_out.val();
        self.factor2_4.enable.next = self.parameters.structure2.val().get_bit(13);
        self.factor3_0.x0.next = self.gate0.x_new.val();
        self.factor3_0.x1.next = self.gate1.x_new.val();
        self.factor3_0.x2.next = self.gate2.x_new.val();
        self.factor3_0.x3.next = self.gate3.x_new.val();
        self.factor3_0.select.next = self.parameters.structure3.val().get_bits::<2>(0);
        self.factor3_0.open_in.next = 0.into();
        self.factor3_0.enable.next = false;
        self.factor3_1.x0.next = self.x_tap0_1.q.val();
        self.factor3_1.x1.next = self.x_tap1_1.q.val();
        self.factor3_1.x2.next = self.x_tap2_1.q.val();
        self.factor3_1.x3.next = self.x_tap3_1.q.val();
        self.factor3_1.select.next = self.parameters.structure3.val().get_bits::<2>(2);
        self.factor3_1.open_in.next = self.factor3_0.open_out.val();
        self.factor3_1.enable.next = self.parameters.structure3.val().get_bit(10);
        self.factor3_2.x0.next = self.x_tap0_2.q.val();
        self.factor3_2.x1.next = self.x_tap1_2.q.val();
        self.factor3_2.x2.next = self.x_tap2_2.q.val();
        self.factor3_2.x3.next = self.x_tap3_2.q.val();
        self.factor3_2.select.next = self.parameters.structure3.val().get_bits::<2>(4);
        self.factor3_2.open_in.next = self.factor3_1.open_out.val();
        self.factor3_2.enable.next = self.parameters.structure3.val().get_bit(11);
        self.factor3_3.x0.next = self.x_tap0_3.q.val();
        self.factor3_3.x1.next = self.x_tap1_3.q.val();
        self.factor3_3.x2.next = self.x_tap2_3.q.val();
        self.factor3_3.x3.next = self.x_tap3_3.q.val();
        self.factor3_3.select.next = self.parameters.structure3.val().get_bits::<2>(6);
        self.factor3_3.open_in.next = self.factor3_2.open_out.val();
        self.factor3_3.enable.next = self.parameters.structure3.val().get_bit(12);
        self.factor3_4.x0.next = self.x_tap0_4.q.val();
        self.factor3_4.x1.next = self.x_tap1_4.q.val();
        self.factor3_4.x2.next = self.x_tap2_4.q.val();
        self.factor3_4.x3.next = self.x_tap3_4.q.val();
        self.factor3_4.select.next = self.parameters.structure3.val().get_bits::<2>(8);
        self.factor3_4.open_in.next = self.factor3_3.open_out.val();
        self.factor3_4.enable.next = self.parameters.structure3.val().get_bit(13);

        // Clocks 9-10: channel units.
        self.v_to_channel.d.next = self.v_ram.read_data.val();
        self.channel0.open.next = self.factor0_4.open_out.val();
        self.channel0.gbar.next = self.parameters.gbar0.val();
        self.channel0.leak.next = self.parameters.structure0.val().get_bit(14);
        self.channel0.reversal.next = self.parameters.reversal0.val();
        self.channel0.v.next = self.v_to_channel.q.val();
        self.channel1.open.next = self.factor1_4.open_out.val();
        self.channel1.gbar.next = self.parameters.gbar1.val();
        self.channel1.leak.next = self.parameters.structure1.val().get_bit(14);
        self.channel1.reversal.next = self.parameters.reversal1.val();
        self.channel1.v.next = self.v_to_channel.q.val();
        self.channel2.open.next = self.factor2_4.open_out.val();
        self.channel2.gbar.next = self.parameters.gbar2.val();
        self.channel2.leak.next = self.parameters.structure2.val().get_bit(14);
        self.channel2.reversal.next = self.parameters.reversal2.val();
        self.channel2.v.next = self.v_to_channel.q.val();
        self.channel3.open.next = self.factor3_4.open_out.val();
        self.channel3.gbar.next = self.parameters.gbar3.val();
        self.channel3.leak.next = self.parameters.structure3.val().get_bit(14);
        self.channel3.reversal.next = self.parameters.reversal3.val();
        self.channel3.v.next = self.v_to_channel.q.val();

        // Clocks 8-10: receptor units (memories read at 8, units at 9-10, write-back at 11).
        self.receptor_read_neuron.d.next = self.controller.neuron.val();
        self.receptor_write_neuron.d.next = self.receptor_read_neuron.q.val();
        self.receptor_write_valid.d.next = self.controller.issue.val();
        self.receptor0.state.next = self.state_ram0.read_data.val();
        self.receptor0.accumulated.next = self.accumulator_ram0.read_data.val();
        self.receptor0.v.next = self.v_to_channel.q.val();
        self.receptor0.reversal.next = self.parameters.receptor_reversal0.val();
        self.receptor0.kind.next = self.parameters.receptor_kind0.val();
        self.receptor0.decay.next = self.parameters.receptor_decay0.val();
        self.receptor1.state.next = self.state_ram1.read_data.val();
        self.receptor1.accumulated.next = self.accumulator_ram1.read_data.val();
        self.receptor1.v.next = self.v_to_channel.q.val();
        self.receptor1.reversal.next = self.parameters.receptor_reversal1.val();
        self.receptor1.kind.next = self.parameters.receptor_kind1.val();
        self.receptor1.decay.next = self.parameters.receptor_decay1.val();
        self.receptor2.state.next = self.state_ram2.read_data.val();
        self.receptor2.accumulated.next = self.accumulator_ram2.read_data.val();
        self.receptor2.v.next = self.v_to_channel.q.val();
        self.receptor2.reversal.next = self.parameters.receptor_reversal2.val();
        self.receptor2.kind.next = self.parameters.receptor_kind2.val();
        self.receptor2.decay.next = self.parameters.receptor_decay2.val();
        self.receptor3.state.next = self.state_ram3.read_data.val();
        self.receptor3.accumulated.next = self.accumulator_ram3.read_data.val();
        self.receptor3.v.next = self.v_to_channel.q.val();
        self.receptor3.reversal.next = self.parameters.receptor_reversal3.val();
        self.receptor3.kind.next = self.parameters.receptor_kind3.val();
        self.receptor3.decay.next = self.parameters.receptor_decay3.val();

        // Clock 11: membrane sums; clock 12: membrane table.
        self.i_ext_to_sum.d.next = self.i_ext_ram.read_data.val();
        self.membrane.i_ext.next = self.i_ext_to_sum.q.val();
        self.membrane.conductance0.next = self.channel0.conductance.val();
        self.membrane.current0.next = self.channel0.current.val();
        self.membrane.conductance1.next = self.channel1.conductance.val();
        self.membrane.current1.next = self.channel1.current.val();
        self.membrane.conductance2.next = self.channel2.conductance.val();
        self.membrane.current2.next = self.channel2.current.val();
        self.membrane.conductance3.next = self.channel3.conductance.val();
        self.membrane.current3.next = self.channel3.current.val();
        self.membrane.conductance4.next = self.receptor0.conductance.val();
        self.membrane.current4.next = self.receptor0.current.val();
        self.membrane.conductance5.next = self.receptor1.conductance.val();
        self.membrane.current5.next = self.receptor1.current.val();
        self.membrane.conductance6.next = self.receptor2.conductance.val();
        self.membrane.current6.next = self.receptor2.current.val();
        self.membrane.conductance7.next = self.receptor3.conductance.val();
        self.membrane.current7.next = self.receptor3.current.val();
        self.current_to_voltage.d.next = self.membrane.current.val();

        // Clocks 13-14: voltage update.
        self.v_to_voltage.d.next = self.v_ram.read_data.val();
        self.voltage.v.next = self.v_to_voltage.q.val();
        self.voltage.current.next = self.current_to_voltage.q.val();
        self.voltage.factor.next = self.membrane_table.read_data.val();
        self.voltage.shift.next = self.parameters.v_shift.val();
        self.voltage.threshold.next = self.parameters.threshold.val();

        // Clock 15: write-back (above), spikes and the probe.
        self.valid_write_back.d.next = self.controller.issue.val();
        self.neuron_write_back.d.next = self.controller.neuron.val();
        self.spike_valid.next = self.valid_write_back.q.val() & self.voltage.spike.val();
        self.spike_neuron.next = self.neuron_write_back.q.val();
        self.probe_valid.next = self.valid_write_back.q.val()
            & (self.neuron_write_back.q.val() == self.parameters.probe_neuron.val());
        self.probe_v.next = self.voltage.v_new.val();
        self.probe_x0.next = self.x_write_back0.q.val();
        self.probe_x1.next = self.x_write_back1.q.val();
        self.probe_x2.next = self.x_write_back2.q.val();
        self.probe_x3.next = self.x_write_back3.q.val();

        // Host reads: answered one clock after the address, from the region then addressed.
        self.read_region.d.next = self.region.val();
        self.read_valid.d.next = self.host_read.val() & !self.controller.busy.val();
        self.host_read_valid.next = self.read_valid.q.val();
        self.host_read_data.next = 0.into();
        if self.read_region.q.val() == 0 {
            self.host_read_data.next = self.parameters.read_data.val();
        }
        if self.read_region.q.val() == 1 {
            self.host_read_data.next = bit_cast::<32, 20>(self.v_ram.read_data.val());
        }
        if self.read_region.q.val() == 2 {
            self.host_read_data.next = bit_cast::<32, 16>(self.gate_ram0.read_data.val());
        }
        if self.read_region.q.val() == 3 {
            self.host_read_data.next = bit_cast::<32, 16>(self.gate_ram1.read_data.val());
        }
        if self.read_region.q.val() == 4 {
            self.host_read_data.next = bit_cast::<32, 16>(self.gate_ram2.read_data.val());
        }
        if self.read_region.q.val() == 5 {
            self.host_read_data.next = bit_cast::<32, 16>(self.gate_ram3.read_data.val());
        }
        if self.read_region.q.val() == 6 {
            self.host_read_data.next = bit_cast::<32, 25>(self.i_ext_ram.read_data.val());
        }
        if self.read_region.q.val() == 8 {
            self.host_read_data.next = bit_cast::<32, 16>(self.inf_table0.read_data.val());
        }
        if self.read_region.q.val() == 9 {
            self.host_read_data.next = bit_cast::<32, 16>(self.inf_table1.read_data.val());
        }
        if self.read_region.q.val() == 10 {
            self.host_read_data.next = bit_cast::<32, 16>(self.inf_table2.read_data.val());
        }
        if self.read_region.q.val() == 11 {
            self.host_read_data.next = bit_cast::<32, 16>(self.inf_table3.read_data.val());
        }
        if self.read_region.q.val() == 12 {
            self.host_read_data.next = bit_cast::<32, 18>(self.relax_table0.read_data.val());
        }
        if self.read_region.q.val() == 13 {
            self.host_read_data.next = bit_cast::<32, 18>(self.relax_table1.read_data.val());
        }
        if self.read_region.q.val() == 14 {
            self.host_read_data.next = bit_cast::<32, 18>(self.relax_table2.read_data.val());
        }
        if self.read_region.q.val() == 15 {
            self.host_read_data.next = bit_cast::<32, 18>(self.relax_table3.read_data.val());
        }
        if self.read_region.q.val() == 16 {
            self.host_read_data.next = bit_cast::<32, 17>(self.membrane_table.read_data.val());
        }
        if self.read_region.q.val() == 20 {
            self.host_read_data.next = bit_cast::<32, 24>(self.state_ram0.read_data.val());
        }
        if self.read_region.q.val() == 21 {
            self.host_read_data.next = bit_cast::<32, 24>(self.state_ram1.read_data.val());
        }
        if self.read_region.q.val() == 22 {
            self.host_read_data.next = bit_cast::<32, 24>(self.state_ram2.read_data.val());
        }
        if self.read_region.q.val() == 23 {
            self.host_read_data.next = bit_cast::<32, 24>(self.state_ram3.read_data.val());
        }
        if self.read_region.q.val() == 24 {
            self.host_read_data.next = bit_cast::<32, 24>(self.accumulator_ram0.read_data.val());
        }
        if self.read_region.q.val() == 25 {
            self.host_read_data.next = bit_cast::<32, 24>(self.accumulator_ram1.read_data.val());
        }
        if self.read_region.q.val() == 26 {
            self.host_read_data.next = bit_cast::<32, 24>(self.accumulator_ram2.read_data.val());
        }
        if self.read_region.q.val() == 27 {
            self.host_read_data.next = bit_cast::<32, 24>(self.accumulator_ram3.read_data.val());
        }
    }
}

/// Table memories and the `$readmemh` file each loads.
const TABLE_FILES: [&str; 9] = [
    "inf_table0.hex",
    "inf_table1.hex",
    "inf_table2.hex",
    "inf_table3.hex",
    "relax_table0.hex",
    "relax_table1.hex",
    "relax_table2.hex",
    "relax_table3.hex",
    "membrane_table.hex",
];

impl NeuronCore {
    /// A core whose table memories start with `engine`'s tables (from `$readmemh` files named
    /// `TABLE_FILES`, written by the export).
    pub fn with_tables(engine: &sim::FixedEngine) -> Self {
        let mut core = Self::default();
        let file = |i: usize| Some(TABLE_FILES[i].to_string());
        let gate = |g: usize| engine.gates.get(g);
        let inf = |g: usize| gate(g).map_or(vec![], |t| t.inf.iter().map(|&x| x.into()).collect());
        let relax =
            |g: usize| gate(g).map_or(vec![], |t| t.relax.iter().map(|&x| x.into()).collect());
        core.inf_table0 = SyncRam::with_init(file(0), inf(0));
        core.inf_table1 = SyncRam::with_init(file(1), inf(1));
        core.inf_table2 = SyncRam::with_init(file(2), inf(2));
        core.inf_table3 = SyncRam::with_init(file(3), inf(3));
        core.relax_table0 = SyncRam::with_init(file(4), relax(0));
        core.relax_table1 = SyncRam::with_init(file(5), relax(1));
        core.relax_table2 = SyncRam::with_init(file(6), relax(2));
        core.relax_table3 = SyncRam::with_init(file(7), relax(3));
        core.membrane_table = SyncRam::with_init(
            file(8),
            engine.membrane.factor.iter().map(|&x| x.into()).collect(),
        );
        core
    }

    /// Memories with an initialization file: (file name, contents, word width).
    pub fn initial_memories(&self) -> Vec<(&str, &[u64], usize)> {
        let mut out: Vec<(&str, &[u64], usize)> = Vec::new();
        for (ram, width) in [
            (&self.inf_table0 as &dyn InitialMemory, 16),
            (&self.inf_table1, 16),
            (&self.inf_table2, 16),
            (&self.inf_table3, 16),
            (&self.relax_table0, 18),
            (&self.relax_table1, 18),
            (&self.relax_table2, 18),
            (&self.relax_table3, 18),
            (&self.membrane_table, 17),
        ] {
            if let Some(name) = ram.file() {
                out.push((name, ram.words(), width));
            }
        }
        out
    }
}

/// A memory's initialization, whatever its shape.
trait InitialMemory {
    fn file(&self) -> Option<&str>;
    fn words(&self) -> &[u64];
}

impl<const W: usize, const A: usize> InitialMemory for SyncRam<W, A> {
    fn file(&self) -> Option<&str> {
        self.init_file()
    }
    fn words(&self) -> &[u64] {
        self.contents()
    }
}
