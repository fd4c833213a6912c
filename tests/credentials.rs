//! Credentials that last (README, "Credentials that last"), against a real
//! credential authority (tests/support/authority.rs): IAM tokens and
//! metadata keys that live a few seconds, a credentials file a rotator
//! replaces, keys revoked under a running poller. Each test polls for
//! several lifetimes and counts: failed polls (none), renewals (bounded),
//! credentials sent expired (none).

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use hwsms::auth::{IamPassword, Lease};
use hwsms::error::CredentialsErrorKind;
use hwsms::{Config, Credentials, Error, PollSchedule, Polled, Poller, fetch_command};
use support::authority::{Authority, DOMAIN, PASSWORD, PROJECT, USER};
use support::{Server, unix_now};

const ID: &str = "f32ab4d6-d150-4fb3-aa55-edbb5cf9947f";

/// What a run of the poller did.
#[derive(Debug, Default)]
struct Run {
    commands: usize,
    /// Retryable failures the poller waited out, and failures it returned.
    failed: usize,
}

/// Polls through `config` every 100 ms for `how_long`, with `during`
/// called after each command (to rotate or revoke); counts what happened.
fn poll(config: &Config, how_long: Duration, mut during: impl FnMut(usize)) -> Run {
    let mut poller = Poller::new(config, ID).unwrap();
    poller.set_schedule(
        PollSchedule::builder()
            .interval(Duration::from_millis(100))
            .build()
            .unwrap(),
    );
    let retried = Arc::new(AtomicUsize::new(0));
    let seen = retried.clone();
    poller.on_retryable_error(move |e, _| {
        eprintln!("retryable: {e}");
        seen.fetch_add(1, Ordering::SeqCst);
    });
    let mut run = Run::default();
    let end = Instant::now() + how_long;
    while Instant::now() < end {
        match poller.next() {
            Ok(Polled::Command(_)) => {
                run.commands += 1;
                during(run.commands);
            }
            Ok(Polled::Stopped) => unreachable!("nobody stops it"),
            Err(e) => {
                eprintln!("failed: {e}");
                run.failed += 1;
            }
        }
    }
    run.failed += retried.load(Ordering::SeqCst);
    run
}

fn metadata_config(authority: &Authority, server: &Server) -> Config {
    Config::builder(
        server.url(),
        Credentials::ecs_metadata_at(authority.metadata_url()),
    )
    .build()
    .unwrap()
}

fn iam_config(authority: &Authority, server: &Server, password: &str) -> Config {
    Config::builder(
        server.url(),
        Credentials::iam_password(
            IamPassword::new(USER, password, DOMAIN)
                .project_name(PROJECT)
                .auth_url(authority.iam_url()),
        ),
    )
    .build()
    .unwrap()
}

#[test]
fn iam_tokens_that_expire_every_few_seconds_are_renewed_before_they_do() {
    let authority = Authority::new(4);
    let server = Server::http(authority.sms_start());
    let config = iam_config(&authority, &server, PASSWORD);
    let run = poll(&config, Duration::from_secs(10), |_| {});
    let counts = authority.counts();
    assert_eq!(run.failed, 0, "{run:?} {counts:?}");
    assert!(run.commands >= 30, "{run:?}");
    assert_eq!(counts.sms_refused, 0, "{counts:?}");
    assert_eq!(counts.sms_expired, 0, "never sent expired: {counts:?}");
    // Renewed when half the 4 s are left: about one token per 2 s.
    assert!(
        (4..=8).contains(&counts.tokens_minted),
        "bounded renewals: {counts:?}"
    );
    assert_eq!(config.credential_renewals(), counts.tokens_minted as u64);
}

