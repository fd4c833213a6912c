//! A credential authority for tests: an IAM that mints tokens from a
//! password, an ECS metadata service that hands out temporary keys, both
//! living a few seconds, and an SMS gateway that accepts only what the
//! authority issued (or was told of), unexpired and unrevoked. It counts
//! everything, so tests can say how often credentials were renewed and
//! that none was ever sent expired.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use super::{
    Reply, Request, SEED_200, Server, SignatureCheck, check_signature, http_date, unix_now,
};

/// The IAM user the stand-in knows.
pub const USER: &str = "sms-agent";
pub const PASSWORD: &str = "PASSWORD-MARKER-7f3a";
pub const DOMAIN: &str = "acme";
pub const PROJECT: &str = "ap-southeast-3";

#[derive(Debug, Clone)]
struct Issued {
    secret: String,
    security_token: Option<String>,
    expires_at: i64,
    revoked: bool,
}

/// What the authority saw.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Counts {
    /// Tokens IAM minted.
    pub tokens_minted: usize,
    /// Password requests IAM refused.
    pub passwords_refused: usize,
    /// Session tokens and key sets the metadata service handed out.
    pub metadata_sessions: usize,
    pub keys_issued: usize,
    /// SMS requests accepted and refused.
    pub sms_accepted: usize,
    pub sms_refused: usize,
    /// SMS requests that came with a credential past its expiry.
    pub sms_expired: usize,
}

#[derive(Default)]
struct State {
    /// Token → issued.
    tokens: HashMap<String, Issued>,
    /// AK → issued (SK, security token).
    keys: HashMap<String, Issued>,
    sessions: Vec<String>,
    counts: Counts,
}

/// The authority: IAM, the metadata service and an SMS gateway, on loopback.
pub struct Authority {
    state: Arc<Mutex<State>>,
    /// Lifetime of what IAM and the metadata service issue, in seconds.
    pub life: i64,
    pub iam: Server,
    pub metadata: Server,
    /// The metadata service has no session tokens (the PUT answers 404).
    old_metadata: Arc<AtomicBool>,
}

impl Authority {
    /// An authority whose tokens and keys live `life` seconds.
    pub fn new(life: i64) -> Authority {
        let state = Arc::new(Mutex::new(State::default()));
        let old_metadata = Arc::new(AtomicBool::new(false));
        let iam = {
            let state = state.clone();
            Server::http(move |req| iam(&state, life, req))
        };
        let metadata = {
            let state = state.clone();
            let old = old_metadata.clone();
            Server::http(move |req| metadata(&state, life, old.load(Ordering::SeqCst), req))
        };
        Authority {
            state,
            life,
            iam,
            metadata,
            old_metadata,
        }
    }

    /// IAM's v3 URL (`OS_AUTH_URL`).
    pub fn iam_url(&self) -> String {
        format!("{}/v3", self.iam.url())
    }

    /// The metadata service's base URL (`HWSMS_METADATA_ENDPOINT`).
    pub fn metadata_url(&self) -> String {
        self.metadata.url()
    }

    /// Makes the metadata service one without session tokens.
    pub fn without_metadata_sessions(&self) {
        self.old_metadata.store(true, Ordering::SeqCst);
    }

    /// Tells the gateway of a key issued elsewhere (a credentials file).
    pub fn know_key(&self, ak: &str, sk: &str, expires_at: i64) {
        self.state.lock().unwrap().keys.insert(
            ak.to_string(),
            Issued {
                secret: sk.to_string(),
                security_token: None,
                expires_at,
                revoked: false,
            },
        );
    }

    /// Tells the gateway of a token issued elsewhere.
    pub fn know_token(&self, token: &str, expires_at: i64) {
        self.state.lock().unwrap().tokens.insert(
            token.to_string(),
            Issued {
                secret: String::new(),
                security_token: None,
                expires_at,
                revoked: false,
            },
        );
    }

    /// Revokes every key and token issued so far.
    pub fn revoke_all(&self) {
        let mut guard = self.state.lock().unwrap();
        let state = &mut *guard;
        for issued in state.keys.values_mut().chain(state.tokens.values_mut()) {
            issued.revoked = true;
        }
    }

    /// Revokes one key or token.
    pub fn revoke(&self, ak_or_token: &str) {
        let mut guard = self.state.lock().unwrap();
        let state = &mut *guard;
        for map in [&mut state.keys, &mut state.tokens] {
            if let Some(i) = map.get_mut(ak_or_token) {
                i.revoked = true;
            }
        }
    }

    pub fn counts(&self) -> Counts {
        self.state.lock().unwrap().counts.clone()
    }

    /// The SMS gateway: `reply` for a request with a valid credential; a
    /// 401 like the real gateway's otherwise (APIGW.0307 for an expired
    /// token, APIGW.0301 for anything else).
    pub fn sms(
        &self,
        reply: impl Fn(&Request) -> Reply + Send + Sync + 'static,
    ) -> impl Fn(&Request) -> Reply + Send + Sync + 'static {
        let state = self.state.clone();
        move |req| {
            let now = unix_now();
            let verdict = judge(&state.lock().unwrap(), req, now);
            let mut st = state.lock().unwrap();
            let reply = match verdict {
                Verdict::Valid => {
                    st.counts.sms_accepted += 1;
                    drop(st);
                    reply(req)
                }
                Verdict::Expired => {
                    st.counts.sms_refused += 1;
                    st.counts.sms_expired += 1;
                    Reply::json(
                        401,
                        r#"{"error_code":"APIGW.0307","error_msg":"The token has expired."}"#,
                    )
                }
                Verdict::Refused => {
                    st.counts.sms_refused += 1;
                    Reply::json(
                        401,
                        r#"{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information: verify aksk signature fail"}"#,
                    )
                }
            };
            reply.header("Date", &http_date(now))
        }
    }

    /// [`sms`](Self::sms) answering ShowCommand with the seed's START.
    pub fn sms_start(&self) -> impl Fn(&Request) -> Reply + Send + Sync + 'static {
        self.sms(|_| Reply::json(200, SEED_200))
    }
}

