//! `hwsms certkey`: fetch a task's certificates and keys (ShowCertKey) and
//! write each as `DIR/<field>.pem`, private keys readable by the owner only.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use hwsms::agent::fetch_cert_key;
use serde_json::Value;

use crate::agent_flags::{self, Texts, required};
use crate::output;

pub const TEXTS: Texts = Texts {
    usage: "usage: hwsms certkey --task-id T --out-dir DIR [--ca] [--endpoint URL | --region ID] \
[connection flags]",
    help: "\
Fetches a task's certificates and keys (GET /v3/tasks/{task_id}/certkey)
and writes each field SMS sent as DIR/<field>.pem: cert, private_key, ca,
target_mgmt_cert, target_mgmt_private_key, target_data_cert,
target_data_private_key. Prints {\"<field>\":\"DIR/<field>.pem\",…}, never
key material.

  --task-id T           the migration task's id
  --out-dir DIR         where to write (created with mode 0700); private
                        keys get mode 0600, certificates 0644; each file is
                        written whole under a temporary name, then renamed
  --ca                  ask for the CA certificate too (enable_ca_cert=true)",
};

pub fn run(words: Vec<String>) -> ExitCode {
    let (mut task, mut dir, mut with_ca) = (None, None, false);
    let parsed = agent_flags::parse(words, |flag, args| {
        match flag {
            "--task-id" => task = Some(args.value()?),
            "--out-dir" => dir = Some(PathBuf::from(args.value()?)),
            "--ca" => with_ca = true,
            _ => return Ok(false),
        }
        Ok(true)
    });
    let connection = match agent_flags::connection(&TEXTS, parsed) {
        Ok(c) => c,
        Err(exit) => return exit,
    };
    let (task, dir) = match (required(task, "--task-id"), required(dir, "--out-dir")) {
        (Ok(t), Ok(d)) => (t, d),
        (Err(msg), _) | (_, Err(msg)) => return output::usage(&msg, TEXTS.usage),
    };
    // The directory first: a bad one fails before keys are asked for.
    if let Err(msg) = private_dir(&dir) {
        return output::usage(&msg, TEXTS.usage);
    }
    output::note_credentials();
    let keys = match connection
        .config()
        .and_then(|c| fetch_cert_key(&c, &task, with_ca))
    {
        Ok(keys) => keys,
        Err(e) => return output::fail(&e),
    };
    let mut written = Vec::new();
    for (field, pem, private) in keys.fields().filter(|f| !f.1.is_empty()) {
        let path = dir.join(format!("{field}.pem"));
        if let Err(msg) = write_whole(&path, pem.as_bytes(), if private { 0o600 } else { 0o644 }) {
            eprintln!("error: {msg}");
            return ExitCode::from(output::EXIT_OTHER);
        }
        written.push((field, Value::from(path.to_string_lossy().into_owned())));
    }
    println!("{}", output::json_line(&written));
    ExitCode::SUCCESS
}

/// Creates `dir` with mode 0700, or checks that an existing one is a
/// directory that no other user can write.
fn private_dir(dir: &Path) -> Result<(), String> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let meta = fs::metadata(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    if !meta.is_dir() {
        return Err(format!("{} is not a directory", dir.display()));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o022 != 0 {
            return Err(format!(
                "{} can be written by other users, who could swap the keys; chmod 700 it",
                dir.display()
            ));
        }
    }
    Ok(())
}

/// Writes `bytes` to a new temporary file with `mode` from its creation on,
/// syncs it, then renames it over `path`: a reader never sees half a key,
/// and a key is never readable by others, not even for a moment.
fn write_whole(path: &Path, bytes: &[u8], mode: u32) -> Result<(), String> {
    let temp = path.with_extension(format!("pem.tmp{}", std::process::id()));
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    let fail = |e: std::io::Error| {
        let _ = fs::remove_file(&temp);
        format!("cannot write {}: {e}", path.display())
    };
    let mut file = options
        .open(&temp)
        .map_err(|e| format!("cannot create {}: {e}", temp.display()))?;
    file.write_all(bytes)
        .and_then(|_| file.sync_all())
        .map_err(fail)?;
    drop(file);
    fs::rename(&temp, path).map_err(fail)
}