#[test]
fn metadata_keys_that_expire_every_few_seconds_are_renewed_before_they_do() {
    let authority = Authority::new(4);
    let server = Server::http(authority.sms_start());
    let config = metadata_config(&authority, &server);
    let run = poll(&config, Duration::from_secs(10), |_| {});
    let counts = authority.counts();
    assert_eq!(run.failed, 0, "{run:?} {counts:?}");
    assert_eq!(
        (counts.sms_refused, counts.sms_expired),
        (0, 0),
        "{counts:?}"
    );
    assert!((4..=8).contains(&counts.keys_issued), "{counts:?}");
    // Each key set came with a session token first, as the SDKs ask.
    assert_eq!(counts.metadata_sessions, counts.keys_issued, "{counts:?}");
    // Every request to the metadata service went direct and plain.
    assert!(
        authority
            .metadata
            .requests()
            .iter()
            .all(|r| r.nth_on_connection < 100)
    );
}

#[test]
fn an_old_metadata_service_without_session_tokens_still_gives_keys() {
    let authority = Authority::new(3_600);
    authority.without_metadata_sessions();
    let server = Server::http(authority.sms_start());
    let config = metadata_config(&authority, &server);
    fetch_command(&config, ID).unwrap();
    let counts = authority.counts();
    assert_eq!((counts.metadata_sessions, counts.keys_issued), (0, 1));
    let requests = authority.metadata.requests();
    let asked: Vec<_> = requests.iter().map(|r| r.method.as_str()).collect();
    assert_eq!(
        asked,
        ["PUT", "GET"],
        "the PUT got 404, then a GET without a token"
    );
    assert_eq!(requests[1].header("X-Metadata-Token"), None);
}

#[test]
fn a_revoked_key_is_renewed_and_the_request_resent_once() {
    let authority = Authority::new(3_600);
    let server = Server::http(authority.sms_start());
    let config = metadata_config(&authority, &server);
    let run = poll(&config, Duration::from_secs(3), |n| {
        if n == 5 {
            authority.revoke("MDAK1");
        }
    });
    let counts = authority.counts();
    assert_eq!(run.failed, 0, "{run:?} {counts:?}");
    // One refusal, answered by one renewal and one resend.
    assert_eq!(counts.sms_refused, 1, "{counts:?}");
    assert_eq!(counts.keys_issued, 2, "{counts:?}");
    // A poller that would have paused 5 minutes after a 401 kept going.
    assert!(run.commands > 10, "{run:?}");
}

#[test]
fn a_revoked_iam_token_is_replaced_by_a_new_one() {
    let authority = Authority::new(3_600);
    let server = Server::http(authority.sms_start());
    let config = iam_config(&authority, &server, PASSWORD);
    let run = poll(&config, Duration::from_secs(2), |n| {
        if n == 3 {
            authority.revoke_all();
        }
    });
    let counts = authority.counts();
    assert_eq!(run.failed, 0, "{run:?} {counts:?}");
    assert_eq!(
        (counts.sms_refused, counts.tokens_minted),
        (1, 2),
        "{counts:?}"
    );
}

/// A rotator's replacement: a new file written beside the old one, then
/// renamed over it.
fn rotate(path: &std::path::Path, text: &str) {
    let next = path.with_extension("new");
    std::fs::write(&next, text).unwrap();
    set_private(&next);
    std::fs::rename(&next, path).unwrap();
}

fn set_private(path: &std::path::Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let _ = path;
}

fn credentials_file(text: &str) -> std::path::PathBuf {
    let dir = support::temp_dir("credentials");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let path = dir.join("credentials");
    std::fs::write(&path, text).unwrap();
    set_private(&path);
    path
}

