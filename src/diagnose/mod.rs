//! `diagnose`: walks the path from this host to SMS step by step (config,
//! DNS, proxy, TCP, TLS, clock, authentication, the command) and says which
//! step fails and what to do, for operators of locked-down hosts.
//!
//! [`diagnose`] and [`Diagnosis`] are re-exported at the crate root.

use std::fmt;

use crate::config::Config;
use crate::error::Error;

mod probe;
mod steps;
mod tls;
mod x509;

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepStatus {
    /// The step works.
    Pass,
    /// The step works, but something should be fixed.
    Warn,
    /// The step fails; the steps after it are skipped.
    Fail,
    /// The step did not run (not needed, or an earlier step failed).
    Skip,
}

impl StepStatus {
    /// `pass`, `warn`, `fail` or `skip`.
    pub fn as_str(self) -> &'static str {
        match self {
            StepStatus::Pass => "pass",
            StepStatus::Warn => "warn",
            StepStatus::Fail => "fail",
            StepStatus::Skip => "skip",
        }
    }
}

/// One step of a [`Diagnosis`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    name: &'static str,
    status: StepStatus,
    detail: String,
}

impl Step {
    /// The step's name: `config`, `dns`, `proxy`, `tcp`, `tls`, `clock`,
    /// `auth` or `command`.
    pub fn name(&self) -> &'static str {
        self.name
    }
    /// How it ended.
    pub fn status(&self) -> StepStatus {
        self.status
    }
    /// What was found, for an operator (never a secret).
    pub fn detail(&self) -> &str {
        &self.detail
    }
}

/// The names of the steps, in the order they run.
pub const STEP_NAMES: [&str; 8] = [
    "config", "dns", "proxy", "tcp", "tls", "clock", "auth", "command",
];

/// The result of [`diagnose`]: every step, in order, and the clock skew.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnosis {
    steps: Vec<Step>,
    clock_skew_secs: Option<i64>,
}

impl Diagnosis {
    /// The eight steps, in [`STEP_NAMES`] order.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }
    /// The step called `name`.
    pub fn step(&self, name: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.name == name)
    }
    /// True when no step failed (warnings allowed).
    pub fn ok(&self) -> bool {
        self.steps.iter().all(|s| s.status != StepStatus::Fail)
    }
    /// Gateway clock minus this host's, in seconds, from the gateway's
    /// `Date` header; `None` when it could not be measured.
    pub fn clock_skew_secs(&self) -> Option<i64> {
        self.clock_skew_secs
    }

    /// The diagnosis of a configuration that could not be built: the
    /// `config` step fails with `error`, every other step is skipped.
    pub fn config_failed(error: &Error) -> Diagnosis {
        let mut d = Walk::default();
        d.fail("config", error.to_string());
        d.finish()
    }

    /// One JSON line: `{"ok":bool,"clock_skew_secs":number|null,"steps":[{"name","status","detail"},…]}`,
    /// keys in that order.
    pub fn to_json(&self) -> String {
        let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
        let skew = self
            .clock_skew_secs
            .map_or_else(|| "null".to_string(), |s| s.to_string());
        let steps: Vec<String> = self
            .steps
            .iter()
            .map(|s| {
                format!(
                    r#"{{"name":{},"status":{},"detail":{}}}"#,
                    q(s.name),
                    q(s.status.as_str()),
                    q(&s.detail)
                )
            })
            .collect();
        format!(
            r#"{{"ok":{},"clock_skew_secs":{skew},"steps":[{}]}}"#,
            self.ok(),
            steps.join(",")
        )
    }
}

impl fmt::Display for Diagnosis {
    /// A checklist, one line per step: `[pass] tls: TLS 1.3, …`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for s in &self.steps {
            writeln!(f, "[{}] {}: {}", s.status.as_str(), s.name, s.detail)?;
        }
        Ok(())
    }
}

/// Collects steps; after a failure, the remaining ones are skipped.
#[derive(Default)]
struct Walk {
    steps: Vec<Step>,
    failed: Option<&'static str>,
    clock_skew_secs: Option<i64>,
}

