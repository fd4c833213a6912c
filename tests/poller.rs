//! The poller against a real TLS server: what it swallows, what it returns,
//! how it paces itself, and how it stops.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use hwsms::{CommandName, Config, Credentials, Error, PollSchedule, Polled, Poller};
use support::{Pki, Reply, SEED_200, Server};

const ID: &str = "f32ab4d6-d150-4fb3-aa55-edbb5cf9947f";
const NOTHING: &str = r#"{"command_name":""}"#;

fn config(pki: &Pki, server: &Server) -> Config {
    Config::builder(server.url(), Credentials::token("T"))
        .ca_pem(pki.ca_pem.as_bytes())
        // The poller's own backoff is under test, not the call's retries.
        .max_attempts(1)
        .build()
        .unwrap()
}

fn fast(poller: &mut Poller) {
    let s = PollSchedule::builder()
        .interval(Duration::from_millis(20))
        .backoff_cap(Duration::from_millis(100))
        .build()
        .unwrap();
    poller.set_schedule(s);
}

/// A TLS server answering with `script[n]` for the n-th request, then the
/// last entry forever.
fn scripted(pki: &Pki, script: Vec<Reply>) -> Server {
    let n = AtomicUsize::new(0);
    Server::https(pki.server(), move |_| {
        let i = n.fetch_add(1, Ordering::SeqCst).min(script.len() - 1);
        script[i].clone()
    })
}

#[test]
fn nothing_nothing_then_a_command() {
    let pki = Pki::new();
    let server = scripted(
        &pki,
        vec![
            Reply::json(200, NOTHING),
            Reply::json(200, "{}"),
            Reply::json(200, SEED_200),
        ],
    );
    let config = config(&pki, &server);
    let mut poller = Poller::new(&config, ID).unwrap();
    fast(&mut poller);
    let Polled::Command(command) = poller.next().unwrap() else {
        panic!("stopped")
    };
    assert_eq!(command.name(), Some(CommandName::Start));
    assert_eq!(command.task_id(), Some("xxxxxxxxxxxxxxxxxxxxxxxx00000001"));
    assert_eq!(server.requests().len(), 3);
    assert_eq!(poller.schedule().interval(), Duration::from_millis(20));
    let debug = format!("{poller:?}");
    assert!(
        debug.starts_with("Poller {") && debug.contains(ID) && debug.contains("polls: 3"),
        "{debug}"
    );
    let status = poller.handle().status();
    assert_eq!(status.polls, 3);
    assert_eq!(status.consecutive_failures, 0);
    assert!(status.last_success.is_some() && status.last_error.is_none());
}