#[test]
fn a_rotated_credentials_file_is_used_from_the_next_request_on() {
    let authority = Authority::new(3_600);
    let later = unix_now() + 3_600;
    for n in 1..=4 {
        authority.know_key(&format!("FILEAK{n}"), &format!("FILESK{n}"), later);
    }
    let key_file = |n: usize| {
        format!(
            "[basic]\nak = FILEAK{n}\nsk = FILESK{n}\nexpires_at = {}\n",
            support::authority::rfc3339(later)
        )
    };
    let path = credentials_file(&key_file(1));
    let server = Server::http(authority.sms_start());
    let config = Config::builder(server.url(), Credentials::file(&path))
        .build()
        .unwrap();
    // Every fifth poll the rotator installs the next key and revokes the
    // old one at once.
    let run = poll(&config, Duration::from_secs(3), |n| {
        if n % 5 == 0 && n / 5 < 4 {
            rotate(&path, &key_file(n / 5 + 1));
            authority.revoke(&format!("FILEAK{}", n / 5));
        }
    });
    let counts = authority.counts();
    assert_eq!(run.failed, 0, "{run:?} {counts:?}");
    assert_eq!(
        counts.sms_refused, 0,
        "the new file is read before the next request: {counts:?}"
    );
    let used: std::collections::BTreeSet<String> = server
        .requests()
        .iter()
        .filter_map(|r| r.header("Authorization"))
        .filter_map(|a| {
            a.split("Access=")
                .nth(1)?
                .split(',')
                .next()
                .map(str::to_string)
        })
        .collect();
    assert_eq!(used.len(), 4, "{used:?}");
}

#[test]
fn a_rotated_token_file_too() {
    let authority = Authority::new(3_600);
    let later = unix_now() + 3_600;
    authority.know_token("FILE-TOKEN-1", later);
    authority.know_token("FILE-TOKEN-2", later);
    let path = credentials_file("[basic]\nauth_token = FILE-TOKEN-1\n");
    let server = Server::http(authority.sms_start());
    let config = Config::builder(server.url(), Credentials::file(&path))
        .build()
        .unwrap();
    let run = poll(&config, Duration::from_secs(2), |n| {
        if n == 4 {
            rotate(&path, "[basic]\nauth_token = FILE-TOKEN-2\n");
            authority.revoke("FILE-TOKEN-1");
        }
    });
    assert_eq!(run.failed, 0, "{run:?} {:?}", authority.counts());
    let last = server
        .requests()
        .last()
        .unwrap()
        .header("X-Auth-Token")
        .map(str::to_string);
    assert_eq!(last.as_deref(), Some("FILE-TOKEN-2"));
}

#[test]
fn expired_credentials_with_nothing_newer_are_refused_before_any_request() {
    let authority = Authority::new(3_600);
    let path = credentials_file("[basic]\nauth_token = OLD\nexpires_at = 2020-01-01T00:00:00Z\n");
    let server = Server::http(authority.sms_start());
    let config = Config::builder(server.url(), Credentials::file(&path))
        .build()
        .unwrap();
    let e = fetch_command(&config, ID).unwrap_err();
    let Error::Credentials(c) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(c.kind(), CredentialsErrorKind::Expired);
    let text = e.to_string();
    assert!(
        text.contains("expired at 2020-01-01T00:00:00Z")
            && text.contains(&path.display().to_string())
            && text.contains("nothing newer"),
        "{text}"
    );
    assert!(server.requests().is_empty(), "nothing was sent");
    // The rotator catches up: the next call uses the new file.
    authority.know_token("NEW", unix_now() + 3_600);
    rotate(&path, "[basic]\nauth_token = NEW\n");
    fetch_command(&config, ID).unwrap();
}

#[test]
fn iam_refusing_the_password_names_iam_and_the_user_never_the_password() {
    let authority = Authority::new(3_600);
    let server = Server::http(authority.sms_start());
    let config = iam_config(&authority, &server, "WRONG-PASSWORD-MARKER");
    let e = fetch_command(&config, ID).unwrap_err();
    let Error::Credentials(c) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(c.kind(), CredentialsErrorKind::Refused);
    assert_eq!((c.status(), c.error_code()), (Some(401), Some("IAM.0007")));
    assert_eq!(e.status(), Some(401), "a poller pauses as after SMS's 401");
    assert!(!e.is_retryable());
    let text = format!("{e} {e:?}");
    assert!(
        text.contains("IAM at http://127.0.0.1") && text.contains(USER),
        "{text}"
    );
    assert!(!text.contains("WRONG-PASSWORD-MARKER"), "{text}");
    assert!(server.requests().is_empty());
    assert_eq!(authority.counts().passwords_refused, 1);
}

