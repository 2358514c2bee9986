// Runs the generated gradient-engine and synapse kernels on the CPU (host C++) for the
// agreement tests in tests/cuda_grad.rs. Usage: grad_driver IN OUT.
// IN: u32 elem_size (4: float, 8: double), u32 op, then arrays, each a u32 count followed by
// its elements (T: elem_size bytes, u32, u8), in the order each op reads them below.
// OUT: the op's results as arrays in the same format.
#include "driver.h"

// Op 1, `steps` forward steps. Reads: scalars T[3] (neg_dt, neg_dt_over_c, threshold),
// shape u32[4] (n, gates, channels, steps), reversal T[channels], v T[n], x T[gates*n],
// conductance T[channels*n], g_ext T[n], i_ext T[n]. Writes: v, x, crossed u8[steps*n].
template <typename T>
static void forward() {
    std::vector<T> k = next<T>(3);
    std::vector<uint32_t> shape = next<uint32_t>(4);
    uint32_t n = shape[0], ng = shape[1], nc = shape[2], steps = shape[3];
    std::vector<T> reversal = next<T>(nc), v = next<T>(n), x = next<T>((size_t)ng * n),
                   conductance = next<T>((size_t)nc * n), g_ext = next<T>(n), i_ext = next<T>(n);
    std::vector<unsigned char> crossed((size_t)steps * n);
    for (uint32_t s = 0; s < steps; ++s) {
        unsigned char* out = crossed.data() + (size_t)s * n;
        nf_host_launch(n, [&] {
            grad_forward(v.data(), x.data(), conductance.data(), g_ext.data(), i_ext.data(), out,
                         reversal.data(), k[0], k[1], k[2], n);
        });
    }
    put(v);
    put(x);
    put(crossed);
}

// Op 2, one backward step. Reads: scalars T[2] (neg_dt, neg_dt_over_c), shape u32[3] (n,
// gates, channels), reversal, v, x, conductance, g_ext, i_ext, lam_v T[n], lam_x T[gates*n],
// d_conductance T[channels*n]. Writes: lam_v, lam_x, lam_g_ext, lam_i_ext, d_conductance.
template <typename T>
static void backward() {
    std::vector<T> k = next<T>(2);
    std::vector<uint32_t> shape = next<uint32_t>(3);
    uint32_t n = shape[0], ng = shape[1], nc = shape[2];
    std::vector<T> reversal = next<T>(nc), v = next<T>(n), x = next<T>((size_t)ng * n),
                   conductance = next<T>((size_t)nc * n), g_ext = next<T>(n), i_ext = next<T>(n),
                   lam_v = next<T>(n), lam_x = next<T>((size_t)ng * n),
                   d_conductance = next<T>((size_t)nc * n);
    std::vector<T> lam_g_ext(n), lam_i_ext(n);
    nf_host_launch(n, [&] {
        grad_backward(v.data(), x.data(), conductance.data(), g_ext.data(), i_ext.data(),
                      lam_v.data(), lam_x.data(), lam_g_ext.data(), lam_i_ext.data(),
                      d_conductance.data(), reversal.data(), k[0], k[1], n);
    });
    put(lam_v);
    put(lam_x);
    put(lam_g_ext);
    put(lam_i_ext);
    put(d_conductance);
}

// Op 3, the synapse kernels in a tick's order and its adjoint's. Reads: shape u32[2] (n,
// receptors), conductance u8[receptors], factor T[receptors], decay T[receptors], bias T[n],
// s T[receptors*n], sources u32[], offsets u32[], post u32[], receptor u8[], edge u32[],
// weight T[], lam_s T[receptors*n], lam_g_ext T[n], lam_i_ext T[n], grad_w T[weights],
// d_bias T[n]. Writes: g_ext, i_ext (drive of s), s (decayed, then delivered to), grad_w
// (accumulated from lam_s), lam_s (decayed, then the drive's adjoint added), d_bias.
template <typename T>
static void synapses() {
    std::vector<uint32_t> shape = next<uint32_t>(2);
    uint32_t n = shape[0], nr = shape[1];
    std::vector<unsigned char> kind = next<unsigned char>(nr);
    std::vector<T> factor = next<T>(nr), dec = next<T>(nr), bias = next<T>(n),
                   s = next<T>((size_t)nr * n);
    std::vector<uint32_t> sources = next<uint32_t>(), offsets = next<uint32_t>(),
                          post = next<uint32_t>();
    std::vector<unsigned char> receptor = next<unsigned char>(post.size());
    std::vector<uint32_t> edge = next<uint32_t>(post.size());
    std::vector<T> weight = next<T>(), lam_s = next<T>((size_t)nr * n), lam_g = next<T>(n),
                   lam_i = next<T>(n), grad_w = next<T>(weight.size()), d_bias = next<T>(n);
    std::vector<T> g_ext(n), i_ext(n);
    uint32_t m = (uint32_t)sources.size();
    nf_host_launch(n, [&] {
        drive(s.data(), bias.data(), kind.data(), factor.data(), nr, g_ext.data(), i_ext.data(),
              n);
    });
    nf_host_launch(nr * n, [&] { decay(s.data(), dec.data(), nr, n); });
    nf_host_launch(m, [&] {
        deliver(sources.data(), m, offsets.data(), post.data(), receptor.data(), edge.data(),
                weight.data(), s.data(), n);
    });
    nf_host_launch(m, [&] {
        accumulate(sources.data(), m, offsets.data(), post.data(), receptor.data(), edge.data(),
                   lam_s.data(), grad_w.data(), n);
    });
    nf_host_launch(nr * n, [&] { decay(lam_s.data(), dec.data(), nr, n); });
    nf_host_launch(n, [&] {
        drive_adjoint(lam_s.data(), lam_g.data(), lam_i.data(), kind.data(), factor.data(), nr,
                      d_bias.data(), n);
    });
    put(g_ext);
    put(i_ext);
    put(s);
    put(grad_w);
    put(lam_s);
    put(d_bias);
}

template <typename T>
static void run(uint32_t op) {
    switch (op) {
        case 1: forward<T>(); break;
        case 2: backward<T>(); break;
        case 3: synapses<T>(); break;
        default: fail("unknown op");
    }
}

int main(int argc, char** argv) {
    if (argc != 3) fail("usage: grad_driver IN OUT");
    in_file = std::fopen(argv[1], "rb");
    if (!in_file) fail("cannot open input");
    uint32_t head[2];
    if (std::fread(head, 4, 2, in_file) != 2) fail("short input (header)");
    out_file = std::fopen(argv[2], "wb");
    if (!out_file) fail("cannot open output");
    if (head[0] == 4) run<float>(head[1]);
    else if (head[0] == 8) run<double>(head[1]);
    else fail("element size must be 4 or 8");
    return std::fclose(out_file) == 0 ? 0 : 1;
}
