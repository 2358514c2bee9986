// A whole network run forward and backward with the generated kernels only, host-compiled,
// in GradNetwork's order (gpu/src/grad/network.rs: `forward`, `tick`, `backward`; every
// state kept, no surrogate; LIF resets), for tests/cuda_grad_network.rs: the recipe a device-resident
// gradient network follows. Usage: network_driver IN OUT.
//
// IN: u32 elem_size, u32 op (4), then arrays: shape u32[7] (n, gates, channels, receptors, ticks,
// inputs, reset: 1 when spiking neurons are reset); scalars T[6] (neg_dt, neg_dt_over_c,
// threshold, loss_scale, loss_target, reset potential);
// reversal T[channels]; initial state T[n * (1 + gates + receptors)]; conductance
// T[channels * n]; bias T[n]; weight T[]; input_weight T[]; receptor tables: conductance
// u8[receptors], factor T[receptors], decay T[receptors]; the synapses' fanout: offsets,
// post, receptor (u8), edge; the inputs' fanout, the same four; stimulus: offsets u32[ticks +
// 1] into events u32[].
// The loss adds loss_scale * (V + loss_target) to the adjoint of V after every tick.
// OUT: V after every tick T[ticks * n]; spikes per tick: offsets u32[ticks + 1], neurons
// u32[]; gradients: conductance T[channels * n], bias T[n], weight T[], input_weight T[].
#include "driver.h"

template <typename T>
struct Fan {
    std::vector<uint32_t> offsets, post, edge;
    std::vector<unsigned char> receptor;
    Fan() {
        offsets = next<uint32_t>();
        post = next<uint32_t>();
        receptor = next<unsigned char>(post.size());
        edge = next<uint32_t>(post.size());
    }
    void deliver_(const std::vector<T>& w, const uint32_t* src, uint32_t m, T* s, uint32_t n) {
        nf_host_launch(m, [&] {
            deliver(src, m, offsets.data(), post.data(), receptor.data(), edge.data(), w.data(),
                    s, n);
        });
    }
    void accumulate_(const uint32_t* src, uint32_t m, const T* lam_s, std::vector<T>& g,
                     uint32_t n) {
        nf_host_launch(m, [&] {
            accumulate(src, m, offsets.data(), post.data(), receptor.data(), edge.data(), lam_s,
                       g.data(), n);
        });
    }
};

