//! Faults: every case ends by its deadline with the right error and no panic.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use hwsms::error::TransportKind;
use hwsms::{CommandName, Config, Credentials, Error, ProxyChoice, fetch_command};
use support::{Reply, Request, SEED_200, Server};

const ID: &str = "f32ab4d6-d150-4fb3-aa55-edbb5cf9947f";

fn builder(url: &str) -> hwsms::config::ConfigBuilder {
    Config::builder(url, Credentials::token("TOKEN-MARKER"))
}

/// Answers with `script[n]` for the n-th request, then the last entry forever.
fn scripted(script: Vec<Reply>) -> (Server, Arc<AtomicUsize>) {
    let n = Arc::new(AtomicUsize::new(0));
    let seen = n.clone();
    let server = Server::http(move |_: &Request| {
        let i = seen.fetch_add(1, Ordering::SeqCst);
        script[i.min(script.len() - 1)].clone()
    });
    (server, n)
}

#[test]
fn connection_refused() {
    let config = builder(&format!("http://127.0.0.1:{}", support::free_port()))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = fetch_command(&config, ID).unwrap_err();
    let Error::Transport(t) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(t.kind(), TransportKind::Connect, "{err}");
    assert!(err.is_retryable());
    assert_eq!(t.attempts(), 3, "refused connections are retried");
    assert_eq!((err.attempts(), err.status()), (Some(3), None));
    assert!(!err.is_timeout());
    let port = config.endpoint().rsplit(':').next().unwrap().to_string();
    assert_eq!(
        t.detail(),
        format!("127.0.0.1:{port} refused the connection; is the endpoint (host and port) right?")
    );
    assert_eq!(t.cause(), None);
    assert!(err.to_string().contains("after 3 attempts"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
    // One attempt: no "after 1 attempts".
    let once = builder(config.endpoint()).max_attempts(1).build().unwrap();
    let once_err = fetch_command(&once, ID).unwrap_err();
    assert_eq!(
        once_err.to_string(),
        format!("could not connect: {}", t.detail())
    );
}

#[test]
fn reset_mid_body() {
    let (server, _) = scripted(vec![Reply::ResetMidBody {
        declared: 200,
        partial: SEED_200.as_bytes()[..20].to_vec(),
    }]);
    let config = builder(&server.url()).max_attempts(1).build().unwrap();
    let err = fetch_command(&config, ID).unwrap_err();
    let Error::Transport(t) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(t.kind(), TransportKind::Reset, "{err}");
    assert!(err.is_retryable());
}

#[test]
fn server_dripping_one_byte_a_second_hits_the_deadline() {
    let (server, _) = scripted(vec![Reply::Drip {
        body: SEED_200.as_bytes().to_vec(),
        interval: Duration::from_secs(1),
    }]);
    let deadline = Duration::from_millis(1500);
    let config = builder(&server.url()).timeout(deadline).build().unwrap();
    support::assert_times_out_near(&config, deadline);
}

#[test]
fn a_retry_gets_what_is_left_of_the_deadline_not_a_new_one() {
    // A slow 503, then silence: the retry must end at the call's deadline,
    // not a whole timeout after the first answer.
    let n = Arc::new(AtomicUsize::new(0));
    let seen = n.clone();
    let server = Server::http(move |_| {
        if seen.fetch_add(1, Ordering::SeqCst) == 0 {
            std::thread::sleep(Duration::from_millis(800));
            Reply::json(503, "")
        } else {
            Reply::Hang
        }
    });
    let deadline = Duration::from_millis(2000);
    let config = builder(&server.url()).timeout(deadline).build().unwrap();
    let started = Instant::now();
    let err = fetch_command(&config, ID).unwrap_err();
    let took = started.elapsed();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(n.load(Ordering::SeqCst), 2);
    assert!(
        took >= Duration::from_millis(1900) && took < Duration::from_millis(2500),
        "{took:?}"
    );
}

#[test]
fn huge_body_stops_at_the_cap() {
    // 64 MiB, chunked (no Content-Length to refuse it early).
    let (server, _) = scripted(vec![Reply::Stream {
        status: 200,
        len: 64 << 20,
    }]);
    let config = builder(&server.url()).build().unwrap();
    let started = Instant::now();
    let err = fetch_command(&config, ID).unwrap_err();
    assert!(
        matches!(err, Error::BodyTooLarge { cap, status: 200, .. } if cap == 1 << 20),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    assert_eq!((err.status(), err.is_timeout()), (Some(200), false));
    assert!(started.elapsed() < Duration::from_secs(10));
    // This checks the error and that reading stopped long before 64 MiB
    // could arrive; it does not measure memory.
}

#[test]
fn five_xx_then_success() {
    let (server, n) = scripted(vec![
        Reply::json(503, r#"{"error_code":"SMS.0503","error_msg":"busy"}"#),
        Reply::json(503, "<html>busy</html>"),
        Reply::json(200, SEED_200),
    ]);
    let config = builder(&server.url()).build().unwrap();
    let resp = fetch_command(&config, ID).unwrap();
    assert_eq!(resp.command().unwrap().name(), Some(CommandName::Start));
    assert_eq!(resp.attempts(), 3);
    assert_eq!(n.load(Ordering::SeqCst), 3);
}

#[test]
fn too_many_requests_honours_retry_after() {
    let (server, n) = scripted(vec![
        Reply::json(
            429,
            r#"{"error_code":"APIGW.0308","error_msg":"throttled"}"#,
        )
        .header("Retry-After", "1"),
        Reply::json(200, SEED_200),
    ]);
    let config = builder(&server.url()).build().unwrap();
    let started = Instant::now();
    fetch_command(&config, ID).unwrap();
    let took = started.elapsed();
    assert_eq!(n.load(Ordering::SeqCst), 2);
    assert!(
        took >= Duration::from_millis(950) && took < Duration::from_secs(3),
        "took {took:?}"
    );
}

#[test]
fn unauthorized_is_sent_exactly_once() {
    let (server, n) = scripted(vec![Reply::json(
        401,
        r#"{"error_code":"APIGW.0301","error_msg":"bad token"}"#,
    )]);
    let config = builder(&server.url()).max_attempts(5).build().unwrap();
    let err = fetch_command(&config, ID).unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert_eq!(n.load(Ordering::SeqCst), 1);
    drop(server);
}

#[test]
fn attempts_stop_at_the_deadline() {
    // Every answer asks for a 5 s pause; the whole call has 2 s.
    let (server, n) = scripted(vec![Reply::json(503, "").header("Retry-After", "5")]);
    let config = builder(&server.url())
        .timeout(Duration::from_secs(2))
        .max_attempts(10)
        .build()
        .unwrap();
    let started = Instant::now();
    let err = fetch_command(&config, ID).unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(err.status(), Some(503));
    assert_eq!(
        n.load(Ordering::SeqCst),
        1,
        "no attempt may start that cannot wait out Retry-After"
    );

    // A server that never answers: the first attempt uses up the whole
    // deadline, so no retry starts after it, whatever max_attempts allows.
    let (server, n) = scripted(vec![Reply::Hang]);
    let config = builder(&server.url())
        .timeout(Duration::from_millis(1200))
        .max_attempts(10)
        .build()
        .unwrap();
    let started = Instant::now();
    let err = fetch_command(&config, ID).unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(n.load(Ordering::SeqCst), 1);
}

#[test]
fn redirect_to_another_host_is_not_followed() {
    let other = Server::http(|_| Reply::json(200, SEED_200));
    let (server, n) = scripted(vec![Reply::json(307, "").header(
        "Location",
        &format!("{}/v3/sources/{ID}/command", other.url()),
    )]);
    let config = builder(&server.url()).build().unwrap();
    let err = fetch_command(&config, ID).unwrap_err();
    assert!(matches!(err, Error::Redirect(_)), "{err:?}");
    assert_eq!(n.load(Ordering::SeqCst), 1);
    assert!(other.requests().is_empty());
}

#[test]
fn proxy_that_refuses_to_connect() {
    let server = Server::http(|_| Reply::json(200, SEED_200));
    let config = builder(&server.url())
        .proxy(ProxyChoice::Url(format!(
            "http://127.0.0.1:{}",
            support::free_port()
        )))
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let err = fetch_command(&config, ID).unwrap_err();
    let Error::Transport(t) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(t.kind(), TransportKind::Proxy, "{err}");
    assert!(server.requests().is_empty());
}

#[test]
fn a_200_gigabyte_content_length_under_a_huge_cap_is_an_error_not_an_abort() {
    // Reserving what the header claims would abort the process; the body is
    // read as it comes, and the connection's close ends it.
    let server = Server::http(|_| {
        Reply::Raw(
            b"HTTP/1.1 200 OK\r\nContent-Length: 200000000000\r\n\r\n{\"command_name\":\"ST"
                .to_vec(),
        )
    });
    for cap in [1usize << 40, usize::MAX] {
        let config = Config::builder(server.url(), Credentials::token("t"))
            .body_cap(cap)
            .max_attempts(1)
            .build()
            .unwrap();
        let err = fetch_command(&config, ID).unwrap_err();
        assert!(
            matches!(&err, Error::Transport(t) if t.kind() == TransportKind::Reset),
            "cap {cap}: {err:?}"
        );
    }
}

#[test]
fn the_largest_body_cap_means_no_cap() {
    let server = Server::http(|_| Reply::json(200, SEED_200));
    let config = Config::builder(server.url(), Credentials::token("t"))
        .body_cap(usize::MAX)
        .build()
        .unwrap();
    let resp = fetch_command(&config, ID).unwrap();
    assert_eq!(resp.command().unwrap().name(), Some(CommandName::Start));
}

#[test]
fn retry_after_zero_still_waits_a_jittered_backoff_and_succeeds() {
    // "Retry-After: 0" twice, then an answer: three requests, each after a
    // backoff drawn from [0, step] rather than all at once.
    let n = AtomicUsize::new(0);
    let server = Server::http(move |_| {
        if n.fetch_add(1, Ordering::Relaxed) < 2 {
            Reply::json(503, "{}").header("Retry-After", "0")
        } else {
            Reply::json(200, SEED_200)
        }
    });
    let config = Config::builder(server.url(), Credentials::token("t"))
        .build()
        .unwrap();
    assert_eq!(fetch_command(&config, ID).unwrap().attempts(), 3);
}