impl Walk {
    fn push(&mut self, name: &'static str, status: StepStatus, detail: String) {
        if status == StepStatus::Fail {
            self.failed = Some(name);
        }
        self.steps.push(Step {
            name,
            status,
            detail,
        });
    }
    fn pass(&mut self, name: &'static str, detail: String) {
        self.push(name, StepStatus::Pass, detail);
    }
    fn warn(&mut self, name: &'static str, detail: String) {
        self.push(name, StepStatus::Warn, detail);
    }
    fn fail(&mut self, name: &'static str, detail: String) {
        self.push(name, StepStatus::Fail, detail);
    }
    fn skip(&mut self, name: &'static str, detail: String) {
        self.push(name, StepStatus::Skip, detail);
    }
    /// Every step in [`STEP_NAMES`] order; those that did not run are skipped.
    fn finish(mut self) -> Diagnosis {
        let why = match self.failed {
            Some(failed) => format!("skipped: the {failed} step failed"),
            None => "skipped".to_string(),
        };
        let mut steps = Vec::with_capacity(STEP_NAMES.len());
        for name in STEP_NAMES {
            match self.steps.iter().position(|s| s.name == name) {
                Some(at) => steps.push(self.steps.swap_remove(at)),
                None => steps.push(Step {
                    name,
                    status: StepStatus::Skip,
                    detail: why.clone(),
                }),
            }
        }
        Diagnosis {
            steps,
            clock_skew_secs: self.clock_skew_secs,
        }
    }
}

/// Walks the path to SMS for `server_id` (or, with `None`, up to the
/// authentication step) and reports each step; never returns a secret.
///
/// The steps: `config` (endpoint, credential kind, proxy, trust roots),
/// `dns` (the proxy's host when there is one, else the endpoint's), `proxy`
/// (a CONNECT tunnel; skipped without a proxy), `tcp`, `tls` (protocol,
/// cipher, the server certificate and the trust source, or why it was
/// rejected), `clock` (the gateway's `Date` against this host's clock),
/// `auth` and `command` (the real ShowCommand call). Steps after a failed
/// one are skipped. Each network step is bounded by the config's timeouts.
///
/// ```no_run
/// let config = hwsms::Config::from_env()?;
/// let diagnosis = hwsms::diagnose(&config, Some("f32ab4d6-d150-4fb3-aa55-edbb5cf9947f"));
/// eprint!("{diagnosis}");            // [pass] dns: …
/// println!("{}", diagnosis.to_json());
/// # Ok::<_, hwsms::Error>(())
/// ```
pub fn diagnose(config: &Config, server_id: Option<&str>) -> Diagnosis {
    let mut walk = Walk::default();
    // `None` when a step failed: the steps after it are skipped.
    let _ = walk_the_path(config, server_id, &mut walk);
    walk.finish()
}

/// The steps in order; each records itself and stops the walk when it fails.
fn walk_the_path(config: &Config, server_id: Option<&str>, walk: &mut Walk) -> Option<()> {
    steps::config(config, server_id, walk)?;
    let addrs = steps::dns(config, walk)?;
    let tcp = steps::proxy_and_tcp(config, &addrs, walk)?;
    let stream = steps::tls(config, tcp, &addrs, walk)?;
    steps::clock(config, stream, walk);
    steps::auth_and_command(config, server_id, walk);
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_config_failure_skips_everything_else() {
        let d = Diagnosis::config_failed(&Error::config("no credentials"));
        assert!(!d.ok());
        let names: Vec<&str> = d.steps().iter().map(Step::name).collect();
        assert_eq!(names, STEP_NAMES);
        assert_eq!(d.steps()[0].status(), StepStatus::Fail);
        assert!(
            d.steps()[1..]
                .iter()
                .all(|s| s.status() == StepStatus::Skip && s.detail().contains("config"))
        );
        let json: serde_json::Value = serde_json::from_str(&d.to_json()).unwrap();
        assert_eq!(json["ok"], false);
        assert_eq!(json["clock_skew_secs"], serde_json::Value::Null);
        assert_eq!(json["steps"].as_array().unwrap().len(), 8);
        assert!(d.to_json().starts_with(r#"{"ok":false,"clock_skew_secs":null,"steps":[{"name":"config","status":"fail","detail":"#));
    }
}
