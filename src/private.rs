//! Files only this user can read: what was spoken is private (cache entries, WAV files).
//! Directories are 0700 and the user's own; files are 0600, made exclusively and opened
//! without following a link someone planted in their place.
//!
//! A directory the plugin did not make is never taken over: it might be the user's home,
//! the current directory or a shared folder, whose permissions are not ours to change.
//! What the plugin makes carries a `CACHEDIR.TAG` (the convention backup tools honour).

use std::fs;
use std::io;
use std::path::Path;

const TAG: &str = "CACHEDIR.TAG";
const TAG_TEXT: &str = "Signature: 8a477f597d28d172789f06886806bc55\n\
# This directory was made by speakja.nvim: speech and translations, private to you.\n";

/// Make `dir` (0700, tagged) or check that it is one made this way: a real directory,
/// owned by this user, with no group or other permissions. `legacy` says whether a file
/// name is one the plugin writes: a directory holding only such files (made by an older
/// version, before tags) is adopted and tagged.
pub fn dir(dir: &Path, legacy: fn(&str) -> bool) -> io::Result<()> {
    let refuse = |why: String| io::Error::new(io::ErrorKind::PermissionDenied, why);
    if dir.as_os_str().is_empty() {
        return Err(refuse("an empty path is no directory".into()));
    }
    match fs::symlink_metadata(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return make(dir),
        Err(e) => return Err(e),
        Ok(meta) if !meta.is_dir() => {
            return Err(refuse(format!("{} is not a directory (a link?)", dir.display())));
        }
        Ok(_) => {}
    }
    check_owner(dir)?;
    if dir.join(TAG).is_file() {
        return Ok(());
    }
    let only_ours = fs::read_dir(dir)?.all(|e| e.is_ok_and(|e| e.file_name().to_str().is_some_and(legacy)));
    if !only_ours {
        return Err(refuse(format!(
            "{} already exists and was not made by speakja: choose a new directory (it is made 0700)",
            dir.display()
        )));
    }
    tag(dir)
}

fn make(dir: &Path) -> io::Result<()> {
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent)?;
    }
    let mut b = fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)?;
    tag(dir)
}

fn tag(dir: &Path) -> io::Result<()> {
    use std::io::Write;
    create_new(&dir.join(TAG))?.write_all(TAG_TEXT.as_bytes())
}

/// The directory is this user's and closed to others; never changed here.
fn check_owner(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let meta = fs::symlink_metadata(dir)?;
        let refuse = |why: String| io::Error::new(io::ErrorKind::PermissionDenied, why);
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        if meta.uid() != me {
            return Err(refuse(format!("{} belongs to uid {}, not to you", dir.display(), meta.uid())));
        }
        if meta.mode() & 0o077 != 0 {
            return Err(refuse(format!(
                "{} is open to other users (mode {:o}): chmod 700 it, or choose another",
                dir.display(),
                meta.mode() & 0o777
            )));
        }
    }
    Ok(())
}

/// A new file, 0600, failing if anything (a link included) is already there.
pub fn create_new(path: &Path) -> io::Result<fs::File> {
    let mut o = fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    o.open(path)
}

/// An existing file opened without following a link planted in its place.
pub fn open(path: &Path, write: bool) -> io::Result<fs::File> {
    let mut o = fs::OpenOptions::new();
    o.read(!write).write(write);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(libc::O_NOFOLLOW);
    }
    o.open(path)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn temp(name: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("speakja-private-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn a_new_directory_is_made_private_and_tagged_and_reopens() {
        let d = temp("new");
        dir(&d, |_| false).unwrap();
        assert_eq!(fs::metadata(&d).unwrap().permissions().mode() & 0o777, 0o700);
        assert!(d.join(TAG).is_file());
        dir(&d, |_| false).unwrap();
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_directory_the_plugin_did_not_make_is_refused_and_left_as_it_was() {
        assert!(dir(Path::new(""), |_| true).is_err());
        let d = temp("theirs");
        fs::create_dir_all(&d).unwrap();
        fs::set_permissions(&d, fs::Permissions::from_mode(0o2775)).unwrap();
        fs::write(d.join("notes.txt"), "mine").unwrap();
        let e = dir(&d, |n| n.ends_with(".bin")).unwrap_err();
        assert!(e.to_string().contains("open to other users"), "{e}");
        fs::set_permissions(&d, fs::Permissions::from_mode(0o700)).unwrap();
        let e = dir(&d, |n| n.ends_with(".bin")).unwrap_err();
        assert!(e.to_string().contains("not made by speakja"), "{e}");
        assert!(!d.join(TAG).exists());
        // An older version's directory, with only its own files, is adopted.
        fs::remove_file(d.join("notes.txt")).unwrap();
        fs::write(d.join("0123456789abcdef.bin"), "x").unwrap();
        dir(&d, |n| n.ends_with(".bin")).unwrap();
        assert!(d.join(TAG).is_file());
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn files_are_exclusive_and_never_follow_a_link() {
        let d = temp("files");
        dir(&d, |_| false).unwrap();
        let target = d.join("target");
        fs::write(&target, "precious").unwrap();
        std::os::unix::fs::symlink(&target, d.join("planted")).unwrap();
        assert!(create_new(&d.join("planted")).is_err());
        assert!(open(&d.join("planted"), true).is_err());
        assert_eq!(fs::read_to_string(&target).unwrap(), "precious");
        let f = create_new(&d.join("fresh")).unwrap();
        assert_eq!(f.metadata().unwrap().permissions().mode() & 0o777, 0o600);
        fs::remove_dir_all(&d).unwrap();
    }
}
