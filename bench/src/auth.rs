//! Sign-in, token and read scenarios (`auth`) and the single-thread crypto floor
//! (`crypto-floor`).
//!
//! `auth` sets up its own pool, app client and users through awsJson calls against a
//! server in open mode, then drives one or more scenarios with [`crate::load::run`]:
//! - `password`: InitiateAuth USER_PASSWORD_AUTH (one request per sign-in);
//! - `srp`: InitiateAuth USER_SRP_AUTH + RespondToAuthChallenge PASSWORD_VERIFIER, the
//!   client math done here with `cognate_crypto::srp::client` (two requests per sign-in);
//! - `refresh`: InitiateAuth REFRESH_TOKEN_AUTH;
//! - `get-user`: GetUser with an access token;
//! - `admin-get-user`: AdminGetUser;
//! - `sign-up`: SignUp of fresh usernames;
//! - `admin-create-user`: AdminCreateUser of fresh usernames (MessageAction SUPPRESS, a
//!   temporary password given, so the server computes one SRP verifier per user);
//! - `custom-auth` (needs `--trigger-url`): one CUSTOM_AUTH round, InitiateAuth CUSTOM_AUTH
//!   (DefineAuthChallenge + CreateAuthChallenge) then RespondToAuthChallenge CUSTOM_CHALLENGE
//!   (VerifyAuthChallengeResponse + DefineAuthChallenge, then tokens): two requests and four
//!   HTTP trigger calls per sign-in, to the bench's handler;
//! - `identity-guest`, `identity-auth`, `identity-credentials`: identity pools (GetId,
//!   GetCredentialsForIdentity), see [`crate::identity`].
//!
//! With `--trigger-url http://127.0.0.1:PORT`, the bench also serves a tiny HTTP handler
//! on that address that echoes every trigger event back (answering custom-challenge events,
//! see [`trigger_reply`]). With `password` among the scenarios it sets up a second pool whose
//! LambdaConfig names PreAuthentication, PostAuthentication and PreTokenGeneration ARNs
//! (which the server's `[[triggers.functions]]` must map to that URL) and runs `password`
//! on both pools: `password` and `password+triggers`; `custom-auth` runs on a third pool
//! naming the DefineAuthChallenge, CreateAuthChallenge and VerifyAuthChallengeResponse ARNs.
//!
//! CPU: the generator's own CPU (utime+stime of this process, /proc/self/stat) and, with
//! `--server-pid`, the server's (/proc/<pid>/stat) over each scenario, plus the server's
//! peak RSS (VmHWM, whole process lifetime) after it.

use crate::client::Client;
use crate::load::{self, Limits, Op, Sample};
use crate::{Rng, append_json};
use anyhow::{Context, bail};
use clap::Args;
use cognate_crypto::RsaSigningKey;
use cognate_crypto::srp;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PASSWORD: &str = "Bench-Passw0rd!";
pub const ARN_PRE_AUTH: &str = "arn:aws:lambda:us-east-1:000000000000:function:bench-pre-auth";
pub const ARN_POST_AUTH: &str = "arn:aws:lambda:us-east-1:000000000000:function:bench-post-auth";
pub const ARN_PRE_TOKEN: &str = "arn:aws:lambda:us-east-1:000000000000:function:bench-pre-token";
pub const ARN_DEFINE: &str = "arn:aws:lambda:us-east-1:000000000000:function:bench-define";
pub const ARN_CREATE: &str = "arn:aws:lambda:us-east-1:000000000000:function:bench-create";
pub const ARN_VERIFY: &str = "arn:aws:lambda:us-east-1:000000000000:function:bench-verify";
/// The answer the bench's CreateAuthChallenge handler expects.
const CUSTOM_ANSWER: &str = "bench-answer-42";
const SCENARIOS: &[&str] = &[
    "password",
    "srp",
    "refresh",
    "get-user",
    "admin-get-user",
    "sign-up",
    "admin-create-user",
    "custom-auth",
    "identity-guest",
    "identity-auth",
    "identity-credentials",
];

