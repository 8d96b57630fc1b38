// Copyright 2020 The BoringSSL Authors
//
// Licensed under the Apache License, Version 2.0 (the "License");
// you may not use this file except in compliance with the License.
// You may obtain a copy of the License at
//
//     https://www.apache.org/licenses/LICENSE-2.0
//
// Unless required by applicable law or agreed to in writing, software
// distributed under the License is distributed on an "AS IS" BASIS,
// WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
// See the License for the specific language governing permissions and
// limitations under the License.

#ifndef OPENSSL_HEADER_CRYPTO_CURVE25519_INTERNAL_H
#define OPENSSL_HEADER_CRYPTO_CURVE25519_INTERNAL_H

#include <openssl/base.h>
#include <openssl/curve25519.h>

#include "../mem_internal.h"


BSSL_NAMESPACE_BEGIN

#if defined(OPENSSL_ARM) && !defined(OPENSSL_NO_ASM) && !defined(OPENSSL_APPLE)
#define BORINGSSL_X25519_NEON

// x25519_NEON is defined in asm/x25519-arm.S.
extern "C" void x25519_NEON(uint8_t out[32], const uint8_t scalar[32],
                            const uint8_t point[32]);
#endif

#if !defined(OPENSSL_NO_ASM) && !defined(OPENSSL_SMALL) && \
    (defined(__APPLE__) || defined(__ELF__)) && defined(OPENSSL_X86_64)
#define BORINGSSL_FE25519_ADX

// fiat_curve25519_adx_mul is defined in
// third_party/fiat/asm/fiat_curve25519_adx_mul.S
extern "C" void __attribute__((sysv_abi)) fiat_curve25519_adx_mul(
    uint64_t out[4], const uint64_t in1[4], const uint64_t in2[4]);

// fiat_curve25519_adx_square is defined in
// third_party/fiat/asm/fiat_curve25519_adx_square.S
extern "C" void __attribute__((sysv_abi)) fiat_curve25519_adx_square(
    uint64_t out[4], const uint64_t in[4]);

// x25519_scalar_mult_adx is defined in third_party/fiat/curve25519_64_adx.h
void x25519_scalar_mult_adx(uint8_t out[32], const uint8_t scalar[32],
                            const uint8_t point[32]);
void x25519_ge_scalarmult_base_adx(uint8_t h[4][32], const uint8_t a[32]);

#endif

#if defined(OPENSSL_64_BIT)
// fe means field element. Here the field is ℤ/(2^255-19). An element t,
// entries t[0]...t[4], represents the integer
// t[0] + 2^51 t[1] + 2^102 t[2] + 2^153 t[3] + 2^204 t[4].
// fe limbs are bounded by 1.125*2^51.
// Multiplication and carrying produce fe from fe_loose.
typedef struct fe {
  uint64_t v[5];
} fe;

// fe_loose limbs are bounded by 3.375*2^51.
// Addition and subtraction produce fe_loose from (fe, fe).
typedef struct fe_loose {
  uint64_t v[5];
} fe_loose;
#else
// fe means field element. Here the field is ℤ/(2^255-19).
// An element t, entries t[0]...t[9], represents the integer
// t[0] + 2^26 t[1] + 2^51 t[2] + 2^77 t[3] + 2^102 t[4] + ... + 2^230 t[9].
// fe limbs are bounded by 1.125*2^26,1.125*2^25,1.125*2^26,1.125*2^25,etc.
// Multiplication and carrying produce fe from fe_loose.
typedef struct fe {
  uint32_t v[10];
} fe;

// fe_loose limbs are bounded by 3.375*2^26, 3.375*2^25, 3.375*2^26, 3.375*2^25,
// etc. Addition and subtraction produce fe_loose from (fe, fe).
typedef struct fe_loose {
  uint32_t v[10];
} fe_loose;
#endif