#[test]
fn retryable_failures_are_swallowed_and_visible_from_another_thread() {
    let pki = Pki::new();
    let healthy = Arc::new(AtomicBool::new(false));
    let flag = healthy.clone();
    let server = Server::https(pki.server(), move |_| {
        if flag.load(Ordering::SeqCst) {
            Reply::json(200, SEED_200)
        } else {
            Reply::json(503, r#"{"error_code":"SMS.0503","error_msg":"busy"}"#)
        }
    });
    let config = config(&pki, &server);
    let mut poller = Poller::new(&config, ID).unwrap();
    fast(&mut poller);
    let observed = Arc::new(AtomicUsize::new(0));
    let count = observed.clone();
    poller.on_retryable_error(move |e, wait| {
        assert_eq!(e.status(), Some(503));
        assert!(wait <= Duration::from_millis(100), "{wait:?}");
        count.fetch_add(1, Ordering::SeqCst);
    });
    let handle = poller.handle();
    let watcher = std::thread::spawn(move || {
        let started = Instant::now();
        loop {
            let s = handle.status();
            if s.consecutive_failures >= 3 {
                assert!(s.last_error.as_deref().unwrap().contains("503"), "{s:?}");
                assert!(s.last_success.is_none());
                healthy.store(true, Ordering::SeqCst);
                return s.consecutive_failures;
            }
            assert!(started.elapsed() < Duration::from_secs(20), "{s:?}");
            std::thread::sleep(Duration::from_millis(5));
        }
    });
    let polled = poller.next().unwrap();
    assert!(matches!(polled, Polled::Command(_)));
    assert!(watcher.join().unwrap() >= 3);
    assert!(observed.load(Ordering::SeqCst) >= 3);
    let status = poller.handle().status();
    assert_eq!(status.consecutive_failures, 0, "an answer resets the count");
}

#[test]
fn retry_after_is_honoured() {
    let pki = Pki::new();
    let n = Arc::new(AtomicUsize::new(0));
    let seen = n.clone();
    let server = Server::https(pki.server(), move |_| {
        match seen.fetch_add(1, Ordering::SeqCst) {
            0 => Reply::json(
                429,
                r#"{"error_code":"APIGW.0308","error_msg":"throttled"}"#,
            )
            .header("Retry-After", "1"),
            _ => Reply::json(200, SEED_200),
        }
    });
    let config = config(&pki, &server);
    let mut poller = Poller::new(&config, ID).unwrap();
    fast(&mut poller);
    let started = Instant::now();
    assert!(matches!(poller.next().unwrap(), Polled::Command(_)));
    // The backoff alone would be at most 100 ms.
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_401_is_returned_then_the_auth_pause_holds_until_a_stop() {
    let pki = Pki::new();
    let server = Server::https(pki.server(), |_| {
        Reply::json(
            401,
            r#"{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information"}"#,
        )
    });
    let config = config(&pki, &server);
    let mut poller = Poller::new(&config, ID).unwrap();
    // A short interval; the auth pause keeps its 5-minute default.
    let short = PollSchedule::builder().interval(Duration::from_millis(20));
    poller.set_schedule(short.build().unwrap());
    let err = poller.next().unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert!(!err.is_retryable());

    // Calling next() again at once must not send: it waits out the pause.
    let handle = poller.handle();
    let watcher = poller.handle();
    assert!(!watcher.is_stopped());
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        handle.stop();
    });
    let started = Instant::now();
    assert_eq!(poller.next().unwrap(), Polled::Stopped);
    let took = started.elapsed();
    stopper.join().unwrap();
    assert!(took >= Duration::from_millis(250), "{took:?}");
    assert!(
        took < Duration::from_secs(5),
        "the stop must wake it: {took:?}"
    );
    assert_eq!(
        server.requests().len(),
        1,
        "no second request during the pause"
    );
    // Stopped stays stopped, and every handle sees it.
    assert!(watcher.is_stopped());
    assert_eq!(poller.next().unwrap(), Polled::Stopped);
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_404_is_returned_and_the_next_call_backs_off() {
    let pki = Pki::new();
    let server = Server::https(pki.server(), |_| {
        Reply::json(
            404,
            r#"{"error_code":"SMS.0601","error_msg":"server not found"}"#,
        )
    });
    let config = config(&pki, &server);
    let mut poller = Poller::new(&config, ID).unwrap();
    fast(&mut poller);
    for n in 1..=3 {
        let err = poller.next().unwrap_err();
        assert!(
            matches!(&err, Error::Api(a) if a.status() == 404),
            "{err:?}"
        );
        assert_eq!(poller.handle().status().consecutive_failures, n);
    }
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn bad_ids_and_schedules_are_refused() {
    let config = Config::builder("http://127.0.0.1:9", Credentials::token("T"))
        .build()
        .unwrap();
    assert!(matches!(
        Poller::new(&config, "a/b"),
        Err(Error::InvalidServerId(_))
    ));
    let zero = PollSchedule::builder().interval(Duration::ZERO).build();
    assert!(matches!(zero, Err(Error::Config(_))));
}

#[test]
fn after_an_empty_answer_the_next_poll_waits_the_interval() {
    let pki = Pki::new();
    let server = scripted(
        &pki,
        vec![Reply::json(200, NOTHING), Reply::json(200, SEED_200)],
    );
    let config = config(&pki, &server);
    let mut poller = Poller::new(&config, ID).unwrap();
    let s = PollSchedule::builder().interval(Duration::from_millis(400));
    poller.set_schedule(s.build().unwrap());
    let started = Instant::now();
    assert!(matches!(poller.next().unwrap(), Polled::Command(_)));
    // At least the interval less its 20% jitter: never sooner.
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(320), "{took:?}");
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn a_stop_during_a_request_wins_over_the_command_it_brings() {
    // The request is in flight when the stop comes; its answer is a
    // command, which an agent shutting down must not be handed.
    let pki = Pki::new();
    let server = Server::https(pki.server(), |_| {
        std::thread::sleep(Duration::from_millis(600));
        Reply::json(200, SEED_200)
    });
    let config = config(&pki, &server);
    let mut poller = Poller::new(&config, ID).unwrap();
    let handle = poller.handle();
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(150));
        handle.stop();
    });
    assert_eq!(poller.next().unwrap(), Polled::Stopped);
    stopper.join().unwrap();
    assert_eq!(server.requests().len(), 1, "the request did go out");
    assert_eq!(poller.handle().status().polls, 1);
}

#[test]
fn the_schedule_changes_from_another_thread_while_next_runs() {
    let pki = Pki::new();
    let server = scripted(&pki, vec![Reply::json(200, NOTHING)]);
    let config = config(&pki, &server);
    let mut poller = Poller::new(&config, ID).unwrap();
    let handle = poller.handle();
    let fast = PollSchedule::builder()
        .interval(Duration::from_millis(20))
        .build()
        .unwrap();
    let changer = std::thread::spawn(move || {
        // next() is running (it waits out the 15 s default after the
        // first empty answer): the new schedule does not wait for it.
        std::thread::sleep(Duration::from_millis(100));
        handle.set_schedule(fast);
        assert_eq!(handle.schedule(), fast);
        handle.stop();
    });
    assert_eq!(poller.next().unwrap(), Polled::Stopped);
    changer.join().unwrap();
    assert_eq!(poller.schedule(), fast);
}