#[test]
fn authorities_that_cannot_be_reached_say_which() {
    let dead = format!("http://127.0.0.1:{}", support::free_port());
    let server = Server::http(|_| support::Reply::json(200, support::SEED_200));
    for (credentials, who) in [
        (
            Credentials::ecs_metadata_at(&dead),
            "the ECS metadata service at",
        ),
        (
            Credentials::iam_password(
                IamPassword::new(USER, PASSWORD, DOMAIN)
                    .project_name(PROJECT)
                    .auth_url(format!("{dead}/v3")),
            ),
            "IAM at",
        ),
    ] {
        let config = Config::builder(server.url(), credentials).build().unwrap();
        let e = fetch_command(&config, ID).unwrap_err();
        let Error::Credentials(c) = &e else {
            panic!("{e:?}")
        };
        assert_eq!(c.kind(), CredentialsErrorKind::Unreachable, "{e}");
        assert!(e.is_retryable());
        assert!(e.to_string().contains(who), "{e}");
    }
    assert!(server.requests().is_empty());
}

#[test]
fn the_applications_own_source_is_asked_again_before_expiry() {
    let authority = Authority::new(3_600);
    let server = Server::http(authority.sms_start());
    let asked = Arc::new(AtomicUsize::new(0));
    let count = asked.clone();
    let tokens = Arc::new(std::sync::Mutex::new(Vec::new()));
    let issued = tokens.clone();
    let known = Arc::new(authority);
    let gateway = known.clone();
    let config = Config::builder(
        server.url(),
        Credentials::from_fn(move || {
            let n = count.fetch_add(1, Ordering::SeqCst) + 1;
            let token = format!("APP-TOKEN-{n}");
            let expires = unix_now() + 4;
            gateway.know_token(&token, expires);
            issued.lock().unwrap().push(token.clone());
            let at = std::time::UNIX_EPOCH + Duration::from_secs(expires as u64);
            Ok(Lease::token(token).expires_at(at))
        }),
    )
    .build()
    .unwrap();
    let run = poll(&config, Duration::from_secs(6), |_| {});
    let counts = known.counts();
    assert_eq!(run.failed, 0, "{run:?} {counts:?}");
    assert_eq!(counts.sms_expired, 0, "{counts:?}");
    assert!((3..=6).contains(&asked.load(Ordering::SeqCst)), "{asked:?}");
}

#[cfg(unix)]
#[test]
fn the_diagnosis_warns_about_a_file_others_can_read_and_shows_the_expiry() {
    use std::os::unix::fs::PermissionsExt;
    let authority = Authority::new(3_600);
    let later = unix_now() + 3_600;
    authority.know_token("DIAG-TOKEN", later);
    let path = credentials_file(&format!(
        "[basic]\nauth_token = DIAG-TOKEN\nexpires_at = {}\n",
        support::authority::rfc3339(later)
    ));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let server = Server::http(authority.sms_start());
    let config = Config::builder(server.url(), Credentials::file(&path))
        .build()
        .unwrap();
    let diagnosis = hwsms::diagnose(&config, Some(ID));
    let json = diagnosis.to_json();
    assert!(json.contains("\"ok\":true"), "{diagnosis}");
    let text = diagnosis.to_string();
    assert!(
        text.contains("[warn] config") && text.contains("readable by other users (mode 0644)"),
        "{text}"
    );
    assert!(
        text.contains(&format!("expiring at {}", hwsms_rfc3339(later))),
        "{text}"
    );
    assert!(!text.contains("DIAG-TOKEN"), "{text}");
}

/// RFC 3339 without the fraction, as hwsms writes times.
fn hwsms_rfc3339(unix: i64) -> String {
    support::authority::rfc3339(unix).replace(".000000Z", "Z")
}
