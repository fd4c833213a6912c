//! A fleet of pollers through an outage, in simulated time, with the real
//! schedule: after the gateway comes back, the fleet must not stampede, and
//! every poller must be back soon.
//!
//! Run with `--nocapture` to see the figures.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Duration;

use hwsms::PollSchedule;
use hwsms::poll::PollEvent;

const POLLERS: u32 = 10_000;
const OUTAGE_START_S: u64 = 600;
const OUTAGE_END_S: u64 = 1_200;
const END_S: u64 = 2_400;

/// splitmix64: a deterministic stream of uniform draws in [0, 1].
struct Draws(u64);

impl Draws {
    fn unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / ((1u64 << 53) - 1) as f64
    }
}

struct Figures {
    steady_per_s: f64,
    peak_after_recovery: u64,
    peak_second: u64,
    slowest_return_s: f64,
    requests: u64,
}

fn simulate(schedule: PollSchedule, seed: u64) -> Figures {
    simulate_with(
        |event, unit| schedule.wait_after(event, unit),
        schedule.interval(),
        seed,
    )
}

/// Runs the fleet with `wait` deciding each poller's next request.
fn simulate_with(
    mut wait: impl FnMut(PollEvent, f64) -> Duration,
    interval: Duration,
    seed: u64,
) -> Figures {
    let mut draws = Draws(seed);
    let ms = |d: Duration| d.as_millis() as u64;
    let interval = ms(interval);
    let mut failures = vec![0u32; POLLERS as usize];
    let mut back_at = vec![None::<u64>; POLLERS as usize];
    let mut per_second = vec![0u64; END_S as usize];
    let mut queue: BinaryHeap<Reverse<(u64, u32)>> = (0..POLLERS)
        .map(|p| Reverse(((draws.unit() * interval as f64) as u64, p)))
        .collect();
    let (outage_start, outage_end) = (OUTAGE_START_S * 1000, OUTAGE_END_S * 1000);
    let mut requests = 0;
    while let Some(Reverse((at, p))) = queue.pop() {
        if at >= END_S * 1000 {
            break;
        }
        requests += 1;
        per_second[(at / 1000) as usize] += 1;
        let i = p as usize;
        let event = if (outage_start..outage_end).contains(&at) {
            failures[i] += 1;
            PollEvent::Failed {
                consecutive: failures[i],
                retry_after: None,
            }
        } else {
            if at >= outage_end && back_at[i].is_none() {
                back_at[i] = Some(at);
            }
            failures[i] = 0;
            PollEvent::Answered
        };
        let next = wait(event, draws.unit());
        queue.push(Reverse((at + ms(next), p)));
    }
    let steady = &per_second[60..OUTAGE_START_S as usize];
    let steady_per_s = steady.iter().sum::<u64>() as f64 / steady.len() as f64;
    let (peak_second, peak_after_recovery) = per_second[OUTAGE_END_S as usize..]
        .iter()
        .enumerate()
        .map(|(s, n)| (OUTAGE_END_S + s as u64, *n))
        .max_by_key(|(_, n)| *n)
        .unwrap();
    let slowest = back_at
        .iter()
        .map(|b| b.expect("every poller came back before the end"))
        .max()
        .unwrap();
    Figures {
        steady_per_s,
        peak_after_recovery,
        peak_second,
        slowest_return_s: (slowest - outage_end) as f64 / 1000.0,
        requests,
    }
}

#[test]
fn ten_thousand_pollers_come_back_spread_out_after_a_ten_minute_outage() {
    let schedule = PollSchedule::default();
    let cap_plus_interval = (schedule.backoff_cap() + schedule.interval()).as_secs_f64();
    for seed in [1, 2, 3] {
        let f = simulate(schedule, seed);
        println!(
            "fleet seed {seed}: {POLLERS} pollers, interval {:?}, cap {:?}, outage {OUTAGE_START_S}-{OUTAGE_END_S} s: \
             steady {:.0} req/s, peak after recovery {} req/s (at {} s, {:.2}x steady), \
             slowest poller back {:.1} s after recovery (bound {cap_plus_interval} s), {} requests",
            schedule.interval(),
            schedule.backoff_cap(),
            f.steady_per_s,
            f.peak_after_recovery,
            f.peak_second,
            f.peak_after_recovery as f64 / f.steady_per_s,
            f.slowest_return_s,
            f.requests,
        );
        assert!(
            (f.peak_after_recovery as f64) <= 2.0 * f.steady_per_s,
            "seed {seed}: peak {} > 2 x steady {:.0}",
            f.peak_after_recovery,
            f.steady_per_s
        );
        assert!(
            f.slowest_return_s <= cap_plus_interval,
            "seed {seed}: a poller came back {} s after recovery",
            f.slowest_return_s
        );
    }
}

/// The check above can fail: a hand-written loop that retries every second
/// brings the whole fleet back in the same second.
#[test]
fn a_fixed_retry_delay_would_stampede() {
    let schedule = PollSchedule::default();
    let naive = |event: PollEvent, unit: f64| match event {
        PollEvent::Answered => schedule.wait_after(event, unit),
        _ => Duration::from_secs(1),
    };
    let f = simulate_with(naive, schedule.interval(), 7);
    assert!(
        f.peak_after_recovery as f64 > 2.0 * f.steady_per_s,
        "expected a stampede: peak {}, steady {:.0}",
        f.peak_after_recovery,
        f.steady_per_s
    );
}
