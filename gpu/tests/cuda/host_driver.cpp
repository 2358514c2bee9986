// Runs the generated kernels on the CPU (host C++) for the agreement test in tests/cuda.rs.
// Usage: host_driver IN OUT. IN holds, native endian: u32 elem_size, n, gates, channels,
// steps; then neg_dt, neg_dt_over_c, threshold, conductance[channels], reversal[channels],
// v[n], gates x [n], i_ext[n], g_ext[n] (elem_size bytes each), spikes[n] (u32).
// OUT receives v, the gates and spikes after `steps` steps, in the same layout.
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "kernels.cu"

static FILE* in_file;

static void fail(const char* what) {
    std::fprintf(stderr, "host_driver: %s\n", what);
    std::exit(1);
}

template <typename T>
static std::vector<T> read(size_t count) {
    std::vector<T> xs(count);
    if (count && std::fread(xs.data(), sizeof(T), count, in_file) != count) fail("short input");
    return xs;
}

template <typename T>
static void write(FILE* f, const std::vector<T>& xs) {
    if (!xs.empty() && std::fwrite(xs.data(), sizeof(T), xs.size(), f) != xs.size())
        fail("short write");
}

template <typename T, typename Step>
static void run(unsigned n, unsigned ng, unsigned nc, unsigned steps, Step step, FILE* out) {
    std::vector<T> params = read<T>(3);
    std::vector<T> conductance = read<T>(nc), reversal = read<T>(nc);
    std::vector<T> v = read<T>(n);
    std::vector<std::vector<T>> gates;
    std::vector<T*> gate_ptrs;
    for (unsigned g = 0; g < ng; ++g) gates.push_back(read<T>(n));
    for (auto& g : gates) gate_ptrs.push_back(g.data());
    std::vector<T> i_ext = read<T>(n), g_ext = read<T>(n);
    std::vector<unsigned> spikes = read<unsigned>(n);
    for (unsigned s = 0; s < steps; ++s)
        step(v.data(), gate_ptrs.data(), i_ext.data(), g_ext.data(), spikes.data(),
             conductance.data(), reversal.data(), params[0], params[1], params[2], n);
    write(out, v);
    for (auto& g : gates) write(out, g);
    write(out, spikes);
}

int main(int argc, char** argv) {
    if (argc != 3) fail("usage: host_driver IN OUT");
    in_file = std::fopen(argv[1], "rb");
    if (!in_file) fail("cannot open input");
    std::vector<unsigned> header = read<unsigned>(5);
    unsigned size = header[0], n = header[1], ng = header[2], nc = header[3], steps = header[4];
    FILE* out = std::fopen(argv[2], "wb");
    if (!out) fail("cannot open output");
    if (size == 4) {
        if (ng != nf_host_gates_f32() || nc != nf_host_channels_f32()) fail("shape mismatch");
        run<float>(n, ng, nc, steps, nf_host_step_f32, out);
    } else if (size == 8) {
        if (ng != nf_host_gates_f64() || nc != nf_host_channels_f64()) fail("shape mismatch");
        run<double>(n, ng, nc, steps, nf_host_step_f64, out);
    } else {
        fail("element size must be 4 or 8");
    }
    return std::fclose(out) == 0 ? 0 : 1;
}