#[derive(Args, Debug)]
pub struct AuthArgs {
    /// Base URL of the server (open mode), e.g. http://127.0.0.1:9229.
    #[arg(long)]
    pub url: String,
    /// Comma-separated scenarios, or `all`: password, srp, refresh, get-user, admin-get-user, sign-up,
    /// admin-create-user, custom-auth (needs --trigger-url), identity-guest, identity-auth,
    /// identity-credentials.
    #[arg(long, default_value = "password")]
    pub scenario: String,
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,
    /// Time budget per scenario, in seconds (after warm-up).
    #[arg(long, default_value_t = 10.0)]
    pub duration: f64,
    /// Request budget per scenario (after warm-up).
    #[arg(long, default_value_t = 20_000)]
    pub requests: u64,
    /// Warm-up requests per scenario, not recorded (also bounded to 2 s).
    #[arg(long, default_value_t = 200)]
    pub warmup: u64,
    /// Users created for the scenarios.
    #[arg(long, default_value_t = 200)]
    pub users: u64,
    /// Server process id, for its CPU time and peak RSS.
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// Serve an echoing trigger handler on this URL (http://127.0.0.1:PORT) and compare
    /// `password` without and with PreAuthentication/PostAuthentication/PreTokenGeneration.
    #[arg(long)]
    pub trigger_url: Option<String>,
    /// Label of the run in results.
    #[arg(long, default_value = "sqlite")]
    pub backend: String,
    /// Append one JSON result line per scenario to this file.
    #[arg(long)]
    pub json_out: Option<PathBuf>,
    /// `sign-up` only: append `POOL_ID<TAB>USERNAME` to this file for every sign-up the
    /// server acknowledged (HTTP 200 with a JSON body), one write per line as it arrives
    /// (warm-up included). With it, the first transport error (the server is gone) stops
    /// the scenario from sending more requests: the durability check (run-durability.sh).
    #[arg(long)]
    pub ack_log: Option<PathBuf>,
    /// `sign-up` only: append `POOL_ID<TAB>USERNAME<TAB>KIND<TAB>ERROR` for every sign-up
    /// that was not acknowledged; KIND is `connect` (never reached the server), `transport`
    /// (sent, connection lost before the answer: in flight), `http` or `other`.
    #[arg(long)]
    pub nack_log: Option<PathBuf>,
}

/// Where the `sign-up` scenario records its outcomes (see `--ack-log`, `--nack-log`).
#[derive(Clone, Default)]
struct SignUpLogs {
    ack: Option<Arc<std::fs::File>>,
    nack: Option<Arc<std::fs::File>>,
    /// Set on the first transport error when `ack` is set: send nothing more.
    gone: Arc<std::sync::atomic::AtomicBool>,
}

impl SignUpLogs {
    fn open(args: &AuthArgs) -> anyhow::Result<Self> {
        let open = |p: &Option<PathBuf>| -> anyhow::Result<Option<Arc<std::fs::File>>> {
            p.as_ref()
                .map(|p| {
                    std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(p)
                        .with_context(|| format!("opening {}", p.display()))
                        .map(Arc::new)
                })
                .transpose()
        };
        Ok(SignUpLogs {
            ack: open(&args.ack_log)?,
            nack: open(&args.nack_log)?,
            gone: Arc::default(),
        })
    }

    /// One `write` per line on an unbuffered O_APPEND file: the line is in the kernel
    /// (it survives this process being killed) before the next request is counted.
    fn record(&self, pool_id: &str, username: &str, result: &Result<Value, String>) {
        use std::io::Write as _;
        use std::sync::atomic::Ordering;
        match result {
            Ok(_) => {
                if let Some(mut f) = self.ack.as_deref() {
                    let line = format!("{pool_id}\t{username}\n");
                    if let Err(e) = f.write_all(line.as_bytes()) {
                        eprintln!("ack log: {e}");
                    }
                }
            }
            Err(e) => {
                let kind = if e.starts_with("transport (connect)") {
                    "connect"
                } else if e.starts_with("transport") || e.starts_with("reading body") {
                    "transport"
                } else if e.starts_with("HTTP") {
                    "http"
                } else {
                    "other"
                };
                if kind == "connect" || kind == "transport" {
                    self.gone.store(true, Ordering::Relaxed);
                }
                if let Some(mut f) = self.nack.as_deref() {
                    let msg: String = e
                        .chars()
                        .take(200)
                        .map(|c| if c.is_control() { ' ' } else { c })
                        .collect();
                    let line = format!("{pool_id}\t{username}\t{kind}\t{msg}\n");
                    if let Err(e) = f.write_all(line.as_bytes()) {
                        eprintln!("nack log: {e}");
                    }
                }
            }
        }
    }

