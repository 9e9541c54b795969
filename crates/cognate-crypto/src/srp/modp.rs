//! Constant-time arithmetic modulo the SRP group prime `N` (RFC 3526 group 15, 3072 bits).
//!
//! Residues are 48 little-endian 64-bit limbs in Montgomery form (`x·R mod N`, `R = 2^3072`),
//! always fully reduced. Multiplication interleaves the product with Montgomery reduction column
//! by column (product scanning, "FIPS" in Koç et al.). Exponentiation uses fixed 4-bit windows;
//! powers of the generator use a table of `g^(j·16^i)` built once (368 KiB), so `g^x` for a
//! 256-bit `x` costs 63 multiplications and no squaring.
//!
//! Why not a general bignum library: crypto-bigint's run-time-sized (`Boxed`) Montgomery
//! multiplication, which this replaced, spent ~50,000 instructions (callgrind) per 3072-bit
//! product and had no fixed-base path; [`mont_mul`] needs ~36,000. Dedicated squarings (each
//! off-diagonal product once, in three arrangements) came out at 41,000–50,000: LLVM spilled
//! registers or kept bounds checks in their uneven loops, so squaring uses [`mont_mul`] too.
//!
//! Constant time: no branch and no memory address depends on a residue or on an exponent's
//! value. Loop bounds depend only on public sizes (the bit length an [`Exp`] was built with);
//! table entries are selected by masking every entry; carries and reductions are computed
//! arithmetically and selected with [`subtle`]'s masks.

use std::sync::LazyLock;

use subtle::{Choice, ConditionallySelectable as _, ConstantTimeEq as _};
use zeroize::Zeroize;

/// Limbs of `N`.
pub(super) const LIMBS: usize = 48;

type Limbs = [u64; LIMBS];

/// `N`, little-endian limbs.
const N: Limbs = limbs_from_hex(super::N_HEX);
/// `-N⁻¹ mod 2^64` (1 for this prime, whose low limb is all ones).
const N0_INV: u64 = neg_inv(N[0]);
/// `R mod N = 2^3072 − N` (`N > 2^3071`, so a single subtraction).
const R_MOD_N: Limbs = neg(&N);
/// The integer 1 (Montgomery reduction of a residue multiplies by `R⁻¹`).
const ONE_PLAIN: Limbs = {
    let mut one = [0u64; LIMBS];
    one[0] = 1;
    one
};

/// Bits per exponent window.
const WINDOW: u32 = 4;
/// Windows of the generator table: exponents of up to 256 bits (SHA-256 outputs, 32-byte
/// secrets) use it; longer ones fall back to [`Fe::pow`].
const G_WINDOWS: usize = 64;
/// Non-trivial entries per window (`1..16`; index 0 is one).
const G_ENTRIES: usize = (1 << WINDOW) - 1;

const fn limbs_from_hex(s: &str) -> Limbs {
    let s = s.as_bytes();
    assert!(s.len() == 2 * 8 * LIMBS, "N_HEX has 768 digits");
    let mut out = [0u64; LIMBS];
    let mut i = 0;
    while i < s.len() {
        let c = s[s.len() - 1 - i];
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => panic!("N_HEX is hex"),
        };
        out[i / 16] |= (d as u64) << (4 * (i % 16));
        i += 1;
    }
    out
}

/// `-n⁻¹ mod 2^64` for odd `n` (Newton's iteration; each step doubles the correct low bits).
const fn neg_inv(n: u64) -> u64 {
    assert!(n & 1 == 1, "N is odd");
    let mut inv = n; // correct to 3 bits: n·n ≡ 1 (mod 8)
    let mut i = 0;
    while i < 5 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(n.wrapping_mul(inv)));
        i += 1;
    }
    0u64.wrapping_sub(inv)
}

