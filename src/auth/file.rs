//! The credentials file: read, checked for who may change it, and watched
//! for a rotator's replacement (its inode, size and modification time to
//! the nanosecond), so that a new file is used from the next request on.

use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::fixed::{AkSk, Fixed, Secret};
use super::lease::Lease;
use crate::error::{CredentialsError, CredentialsErrorKind};
use crate::limits::MAX_CREDENTIALS_FILE;
use crate::redact::shown;
use crate::wire::profile::{Profile, parse_profile};

/// A credentials file and what was last read from it.
#[derive(Debug)]
pub(crate) struct FileSource {
    path: PathBuf,
    /// The file as it was when last read (or tried).
    read: Mutex<Option<Stamp>>,
}

/// What tells one version of the file from the next: a rename puts a new
/// inode in place; an edit in place changes the size or the modification
/// time (kept to the nanosecond: two writes within a second differ).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    device: u64,
    inode: u64,
    size: u64,
    modified_ns: i128,
}

impl Stamp {
    fn of(meta: &fs::Metadata) -> Stamp {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Stamp {
                device: meta.dev(),
                inode: meta.ino(),
                size: meta.size(),
                modified_ns: i128::from(meta.mtime()) * 1_000_000_000
                    + i128::from(meta.mtime_nsec()),
            }
        }
        #[cfg(not(unix))]
        {
            let modified_ns = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos() as i128);
            Stamp {
                device: 0,
                inode: 0,
                size: meta.len(),
                modified_ns,
            }
        }
    }
}

impl FileSource {
    pub(crate) fn new(path: PathBuf) -> FileSource {
        FileSource {
            path,
            read: Mutex::new(None),
        }
    }

    /// `the credentials file "/etc/…"`, as messages name it.
    pub(crate) fn origin(&self) -> String {
        format!(
            "the credentials file {}",
            shown(&self.path.to_string_lossy())
        )
    }

    /// True when the file on disk is not the one last read: replaced,
    /// edited, or gone. One `stat`, cheap enough before every request.
    pub(crate) fn changed(&self) -> bool {
        let now = fs::metadata(&self.path).ok().map(|m| Stamp::of(&m));
        let read = self.read.lock().unwrap_or_else(|p| p.into_inner());
        now.is_none() || *read != now
    }

    /// Reads the file and the credentials in it.
    ///
    /// # Errors
    ///
    /// The file cannot be read, others can change it, it is too large, or
    /// it holds no usable credentials; the message names the file and what
    /// to do, never a value from it.
    pub(crate) fn read(&self) -> Result<Lease, CredentialsError> {
        let unusable = |message: String| {
            CredentialsError::new(self.origin(), CredentialsErrorKind::Unusable, message)
        };
        let mut file =
            File::open(&self.path).map_err(|e| unusable(format!("cannot open it: {e}")))?;
        let meta = file
            .metadata()
            .map_err(|e| unusable(format!("cannot read it: {e}")))?;
        // Remember this version whatever comes of it: a file that is bad
        // now is tried again only once it changes.
        *self.read.lock().unwrap_or_else(|p| p.into_inner()) = Some(Stamp::of(&meta));
        if !meta.is_file() {
            return Err(unusable("it is not a regular file".into()));
        }
        check_who_may_change(&self.path, &meta).map_err(unusable)?;
        if meta.len() > MAX_CREDENTIALS_FILE {
            return Err(unusable(format!(
                "it is {} bytes; a credentials file has at most {MAX_CREDENTIALS_FILE}",
                meta.len()
            )));
        }
        let mut text = String::new();
        file.by_ref()
            .take(MAX_CREDENTIALS_FILE + 1)
            .read_to_string(&mut text)
            .map_err(|e| unusable(format!("cannot read it as UTF-8 text: {e}")))?;
        let profile = parse_profile(&text).map_err(unusable)?;
        lease_of(profile).map_err(unusable)
    }

    /// The file's mode when users other than its owner may read it (a
    /// warning, not an error: ssh's rule for private keys).
    pub(crate) fn readable_by_others(&self) -> Option<u32> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&self.path).ok()?.permissions().mode() & 0o777;
            (mode & 0o044 != 0).then_some(mode)
        }
        #[cfg(not(unix))]
        {
            None
        }
    }
}