    /// The server is gone and the run records acknowledgements: stop sending.
    fn stopped(&self) -> bool {
        self.ack.is_some() && self.gone.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// One pool set up for the scenarios.
struct Setup {
    pool_id: String,
    pool_name: String,
    client_id: String,
    usernames: Vec<String>,
    refresh_tokens: Vec<String>,
    access_tokens: Vec<String>,
    /// Same order as `refresh_tokens` and `access_tokens` (one sign-in per user).
    id_tokens: Vec<String>,
    /// The identity pool of the `identity-*` scenarios, when one runs.
    identity: Option<Arc<crate::identity::IdentityPool>>,
}

fn ok(reply: crate::client::Reply, what: &str) -> anyhow::Result<Value> {
    reply.result.map_err(|e| anyhow::anyhow!("{what}: {e}"))
}

async fn setup(
    c: &Client,
    label: &str,
    users: u64,
    lambda: Option<Value>,
    tokens: bool,
) -> anyhow::Result<Setup> {
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let mut pool_req = json!({"PoolName": format!("bench-{label}-{}", &nonce[..8])});
    if let Some(l) = lambda {
        pool_req["LambdaConfig"] = l;
    }
    let pool = ok(c.call("CreateUserPool", &pool_req).await, "CreateUserPool")?;
    let pool_id = pool["UserPool"]["Id"]
        .as_str()
        .context("no UserPool.Id")?
        .to_string();
    let client = ok(
        c.call(
            "CreateUserPoolClient",
            &json!({"UserPoolId": pool_id, "ClientName": "bench",
                "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_CUSTOM_AUTH"]}),
        )
        .await,
        "CreateUserPoolClient",
    )?;
    let client_id = client["UserPoolClient"]["ClientId"]
        .as_str()
        .context("no ClientId")?
        .to_string();
    let usernames: Vec<String> = (0..users).map(|i| format!("user{i:05}")).collect();
    // 16 users at a time (AdminSetUserPassword computes a verifier).
    let mut refresh_tokens = Vec::new();
    let mut access_tokens = Vec::new();
    let mut id_tokens = Vec::new();
    for chunk in usernames.chunks(16) {
        let mut set = tokio::task::JoinSet::new();
        for u in chunk {
            let (c, pool_id, client_id, u) =
                (c.clone(), pool_id.clone(), client_id.clone(), u.clone());
            set.spawn(async move {
                ok(
                    c.call("AdminCreateUser", &json!({"UserPoolId": pool_id, "Username": u, "MessageAction": "SUPPRESS"}))
                        .await,
                    "AdminCreateUser",
                )?;
                ok(
                    c.call(
                        "AdminSetUserPassword",
                        &json!({"UserPoolId": pool_id, "Username": u, "Password": PASSWORD, "Permanent": true}),
                    )
                    .await,
                    "AdminSetUserPassword",
                )?;
                if !tokens {
                    return anyhow::Ok(None);
                }
                let r = ok(
                    c.call(
                        "InitiateAuth",
                        &json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client_id,
                            "AuthParameters": {"USERNAME": u, "PASSWORD": PASSWORD}}),
                    )
                    .await,
                    "InitiateAuth (setup)",
                )?;
                let a = &r["AuthenticationResult"];
                anyhow::Ok(Some((
                    a["RefreshToken"].as_str().context("no RefreshToken")?.to_string(),
                    a["AccessToken"].as_str().context("no AccessToken")?.to_string(),
                    a["IdToken"].as_str().context("no IdToken")?.to_string(),
                )))
            });
        }
        while let Some(r) = set.join_next().await {
            if let Some((rt, at, it)) = r?? {
                refresh_tokens.push(rt);
                access_tokens.push(at);
                id_tokens.push(it);
            }
        }
    }
    let pool_name = pool_id
        .split_once('_')
        .map_or(pool_id.clone(), |(_, n)| n.to_string());
    Ok(Setup {
        pool_id,
        pool_name,
        client_id,
        usernames,
        refresh_tokens,
        access_tokens,
        id_tokens,
        identity: None,
    })
}

pub(crate) fn sample(
    reply: crate::client::Reply,
    check: impl Fn(&Value) -> Option<String>,
) -> Sample {
    let error = match &reply.result {
        Err(e) => Some(e.clone()),
        Ok(v) => check(v),
    };
    Sample {
        latency: reply.latency,
        rows: 1,
        error,
    }
}

fn has_tokens(v: &Value) -> Option<String> {
    if v["AuthenticationResult"]["AccessToken"].is_string() {
        None
    } else {
        Some(format!(
            "no AuthenticationResult: {}",
            v.to_string().chars().take(200).collect::<String>()
        ))
    }
}

