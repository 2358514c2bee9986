//! CUDA C++ for the gradient engine's synapse steps (`grad::network`): receptor drive and its
//! adjoint, receptor decay, spike delivery and weight-gradient accumulation. They do not
//! depend on the channel set; receptors come as tables (`conductance[r]`: 1 for a conductance
//! receptor, 0 for a current one; `factor[r]`: its reversal potential or its sign; `decay[r]`)
//! and synapses as the CSR fanout of `network::Fanout` (`offsets`, `post`, `receptor`, `edge`).
//!
//! Delivery and weight gradients add with an atomic compare-and-swap loop around an
//! ordinary IEEE addition, so every single addition rounds as on the CPU; but the order in
//! which the threads of one launch add to the same receptor state is not fixed on a GPU, so
//! when two spikes of a tick reach the same target the sum may differ from the CPU's in the
//! last bits. Host-compiled, the threads run in order and the results are the CPU's exactly.

use super::source::FloatTy;

/// Kernel names per float type.
impl FloatTy {
    /// `GradNetwork::synaptic_drive`: `g_ext`, `i_ext` from the receptor states and the bias.
    pub fn receptor_drive_kernel(self) -> &'static str {
        match self {
            FloatTy::F32 => "nf_receptor_drive_f32",
            FloatTy::F64 => "nf_receptor_drive_f64",
        }
    }

    /// The adjoint of the drive: into the receptor states' adjoints and the bias gradient.
    pub fn drive_adjoint_kernel(self) -> &'static str {
        match self {
            FloatTy::F32 => "nf_drive_adjoint_f32",
            FloatTy::F64 => "nf_drive_adjoint_f64",
        }
    }

    /// Multiplies each receptor's states (or their adjoints) by its decay.
    pub fn receptor_decay_kernel(self) -> &'static str {
        match self {
            FloatTy::F32 => "nf_receptor_decay_f32",
            FloatTy::F64 => "nf_receptor_decay_f64",
        }
    }

    /// `grad::network::deliver`: one thread per spiking source.
    pub fn deliver_kernel(self) -> &'static str {
        match self {
            FloatTy::F32 => "nf_deliver_f32",
            FloatTy::F64 => "nf_deliver_f64",
        }
    }

    /// `grad::network::accumulate_weights`: one thread per spiking source.
    pub fn accumulate_weights_kernel(self) -> &'static str {
        match self {
            FloatTy::F32 => "nf_accumulate_weights_f32",
            FloatTy::F64 => "nf_accumulate_weights_f64",
        }
    }
}

/// `*p = *p + x` as one atomic operation on the device (compare-and-swap around the ordinary
/// IEEE addition, rather than the hardware's float `atomicAdd` with its own subnormal
/// handling), a plain update on the host.
pub(super) const ATOMICS: &str = r#"
// ---- atomics ----
#ifdef __CUDACC__
NF_DEVICE void nf_atomic_add(float* p, float x) {
    unsigned int* bits = (unsigned int*)p;
    unsigned int old = *bits, assumed;
    do {
        assumed = old;
        old = atomicCAS(bits, assumed, NF_F32_BITS(NF_F32_FROM_BITS(assumed) + x));
    } while (assumed != old);
}
NF_DEVICE void nf_atomic_add(double* p, double x) {
    unsigned long long* bits = (unsigned long long*)p;
    unsigned long long old = *bits, assumed;
    do {
        assumed = old;
        old = atomicCAS(bits, assumed, NF_F64_BITS(NF_F64_FROM_BITS(assumed) + x));
    } while (assumed != old);
}
#else
NF_DEVICE void nf_atomic_add(float* p, float x) { *p = *p + x; }
NF_DEVICE void nf_atomic_add(double* p, double x) { *p = *p + x; }
#endif
"#;

/// The synapse kernels for `ty`.
pub(super) fn synapse_kernels(ty: FloatTy) -> String {
    let r = ty.c_name();
    let zero = ty.literal(0.0);
    let t = ty.rust_name();
    format!(
        r#"
// ---- synapses, {r} ----
extern "C" __global__ void nf_receptor_drive_{t}(const {r}* s, const {r}* bias, const unsigned char* conductance, const {r}* factor, unsigned int receptors, {r}* g_ext, {r}* i_ext, unsigned int n) {{
    const unsigned int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    {r} g = {zero};
    {r} cur = bias[i];
    for (unsigned int r = 0; r < receptors; ++r) {{
        const {r} state = s[r * n + i];
        if (conductance[r]) g = g + state;
        cur = cur + state * factor[r];
    }}
    g_ext[i] = g;
    i_ext[i] = cur;
}}
extern "C" __global__ void nf_drive_adjoint_{t}({r}* lam_s, const {r}* lam_g_ext, const {r}* lam_i_ext, const unsigned char* conductance, const {r}* factor, unsigned int receptors, {r}* d_bias, unsigned int n) {{
    const unsigned int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    for (unsigned int r = 0; r < receptors; ++r) {{
        {r}* l = &lam_s[r * n + i];
        if (conductance[r]) *l = (*l + lam_g_ext[i]) + lam_i_ext[i] * factor[r];
        else *l = *l + lam_i_ext[i] * factor[r];
    }}
    d_bias[i] = d_bias[i] + lam_i_ext[i];
}}
extern "C" __global__ void nf_receptor_decay_{t}({r}* s, const {r}* decay, unsigned int receptors, unsigned int n) {{
    const unsigned int k = blockIdx.x * blockDim.x + threadIdx.x;
    if (k >= receptors * n) return;
    s[k] = s[k] * decay[k / n];
}}
extern "C" __global__ void nf_deliver_{t}(const unsigned int* sources, unsigned int count, const unsigned int* offsets, const unsigned int* post, const unsigned char* receptor, const unsigned int* edge, const {r}* weight, {r}* s, unsigned int n) {{
    const unsigned int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= count) return;
    const unsigned int source = sources[j];
    for (unsigned int e = offsets[source]; e < offsets[source + 1]; ++e)
        nf_atomic_add(&s[receptor[e] * n + post[e]], weight[edge[e]]);
}}
extern "C" __global__ void nf_accumulate_weights_{t}(const unsigned int* sources, unsigned int count, const unsigned int* offsets, const unsigned int* post, const unsigned char* receptor, const unsigned int* edge, const {r}* lam_s, {r}* grad, unsigned int n) {{
    const unsigned int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= count) return;
    const unsigned int source = sources[j];
    for (unsigned int e = offsets[source]; e < offsets[source + 1]; ++e)
        nf_atomic_add(&grad[edge[e]], lam_s[receptor[e] * n + post[e]]);
}}
"#
    )
}