template <typename T>
static void network() {
    std::vector<uint32_t> shape = next<uint32_t>(7);
    uint32_t n = shape[0], ng = shape[1], nc = shape[2], nr = shape[3], ticks = shape[4];
    bool reset = shape[6] != 0;
    std::vector<T> k = next<T>(6), reversal = next<T>(nc);
    size_t stride = (size_t)n * (1 + ng + nr);
    std::vector<T> initial = next<T>(stride), conductance = next<T>((size_t)nc * n),
                   bias = next<T>(n), weight = next<T>(), input_weight = next<T>();
    std::vector<unsigned char> kind = next<unsigned char>(nr);
    std::vector<T> factor = next<T>(nr), dec = next<T>(nr);
    Fan<T> fan, input_fan;
    std::vector<uint32_t> ev_offsets = next<uint32_t>(ticks + 1), events = next<uint32_t>();

    // Forward: every state kept.
    std::vector<T> states(initial);
    states.reserve(stride * (ticks + 1));
    std::vector<T> g_ext(n), i_ext(n), voltages;
    std::vector<unsigned char> crossed(n);
    std::vector<uint32_t> sp_offsets{0}, spikes;
    for (uint32_t t = 0; t < ticks; ++t) {
        std::vector<T> state(states.end() - stride, states.end());
        T *v = state.data(), *x = v + n, *s = x + (size_t)ng * n;
        nf_host_launch(n, [&] {
            drive(s, bias.data(), kind.data(), factor.data(), nr, g_ext.data(), i_ext.data(), n);
        });
        nf_host_launch(n, [&] {
            grad_forward(v, x, conductance.data(), g_ext.data(), i_ext.data(), crossed.data(),
                         reversal.data(), k[0], k[1], k[2], n);
        });
        for (uint32_t i = 0; i < n; ++i)
            if (crossed[i]) spikes.push_back(i);
        sp_offsets.push_back((uint32_t)spikes.size());
        if (reset)
            for (uint32_t j = sp_offsets[t]; j < sp_offsets[t + 1]; ++j) v[spikes[j]] = k[5];
        nf_host_launch(nr * n, [&] { decay(s, dec.data(), nr, n); });
        uint32_t first = sp_offsets[t], count = sp_offsets[t + 1] - first;
        fan.deliver_(weight, spikes.data() + first, count, s, n);
        input_fan.deliver_(input_weight, events.data() + ev_offsets[t],
                           ev_offsets[t + 1] - ev_offsets[t], s, n);
        voltages.insert(voltages.end(), v, v + n);
        states.insert(states.end(), state.begin(), state.end());
    }

    // Backward.
    std::vector<T> lam(stride, T(0)), d_conductance((size_t)nc * n, T(0)), d_bias(n, T(0)),
        d_weight(weight.size(), T(0)), d_input_weight(input_weight.size(), T(0));
    std::vector<T> lam_g(n), lam_i(n);
    T *lam_v = lam.data(), *lam_x = lam_v + n, *lam_s = lam_x + (size_t)ng * n;
    for (uint32_t t = ticks; t-- > 0;) {
        const T* before = states.data() + stride * t;
        const T* after = states.data() + stride * (t + 1);
        for (uint32_t i = 0; i < n; ++i) lam_v[i] = lam_v[i] + k[3] * (after[i] + k[4]);
        uint32_t first = sp_offsets[t], count = sp_offsets[t + 1] - first;
        // The potential after a reset is a constant.
        if (reset)
            for (uint32_t j = first; j < first + count; ++j) lam_v[spikes[j]] = T(0);
        fan.accumulate_(spikes.data() + first, count, lam_s, d_weight, n);
        input_fan.accumulate_(events.data() + ev_offsets[t], ev_offsets[t + 1] - ev_offsets[t],
                              lam_s, d_input_weight, n);
        nf_host_launch(nr * n, [&] { decay(lam_s, dec.data(), nr, n); });
        const T* s_before = before + (size_t)n * (1 + ng);
        nf_host_launch(n, [&] {
            drive(s_before, bias.data(), kind.data(), factor.data(), nr, g_ext.data(),
                  i_ext.data(), n);
        });
        nf_host_launch(n, [&] {
            grad_backward(before, before + n, conductance.data(), g_ext.data(), i_ext.data(),
                          lam_v, lam_x, lam_g.data(), lam_i.data(), d_conductance.data(),
                          reversal.data(), k[0], k[1], n);
        });
        nf_host_launch(n, [&] {
            drive_adjoint(lam_s, lam_g.data(), lam_i.data(), kind.data(), factor.data(), nr,
                          d_bias.data(), n);
        });
    }
    put(voltages);
    put(sp_offsets);
    put(spikes);
    put(d_conductance);
    put(d_bias);
    put(d_weight);
    put(d_input_weight);
}

int main(int argc, char** argv) {
    if (argc != 3) fail("usage: network_driver IN OUT");
    in_file = std::fopen(argv[1], "rb");
    if (!in_file) fail("cannot open input");
    uint32_t head[2];
    if (std::fread(head, 4, 2, in_file) != 2) fail("short input (header)");
    if (head[1] != 4) fail("op must be 4 (a network run)");
    out_file = std::fopen(argv[2], "wb");
    if (!out_file) fail("cannot open output");
    if (head[0] == 4) network<float>();
    else if (head[0] == 8) network<double>();
    else fail("element size must be 4 or 8");
    return std::fclose(out_file) == 0 ? 0 : 1;
}