fn make_op(name: &str, c: &Client, s: &Arc<Setup>, logs: &SignUpLogs) -> anyhow::Result<Op> {
    if crate::identity::SCENARIOS.contains(&name) {
        let ip = s
            .identity
            .as_ref()
            .context("identity scenarios need the identity-pool set-up")?;
        return crate::identity::make_op(name, c, ip)?
            .context("identity scenario without an operation");
    }
    let c = c.clone();
    let s = s.clone();
    let n = s.usernames.len() as u64;
    let nonce = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
    let op: Op = match name {
        "password" | "password+triggers" => Arc::new(move |seq| {
            let (c, s) = (c.clone(), s.clone());
            Box::pin(async move {
                let u = &s.usernames[(crate::mix(seq) % n) as usize];
                let r = c
                    .call(
                        "InitiateAuth",
                        &json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": s.client_id,
                            "AuthParameters": {"USERNAME": u, "PASSWORD": PASSWORD}}),
                    )
                    .await;
                vec![sample(r, has_tokens)]
            })
        }),
        "srp" => Arc::new(move |seq| {
            let (c, s) = (c.clone(), s.clone());
            Box::pin(async move { srp_sign_in(&c, &s, seq).await })
        }),
        "refresh" => Arc::new(move |seq| {
            let (c, s) = (c.clone(), s.clone());
            Box::pin(async move {
                let t =
                    &s.refresh_tokens[(crate::mix(seq) % s.refresh_tokens.len() as u64) as usize];
                let r = c
                    .call(
                        "InitiateAuth",
                        &json!({"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": s.client_id,
                            "AuthParameters": {"REFRESH_TOKEN": t}}),
                    )
                    .await;
                vec![sample(r, has_tokens)]
            })
        }),
        "get-user" => Arc::new(move |seq| {
            let (c, s) = (c.clone(), s.clone());
            Box::pin(async move {
                let t = &s.access_tokens[(crate::mix(seq) % s.access_tokens.len() as u64) as usize];
                let r = c.call("GetUser", &json!({"AccessToken": t})).await;
                vec![sample(r, |v| {
                    (!v["Username"].is_string()).then(|| "no Username".into())
                })]
            })
        }),
        "admin-get-user" => Arc::new(move |seq| {
            let (c, s) = (c.clone(), s.clone());
            Box::pin(async move {
                let u = &s.usernames[(crate::mix(seq) % n) as usize];
                let r = c
                    .call(
                        "AdminGetUser",
                        &json!({"UserPoolId": s.pool_id, "Username": u}),
                    )
                    .await;
                vec![sample(r, |v| {
                    (!v["Username"].is_string()).then(|| "no Username".into())
                })]
            })
        }),
        "sign-up" => {
            // A fresh name per call: `seq` restarts at 0 after the warm-up.
            let counter = Arc::new(std::sync::atomic::AtomicU64::new(0));
            let logs = logs.clone();
            Arc::new(move |_| {
                let seq = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let (c, s, nonce, logs) = (c.clone(), s.clone(), nonce.clone(), logs.clone());
                Box::pin(async move {
                    if logs.stopped() {
                        // No request, no sample: idle until the time budget ends.
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        return Vec::new();
                    }
                    let username = format!("su-{nonce}-{seq}");
                    let r = c
                    .call(
                        "SignUp",
                        &json!({"ClientId": s.client_id, "Username": username, "Password": PASSWORD}),
                    )
                    .await;
                    logs.record(&s.pool_id, &username, &r.result);
                    vec![sample(r, |v| {
                        (!v["UserSub"].is_string()).then(|| "no UserSub".into())
                    })]
                })
            })
        }
        "admin-create-user" => {
            let counter = Arc::new(std::sync::atomic::AtomicU64::new(0));
            Arc::new(move |_| {
                let seq = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let (c, s, nonce) = (c.clone(), s.clone(), nonce.clone());
                Box::pin(async move {
                    let username = format!("ac-{nonce}-{seq}");
                    let r = c
                        .call(
                            "AdminCreateUser",
                            &json!({"UserPoolId": s.pool_id, "Username": username,
                                "TemporaryPassword": PASSWORD, "MessageAction": "SUPPRESS",
                                "UserAttributes": [{"Name": "email", "Value": format!("{username}@example.com")}]}),
                        )
                        .await;
                    vec![sample(r, |v| {
                        (!v["User"]["Username"].is_string()).then(|| "no User".into())
                    })]
                })
            })
        }
        "custom-auth" => Arc::new(move |seq| {
            let (c, s) = (c.clone(), s.clone());
            Box::pin(async move { custom_sign_in(&c, &s, seq).await })
        }),
        other => bail!(
            "unknown scenario {other:?} (known: {}, all)",
            SCENARIOS.join(", ")
        ),
    };
    Ok(op)
}

/// Requests one operation of scenario `name` sends (ops/s = req/s ÷ this).
fn requests_per_op(name: &str) -> f64 {
    match name {
        "srp" | "custom-auth" => 2.0,
        other => crate::identity::requests_per_op(other).unwrap_or(1.0),
    }
}

