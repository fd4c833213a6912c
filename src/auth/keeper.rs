//! The keeper of a [`Config`](crate::Config)'s credentials: it holds the
//! current ones (with their header values made once), and renews them from
//! their source by one rule for every source.
//!
//! - Renew when less than 40 minutes or half the lifetime is left, judged
//!   by the gateway's clock; a credentials file is read again when it
//!   changes instead.
//! - One renewal at a time: while it runs, other callers keep using the
//!   current credentials as long as they are valid, and wait for it only
//!   when they are not.
//! - A failed renewal keeps the current credentials until they expire, and
//!   is tried again no sooner than 30 s later (then 60 s, … up to 5 min).
//! - Credentials are never sent within a few seconds of their expiry.
//! - After SMS refuses the credentials (a 401 that is not about the clock),
//!   the pipeline asks for a renewal once ([`Keeper::renew_after_refusal`]).

use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant};

use super::authority::Authority;
use super::authorize::Prepared;
use super::file::FileSource;
use super::fixed::Fixed;
use super::iam::IamSource;
use super::lease::Lease;
use super::metadata::MetadataSource;
use super::source::CredentialSource;
use crate::error::{CredentialsError, CredentialsErrorKind, Error};
use crate::limits::{EXPIRY_MARGIN, RENEW_BEFORE, RENEWAL_BACKOFF_CAP, RENEWAL_RETRY};
use crate::wire::date::format_rfc3339;

/// Where the keeper gets credentials from.
#[derive(Debug)]
pub(crate) enum Source {
    /// Given once; never renewed.
    Fixed(Fixed),
    File(Arc<FileSource>),
    Iam(IamSource),
    Metadata(MetadataSource),
    Custom(Arc<dyn CredentialSource>),
}

/// Credentials in use: what a request is authenticated with.
#[derive(Debug)]
pub(crate) struct Held {
    /// A token or an AK/SK pair.
    pub(crate) credentials: Fixed,
    pub(crate) prepared: Prepared,
    /// When they expire, in gateway-clock Unix seconds.
    pub(crate) expires_at: Option<i64>,
    /// From when a renewal is due.
    renew_from: Option<i64>,
    /// The last second they are sent in.
    usable_until: Option<i64>,
    generation: u64,
}

impl Held {
    fn due(&self, now: i64) -> bool {
        self.renew_from.is_some_and(|at| now >= at)
    }

    fn usable(&self, now: i64) -> bool {
        self.usable_until.is_none_or(|last| now <= last)
    }
}

/// The renewal in progress (its lock) and what past ones left.
#[derive(Debug, Default)]
struct Renewal {
    /// Failed renewals in a row.
    failures: u32,
    /// No renewal before this (after a failure, or one that renewed nothing).
    not_before: Option<Instant>,
    /// Why the last renewal failed.
    last_error: Option<String>,
    /// Renewals that gave new credentials.
    renewed: u64,
}

impl Renewal {
    fn may_try(&self) -> bool {
        self.not_before.is_none_or(|at| Instant::now() >= at)
    }

    fn failed(&mut self, why: String) {
        self.failures = self.failures.saturating_add(1);
        let doublings = self.failures.saturating_sub(1).min(16);
        let wait = RENEWAL_RETRY
            .saturating_mul(1u32 << doublings)
            .min(RENEWAL_BACKOFF_CAP);
        self.not_before = Instant::now().checked_add(wait);
        self.last_error = Some(why);
    }
}

