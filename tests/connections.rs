//! Connections over a long run: TLS resumption across reconnects, pooled
//! connections that go silent, pool sizing under concurrency, bodies cut
//! short, and error wording that scrubbing must not garble.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use hwsms::config::ConfigBuilder;
use hwsms::error::TransportKind;
use hwsms::{Config, Credentials, Error, ProxyChoice, fetch_command};
use support::{Pki, Reply, SEED_200, Server, free_port};

const ID: &str = "f32ab4d6-d150-4fb3-aa55-edbb5cf9947f";

fn builder(pki: &Pki, server: &Server) -> ConfigBuilder {
    Config::builder(server.url(), Credentials::token("T")).ca_pem(pki.ca_pem.as_bytes())
}

#[test]
fn reconnects_resume_the_tls_session_over_tls13_and_tls12() {
    let versions: [(&str, &'static rustls::SupportedProtocolVersion); 2] = [
        ("TLSv1_3", &rustls::version::TLS13),
        ("TLSv1_2", &rustls::version::TLS12),
    ];
    for (name, version) in versions {
        let pki = Pki::new();
        // Closes after every answer: each call needs a new connection.
        let server = Server::https(pki.server_versions(&[version]), |_| {
            Reply::json(200, SEED_200).closing()
        });
        let config = builder(&pki, &server).build().unwrap();
        for _ in 0..6 {
            fetch_command(&config, ID).unwrap();
        }
        let handshakes = server.handshakes();
        assert_eq!(handshakes.len(), 6, "{name}: one connection per call");
        assert!(
            handshakes.iter().all(|h| h.version == name),
            "{handshakes:?}"
        );
        assert!(
            !handshakes[0].resumed,
            "{name}: the first handshake is full"
        );
        let resumed = handshakes.iter().filter(|h| h.resumed).count();
        assert_eq!(
            resumed, 5,
            "{name}: every reconnect resumes: {handshakes:?}"
        );
    }
}

/// Answers the first request on each connection, then goes silent on it,
/// like a flow a NAT dropped without a FIN.
fn silent_after_one_answer() -> impl Fn(&support::Request) -> Reply + Send + Sync + 'static {
    |req| {
        if req.nth_on_connection == 0 {
            Reply::json(200, SEED_200)
        } else {
            Reply::Hang
        }
    }
}

#[test]
fn a_silent_pooled_connection_is_abandoned_and_the_call_resent() {
    let pki = Pki::new();
    let server = Server::https(pki.server(), silent_after_one_answer());
    let config = builder(&pki, &server)
        .dead_connection_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    assert_eq!(fetch_command(&config, ID).unwrap().attempts(), 1);
    // Idle long enough for a NAT to have dropped the flow: now watched.
    std::thread::sleep(Duration::from_millis(350));
    let started = Instant::now();
    let resp = fetch_command(&config, ID).unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        resp.attempts(),
        2,
        "abandoned on the dead connection, resent once"
    );
    assert_eq!(server.connections(), 2);
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn with_defaults_a_silent_pooled_connection_costs_about_ten_seconds_not_the_deadline() {
    let pki = Pki::new();
    let server = Server::https(pki.server(), silent_after_one_answer());
    let config = builder(&pki, &server).build().unwrap();
    assert_eq!(config.dead_connection_timeout(), Duration::from_secs(10));
    fetch_command(&config, ID).unwrap();
    std::thread::sleep(config.dead_connection_timeout());
    let started = Instant::now();
    let resp = fetch_command(&config, ID).unwrap();
    let took = started.elapsed();
    assert_eq!(resp.attempts(), 2);
    assert!(took < config.timeout(), "took {took:?}");
}