// ge means group element.
//
// Here the group is the set of pairs (x,y) of field elements (see fe.h)
// satisfying -x² + y² = 1 + d x²y²
// where d = -121665/121666.
//
// Representations:
//   ge_p2 (projective): (X:Y:Z) satisfying x=X/Z, y=Y/Z
//   ge_p3 (extended): (X:Y:Z:T) satisfying x=X/Z, y=Y/Z, XY=ZT
//   ge_p1p1 (completed): ((X:Z),(Y:T)) satisfying x=X/Z, y=Y/T
//   ge_precomp (Duif): (y+x,y-x,2dxy)

typedef struct {
  fe X;
  fe Y;
  fe Z;
} ge_p2;

typedef struct {
  fe X;
  fe Y;
  fe Z;
  fe T;
} ge_p3;

typedef struct {
  fe_loose X;
  fe_loose Y;
  fe_loose Z;
  fe_loose T;
} ge_p1p1;

typedef struct {
  fe_loose yplusx;
  fe_loose yminusx;
  fe_loose xy2d;
} ge_precomp;

typedef struct {
  fe_loose YplusX;
  fe_loose YminusX;
  fe_loose Z;
  fe_loose T2d;
} ge_cached;

void x25519_ge_tobytes(uint8_t s[32], const ge_p2 *h);
int x25519_ge_frombytes_vartime(ge_p3 *h, const uint8_t s[32]);
void x25519_ge_p3_to_cached(ge_cached *r, const ge_p3 *p);
void x25519_ge_p1p1_to_p2(ge_p2 *r, const ge_p1p1 *p);
void x25519_ge_p1p1_to_p3(ge_p3 *r, const ge_p1p1 *p);
void x25519_ge_add(ge_p1p1 *r, const ge_p3 *p, const ge_cached *q);
void x25519_ge_sub(ge_p1p1 *r, const ge_p3 *p, const ge_cached *q);
void x25519_ge_scalarmult_small_precomp(
    ge_p3 *h, const uint8_t a[32], const uint8_t precomp_table[15 * 2 * 32]);
void x25519_ge_scalarmult_base(ge_p3 *h, const uint8_t a[32]);
void x25519_ge_scalarmult(ge_p2 *r, const uint8_t *scalar, const ge_p3 *A);
void x25519_sc_reduce(uint8_t s[64]);

enum spake2_state_t {
  spake2_state_init = 0,
  spake2_state_msg_generated,
  spake2_state_key_generated,
};

void map_to_curve_curve25519_elligator2(uint8_t out_qx[32], uint8_t out_qy[32],
                                        const uint8_t u[32]);

BSSL_NAMESPACE_END

struct spake2_ctx_st {
  uint8_t private_key[32];
  uint8_t my_msg[32];
  uint8_t password_scalar[32];
  uint8_t password_hash[64];
  uint8_t *my_name;
  size_t my_name_len;
  uint8_t *their_name;
  size_t their_name_len;
  enum spake2_role_t my_role;
  enum bssl::spake2_state_t state;
  char disable_password_scalar_hack;
};

DECLARE_OPAQUE_STRUCT(cpace_ctx_st, CpaceCtx)

BSSL_NAMESPACE_BEGIN

class CpaceCtx : public cpace_ctx_st {
 public:
  enum cpace_role_t our_role;
  enum cpace_state_t {
    cpace_state_init = 0,
    cpace_state_msg_generated,
    cpace_state_key_generated,
  } state = cpace_state_init;
  Array<uint8_t> our_aad;
  Array<uint8_t> our_password;
  Array<uint8_t> channel_id;
  Array<uint8_t> session_id;
  uint8_t our_public_key[32];
  uint8_t our_private_key[32];

  static constexpr bool kAllowUniquePtr = true;

  void ComputeGeneratorStrHash(uint8_t out_gen_str_hash[32]) const;
  bool ComputeMessage(uint8_t msg[32]);
  bool ComputeISK(const uint8_t msg[32], Span<const uint8_t> peer_assoc_data,
                  uint8_t shared_secret[64],
                  uint8_t out_sid[SHA512_DIGEST_LENGTH]);
};

extern const uint8_t k25519Precomp[32][8][3][32];

BSSL_NAMESPACE_END

#endif  // OPENSSL_HEADER_CRYPTO_CURVE25519_INTERNAL_H
