// What the test drivers share: the generated kernels (kernels.cu, in the build's include
// path), array I/O (each array a u32 count followed by its elements) and overloads of the
// kernels on the float type.
#pragma once
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "kernels.cu"

static FILE* in_file;
static FILE* out_file;

static void fail(const char* what) {
    std::fprintf(stderr, "driver: %s\n", what);
    std::exit(1);
}

template <typename U>
static std::vector<U> next(size_t expect = SIZE_MAX) {
    uint32_t count;
    if (std::fread(&count, 4, 1, in_file) != 1) fail("short input (count)");
    if (expect != SIZE_MAX && count != expect) fail("array length differs from the shape");
    std::vector<U> xs(count);
    if (count && std::fread(xs.data(), sizeof(U), count, in_file) != count) fail("short input");
    return xs;
}

template <typename U>
static void put(const std::vector<U>& xs) {
    uint32_t count = (uint32_t)xs.size();
    if (std::fwrite(&count, 4, 1, out_file) != 1) fail("short write");
    if (count && std::fwrite(xs.data(), sizeof(U), count, out_file) != count) fail("short write");
}

// Overloads on the float type, so one template per op serves both.
static void grad_forward(float* v, float* x, const float* c, const float* g, const float* i,
                         unsigned char* cr, const float* rev, float a, float b, float t,
                         unsigned n) {
    nf_grad_forward_f32(v, x, c, g, i, cr, rev, a, b, t, n);
}
static void grad_forward(double* v, double* x, const double* c, const double* g,
                         const double* i, unsigned char* cr, const double* rev, double a,
                         double b, double t, unsigned n) {
    nf_grad_forward_f64(v, x, c, g, i, cr, rev, a, b, t, n);
}
static void grad_backward(const float* v, const float* x, const float* c, const float* g,
                          const float* i, float* lv, float* lx, float* lg, float* li, float* dc,
                          const float* rev, float a, float b, unsigned n) {
    nf_grad_backward_f32(v, x, c, g, i, lv, lx, lg, li, dc, rev, a, b, n);
}
static void grad_backward(const double* v, const double* x, const double* c, const double* g,
                          const double* i, double* lv, double* lx, double* lg, double* li,
                          double* dc, const double* rev, double a, double b, unsigned n) {
    nf_grad_backward_f64(v, x, c, g, i, lv, lx, lg, li, dc, rev, a, b, n);
}
static void drive(const float* s, const float* b, const unsigned char* k, const float* f,
                  unsigned r, float* g, float* i, unsigned n) {
    nf_receptor_drive_f32(s, b, k, f, r, g, i, n);
}
static void drive(const double* s, const double* b, const unsigned char* k, const double* f,
                  unsigned r, double* g, double* i, unsigned n) {
    nf_receptor_drive_f64(s, b, k, f, r, g, i, n);
}
static void drive_adjoint(float* l, const float* lg, const float* li, const unsigned char* k,
                          const float* f, unsigned r, float* db, unsigned n) {
    nf_drive_adjoint_f32(l, lg, li, k, f, r, db, n);
}
static void drive_adjoint(double* l, const double* lg, const double* li, const unsigned char* k,
                          const double* f, unsigned r, double* db, unsigned n) {
    nf_drive_adjoint_f64(l, lg, li, k, f, r, db, n);
}
static void decay(float* s, const float* d, unsigned r, unsigned n) {
    nf_receptor_decay_f32(s, d, r, n);
}
static void decay(double* s, const double* d, unsigned r, unsigned n) {
    nf_receptor_decay_f64(s, d, r, n);
}
static void deliver(const unsigned* src, unsigned m, const unsigned* o, const unsigned* p,
                    const unsigned char* rc, const unsigned* e, const float* w, float* s,
                    unsigned n) {
    nf_deliver_f32(src, m, o, p, rc, e, w, s, n);
}
static void deliver(const unsigned* src, unsigned m, const unsigned* o, const unsigned* p,
                    const unsigned char* rc, const unsigned* e, const double* w, double* s,
                    unsigned n) {
    nf_deliver_f64(src, m, o, p, rc, e, w, s, n);
}
static void accumulate(const unsigned* src, unsigned m, const unsigned* o, const unsigned* p,
                       const unsigned char* rc, const unsigned* e, const float* l, float* g,
                       unsigned n) {
    nf_accumulate_weights_f32(src, m, o, p, rc, e, l, g, n);
}
static void accumulate(const unsigned* src, unsigned m, const unsigned* o, const unsigned* p,
                       const unsigned char* rc, const unsigned* e, const double* l, double* g,
                       unsigned n) {
    nf_accumulate_weights_f64(src, m, o, p, rc, e, l, g, n);
}

