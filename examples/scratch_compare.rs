use neurofuse::{metrics, neuron, trace};
fn main() {
    let set = channels::ChannelSet::builtin("hh_squid").unwrap();
    let mut files: Vec<_> = std::fs::read_dir("tests/data/neuron").unwrap().chain(std::fs::read_dir("tests/data/neuron/extra").unwrap()).map(|e| e.unwrap().path()).filter(|p| p.extension().map_or(false, |e| e == "csv")).collect();
    files.sort();
    for f in files {
        let p = trace::read_protocol(&f, None).unwrap();
        let vref = p.column("v_mV").unwrap().to_vec();
        for eng in [neuron::Engine::Float(neuron::Precision::F64), neuron::Engine::Float(neuron::Precision::F32), neuron::Engine::Fixed] {
            let v = neuron::simulate(&set, eng, p.dt_ms, &p.i_ua_per_cm2).unwrap();
            let c = metrics::compare(&p.t_ms, &v, &vref, 0.0);
            println!("{:40} {:10} spikes {}/{} worst {:?} mean {:.3} max {:.2}", f.display(), eng.to_string(), c.spikes, c.reference_spikes, c.worst_spike_shift_ms, c.mean_abs_dv_mv, c.max_abs_dv_mv);
        }
    }
}
