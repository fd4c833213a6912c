//! Command-line words, and the connection flags every command takes.

use std::time::Duration;

use std::path::PathBuf;

use hwsms::config::ConfigBuilder;
use hwsms::{Config, Credentials, Error, ProxyChoice, TlsRoots};

/// What every command's `--help` says about the connection flags.
pub const CONNECTION_HELP: &str = "\
  --endpoint URL        the SMS endpoint (https://…), or
  --region ID           a region id, e.g. ap-southeast-3
  --ca-file PEM         trust only these CAs (private cloud, inspecting proxy)
  --system-roots        trust the host's CA bundle instead of the built-in roots
  --timeout-ms N        deadline per call, retries included (default 30000)
  --proxy URL           http://[user:password@]host:port
  --proxy-from-env      use HTTPS_PROXY/ALL_PROXY/NO_PROXY
  --retries N           retries after retryable failures, 0-9 (default 2)
  --credentials-file F  credentials from this file (INI [basic]: ak, sk,
                        security_token, project_id or auth_token, expires_at),
                        read again whenever a rotator replaces it";

/// Where settings come from, for `--help`.
pub const ENVIRONMENT_HELP: &str = "\
Flags override the environment, which uses the names of Huawei Cloud's
official SDKs (the README's \"Environment variables\" has the whole table):
  HWSMS_ENDPOINT, HUAWEICLOUD_SDK_REGION     where (instead of --endpoint/--region)
  HWSMS_CA_FILE, HWSMS_SYSTEM_ROOTS=1        trust (instead of --ca-file/--system-roots)
  HWSMS_PROXY, HWSMS_PROXY_FROM_ENV=1        proxy (instead of --proxy/--proxy-from-env)
  HUAWEICLOUD_SDK_REGION_SMS_<REGION>         endpoint override for a region
Credentials, the first of these that is set:
  1. HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK   access key pair (signs each request),
     with HUAWEICLOUD_SDK_PROJECT_ID or HUAWEICLOUD_SDK_DOMAIN_ID (scope) and
     HUAWEICLOUD_SDK_SECURITY_TOKEN (temporary keys); CLOUD_SDK_AK/SK also read
  2. HUAWEICLOUD_SDK_CREDENTIALS_FILE         a credentials file (or
     ~/.huaweicloud/credentials when it exists), re-read when replaced
  3. OS_USERNAME, OS_PASSWORD, OS_USER_DOMAIN_NAME, OS_PROJECT_NAME or
     OS_PROJECT_ID, OS_AUTH_URL               IAM tokens from a password, renewed
  4. HWSMS_CREDENTIALS_SOURCE=metadata        temporary keys from the ECS metadata
     service (HWSMS_METADATA_ENDPOINT), renewed
  5. HUAWEICLOUD_SDK_AUTH_TOKEN               a fixed IAM token (lasts 24 hours)";

/// Command-line words, as `(flag, inline value)` with `--flag=value` split.
pub struct Args {
    words: std::vec::IntoIter<String>,
    inline: Option<String>,
    pub flag: String,
}

impl Args {
    pub fn new(words: Vec<String>) -> Args {
        Args {
            words: words.into_iter(),
            inline: None,
            flag: String::new(),
        }
    }

    /// The next flag, or `None` at the end.
    pub fn next_flag(&mut self) -> Option<String> {
        let word = self.words.next()?;
        match word.split_once('=') {
            Some((f, v)) if f.starts_with("--") => {
                self.flag = f.to_string();
                self.inline = Some(v.to_string());
            }
            _ => {
                self.flag = word;
                self.inline = None;
            }
        }
        Some(self.flag.clone())
    }

    /// The current flag's value.
    pub fn value(&mut self) -> Result<String, String> {
        self.inline
            .take()
            .or_else(|| self.words.next())
            .ok_or_else(|| format!("{} needs a value", self.flag))
    }

    /// The current flag's value as a whole number.
    pub fn number(&mut self) -> Result<u64, String> {
        let flag = self.flag.clone();
        self.value()?
            .trim()
            .parse()
            .map_err(|_| format!("{flag} needs a whole number"))
    }
}

/// Parsed connection flags.
#[derive(Debug, Default)]
pub struct Connection {
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub server_id: Option<String>,
    pub roots: Option<TlsRoots>,
    pub timeout: Option<Duration>,
    pub proxy: Option<ProxyChoice>,
    pub retries: Option<u32>,
    pub credentials_file: Option<PathBuf>,
}

impl Connection {
    /// Takes `flag` if it is a connection flag; returns whether it was.
    pub fn take(&mut self, flag: &str, args: &mut Args) -> Result<bool, String> {
        match flag {
            "--endpoint" => self.endpoint = Some(args.value()?),
            "--region" => self.region = Some(args.value()?),
            "--server-id" => self.server_id = Some(args.value()?),
            "--ca-file" => self.roots = Some(TlsRoots::PemFile(args.value()?.into())),
            "--system-roots" => self.roots = Some(TlsRoots::System),
            "--timeout-ms" => {
                let ms = args.number()?;
                if ms == 0 {
                    return Err("--timeout-ms must be greater than 0".into());
                }
                self.timeout = Some(Duration::from_millis(ms));
            }
            "--proxy" => self.proxy = Some(ProxyChoice::Url(args.value()?)),
            "--proxy-from-env" => self.proxy = Some(ProxyChoice::FromEnv),
            "--credentials-file" => self.credentials_file = Some(args.value()?.into()),
            "--retries" => {
                let n = args.number()?;
                let most = u64::from(hwsms::limits::MAX_ATTEMPTS) - 1;
                if n > most {
                    return Err(format!("--retries must be between 0 and {most}, not {n}"));
                }
                self.retries = Some(n as u32);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Checks the flags that cannot go together, and the server id.
    pub fn check(&self) -> Result<(), String> {
        self.check_target()?;
        if self.server_id.is_none() {
            return Err("--server-id is required".into());
        }
        Ok(())
    }

    /// Checks that exactly one of --endpoint and --region is given, or
    /// that the environment says where (HWSMS_ENDPOINT,
    /// HUAWEICLOUD_SDK_REGION).
    pub fn check_target(&self) -> Result<(), String> {
        match (&self.endpoint, &self.region) {
            (Some(_), Some(_)) => Err("give --endpoint or --region, not both".into()),
            (None, None) if !ConfigBuilder::new().env().has_target() => {
                Err("--endpoint or --region is required (or HWSMS_ENDPOINT or \
                 HUAWEICLOUD_SDK_REGION in the environment)"
                    .into())
            }
            _ => Ok(()),
        }
    }

    pub fn server_id(&self) -> &str {
        self.server_id.as_deref().unwrap_or_default()
    }

    /// The `Config` the environment and these flags describe; the flags win.
    pub fn config(&self) -> Result<Config, Error> {
        let mut builder = ConfigBuilder::new().env();
        if let Some(url) = &self.endpoint {
            builder = builder.endpoint(url.clone());
        }
        if let Some(region) = &self.region {
            builder = builder.region(region.clone());
        }
        if let Some(roots) = &self.roots {
            builder = builder.tls_roots(roots.clone());
        }
        if let Some(proxy) = &self.proxy {
            builder = builder.proxy(proxy.clone());
        }
        if let Some(t) = self.timeout {
            // One deadline for the whole call; connecting may use all of it.
            builder = builder
                .timeout(t)
                .connect_timeout(t.min(Duration::from_secs(10)));
        }
        if let Some(path) = &self.credentials_file {
            builder = builder.credentials(Credentials::file(path));
        }
        if let Some(r) = self.retries {
            // --retries counts retries; the library counts attempts.
            builder = builder.max_attempts(r + 1);
        }
        builder.build()
    }
}