/// Holds and renews a Config's credentials.
#[derive(Debug)]
pub(crate) struct Keeper {
    source: Source,
    held: RwLock<Option<Arc<Held>>>,
    renewal: Mutex<Renewal>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Keeper {
    /// A keeper for `source`; fixed credentials and a credentials file are
    /// taken at once (`now` is the gateway's clock), the others at the
    /// first call.
    ///
    /// # Errors
    ///
    /// The file cannot be used, or the credentials cannot be headers.
    pub(crate) fn new(source: Source, now: i64) -> Result<Keeper, Error> {
        let keeper = Keeper {
            source,
            held: RwLock::new(None),
            renewal: Mutex::default(),
        };
        let first = match &keeper.source {
            Source::Fixed(c) => Some(Lease::expiring(c.clone(), None)),
            Source::File(f) => Some(f.read().map_err(|e| Error::config(e.to_string()))?),
            _ => None,
        };
        if let Some(lease) = first {
            match keeper.hold(lease, now, 0) {
                Ok(held) => *keeper.held.write().unwrap_or_else(|p| p.into_inner()) = Some(held),
                // Expired already: the first call reads the file again and
                // says so then; a rotator may have caught up by that time.
                Err(Error::Credentials(c)) if c.kind == CredentialsErrorKind::Expired => {}
                Err(Error::Credentials(c)) => return Err(Error::config(c.to_string())),
                Err(other) => return Err(other),
            }
        }
        Ok(keeper)
    }

    /// True when the credentials come from a source that can give others.
    pub(crate) fn renewable(&self) -> bool {
        !matches!(self.source, Source::Fixed(_))
    }

    fn snapshot(&self) -> Option<Arc<Held>> {
        self.held.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn file_changed(&self) -> bool {
        matches!(&self.source, Source::File(f) if f.changed())
    }

    /// The credentials to send a request with now (`now`: the gateway's
    /// clock), renewed first when the rule says so.
    ///
    /// # Errors
    ///
    /// [`Error::Credentials`] when no usable credentials can be had: the
    /// source failed, or what it gave has expired. Nothing is sent then.
    pub(crate) fn current(&self, now: i64, authority: &dyn Authority) -> Result<Arc<Held>, Error> {
        let held = self.snapshot();
        let changed = self.file_changed();
        if let Some(h) = held.as_ref().filter(|h| h.usable(now)) {
            if !changed && !h.due(now) {
                return Ok(h.clone());
            }
            // Due, or the file was replaced: one caller renews, the others
            // go on with these while they are valid.
            let Ok(mut renewal) = self.renewal.try_lock() else {
                return Ok(h.clone());
            };
            if changed || renewal.may_try() {
                if let Ok(new) = self.renew(&mut renewal, now, authority) {
                    return Ok(new);
                }
            }
            return Ok(h.clone());
        }
        // Nothing usable: wait for a renewal under way, then renew unless
        // it gave usable credentials.
        let mut renewal = lock(&self.renewal);
        if let Some(h) = self.snapshot().filter(|h| h.usable(now)) {
            if !self.file_changed() {
                return Ok(h);
            }
        }
        if !(self.file_changed() || renewal.may_try()) {
            return Err(self.nothing_usable(&renewal, now));
        }
        self.renew(&mut renewal, now, authority)
    }

    /// After SMS refused `used` (a 401 that is not about the clock): new
    /// credentials to resend with, when the source has other ones than
    /// those refused. The caller asks once per call: five failed
    /// authentications lock an AK.
    pub(crate) fn renew_after_refusal(
        &self,
        used: &Held,
        now: i64,
        authority: &dyn Authority,
    ) -> Option<Arc<Held>> {
        if !self.renewable() {
            return None;
        }
        let mut renewal = lock(&self.renewal);
        if let Some(h) = self.snapshot() {
            if h.generation != used.generation && h.usable(now) {
                return Some(h); // renewed by another caller meanwhile
            }
        }
        let new = self.renew(&mut renewal, now, authority).ok()?;
        (!new.credentials.same_as(&used.credentials)).then_some(new)
    }

    /// Asks the source and holds what it gives, if usable.
    fn renew(
        &self,
        renewal: &mut Renewal,
        now: i64,
        authority: &dyn Authority,
    ) -> Result<Arc<Held>, Error> {
        let generation = self.snapshot().map_or(0, |h| h.generation) + 1;
        let fetched = self.fetch(authority).map_err(Error::credentials);
        let held = fetched.and_then(|lease| self.hold(lease, now, generation));
        match held {
            Ok(held) => {
                renewal.failures = 0;
                renewal.last_error = None;
                renewal.renewed = renewal.renewed.saturating_add(1);
                // A source that gave what is already due (a cache handing
                // out the same key) is not asked again at once.
                renewal.not_before = held
                    .due(now)
                    .then(|| Instant::now().checked_add(RENEWAL_RETRY))
                    .flatten();
                *self.held.write().unwrap_or_else(|p| p.into_inner()) = Some(held.clone());
                Ok(held)
            }
            Err(e) => {
                renewal.failed(e.to_string());
                Err(e)
            }
        }
    }

    /// Credentials from the source, as it stands.
    fn fetch(&self, authority: &dyn Authority) -> Result<Lease, CredentialsError> {
        match &self.source {
            Source::Fixed(c) => Ok(Lease::expiring(c.clone(), None)),
            Source::File(f) => f.read(),
            Source::Iam(i) => i.mint(authority),
            Source::Metadata(m) => m.fetch(authority),
            Source::Custom(c) => {
                let origin = || c.describe();
                // The application's code may panic; its panic must not
                // unwind through a poller.
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| c.fetch()));
                match result {
                    Ok(Ok(lease)) => Ok(lease),
                    Ok(Err(e)) => Err(CredentialsError::new(
                        origin(),
                        CredentialsErrorKind::Unusable,
                        format!("it failed: {e}"),
                    )),
                    Err(_) => Err(CredentialsError::new(
                        origin(),
                        CredentialsErrorKind::Unusable,
                        "it panicked",
                    )),
                }
            }
        }
    }