enum Verdict {
    Valid,
    Expired,
    Refused,
}

fn judge(state: &State, req: &Request, now: i64) -> Verdict {
    let issued = if let Some(token) = req.header("X-Auth-Token") {
        state.tokens.get(token)
    } else if let Some(auth) = req.header("Authorization") {
        let ak = auth
            .split("Access=")
            .nth(1)
            .and_then(|r| r.split(',').next())
            .unwrap_or_default();
        state.keys.get(ak).filter(|k| {
            check_signature(req, ak, &k.secret, now) == SignatureCheck::Ok
                && k.security_token.as_deref() == req.header("X-Security-Token")
        })
    } else {
        None
    };
    match issued {
        None => Verdict::Refused,
        Some(i) if i.revoked => Verdict::Refused,
        Some(i) if now >= i.expires_at => Verdict::Expired,
        Some(_) => Verdict::Valid,
    }
}

/// RFC 3339 with microseconds, as IAM and the metadata service write it.
pub fn rfc3339(unix: i64) -> String {
    let d = hwsms::auth::signer::format_sdk_date(unix);
    format!(
        "{}-{}-{}T{}:{}:{}.000000Z",
        &d[0..4],
        &d[4..6],
        &d[6..8],
        &d[9..11],
        &d[11..13],
        &d[13..15]
    )
}

fn iam(state: &Mutex<State>, life: i64, req: &Request) -> Reply {
    if req.method != "POST" || req.path != "/v3/auth/tokens?nocatalog=true" {
        return Reply::json(404, r#"{"error":{"code":404,"message":"not found"}}"#);
    }
    let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
    let user = &body["auth"]["identity"]["password"]["user"];
    let scope = &body["auth"]["scope"]["project"];
    let good = body["auth"]["identity"]["methods"] == serde_json::json!(["password"])
        && user["name"] == USER
        && user["password"] == PASSWORD
        && user["domain"]["name"] == DOMAIN
        && (scope["name"] == PROJECT || scope["id"] == "0a1b2c3d");
    let mut st = state.lock().unwrap();
    if !good {
        st.counts.passwords_refused += 1;
        return Reply::json(
            401,
            r#"{"error":{"code":401,"message":"The username or password is wrong.","title":"Unauthorized"},"error_code":"IAM.0007","error_msg":"The username or password is wrong."}"#,
        )
        .header("X-Request-Id", "iam-req-1");
    }
    st.counts.tokens_minted += 1;
    let token = format!("iam-token-{}-{}", st.counts.tokens_minted, unix_now());
    let expires_at = unix_now() + life;
    st.tokens.insert(
        token.clone(),
        Issued {
            secret: String::new(),
            security_token: None,
            expires_at,
            revoked: false,
        },
    );
    let body = format!(
        r#"{{"token":{{"expires_at":"{}","issued_at":"{}","methods":["password"]}}}}"#,
        rfc3339(expires_at),
        rfc3339(unix_now())
    );
    Reply::json(201, &body).header("X-Subject-Token", &token)
}

fn metadata(state: &Mutex<State>, life: i64, old: bool, req: &Request) -> Reply {
    let mut st = state.lock().unwrap();
    match (req.method.as_str(), req.path.as_str()) {
        ("PUT", "/meta-data/latest/api/token") if old => Reply::json(404, "{}"),
        ("PUT", "/meta-data/latest/api/token") => {
            if req.header("X-Metadata-Token-Ttl-Seconds").is_none() {
                return Reply::json(400, "{}");
            }
            st.counts.metadata_sessions += 1;
            let session = format!("session-{}", st.counts.metadata_sessions);
            st.sessions.push(session.clone());
            Reply::Full {
                status: 200,
                headers: vec![("Content-Type".into(), "text/plain".into())],
                body: session.into_bytes(),
            }
        }
        ("GET", "/openstack/latest/securitykey") => {
            let session_ok = match req.header("X-Metadata-Token") {
                Some(t) => st.sessions.iter().any(|s| s == t),
                None => old,
            };
            if !session_ok {
                return Reply::json(401, r#"{"error_code":"401","error_msg":"no session"}"#);
            }
            st.counts.keys_issued += 1;
            let n = st.counts.keys_issued;
            let (ak, sk, st_token) = (
                format!("MDAK{n}"),
                format!("MDSK{n}-secret"),
                format!("MDST{n}"),
            );
            let expires_at = unix_now() + life;
            st.keys.insert(
                ak.clone(),
                Issued {
                    secret: sk.clone(),
                    security_token: Some(st_token.clone()),
                    expires_at,
                    revoked: false,
                },
            );
            let body = format!(
                r#"{{"credential":{{"access":"{ak}","secret":"{sk}","securitytoken":"{st_token}","expires_at":"{}"}}}}"#,
                rfc3339(expires_at)
            );
            Reply::json(200, &body)
        }
        _ => Reply::json(404, "{}"),
    }
}