#[test]
fn a_fresh_connection_waits_for_its_whole_deadline() {
    // The silence bound is for reused connections only: a slow first answer
    // is not a dead connection, and nothing is resent.
    let pki = Pki::new();
    let server = Server::https(pki.server(), |_| Reply::Hang);
    let config = builder(&pki, &server)
        .dead_connection_timeout(Duration::from_millis(100))
        .timeout(Duration::from_millis(1500))
        .max_attempts(1)
        .build()
        .unwrap();
    let started = Instant::now();
    let err = fetch_command(&config, ID).unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(
        started.elapsed() >= Duration::from_millis(1400),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn eight_callers_on_one_config_reuse_their_connections() {
    let pki = Pki::new();
    let server = Server::https(pki.server(), |_| {
        std::thread::sleep(Duration::from_millis(30));
        Reply::json(200, SEED_200)
    });
    let config = builder(&pki, &server).build().unwrap();
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let config = config.clone();
            std::thread::spawn(move || {
                for _ in 0..50 {
                    fetch_command(&config, ID).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let accepted = server.connections();
    println!("8 threads x 50 calls: {accepted} TCP connections");
    assert_eq!(server.requests().len(), 400);
    assert!(accepted <= 16, "{accepted} connections for 400 calls");
}

#[test]
fn a_body_cut_short_by_a_close_is_a_retryable_transport_error() {
    let pki = Pki::new();
    let n = Arc::new(AtomicUsize::new(0));
    let seen = n.clone();
    let cut = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"command_name\":\"STA"
        .to_vec();
    let server = Server::https(pki.server(), move |_| {
        if seen.fetch_add(1, Ordering::SeqCst) == 0 {
            Reply::Raw(cut.clone())
        } else {
            Reply::json(200, SEED_200)
        }
    });
    let config = builder(&pki, &server).build().unwrap();
    let resp = fetch_command(&config, ID).unwrap();
    assert_eq!(resp.attempts(), 2, "retried after the cut");

    let cut = b"HTTP/1.1 200 OK\r\n\r\n{\"command_name\":\"STA".to_vec();
    let server = Server::https(pki.server(), move |_| Reply::Raw(cut.clone()));
    let config = builder(&pki, &server).max_attempts(2).build().unwrap();
    let err = fetch_command(&config, ID).unwrap_err();
    let Error::Transport(t) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(t.kind(), TransportKind::Reset);
    assert!(err.is_retryable());
    assert!(!err.to_string().contains("may not be SMS"), "{err}");
    assert_eq!(server.requests().len(), 2);

    // Complete but not a ShowCommand: a decode error, not a cut, not retried.
    let whole = b"HTTP/1.1 200 OK\r\n\r\n[\"not an object\"]".to_vec();
    let server = Server::https(pki.server(), move |_| Reply::Raw(whole.clone()));
    let config = builder(&pki, &server).build().unwrap();
    let err = fetch_command(&config, ID).unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("the 2xx body is not a ShowCommand JSON object: invalid type: sequence"),
        "{err}"
    );
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn one_character_secrets_do_not_garble_the_messages() {
    let port = free_port();
    let config = Config::builder(format!("http://127.0.0.1:{port}"), Credentials::token("t"))
        .max_attempts(1)
        .build()
        .unwrap();
    let err = fetch_command(&config, ID).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("refused the connection; is the endpoint"),
        "{text}"
    );
    assert!(!text.contains("[REDACTED]"), "{text}");

    let proxy = format!("http://agent:1@127.0.0.1:{port}");
    let config = Config::builder("https://sms.example.com", Credentials::token("t"))
        .proxy(ProxyChoice::Url(proxy))
        .max_attempts(1)
        .build()
        .unwrap();
    let err = fetch_command(&config, ID).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("refused the connection"), "{text}");
    // The proxy is named once, its password hidden, and the advice is about
    // the proxy, not the endpoint.
    let proxy_shown = format!("http://agent:[REDACTED]@127.0.0.1:{port}");
    assert_eq!(
        text.matches(&format!("127.0.0.1:{port}")).count(),
        1,
        "{text}"
    );
    assert!(text.contains(&proxy_shown), "{text}");
    assert!(text.contains("is the proxy address"), "{text}");
    assert!(!text.contains("endpoint"), "{text}");
    assert_eq!(text.matches("[REDACTED]").count(), 1, "{text}");
    let Error::Transport(t) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(t.kind(), TransportKind::Proxy);
}

#[test]
fn connection_settings_have_documented_defaults_and_are_checked() {
    let c = Config::builder("https://sms.example.com", Credentials::token("T"))
        .build()
        .unwrap();
    assert_eq!(c.max_idle_connections_per_host(), 16);
    assert_eq!(c.idle_connection_timeout(), Duration::from_secs(50));
    assert_eq!(c.dead_connection_timeout(), Duration::from_secs(10));
    let err = Config::builder("https://sms.example.com", Credentials::token("T"))
        .dead_connection_timeout(Duration::ZERO)
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
}

#[test]
fn a_connection_the_server_closed_while_idle_is_not_reused() {
    // Keep-alive by the headers, then the server closes (its idle timeout,
    // say): the pool must notice instead of sending into a closed socket.
    let pki = Pki::new();
    let raw = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{SEED_200}",
        SEED_200.len()
    );
    let server = Server::https(pki.server(), move |_| Reply::Raw(raw.clone().into_bytes()));
    let config = builder(&pki, &server).max_attempts(1).build().unwrap();
    for _ in 0..3 {
        assert_eq!(fetch_command(&config, ID).unwrap().attempts(), 1);
        // Let the server's close arrive before the next call.
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(server.connections(), 3);
}

/// Answers every request, each after `delay`: slow, but alive.
fn slow(delay: Duration) -> impl Fn(&support::Request) -> Reply + Send + Sync + 'static {
    move |req| {
        std::thread::sleep(delay);
        if req.method == "POST" {
            Reply::json(200, "\"success\"")
        } else {
            Reply::json(200, SEED_200)
        }
    }
}

#[test]
fn a_slow_but_alive_server_is_not_taken_for_dead() {
    // The review's case, scaled down: the silence bound is 300 ms and the
    // server always answers after 500 ms.
    let pki = Pki::new();
    let server = Server::https(pki.server(), slow(Duration::from_millis(500)));
    let config = builder(&pki, &server)
        .dead_connection_timeout(Duration::from_millis(300))
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    // Back to back: a connection that just answered is not watched.
    for _ in 0..3 {
        assert_eq!(fetch_command(&config, ID).unwrap().attempts(), 1);
    }
    let report =
        hwsms::report_command_result(&config, ID, "START", hwsms::CommandOutcome::Success, "{}")
            .unwrap();
    assert_eq!(report.attempts(), 1, "a report is never sent twice here");
    // After an idle gap the connection is watched, but the bound has grown
    // to twice the slowest answer seen: 500 ms is not silence.
    for idle in [400, 1100] {
        std::thread::sleep(Duration::from_millis(idle));
        assert_eq!(
            fetch_command(&config, ID).unwrap().attempts(),
            1,
            "idle {idle} ms"
        );
    }
    assert_eq!(server.requests().len(), 6, "nothing was sent twice");
    assert_eq!(
        server.connections(),
        1,
        "and the pooled connection was kept"
    );
}

#[test]
fn a_dead_connection_is_named_as_such_and_a_plain_timeout_is_not() {
    let pki = Pki::new();
    // The silence bound is shorter than the call's deadline and no resend
    // is allowed: the error says the connection was presumed dead.
    let server = Server::https(pki.server(), silent_after_one_answer());
    let config = builder(&pki, &server)
        .dead_connection_timeout(Duration::from_millis(300))
        .max_attempts(1)
        .build()
        .unwrap();
    fetch_command(&config, ID).unwrap();
    std::thread::sleep(Duration::from_millis(350));
    let err = fetch_command(&config, ID).unwrap_err().to_string();
    assert!(
        err.contains(
            "a pooled connection sent no answer within 300ms; presumed dropped by a NAT or firewall"
        ),
        "{err}"
    );
    // The call's deadline comes first: an ordinary timeout.
    let server = Server::https(pki.server(), silent_after_one_answer());
    let config = builder(&pki, &server)
        .timeout(Duration::from_millis(600))
        .max_attempts(1)
        .build()
        .unwrap();
    fetch_command(&config, ID).unwrap();
    let err = fetch_command(&config, ID).unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(!err.to_string().contains("presumed dropped"), "{err}");
}

#[test]
fn a_clean_tls_close_in_the_middle_of_the_head_is_an_error_at_once() {
    use std::io::{Read, Write};
    // A server that sends half a response head, then TLS close_notify (a
    // clean close, unlike a bare FIN), and keeps the TCP connection open.
    let pki = Pki::new();
    let tls = pki.server();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for tcp in listener.incoming() {
            let Ok(mut tcp) = tcp else { return };
            let Ok(mut conn) = rustls::ServerConnection::new(tls.clone()) else {
                return;
            };
            let mut head = Vec::new();
            let mut buf = [0u8; 4096];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                if conn.complete_io(&mut tcp).is_err() {
                    break;
                }
                match conn.reader().read(&mut buf) {
                    Ok(n) => head.extend_from_slice(&buf[..n]),
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    Err(_) => break,
                }
            }
            let _ = conn.writer().write_all(b"HTTP/1.1 200 OK\r\nContent-Le");
            conn.send_close_notify();
            while conn.wants_write() && conn.complete_io(&mut tcp).is_ok() {}
            held.push(tcp);
        }
    });
    let config = Config::builder(&url, Credentials::token("T"))
        .ca_pem(pki.ca_pem.as_bytes())
        .timeout(Duration::from_secs(8))
        .max_attempts(1)
        .build()
        .unwrap();
    let started = Instant::now();
    let err = fetch_command(&config, ID).unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert!(!err.is_timeout(), "{err:?}");
}