/// Refuses a file that users other than its owner can change, directly or
/// by replacing it in a folder they can write: anyone could swap the key.
#[cfg(unix)]
fn check_who_may_change(path: &Path, meta: &fs::Metadata) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o022 != 0 {
        return Err(format!(
            "other users can write it (mode {mode:04o}), so anyone could swap the key; \
             make it the owner's alone: chmod 600"
        ));
    }
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if let Ok(dir) = fs::metadata(folder) {
        let dir_mode = dir.permissions().mode() & 0o7777;
        // The sticky bit (as on /tmp) keeps others from renaming over it.
        if dir_mode & 0o022 != 0 && dir_mode & 0o1000 == 0 {
            return Err(format!(
                "its folder {} is writable by other users (mode {:04o}), so anyone could \
                 replace the file; keep it in a folder only its owner can write",
                shown(&folder.to_string_lossy()),
                dir_mode & 0o777
            ));
        }
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_who_may_change(_path: &Path, _meta: &fs::Metadata) -> Result<(), String> {
    Ok(())
}

/// The credentials a profile holds: an AK/SK pair (with its scope and
/// security token) or, without one, a token.
fn lease_of(p: Profile) -> Result<Lease, String> {
    let credentials = match (p.ak, p.sk, p.auth_token) {
        (Some(ak), Some(sk), _) => {
            Fixed::AkSk(AkSk::new(ak, sk).scoped(p.project_id, p.domain_id, p.security_token))
        }
        (Some(_), None, _) => return Err("[basic] has ak but no sk; give both".into()),
        (None, Some(_), _) => return Err("[basic] has sk but no ak; give both".into()),
        (None, None, Some(token)) => Fixed::Token(Secret::new(token)),
        (None, None, None) => {
            return Err("[basic] holds no credentials: give ak and sk, or auth_token".into());
        }
    };
    credentials.validate().map_err(|e| match e {
        crate::error::Error::Config(c) => c.message().to_string(),
        other => other.to_string(),
    })?;
    Ok(Lease::expiring(credentials, p.expires_at))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str, mode: u32) -> PathBuf {
        let path = dir.join(name);
        fs::write(&path, text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
        }
        let _ = mode;
        path
    }

    fn folder(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("hwsms-file-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
        }
        dir
    }

    #[test]
    fn reads_keys_or_a_token_and_notices_a_replacement() {
        let dir = folder("rotate");
        let path = write(
            &dir,
            "credentials",
            "[basic]\nak = AK1\nsk = SK1\nproject_id = p\nexpires_at = 2030-01-01T00:00:00Z\n",
            0o600,
        );
        let source = FileSource::new(path.clone());
        assert!(source.changed(), "never read");
        let lease = source.read().unwrap();
        assert!(matches!(&lease.credentials, Fixed::AkSk(k) if k.ak() == "AK1"));
        assert_eq!(
            lease.expires_at,
            crate::wire::date::parse_rfc3339("2030-01-01T00:00:00Z")
        );
        assert!(!source.changed());
        // A rotator writes a new file and renames it into place.
        let next = write(
            &dir,
            "credentials.new",
            "[basic]\nauth_token = MIIT\n",
            0o600,
        );
        fs::rename(&next, &path).unwrap();
        assert!(source.changed());
        let lease = source.read().unwrap();
        assert!(matches!(lease.credentials, Fixed::Token(_)));
        assert_eq!(lease.expires_at, None);
        assert!(!source.changed());
        fs::remove_file(&path).unwrap();
        assert!(source.changed(), "a file that is gone is not the one read");
        let e = source.read().unwrap_err();
        assert_eq!(e.kind(), CredentialsErrorKind::Unusable);
        assert!(e.to_string().contains("cannot open it"), "{e}");
    }

    #[test]
    fn unusable_files_say_why_without_their_values() {
        let dir = folder("bad");
        for (text, want) in [
            ("[basic]\nak = SECRETAK\n", "has ak but no sk"),
            ("[basic]\nsk = SECRETSK\n", "has sk but no ak"),
            ("[basic]\n", "holds no credentials"),
            (
                "[basic]\nauth_token = SEC\u{7f}RET\n",
                "cannot be sent in an HTTP header",
            ),
            ("garbage SECRET\n", "line 1"),
        ] {
            let path = write(&dir, "c", text, 0o600);
            let e = FileSource::new(path).read().unwrap_err().to_string();
            assert!(e.contains(want) && e.contains("credentials file"), "{e}");
            assert!(!e.contains("SECRET"), "{e}");
        }
        let big = "#".repeat(MAX_CREDENTIALS_FILE as usize + 1);
        let e = FileSource::new(write(&dir, "big", &big, 0o600))
            .read()
            .unwrap_err();
        assert!(e.to_string().contains("at most"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn others_may_not_change_it_and_should_not_read_it() {
        use std::os::unix::fs::PermissionsExt;
        let dir = folder("perms");
        let text = "[basic]\nauth_token = MIIT\n";
        for mode in [0o666, 0o620, 0o602] {
            let e = FileSource::new(write(&dir, "c", text, mode))
                .read()
                .unwrap_err();
            assert!(
                e.to_string().contains("other users can write it"),
                "{mode:o}: {e}"
            );
            assert!(e.to_string().contains("chmod 600"), "{e}");
        }
        let readable = FileSource::new(write(&dir, "c", text, 0o644));
        assert!(readable.read().is_ok());
        assert_eq!(readable.readable_by_others(), Some(0o644));
        let private = FileSource::new(write(&dir, "c", text, 0o600));
        assert_eq!(private.readable_by_others(), None);
        // A folder others can write (without the sticky bit) lets them replace it.
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o777)).unwrap();
        let e = private.read().unwrap_err();
        assert!(e.to_string().contains("writable by other users"), "{e}");
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o1777)).unwrap();
        assert!(private.read().is_ok(), "sticky, like /tmp");
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
    }
}