    /// `lease` as held credentials, or why it cannot be used.
    fn hold(&self, lease: Lease, now: i64, generation: u64) -> Result<Arc<Held>, Error> {
        let origin = self.origin();
        let unusable = |m: String| {
            Error::credentials(CredentialsError::new(
                &origin,
                CredentialsErrorKind::Unusable,
                m,
            ))
        };
        lease
            .credentials
            .validate()
            .map_err(|e| unusable(e.to_string()))?;
        let prepared = Prepared::new(&lease.credentials)
            .map_err(|e| unusable(format!("the credentials cannot be sent as headers: {e}")))?;
        let (renew_from, usable_until) = match lease.expires_at {
            None => (None, None),
            Some(at) => {
                let lifetime = at.saturating_sub(now).max(0);
                let before = secs(RENEW_BEFORE).min(lifetime / 2);
                let margin = secs(EXPIRY_MARGIN).min(lifetime / 4);
                // A file is read again when it changes, not when it is due.
                let renew = !matches!(self.source, Source::File(_));
                (renew.then(|| at - before), Some(at - margin))
            }
        };
        let held = Held {
            credentials: lease.credentials,
            prepared,
            expires_at: lease.expires_at,
            renew_from,
            usable_until,
            generation,
        };
        if !held.usable(now) {
            let at = lease.expires_at.unwrap_or(now);
            let nothing_newer = match self.source {
                Source::File(_) => "; nothing newer is in the file (is its rotator running?)",
                _ => "",
            };
            let mut e = CredentialsError::new(
                origin,
                CredentialsErrorKind::Expired,
                format!(
                    "the credentials expired at {} (the gateway's clock says {}){nothing_newer}",
                    format_rfc3339(at),
                    format_rfc3339(now)
                ),
            );
            e.expired_at = Some(at);
            return Err(Error::credentials(e));
        }
        Ok(Arc::new(held))
    }

    /// The error when nothing usable is held and a renewal may not run yet.
    fn nothing_usable(&self, renewal: &Renewal, now: i64) -> Error {
        let held = self.snapshot();
        let expired_at = held.as_ref().and_then(|h| h.expires_at);
        let mut message = match expired_at {
            Some(at) => format!("the credentials expired at {}", format_rfc3339(at)),
            None => "no credentials could be had yet".to_string(),
        };
        if let Some(why) = &renewal.last_error {
            message.push_str(&format!("; the last renewal failed: {why}"));
        }
        if let Some(at) = renewal.not_before {
            let wait = at.saturating_duration_since(Instant::now()).as_secs();
            message.push_str(&format!("; trying again in {wait} s"));
        }
        let kind = if expired_at.is_some_and(|at| at <= now) {
            CredentialsErrorKind::Expired
        } else {
            CredentialsErrorKind::Unusable
        };
        let mut e = CredentialsError::new(self.origin(), kind, message);
        e.expired_at = expired_at;
        Error::credentials(e)
    }

    /// The source, as messages name it.
    pub(crate) fn origin(&self) -> String {
        match &self.source {
            Source::Fixed(c) => c.describe(),
            Source::File(f) => f.origin(),
            Source::Iam(i) => i.origin(),
            Source::Metadata(m) => m.origin(),
            Source::Custom(c) => c.describe(),
        }
    }

    /// The secrets of the credentials held now, to scrub from messages.
    pub(crate) fn secrets(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .snapshot()
            .map(|h| {
                h.credentials
                    .secrets()
                    .iter()
                    .map(|s| s.to_string())
                    .collect()
            })
            .unwrap_or_default();
        if let Source::Iam(i) = &self.source {
            out.extend(i.password.secrets().iter().map(|s| s.to_string()));
        }
        out
    }

    /// How many renewals gave new credentials.
    pub(crate) fn renewals(&self) -> u64 {
        lock(&self.renewal).renewed
    }

