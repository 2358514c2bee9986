//! The ports every verilated model here shares — evaluation, tracing, clock, reset and the
//! host bus — behind one trait, so that one driver serves each pair of models (the two
//! cores, the two chips) and the delegation to Verilator's generated methods is written once.

use std::path::Path;

pub trait ModelPorts {
    /// The host bus address: 16 bits on a core, 32 on a chip.
    type Address;
    fn create() -> Self;
    fn eval(&mut self);
    fn trace_open(&mut self, path: &Path) -> std::io::Result<()>;
    fn trace_dump(&mut self, t: u64);
    fn trace_close(&mut self);
    fn set_clock(&mut self, v: u8);
    fn set_reset(&mut self, v: u8);
    fn set_host_address(&mut self, v: Self::Address);
    fn set_host_write_data(&mut self, v: u32);
    fn set_host_write(&mut self, v: u8);
    fn set_host_read(&mut self, v: u8);
    fn host_read_valid(&self) -> u8;
    fn host_read_data(&self) -> u32;
}

/// `impl ModelPorts for $model` (a verilated model type) with host addresses of `$address`.
macro_rules! model_ports {
    ($model:ty, $address:ty) => {
        impl $crate::model_ports::ModelPorts for $model {
            type Address = $address;
            fn create() -> Self {
                <$model>::new()
            }
            #[inline]
            fn eval(&mut self) {
                <$model>::eval(self)
            }
            fn trace_open(&mut self, path: &std::path::Path) -> std::io::Result<()> {
                <$model>::trace_open(self, path)
            }
            fn trace_dump(&mut self, t: u64) {
                <$model>::trace_dump(self, t)
            }
            fn trace_close(&mut self) {
                <$model>::trace_close(self)
            }
            #[inline]
            fn set_clock(&mut self, v: u8) {
                <$model>::set_clock(self, v)
            }
            fn set_reset(&mut self, v: u8) {
                <$model>::set_reset(self, v)
            }
            fn set_host_address(&mut self, v: $address) {
                <$model>::set_host_address(self, v)
            }
            fn set_host_write_data(&mut self, v: u32) {
                <$model>::set_host_write_data(self, v)
            }
            fn set_host_write(&mut self, v: u8) {
                <$model>::set_host_write(self, v)
            }
            fn set_host_read(&mut self, v: u8) {
                <$model>::set_host_read(self, v)
            }
            fn host_read_valid(&self) -> u8 {
                <$model>::host_read_valid(self)
            }
            fn host_read_data(&self) -> u32 {
                <$model>::host_read_data(self)
            }
        }
    };
}
pub(crate) use model_ports;