/// `2^3072 − x` for `x ≠ 0`.
const fn neg(x: &Limbs) -> Limbs {
    let mut out = [0u64; LIMBS];
    let mut borrow = 0u64;
    let mut i = 0;
    while i < LIMBS {
        let (d, b1) = 0u64.overflowing_sub(x[i]);
        let (d, b2) = d.overflowing_sub(borrow);
        out[i] = d;
        borrow = (b1 | b2) as u64;
        i += 1;
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Kernels

/// A three-limb column accumulator. (Written with `u128` sums of `u64`s, which compile to one
/// `add`/`adc`/`adc` chain per product; `u128::overflowing_add` did not.)
#[derive(Clone, Copy)]
struct Acc {
    c0: u64,
    c1: u64,
    c2: u64,
}

impl Acc {
    const ZERO: Self = Self {
        c0: 0,
        c1: 0,
        c2: 0,
    };

    #[inline(always)]
    fn mac(&mut self, x: u64, y: u64) {
        let p = u128::from(x) * u128::from(y);
        let t0 = u128::from(self.c0) + u128::from(p as u64);
        let t1 = u128::from(self.c1) + (p >> 64) + (t0 >> 64);
        self.c0 = t0 as u64;
        self.c1 = t1 as u64;
        self.c2 += (t1 >> 64) as u64;
    }

    #[inline(always)]
    fn add(&mut self, other: Self) {
        let t0 = u128::from(self.c0) + u128::from(other.c0);
        let t1 = u128::from(self.c1) + u128::from(other.c1) + (t0 >> 64);
        self.c0 = t0 as u64;
        self.c1 = t1 as u64;
        self.c2 += other.c2 + (t1 >> 64) as u64;
    }

    #[inline(always)]
    fn low(&self) -> u64 {
        self.c0
    }

    /// Drops the low limb.
    #[inline(always)]
    fn shift(&mut self) {
        self.c0 = self.c1;
        self.c1 = self.c2;
        self.c2 = 0;
    }
}

/// Reduces `carry·R + r` (`< 2N`) to `[0, N)`.
#[inline(always)]
fn reduce_once(r: &mut Limbs, carry: u64) {
    let mut d = [0u64; LIMBS];
    let mut borrow = false;
    for ((d, &r), &n) in d.iter_mut().zip(r.iter()).zip(N.iter()) {
        let (x, b1) = r.overflowing_sub(n);
        let (x, b2) = x.overflowing_sub(u64::from(borrow));
        *d = x;
        borrow = b1 | b2;
    }
    // Take the difference when there was a carry out or no borrow (r ≥ N).
    let take = Choice::from((carry as u8 & 1) | u8::from(!borrow));
    for (r, d) in r.iter_mut().zip(d.iter()) {
        r.conditional_assign(d, take);
    }
}

/// Adds `Σ x[i]·y[len−1−i] + q[i]·n[len−1−i]` to `acc` (`len = x.len()`; the others are at
/// least as long).
///
/// The two sums go to two accumulators: two independent carry chains, which LLVM compiles to
/// ~6.5 instructions per product instead of ~10 for one. Indexing from the slices' common
/// length lets it drop the bounds checks.
#[inline(always)]
fn column(x: &[u64], y: &[u64], q: &[u64], n: &[u64], acc: &mut Acc) {
    let len = x.len();
    let (y, q, n) = (&y[..len], &q[..len], &n[..len]);
    let (mut xy, mut qn) = (Acc::ZERO, Acc::ZERO);
    for i in 0..len {
        xy.mac(x[i], y[len - 1 - i]);
        qn.mac(q[i], n[len - 1 - i]);
    }
    acc.add(xy);
    acc.add(qn);
}

/// Montgomery product `a·b·R⁻¹ mod N` of fully reduced `a`, `b`.
fn mont_mul(a: &Limbs, b: &Limbs) -> Limbs {
    let mut q = [0u64; LIMBS];
    let mut out = [0u64; LIMBS];
    let mut acc = Acc::ZERO;
    for k in 0..LIMBS {
        // Σ a[i]·b[k−i] + q[i]·n[k−i] for i < k.
        column(&a[..k], &b[1..=k], &q[..k], &N[1..=k], &mut acc);
        acc.mac(a[k], b[0]);
        let qk = acc.low().wrapping_mul(N0_INV);
        q[k] = qk;
        acc.mac(qk, N[0]);
        acc.shift();
    }
    for k in LIMBS..2 * LIMBS - 1 {
        let lo = k - LIMBS + 1;
        column(&a[lo..], &b[lo..], &q[lo..], &N[lo..], &mut acc);
        out[k - LIMBS] = acc.low();
        acc.shift();
    }
    out[LIMBS - 1] = acc.low();
    acc.shift();
    reduce_once(&mut out, acc.low());
    q.zeroize();
    out
}

/// `a + b mod N` of fully reduced `a`, `b`.
fn mod_add(a: &Limbs, b: &Limbs) -> Limbs {
    let mut out = [0u64; LIMBS];
    let mut carry = false;
    for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
        let (s, c1) = x.overflowing_add(y);
        let (s, c2) = s.overflowing_add(u64::from(carry));
        *o = s;
        carry = c1 | c2;
    }
    reduce_once(&mut out, u64::from(carry));
    out
}

/// `a − b mod N` of fully reduced `a`, `b`.
fn mod_sub(a: &Limbs, b: &Limbs) -> Limbs {
    let mut out = [0u64; LIMBS];
    let mut borrow = false;
    for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
        let (d, b1) = x.overflowing_sub(y);
        let (d, b2) = d.overflowing_sub(u64::from(borrow));
        *o = d;
        borrow = b1 | b2;
    }
    // On a borrow, add N back (the sum wraps past 2^3072 into the right value).
    let add_back = Choice::from(u8::from(borrow));
    let mut carry = false;
    for (o, &n) in out.iter_mut().zip(N.iter()) {
        let n = u64::conditional_select(&0, &n, add_back);
        let (s, c1) = o.overflowing_add(n);
        let (s, c2) = s.overflowing_add(u64::from(carry));
        *o = s;
        carry = c1 | c2;
    }
    out
}