    /// The credentials held now and when they expire, for the diagnosis:
    /// `AK/SK (AK MDAK…, temporary), expiring at 2026-12-01T13:00:00Z`.
    pub(crate) fn describe_held(&self) -> Option<String> {
        let held = self.snapshot()?;
        let mut text = held.credentials.describe();
        if let Some(at) = held.expires_at {
            text.push_str(&format!(", expiring at {}", format_rfc3339(at)));
        }
        Some(text)
    }

    /// What an operator should fix though nothing fails yet: a credentials
    /// file other users can read.
    pub(crate) fn warning(&self) -> Option<String> {
        let Source::File(f) = &self.source else {
            return None;
        };
        let mode = f.readable_by_others()?;
        Some(format!(
            "{} is readable by other users (mode {mode:04o}); make it the owner's alone: chmod 600",
            f.origin()
        ))
    }
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicI64, AtomicU32, Ordering};

    use super::*;
    use crate::auth::authority::{AuthorityAnswer, AuthorityRequest};
    use crate::auth::fixed::Secret;

    /// No authority: the sources under test never ask one.
    struct Nobody;
    impl Authority for Nobody {
        fn ask(&self, _: &AuthorityRequest<'_>) -> Result<AuthorityAnswer, CredentialsError> {
            unreachable!("no authority in these tests")
        }
    }

    /// A source handing out token-1, token-2, … each living `life` seconds
    /// from the test's clock; it fails while `failing` is set.
    struct Counting {
        clock: Arc<AtomicI64>,
        life: i64,
        issued: AtomicU32,
        failing: std::sync::atomic::AtomicBool,
        pause: Duration,
    }

    impl CredentialSource for Counting {
        fn fetch(&self) -> Result<Lease, Box<dyn std::error::Error + Send + Sync>> {
            std::thread::sleep(self.pause);
            if self.failing.load(Ordering::SeqCst) {
                return Err("the broker is down".into());
            }
            let n = self.issued.fetch_add(1, Ordering::SeqCst) + 1;
            let at = self.clock.load(Ordering::SeqCst) + self.life;
            Ok(Lease::expiring(
                Fixed::Token(Secret::new(format!("token-{n}"))),
                Some(at),
            ))
        }
    }

    fn counting(life: i64, pause: Duration) -> (Arc<Counting>, Keeper, Arc<AtomicI64>) {
        let clock = Arc::new(AtomicI64::new(1_000));
        let source = Arc::new(Counting {
            clock: clock.clone(),
            life,
            issued: AtomicU32::new(0),
            failing: Default::default(),
            pause,
        });
        struct Shared(Arc<Counting>);
        impl CredentialSource for Shared {
            fn fetch(&self) -> Result<Lease, Box<dyn std::error::Error + Send + Sync>> {
                self.0.fetch()
            }
        }
        let keeper = Keeper::new(Source::Custom(Arc::new(Shared(source.clone()))), 1_000).unwrap();
        (source, keeper, clock)
    }

    fn token(h: &Held) -> String {
        match &h.credentials {
            Fixed::Token(t) => t.expose().to_string(),
            Fixed::AkSk(k) => k.ak().to_string(),
        }
    }

    #[test]
    fn fixed_credentials_are_never_renewed() {
        let fixed = Fixed::Token(Secret::new("T".into()));
        let keeper = Keeper::new(Source::Fixed(fixed), 0).unwrap();
        let a = keeper.current(0, &Nobody).unwrap();
        let b = keeper.current(i64::MAX / 2, &Nobody).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!keeper.renewable());
        assert!(keeper.renew_after_refusal(&a, 0, &Nobody).is_none());
        assert_eq!(keeper.renewals(), 0);
    }

    #[test]
    fn renewed_when_half_the_lifetime_is_left_and_never_sent_expired() {
        let (source, keeper, clock) = counting(100, Duration::ZERO);
        let at = |t: i64| {
            clock.store(t, Ordering::SeqCst);
            token(&keeper.current(t, &Nobody).unwrap())
        };
        assert_eq!(at(1_000), "token-1", "fetched at the first call");
        assert_eq!(at(1_049), "token-1");
        // Half of 100 s left: renewed.
        assert_eq!(at(1_050), "token-2");
        assert_eq!(at(1_099), "token-2");
        assert_eq!(source.issued.load(Ordering::SeqCst), 2);
        // The 40-minute rule for long lives: a day-long token is renewed
        // 40 minutes before it expires, not at half its life.
        let (_, long, clock) = counting(86_400, Duration::ZERO);
        clock.store(1_000, Ordering::SeqCst);
        assert_eq!(token(&long.current(1_000, &Nobody).unwrap()), "token-1");
        let before = 1_000 + 86_400 - 2_400;
        assert_eq!(
            token(&long.current(before - 1, &Nobody).unwrap()),
            "token-1"
        );
        assert_eq!(token(&long.current(before, &Nobody).unwrap()), "token-2");
    }

    #[test]
    fn a_failed_renewal_keeps_the_current_ones_and_waits_before_trying_again() {
        let (source, keeper, clock) = counting(100, Duration::ZERO);
        clock.store(1_000, Ordering::SeqCst);
        let first = keeper.current(1_000, &Nobody).unwrap();
        source.failing.store(true, Ordering::SeqCst);
        // Due, the renewal fails: the current token serves.
        assert_eq!(token(&keeper.current(1_060, &Nobody).unwrap()), "token-1");
        assert_eq!(token(&keeper.current(1_061, &Nobody).unwrap()), "token-1");
        // Past its last usable second (expiry minus the margin): an error
        // that says it expired, without asking again within 30 s.
        let e = keeper.current(1_096, &Nobody).unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("expired at") && text.contains("the broker is down"),
            "{text}"
        );
        assert!(text.contains("trying again in"), "{text}");
        assert!(e.is_retryable());
        assert_eq!(source.issued.load(Ordering::SeqCst), 1);
        // The source is back, but the 30 s have not passed: still the error.
        source.failing.store(false, Ordering::SeqCst);
        assert!(keeper.current(1_097, &Nobody).is_err());
        drop(first);
    }

    #[test]
    fn after_a_refusal_new_credentials_or_none() {
        let (source, keeper, clock) = counting(3_600, Duration::ZERO);
        clock.store(1_000, Ordering::SeqCst);
        let used = keeper.current(1_000, &Nobody).unwrap();
        let new = keeper.renew_after_refusal(&used, 1_001, &Nobody).unwrap();
        assert_eq!(token(&new), "token-2");
        // Another caller refused with token-1 meanwhile gets token-2 without a fetch.
        let again = keeper.renew_after_refusal(&used, 1_002, &Nobody).unwrap();
        assert_eq!(token(&again), "token-2");
        assert_eq!(source.issued.load(Ordering::SeqCst), 2);
        // A source that fails has nothing new.
        source.failing.store(true, Ordering::SeqCst);
        assert!(keeper.renew_after_refusal(&again, 1_003, &Nobody).is_none());
    }

    #[test]
    fn one_renewal_at_a_time_while_the_others_go_on() {
        let (source, keeper, clock) = counting(100, Duration::from_millis(300));
        clock.store(1_000, Ordering::SeqCst);
        // Nothing held yet: every caller waits for the one renewal.
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|_| s.spawn(|| token(&keeper.current(1_000, &Nobody).unwrap())))
                .collect();
            for h in handles {
                assert_eq!(h.join().unwrap(), "token-1");
            }
        });
        assert_eq!(source.issued.load(Ordering::SeqCst), 1);
        // Due but valid: one caller renews, the others go on with token-1 at once.
        clock.store(1_060, Ordering::SeqCst);
        let started = Instant::now();
        std::thread::scope(|s| {
            let renewer = s.spawn(|| token(&keeper.current(1_060, &Nobody).unwrap()));
            std::thread::sleep(Duration::from_millis(50));
            let others: Vec<_> = (0..3)
                .map(|_| s.spawn(|| token(&keeper.current(1_060, &Nobody).unwrap())))
                .collect();
            for h in others {
                assert_eq!(h.join().unwrap(), "token-1");
            }
            assert!(
                started.elapsed() < Duration::from_millis(300),
                "nobody waited"
            );
            assert_eq!(renewer.join().unwrap(), "token-2");
        });
        assert_eq!(source.issued.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn a_panicking_source_is_an_error_not_a_crash() {
        struct Panics;
        impl CredentialSource for Panics {
            fn fetch(&self) -> Result<Lease, Box<dyn std::error::Error + Send + Sync>> {
                panic!("boom")
            }
        }
        let keeper = Keeper::new(Source::Custom(Arc::new(Panics)), 0).unwrap();
        let e = keeper.current(0, &Nobody).unwrap_err();
        assert!(e.to_string().contains("it panicked"), "{e}");
    }
}
