//! Per-operation cost of the SRP server math, for profiling (not a test, not a benchmark).
//!
//! `cargo run -p cognate-crypto --release --example srp_cost -- <op> <iterations>` with `<op>`
//! one of `setup`, `check_password`, `make_verifier`, `server_challenge`, `verify_claim`,
//! `verify_claim_with_srp_b`, `client`, `sign_jwt`, `verify_jwt`,
//! `verify_own_jwt`, `all`. Prints µs/op (wall time). For
//! instruction counts run it under `valgrind --tool=callgrind` twice with different iteration
//! counts and divide the difference: everything outside the loop (setup, the group constants,
//! the inputs) is the same in both runs.

use std::hint::black_box;
use std::time::Instant;

use cognate_crypto::RsaSigningKey;
use cognate_crypto::srp::{self, client::SrpClient};

const POOL: &str = "BenchPool1";
const USER: &str = "3f1c2b4a-0000-4000-8000-000000000001";
const PASSWORD: &str = "Passw0rd!-bench";
const TS: &str = "Tue Nov 3 04:05:06 UTC 2026";

fn main() {
    let mut args = std::env::args().skip(1);
    let op = args.next().unwrap_or_else(|| "all".to_owned());
    let n: u32 = args.next().map_or(20, |s| s.parse().expect("iterations"));
    let one = [op.as_str()];
    let ops: &[&str] = if op == "all" {
        &[
            "check_password",
            "make_verifier",
            "server_challenge",
            "verify_claim",
            "verify_claim_with_srp_b",
            "client",
            "sign_jwt",
            "verify_jwt",
            "verify_own_jwt",
        ]
    } else {
        &one
    };
    // Inputs prepared outside the timed loops; deterministic so that runs are comparable.
    let v = srp::make_verifier(POOL, USER, PASSWORD);
    let b: Vec<u8> = (0u8..32)
        .map(|i| i.wrapping_mul(37).wrapping_add(0x91))
        .collect();
    let ch = srp::server_challenge_with_b(&v, &b).expect("challenge");
    let mut a = [0u8; 32];
    a[0] = 0x80;
    a[31] = 1;
    let cl = SrpClient::with_a(&a).expect("client");
    let block = [7u8; 64];
    let sig = cl
        .password_claim_signature(POOL, USER, PASSWORD, &v.salt_hex, &ch.srp_b_hex, &block, TS)
        .expect("signature");
    let claims = serde_json::json!({"sub": USER, "token_use": "access", "exp": 1_790_003_600});
    let key = if ops.iter().any(|op| op.ends_with("_jwt")) {
        Some(RsaSigningKey::generate().expect("key"))
    } else {
        None
    };
    let token = key
        .as_ref()
        .map(|k| k.sign_jwt(&claims).expect("sign"))
        .unwrap_or_default();

    for &op in ops {
        let t = Instant::now();
        for _ in 0..n {
            match op {
                "setup" => {}
                "check_password" => {
                    black_box(srp::check_password(POOL, USER, black_box(PASSWORD), &v));
                }
                "make_verifier" => {
                    black_box(srp::make_verifier(POOL, USER, black_box(PASSWORD)));
                }
                "server_challenge" => {
                    black_box(srp::server_challenge(black_box(&v)).expect("challenge"));
                }
                "verify_claim" => {
                    let ok = srp::verify_claim(
                        POOL,
                        USER,
                        &v,
                        &b,
                        cl.srp_a_hex(),
                        &block,
                        TS,
                        black_box(&sig),
                    );
                    assert_eq!(ok, Ok(true));
                }
                "verify_claim_with_srp_b" => {
                    let ok = srp::verify_claim_with_srp_b(
                        POOL,
                        USER,
                        &v,
                        &b,
                        &ch.srp_b_hex,
                        cl.srp_a_hex(),
                        &block,
                        TS,
                        black_box(&sig),
                    );
                    assert_eq!(ok, Ok(true));
                }
                "client" => {
                    let c = SrpClient::with_a(black_box(&a)).expect("client");
                    black_box(
                        c.password_claim_signature(
                            POOL,
                            USER,
                            PASSWORD,
                            &v.salt_hex,
                            &ch.srp_b_hex,
                            &block,
                            TS,
                        )
                        .expect("signature"),
                    );
                }
                "sign_jwt" => {
                    let key = key.as_ref().expect("key");
                    black_box(key.sign_jwt(black_box(&claims)).expect("sign"));
                }
                "verify_jwt" => {
                    // As check_access_token calls it: the JWK rebuilt per request.
                    let key = key.as_ref().expect("key");
                    let jwks = [key.public_jwk()];
                    black_box(RsaSigningKey::verify_jwt(black_box(&token), &jwks).expect("verify"));
                }
                "verify_own_jwt" => {
                    let key = key.as_ref().expect("key");
                    black_box(key.verify_own_jwt(black_box(&token)).expect("verify"));
                }
                other => panic!("unknown op {other}"),
            }
        }
        let us = t.elapsed().as_secs_f64() * 1e6 / f64::from(n.max(1));
        println!("{op:<26} {us:>10.1} µs/op  ({n} iterations)");
    }
}