/// The full two-call SRP sign-in. The generator uses a 256-bit client secret `a` (the
/// server's work does not depend on its size) to keep its own CPU cost down.
async fn srp_sign_in(c: &Client, s: &Setup, seq: u64) -> Vec<Sample> {
    let u = &s.usernames[(crate::mix(seq) % s.usernames.len() as u64) as usize];
    let mut rng = Rng::new(seq ^ 0xA5A5);
    let mut a = [0u8; 32];
    for chunk in a.chunks_mut(8) {
        chunk.copy_from_slice(&rng.next_u64().to_be_bytes());
    }
    a[0] |= 0x80;
    let client = match srp::client::SrpClient::with_a(&a) {
        Ok(cl) => cl,
        Err(e) => {
            return vec![Sample {
                latency: Duration::ZERO,
                rows: 0,
                error: Some(format!("client a: {e}")),
            }];
        }
    };
    let r1 = c
        .call(
            "InitiateAuth",
            &json!({"AuthFlow": "USER_SRP_AUTH", "ClientId": s.client_id,
                "AuthParameters": {"USERNAME": u, "SRP_A": client.srp_a_hex()}}),
        )
        .await;
    let latency1 = r1.latency;
    let v = match r1.result {
        Err(e) => {
            return vec![Sample {
                latency: latency1,
                rows: 0,
                error: Some(e),
            }];
        }
        Ok(v) => v,
    };
    let p = &v["ChallengeParameters"];
    let (Some(salt), Some(b), Some(block), Some(user_id)) = (
        p["SALT"].as_str(),
        p["SRP_B"].as_str(),
        p["SECRET_BLOCK"].as_str(),
        p["USER_ID_FOR_SRP"].as_str(),
    ) else {
        return vec![Sample {
            latency: latency1,
            rows: 0,
            error: Some(format!("no challenge: {v}")),
        }];
    };
    let first = Sample {
        latency: latency1,
        rows: 1,
        error: None,
    };
    use base64::Engine as _;
    let block_bytes = base64::engine::general_purpose::STANDARD
        .decode(block)
        .unwrap_or_default();
    let timestamp = srp::format_timestamp(time::OffsetDateTime::now_utc());
    let sig = match client.password_claim_signature(
        &s.pool_name,
        user_id,
        PASSWORD,
        salt,
        b,
        &block_bytes,
        &timestamp,
    ) {
        Ok(sig) => sig,
        Err(e) => {
            return vec![
                first,
                Sample {
                    latency: Duration::ZERO,
                    rows: 0,
                    error: Some(format!("claim: {e}")),
                },
            ];
        }
    };
    let r2 = c
        .call(
            "RespondToAuthChallenge",
            &json!({"ClientId": s.client_id, "ChallengeName": "PASSWORD_VERIFIER",
                "ChallengeResponses": {"USERNAME": user_id, "PASSWORD_CLAIM_SECRET_BLOCK": block,
                    "PASSWORD_CLAIM_SIGNATURE": sig, "TIMESTAMP": timestamp}}),
        )
        .await;
    vec![first, sample(r2, has_tokens)]
}

/// One CUSTOM_AUTH sign-in: the challenge the bench's CreateAuthChallenge handler set,
/// answered right, then tokens.
async fn custom_sign_in(c: &Client, s: &Setup, seq: u64) -> Vec<Sample> {
    let u = &s.usernames[(crate::mix(seq) % s.usernames.len() as u64) as usize];
    let r1 = c
        .call(
            "InitiateAuth",
            &json!({"AuthFlow": "CUSTOM_AUTH", "ClientId": s.client_id,
                "AuthParameters": {"USERNAME": u}}),
        )
        .await;
    let latency1 = r1.latency;
    let v = match r1.result {
        Err(e) => {
            return vec![Sample {
                latency: latency1,
                rows: 0,
                error: Some(e),
            }];
        }
        Ok(v) => v,
    };
    let (Some("CUSTOM_CHALLENGE"), Some(session), Some(user)) = (
        v["ChallengeName"].as_str(),
        v["Session"].as_str(),
        v["ChallengeParameters"]["USERNAME"].as_str(),
    ) else {
        return vec![Sample {
            latency: latency1,
            rows: 0,
            error: Some(format!("no custom challenge: {v}")),
        }];
    };
    let first = Sample {
        latency: latency1,
        rows: 1,
        error: None,
    };
    let r2 = c
        .call(
            "RespondToAuthChallenge",
            &json!({"ClientId": s.client_id, "ChallengeName": "CUSTOM_CHALLENGE", "Session": session,
                "ChallengeResponses": {"USERNAME": user, "ANSWER": CUSTOM_ANSWER}}),
        )
        .await;
    vec![first, sample(r2, has_tokens)]
}