/// Sets `out` to `table[idx − 1]`, or to `one` when `idx` is 0, reading every entry.
#[inline(always)]
fn select(out: &mut Limbs, one: &Limbs, table: &[Limbs], idx: u64) {
    *out = *one;
    for (j, entry) in (1u64..).zip(table) {
        let hit = j.ct_eq(&idx);
        for (o, e) in out.iter_mut().zip(entry) {
            o.conditional_assign(e, hit);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Types

struct Consts {
    /// `R² mod N`, to enter Montgomery form.
    r2: Limbs,
    /// `g` in Montgomery form.
    g: Limbs,
}

static CONSTS: LazyLock<Consts> = LazyLock::new(|| {
    // R·2^3072 mod N by doubling R mod N 3072 times.
    let mut r2 = R_MOD_N;
    for _ in 0..64 * LIMBS {
        r2 = mod_add(&r2, &r2);
    }
    let mut g = R_MOD_N;
    for _ in 0..super::G.trailing_zeros() {
        g = mod_add(&g, &g);
    }
    assert_eq!(super::G.count_ones(), 1, "g is a power of two");
    Consts { r2, g }
});

/// `G_TABLE[i][j − 1] = g^(j·16^i)` in Montgomery form, `j` in `1..16`.
static G_TABLE: LazyLock<Vec<[Limbs; G_ENTRIES]>> = LazyLock::new(|| {
    let mut table = vec![[[0u64; LIMBS]; G_ENTRIES]; G_WINDOWS];
    let mut base = CONSTS.g;
    for row in &mut table {
        row[0] = base;
        for j in 1..G_ENTRIES {
            row[j] = mont_mul(&row[j - 1], &base);
        }
        base = mont_mul(&row[G_ENTRIES - 1], &base);
    }
    table
});

/// An integer below `2^3072` (not necessarily below `N`). Wiped on drop.
pub(super) struct Uint(Limbs);

impl Uint {
    /// At most 384 big-endian bytes.
    pub(super) fn from_be_slice(bytes: &[u8]) -> Self {
        assert!(bytes.len() <= 8 * LIMBS, "caller checked the length");
        let mut limbs = [0u64; LIMBS];
        for (i, &byte) in bytes.iter().rev().enumerate() {
            limbs[i / 8] |= u64::from(byte) << (8 * (i % 8));
        }
        Self(limbs)
    }

    /// Whether the value is below `N`.
    pub(super) fn is_below_n(&self) -> bool {
        let mut borrow = false;
        for (&x, &n) in self.0.iter().zip(N.iter()) {
            let (d, b1) = x.overflowing_sub(n);
            let (_, b2) = d.overflowing_sub(u64::from(borrow));
            borrow = b1 | b2;
        }
        bool::from(Choice::from(u8::from(borrow)))
    }
}

impl Drop for Uint {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// A residue modulo `N` in Montgomery form, fully reduced. Wiped on drop.
#[derive(Clone)]
pub(super) struct Fe(Limbs);

impl Drop for Fe {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl Fe {
    /// The residue of `x` (reduced modulo `N` first).
    pub(super) fn new(x: &Uint) -> Self {
        let mut r = x.0;
        reduce_once(&mut r, 0); // x < 2^3072 < 2N
        let m = mont_mul(&r, &CONSTS.r2);
        r.zeroize();
        Self(m)
    }

    /// `g`.
    pub(super) fn g() -> Self {
        Self(CONSTS.g)
    }

    /// The value in `[0, N)` as 384 big-endian bytes.
    pub(super) fn to_be_bytes(&self) -> Vec<u8> {
        let mut r = mont_mul(&self.0, &ONE_PLAIN);
        let mut out = Vec::with_capacity(8 * LIMBS);
        for limb in r.iter().rev() {
            out.extend_from_slice(&limb.to_be_bytes());
        }
        r.zeroize();
        out
    }

    /// Whether the residue is zero (only ever asked of values that are then made public or
    /// rejected).
    pub(super) fn is_zero(&self) -> bool {
        self.0.iter().fold(0u64, |acc, &x| acc | x).ct_eq(&0).into()
    }

    #[must_use]
    pub(super) fn mul(&self, rhs: &Self) -> Self {
        Self(mont_mul(&self.0, &rhs.0))
    }

    #[must_use]
    pub(super) fn add(&self, rhs: &Self) -> Self {
        Self(mod_add(&self.0, &rhs.0))
    }

    #[must_use]
    pub(super) fn sub(&self, rhs: &Self) -> Self {
        Self(mod_sub(&self.0, &rhs.0))
    }

    /// `self^e`, in time that depends only on `e`'s bit length.
    #[must_use]
    pub(super) fn pow(&self, e: &Exp) -> Self {
        let one = R_MOD_N;
        // table[j − 1] = self^j for j in 1..16.
        let mut table = [[0u64; LIMBS]; G_ENTRIES];
        table[0] = self.0;
        for j in 1..G_ENTRIES {
            table[j] = mont_mul(&table[j - 1], &self.0);
        }
        let windows = e.windows();
        let mut z = [0u64; LIMBS];
        let mut power = [0u64; LIMBS];
        select(&mut z, &one, &table, e.window(windows - 1));
        for w in (0..windows - 1).rev() {
            for _ in 0..WINDOW {
                z = mont_mul(&z, &z);
            }
            select(&mut power, &one, &table, e.window(w));
            z = mont_mul(&z, &power);
        }
        table.zeroize();
        power.zeroize();
        Self(z)
    }

    /// `g^e`, in time that depends only on `e`'s bit length.
    #[must_use]
    pub(super) fn g_pow(e: &Exp) -> Self {
        let windows = e.windows();
        if windows > G_WINDOWS {
            return Self::g().pow(e);
        }
        let one = R_MOD_N;
        let table = &*G_TABLE;
        let mut z = [0u64; LIMBS];
        let mut power = [0u64; LIMBS];
        select(&mut z, &one, &table[0], e.window(0));
        for (w, row) in table.iter().enumerate().take(windows).skip(1) {
            select(&mut power, &one, row, e.window(w));
            z = mont_mul(&z, &power);
        }
        power.zeroize();
        Self(z)
    }
}

/// A non-negative exponent with a public bit length that bounds the work done with it.
/// Wiped on drop.
pub(super) struct Exp {
    /// Little-endian limbs.
    limbs: Vec<u64>,
    /// At least the bit length of the value; a multiple of 8, at least 8.
    bits: usize,
}

impl Drop for Exp {
    fn drop(&mut self) {
        self.limbs.zeroize();
    }
}

impl Exp {
    /// Big-endian bytes; the bit length is `8 × bytes.len()` whatever the value.
    pub(super) fn from_be_slice(bytes: &[u8]) -> Self {
        let bits = 8 * bytes.len().max(1);
        let mut limbs = vec![0u64; bits.div_ceil(64)];
        for (i, &byte) in bytes.iter().rev().enumerate() {
            limbs[i / 8] |= u64::from(byte) << (8 * (i % 8));
        }
        Self { limbs, bits }
    }

    /// `self + u·x` (for the client's `a + u·x`), sized from the operands' lengths.
    #[must_use]
    pub(super) fn add_product(&self, u: &Self, x: &Self) -> Self {
        let len = self.limbs.len().max(u.limbs.len() + x.limbs.len()) + 1;
        let mut limbs = vec![0u64; len];
        for (i, &ui) in u.limbs.iter().enumerate() {
            let mut carry = 0u64;
            for (j, &xj) in x.limbs.iter().enumerate() {
                let t =
                    u128::from(ui) * u128::from(xj) + u128::from(limbs[i + j]) + u128::from(carry);
                limbs[i + j] = t as u64;
                carry = (t >> 64) as u64;
            }
            limbs[i + x.limbs.len()] = carry;
        }
        let mut carry = false;
        for (i, limb) in limbs.iter_mut().enumerate() {
            let a = self.limbs.get(i).copied().unwrap_or(0);
            let (s, c1) = limb.overflowing_add(a);
            let (s, c2) = s.overflowing_add(u64::from(carry));
            *limb = s;
            carry = c1 | c2;
        }
        Self {
            bits: 64 * len,
            limbs,
        }
    }

    fn windows(&self) -> usize {
        self.bits.div_ceil(WINDOW as usize)
    }

    /// Window `w` (bits `4w..4w+4`).
    fn window(&self, w: usize) -> u64 {
        let bit = w * WINDOW as usize;
        (self.limbs[bit / 64] >> (bit % 64)) & ((1 << WINDOW) - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_bigint::BigUint;
    use rand::rngs::StdRng;
    use rand::{Rng as _, RngCore as _, SeedableRng as _};

    fn n_big() -> BigUint {
        BigUint::parse_bytes(super::super::N_HEX.as_bytes(), 16).unwrap()
    }

    fn big(x: &Limbs) -> BigUint {
        BigUint::from_slice(
            &x.iter()
                .flat_map(|&l| [l as u32, (l >> 32) as u32])
                .collect::<Vec<_>>(),
        )
    }

    fn limbs(x: &BigUint) -> Limbs {
        let mut out = [0u64; LIMBS];
        for (o, d) in out.iter_mut().zip(x.to_u64_digits()) {
            *o = d;
        }
        out
    }

    fn r_inv(n: &BigUint) -> BigUint {
        // R⁻¹ = R^(N−2) mod N (N is prime).
        let r: BigUint = (BigUint::from(1u8) << 3072usize) % n;
        r.modpow(&(n - 2u8), n)
    }

    /// Residues that exercise the carries: 0, 1, N−1, all ones below N, and random values.
    fn samples(rng: &mut StdRng, n: &BigUint, count: usize) -> Vec<BigUint> {
        let mut v = vec![
            BigUint::from(0u8),
            BigUint::from(1u8),
            n - 1u8,
            n - 2u8,
            (BigUint::from(1u8) << 3071) - 1u8,
            n >> 1,
        ];
        for _ in 0..count {
            let mut b = vec![0u8; 384];
            rng.fill_bytes(&mut b);
            let len = rng.random_range(1..=384);
            v.push(BigUint::from_bytes_be(&b[..len]) % n);
        }
        v
    }

    #[test]
    fn constants() {
        let n = n_big();
        assert_eq!(big(&N), n);
        assert_eq!(N0_INV, 1);
        assert_eq!(N[0].wrapping_mul(N0_INV), u64::MAX); // N·N' ≡ −1
        let r = BigUint::from(1u8) << 3072;
        assert_eq!(big(&R_MOD_N), &r % &n);
        assert_eq!(big(&CONSTS.r2), (&r * &r) % &n);
        assert_eq!(big(&CONSTS.g), (&r * 2u8) % &n);
    }

    #[test]
    fn mul_add_sub_match_num_bigint() {
        let n = n_big();
        let ri = r_inv(&n);
        let mut rng = StdRng::seed_from_u64(0x6d6f_6470);
        let xs = samples(&mut rng, &n, 40);
        for (i, a) in xs.iter().enumerate() {
            let b = &xs[(i * 7 + 3) % xs.len()];
            let (la, lb) = (limbs(a), limbs(b));
            assert_eq!(big(&mont_mul(&la, &lb)), a * b * &ri % &n, "mul {i}");
            assert_eq!(big(&mont_mul(&la, &la)), a * a * &ri % &n, "sqr {i}");
            assert_eq!(big(&mod_add(&la, &lb)), (a + b) % &n, "add {i}");
            assert_eq!(big(&mod_sub(&la, &lb)), (a + &n - b) % &n, "sub {i}");
        }
    }

    #[test]
    fn conversions_round_trip() {
        let n = n_big();
        let mut rng = StdRng::seed_from_u64(3);
        for _ in 0..20 {
            let mut b = vec![0u8; 384];
            rng.fill_bytes(&mut b);
            let x = Fe::new(&Uint::from_be_slice(&b));
            let want = BigUint::from_bytes_be(&b) % &n;
            assert_eq!(BigUint::from_bytes_be(&x.to_be_bytes()), want);
        }
        // N itself and 2^3072 − 1 reduce.
        let n_bytes = n.to_bytes_be();
        assert!(Fe::new(&Uint::from_be_slice(&n_bytes)).is_zero());
        assert!(!Uint::from_be_slice(&n_bytes).is_below_n());
        assert!(Uint::from_be_slice(&(&n - 1u8).to_bytes_be()).is_below_n());
        let ones = [0xffu8; 384];
        let want = BigUint::from_bytes_be(&ones) % &n;
        let got = Fe::new(&Uint::from_be_slice(&ones)).to_be_bytes();
        assert_eq!(BigUint::from_bytes_be(&got), want);
    }

    #[test]
    fn g_pow_matches_pow_and_num_bigint() {
        let n = n_big();
        let mut rng = StdRng::seed_from_u64(11);
        for len in [1usize, 2, 8, 31, 32, 33, 64, 128] {
            let mut e = vec![0u8; len];
            rng.fill_bytes(&mut e);
            let exp = Exp::from_be_slice(&e);
            let want = BigUint::from(2u8).modpow(&BigUint::from_bytes_be(&e), &n);
            let fixed = Fe::g_pow(&exp).to_be_bytes();
            let var = Fe::g().pow(&exp).to_be_bytes();
            assert_eq!(BigUint::from_bytes_be(&fixed), want, "fixed {len}");
            assert_eq!(BigUint::from_bytes_be(&var), want, "variable {len}");
        }
        // Edge exponents: zero, all ones, a single top bit.
        for e in [vec![0u8; 32], vec![0xff; 32], {
            let mut e = vec![0u8; 32];
            e[0] = 0x80;
            e
        }] {
            let want = BigUint::from(2u8).modpow(&BigUint::from_bytes_be(&e), &n);
            let got = Fe::g_pow(&Exp::from_be_slice(&e)).to_be_bytes();
            assert_eq!(BigUint::from_bytes_be(&got), want);
        }
    }

    #[test]
    fn add_product_matches_num_bigint() {
        let mut rng = StdRng::seed_from_u64(5);
        for (la, lu, lx) in [(128, 32, 32), (32, 32, 32), (1, 1, 1), (384, 32, 32)] {
            let mut bufs = [vec![0u8; la], vec![0u8; lu], vec![0u8; lx]];
            for b in &mut bufs {
                rng.fill_bytes(b);
                b[0] = 0xff;
            }
            let [a, u, x] = &bufs;
            let e =
                Exp::from_be_slice(a).add_product(&Exp::from_be_slice(u), &Exp::from_be_slice(x));
            let want =
                BigUint::from_bytes_be(a) + BigUint::from_bytes_be(u) * BigUint::from_bytes_be(x);
            let got = BigUint::from_slice(
                &e.limbs
                    .iter()
                    .flat_map(|&l| [l as u32, (l >> 32) as u32])
                    .collect::<Vec<_>>(),
            );
            assert_eq!(got, want);
            assert!(e.bits >= want.bits() as usize);
        }
    }
}
