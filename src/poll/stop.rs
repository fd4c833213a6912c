//! Stopping a blocked poller from another thread or a signal handler.
//!
//! `stop` is an atomic store plus one non-blocking `write(2)` on a socket
//! pair, both async-signal-safe. The waiting side sleeps on the other end of
//! the pair, so a stop wakes it at once rather than at its next tick. Where
//! no socket pair can be had (non-Unix hosts, or no file descriptors left),
//! the waiter checks the flag every 50 ms instead.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How often a waiter without a wake-up socket checks the flag.
const TICK: Duration = Duration::from_millis(50);

#[derive(Debug)]
struct Shared {
    stopped: AtomicBool,
    #[cfg(unix)]
    wake: Option<(
        std::os::unix::net::UnixStream,
        std::os::unix::net::UnixStream,
    )>,
}

/// A stop switch shared by a poller and its handles.
#[derive(Debug, Clone)]
pub(crate) struct StopSignal(Arc<Shared>);

impl StopSignal {
    pub(crate) fn new() -> Self {
        StopSignal(Arc::new(Shared {
            stopped: AtomicBool::new(false),
            #[cfg(unix)]
            wake: wake_pair(),
        }))
    }

    /// Sets the flag and wakes the waiter. Async-signal-safe: no lock, no
    /// allocation, one `write(2)`.
    pub(crate) fn stop(&self) {
        self.0.stopped.store(true, Ordering::SeqCst);
        #[cfg(unix)]
        if let Some((_, tx)) = &self.0.wake {
            use std::io::Write;
            // Non-blocking: when the buffer is full, a wake-up is pending anyway.
            let _ = (&*tx).write(&[1]);
        }
    }

    pub(crate) fn is_stopped(&self) -> bool {
        self.0.stopped.load(Ordering::SeqCst)
    }

    /// Sleeps until `until`; returns false as soon as a stop arrives.
    pub(crate) fn sleep_until(&self, until: Instant) -> bool {
        loop {
            if self.is_stopped() {
                return false;
            }
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return true;
            }
            self.wait(left);
        }
    }

    #[cfg(unix)]
    fn wait(&self, left: Duration) {
        use std::io::Read;
        let Some((rx, _)) = &self.0.wake else {
            return std::thread::sleep(left.min(TICK));
        };
        // A zero timeout means "block forever" to the OS: never pass one.
        if rx
            .set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .is_err()
        {
            return std::thread::sleep(left.min(TICK));
        }
        let mut drained = [0u8; 16];
        let _ = (&*rx).read(&mut drained);
    }

    #[cfg(not(unix))]
    fn wait(&self, left: Duration) {
        std::thread::sleep(left.min(TICK));
    }
}

#[cfg(unix)]
fn wake_pair() -> Option<(
    std::os::unix::net::UnixStream,
    std::os::unix::net::UnixStream,
)> {
    let (rx, tx) = std::os::unix::net::UnixStream::pair().ok()?;
    tx.set_nonblocking(true).ok()?;
    Some((rx, tx))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_wakes_a_long_sleep_at_once() {
        let s = StopSignal::new();
        let t = s.clone();
        let stopper = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(30));
            t.stop();
        });
        let started = Instant::now();
        assert!(!s.sleep_until(Instant::now() + Duration::from_secs(30)));
        assert!(started.elapsed() < Duration::from_secs(5));
        stopper.join().unwrap();
        // Stopped stays stopped, and many stops do not block.
        for _ in 0..10_000 {
            s.stop();
        }
        assert!(!s.sleep_until(Instant::now() + Duration::from_secs(30)));
    }

    /// This thread's CPU time so far, in clock ticks (user + system).
    #[cfg(target_os = "linux")]
    fn thread_cpu_ticks() -> u64 {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
        // Fields after the command name (which may hold spaces): state is
        // the 3rd field overall, utime the 14th, stime the 15th.
        let rest = &stat[stat.rfind(')').unwrap() + 2..];
        let fields: Vec<&str> = rest.split(' ').collect();
        fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_long_sleep_does_not_burn_the_cpu() {
        // An agent sleeps between polls for weeks: the wait must block,
        // not spin. A spinning 600 ms costs ~60 ticks at 100 Hz.
        let s = StopSignal::new();
        let before = thread_cpu_ticks();
        assert!(s.sleep_until(Instant::now() + Duration::from_millis(600)));
        let used = thread_cpu_ticks() - before;
        assert!(used <= 10, "{used} ticks of CPU to sleep 600 ms");
    }

    #[test]
    fn without_a_stop_the_sleep_runs_its_course() {
        let s = StopSignal::new();
        let until = Instant::now() + Duration::from_millis(40);
        assert!(s.sleep_until(until));
        assert!(Instant::now() >= until);
    }
}