/// The bench's trigger handler: custom-challenge events get a real answer (one challenge,
/// then tokens); every other event is echoed back unchanged.
fn trigger_reply(body: &[u8]) -> Vec<u8> {
    let Ok(mut ev) = serde_json::from_slice::<Value>(body) else {
        return body.to_vec();
    };
    match ev["triggerSource"].as_str() {
        Some("DefineAuthChallenge_Authentication") => {
            let last_ok = ev["request"]["session"]
                .as_array()
                .and_then(|a| a.last())
                .map(|r| r["challengeResult"] == json!(true));
            ev["response"] = match last_ok {
                None => {
                    json!({"challengeName": "CUSTOM_CHALLENGE", "issueTokens": false, "failAuthentication": false})
                }
                Some(true) => json!({"issueTokens": true, "failAuthentication": false}),
                Some(false) => json!({"issueTokens": false, "failAuthentication": true}),
            };
        }
        Some("CreateAuthChallenge_Authentication") => {
            ev["response"] = json!({"publicChallengeParameters": {"question": "bench"},
                "privateChallengeParameters": {"answer": CUSTOM_ANSWER}, "challengeMetadata": "BENCH"});
        }
        Some("VerifyAuthChallengeResponse_Authentication") => {
            let right = ev["request"]["privateChallengeParameters"]["answer"]
                == ev["request"]["challengeAnswer"];
            ev["response"] = json!({"answerCorrect": right});
        }
        _ => return body.to_vec(),
    }
    serde_json::to_vec(&ev).unwrap_or_else(|_| body.to_vec())
}

/// utime+stime in seconds from /proc/<pid>/stat (fields 14 and 15; USER_HZ = 100 on Linux).
fn proc_cpu(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // rest starts at field 3 (state): utime is field 14 -> index 11.
    let ut: f64 = f.get(11)?.parse().ok()?;
    let st: f64 = f.get(12)?.parse().ok()?;
    Some((ut + st) / 100.0)
}

fn vm_hwm_kb(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Serves `POST` requests on `addr`, answering each with its own body (HTTP/1.1 keep-alive),
/// or with [`trigger_reply`]'s answer for custom-challenge events.
async fn serve_echo(addr: &str) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {addr}"))?;
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                continue;
            };
            let _ = sock.set_nodelay(true);
            tokio::spawn(async move {
                let mut buf: Vec<u8> = Vec::with_capacity(8192);
                let mut tmp = [0u8; 8192];
                loop {
                    // Read the head.
                    let head_end = loop {
                        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            break i + 4;
                        }
                        match sock.read(&mut tmp).await {
                            Ok(0) | Err(_) => return,
                            Ok(k) => buf.extend_from_slice(&tmp[..k]),
                        }
                    };
                    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
                    let len: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0);
                    while buf.len() < head_end + len {
                        match sock.read(&mut tmp).await {
                            Ok(0) | Err(_) => return,
                            Ok(k) => buf.extend_from_slice(&tmp[..k]),
                        }
                    }
                    let raw = &buf[head_end..head_end + len];
                    // Only custom-challenge events are parsed; the rest is echoed as is.
                    let body: Vec<u8> = if raw.windows(13).any(|w| w == b"AuthChallenge") {
                        trigger_reply(raw)
                    } else {
                        raw.to_vec()
                    };
                    buf.drain(..head_end + len);
                    let mut resp = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                        body.len()
                    )
                    .into_bytes();
                    resp.extend_from_slice(&body);
                    if sock.write_all(&resp).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    Ok(())
}

pub async fn run(args: AuthArgs) -> anyhow::Result<()> {
    let c = Client::new(&args.url, args.concurrency)?;
    let logs = SignUpLogs::open(&args)?;
    let mut names: Vec<String> = if args.scenario == "all" {
        SCENARIOS.iter().map(|s| s.to_string()).collect()
    } else {
        args.scenario
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    };
    let need_identity = names
        .iter()
        .any(|n| crate::identity::SCENARIOS.contains(&n.as_str()));
    let need_tokens = need_identity || names.iter().any(|n| n == "refresh" || n == "get-user");
    let t0 = Instant::now();
    let mut plain = setup(&c, "plain", args.users, None, need_tokens).await?;
    eprintln!(
        "setup: pool {} with {} users in {:.1} s",
        plain.pool_id,
        plain.usernames.len(),
        t0.elapsed().as_secs_f64()
    );
    if need_identity {
        let t0 = Instant::now();
        let with_ids = names.iter().any(|n| n == "identity-credentials");
        let ip = crate::identity::setup(
            &c,
            &plain.pool_id,
            &plain.client_id,
            &plain.id_tokens,
            with_ids,
        )
        .await?;
        eprintln!(
            "setup: identity pool {} (login key {}), {} authenticated identities in {:.1} s",
            ip.pool_id,
            ip.login_key,
            ip.identity_ids.len(),
            t0.elapsed().as_secs_f64()
        );
        plain.identity = Some(Arc::new(ip));
    }
    let plain = Arc::new(plain);
    let mut triggered = None;
    let mut custom = None;
    let wants_custom = names.iter().any(|n| n == "custom-auth");
    if wants_custom && args.trigger_url.is_none() {
        bail!(
            "the custom-auth scenario needs --trigger-url (and the server's [[triggers.functions]] mapping the bench-define/create/verify ARNs to it)"
        );
    }
    if let Some(url) = &args.trigger_url {
        let addr = url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        serve_echo(&addr).await?;
        if names.iter().any(|n| n == "password") {
            let lambda = json!({"PreAuthentication": ARN_PRE_AUTH, "PostAuthentication": ARN_POST_AUTH,
                "PreTokenGeneration": ARN_PRE_TOKEN});
            triggered = Some(Arc::new(
                setup(&c, "triggers", args.users, Some(lambda), false).await?,
            ));
            let at = names.iter().position(|n| n == "password").unwrap_or(0);
            names.insert(at + 1, "password+triggers".into());
        }
        if wants_custom {
            let lambda = json!({"DefineAuthChallenge": ARN_DEFINE, "CreateAuthChallenge": ARN_CREATE,
                "VerifyAuthChallengeResponse": ARN_VERIFY});
            custom = Some(Arc::new(
                setup(&c, "custom", args.users, Some(lambda), false).await?,
            ));
        }
    }
    println!(
        "| scenario | ops/s | req/s | p50 ms | p99 ms | errors | server CPU % | generator CPU % | server peak RSS MiB |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for name in &names {
        let s = match name.as_str() {
            "password+triggers" => triggered.as_ref().context("no trigger pool")?,
            "custom-auth" => custom.as_ref().context("no custom-auth pool")?,
            _ => &plain,
        };
        let op = make_op(name, &c, s, &logs)?;
        // Warm-up (not recorded).
        let _ = load::run(
            op.clone(),
            Limits {
                requests: args.warmup,
                duration: Duration::from_secs(2),
                concurrency: args.concurrency,
            },
        )
        .await;
        let server_before = args.server_pid.and_then(|p| proc_cpu(&p.to_string()));
        let gen_before = proc_cpu("self");
        let limits = Limits {
            requests: args.requests,
            duration: Duration::from_secs_f64(args.duration),
            concurrency: args.concurrency,
        };
        let sum = load::run(op, limits).await;
        let secs = sum.elapsed.as_secs_f64();
        let server_cpu = match (
            server_before,
            args.server_pid.and_then(|p| proc_cpu(&p.to_string())),
        ) {
            (Some(a), Some(b)) => Some((b - a) / secs * 100.0),
            _ => None,
        };
        let gen_cpu = match (gen_before, proc_cpu("self")) {
            (Some(a), Some(b)) => Some((b - a) / secs * 100.0),
            _ => None,
        };
        let hwm = args.server_pid.and_then(vm_hwm_kb);
        let per_op = requests_per_op(name);
        let ops = sum.per_sec() / per_op;
        let mut j = sum.to_json();
        j["kind"] = json!("auth");
        j["scenario"] = json!(name);
        j["backend"] = json!(args.backend);
        j["concurrency"] = json!(args.concurrency);
        j["ops_per_sec"] = json!(ops);
        j["requests_per_op"] = json!(per_op);
        j["server_cpu_pct"] = json!(server_cpu);
        j["generator_cpu_pct"] = json!(gen_cpu);
        j["server_vmhwm_kb"] = json!(hwm);
        j["users"] = json!(args.users);
        if let Some(p) = &args.json_out {
            append_json(p, &j)?;
        }
        let f = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{v:.0}"));
        println!(
            "| {name} | {ops:.0} | {:.0} | {:.2} | {:.2} | {} | {} | {} | {} |",
            sum.per_sec(),
            sum.ms(0.5),
            sum.ms(0.99),
            sum.errors,
            f(server_cpu),
            f(gen_cpu),
            hwm.map_or("-".into(), |k| format!("{:.1}", k as f64 / 1024.0)),
        );
        if let Some(e) = &sum.first_error {
            eprintln!("{name}: first error: {e}");
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// crypto-floor

#[derive(Args, Debug)]
pub struct CryptoFloorArgs {
    /// Iterations per operation.
    #[arg(long, default_value_t = 300)]
    pub iterations: u32,
    /// Append one JSON result line per operation to this file.
    #[arg(long)]
    pub json_out: Option<PathBuf>,
}

pub fn crypto_floor(args: CryptoFloorArgs) -> anyhow::Result<()> {
    let n = args.iterations.max(1);
    let (pool, user) = ("BenchPool1", "3f1c2b4a-0000-4000-8000-000000000001");
    let v = srp::make_verifier(pool, user, PASSWORD);
    let key = RsaSigningKey::generate()?;
    let jwks = vec![key.public_jwk()];
    let claims = json!({
        "sub": user, "iss": "http://127.0.0.1:9229/us-east-1_BenchPool1", "client_id": "abcdefghijklmnopqrstuvwxyz",
        "origin_jti": "7d5f6c1e-1111-4222-8333-444455556666", "event_id": "7d5f6c1e-1111-4222-8333-444455556667",
        "token_use": "access", "scope": "aws.cognito.signin.user.admin", "auth_time": 1_790_000_000,
        "exp": 1_790_003_600, "iat": 1_790_000_000, "jti": "7d5f6c1e-1111-4222-8333-444455556668", "username": "user00001"
    });
    let token = key.sign_jwt(&claims)?;

    let mut rows: Vec<(&str, f64)> = Vec::new();
    let t = Instant::now();
    for _ in 0..n {
        assert!(srp::check_password(pool, user, PASSWORD, &v));
    }
    rows.push(("srp::check_password", t.elapsed().as_secs_f64() / n as f64));

    // SRP server side: challenge + verification (client math outside the timed parts).
    let (mut t_ch, mut t_ver) = (Duration::ZERO, Duration::ZERO);
    let block = vec![7u8; 64];
    let ts = srp::format_timestamp(time::OffsetDateTime::now_utc());
    for i in 0..n {
        let mut a = [0u8; 32];
        a[..8].copy_from_slice(&(u64::from(i) + 1).to_be_bytes());
        a[31] = 1;
        a[0] |= 0x80;
        let cl = srp::client::SrpClient::with_a(&a)?;
        let t = Instant::now();
        let ch = srp::server_challenge(&v)?;
        t_ch += t.elapsed();
        let sig = cl.password_claim_signature(
            pool,
            user,
            PASSWORD,
            &v.salt_hex,
            &ch.srp_b_hex,
            &block,
            &ts,
        )?;
        let t = Instant::now();
        let okk = srp::verify_claim_with_srp_b(
            pool,
            user,
            &v,
            &ch.b_secret,
            &ch.srp_b_hex,
            cl.srp_a_hex(),
            &block,
            &ts,
            &sig,
        )?;
        t_ver += t.elapsed();
        assert!(okk, "SRP claim must verify");
    }
    rows.push(("srp::server_challenge", t_ch.as_secs_f64() / n as f64));
    rows.push((
        "srp::verify_claim_with_srp_b",
        t_ver.as_secs_f64() / n as f64,
    ));

    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(key.sign_jwt(&claims)?);
    }
    rows.push((
        "RsaSigningKey::sign_jwt (RS256)",
        t.elapsed().as_secs_f64() / n as f64,
    ));
    let m = n * 10;
    let t = Instant::now();
    for _ in 0..m {
        std::hint::black_box(RsaSigningKey::verify_jwt(&token, &jwks)?);
    }
    rows.push((
        "RsaSigningKey::verify_jwt (RS256)",
        t.elapsed().as_secs_f64() / m as f64,
    ));

    println!("| operation | µs/op | ops/s (one core) |");
    println!("|---|---:|---:|");
    for (name, secs) in &rows {
        println!("| {name} | {:.1} | {:.0} |", secs * 1e6, 1.0 / secs);
        if let Some(p) = &args.json_out {
            append_json(
                p,
                &json!({"kind": "crypto", "op": name, "us_per_op": secs * 1e6, "ops_per_sec": 1.0 / secs, "iterations": n}),
            )?;
        }
    }
    let get = |k: &str| {
        rows.iter()
            .find(|(n, _)| n.starts_with(k))
            .map(|r| r.1)
            .unwrap_or(f64::NAN)
    };
    let sign = get("RsaSigningKey::sign_jwt");
    let ceilings = [
        (
            "password (check_password + 2 signs)",
            get("srp::check_password") + 2.0 * sign,
        ),
        (
            "srp (challenge + verify + 2 signs)",
            get("srp::server_challenge") + get("srp::verify_claim") + 2.0 * sign,
        ),
        ("refresh (2 signs: id + access)", 2.0 * sign),
        ("get-user (1 verify)", get("RsaSigningKey::verify_jwt")),
    ];
    println!();
    println!("| scenario | crypto µs per op | ceiling ops/s (one core) |");
    println!("|---|---:|---:|");
    for (name, secs) in ceilings {
        println!("| {name} | {:.1} | {:.0} |", secs * 1e6, 1.0 / secs);
        if let Some(p) = &args.json_out {
            append_json(
                p,
                &json!({"kind": "ceiling", "scenario": name, "us_per_op": secs * 1e6, "ops_per_sec": 1.0 / secs}),
            )?;
        }
    }
    Ok(())
}
