//! Scratch copies of the workspace under the target directory, where the lab builds regions the
//! working tree does not hold: the `lab` step of `check-all` ([`super::ci`]) and `lab check`
//! ([`super::check`]), each in a copy of its own.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};

/// Makes `to` a copy of `from`, leaving out `.git`, every `target` folder, the lab state and
/// `skip`; files whose text is already right are not rewritten, and files gone from `from` go.
/// The copy's root manifest gets a workspace version of its own, `<version>-<tag>`
/// ([`copy_version`]): each copy needs its own tag.
pub(super) fn sync(from: &Path, to: &Path, skip: &Path, tag: &str) -> Result<()> {
    let leave_out = |p: &Path| {
        p == skip
            || p.file_name().is_some_and(|n| n == ".git" || n == "target")
            || p.ends_with(super::state::DIR)
    };
    let root_manifest = from.join("Cargo.toml");
    let transform = |src: &Path, bytes: Vec<u8>| -> Result<Vec<u8>> {
        if src != root_manifest {
            return Ok(bytes);
        }
        let text = String::from_utf8(bytes).context("the root Cargo.toml is not UTF-8")?;
        Ok(copy_version(&text, tag)?.into_bytes())
    };
    let mut seen = BTreeSet::new();
    copy_dir(from, to, &leave_out, &transform, &mut seen)?;
    prune(to, &seen)
}

/// The copy's root manifest, with `-<tag>` added to `[workspace.package] version`.
///
/// Cargo names a path package's build output by its path relative to the workspace root, its
/// name and its version: with the same layout and version, the copy's crates would build into the
/// very files of the working tree's crates (or of another copy's) in the shared target directory,
/// and a later build of one could take the other's stub, mistake or reference for its own
/// up-to-date output. A version of its own gives each copy's crates outputs of their own, while
/// registry dependencies are still shared.
fn copy_version(manifest: &str, tag: &str) -> Result<String> {
    let mut in_package = false;
    let mut out = String::with_capacity(manifest.len() + 4);
    let mut done = false;
    for line in manifest.split_inclusive('\n') {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            in_package = trimmed == "[workspace.package]";
        }
        match trimmed.strip_prefix("version = \"") {
            Some(rest) if in_package && !done => {
                let version = rest.trim_end_matches('"');
                out.push_str(&format!("version = \"{version}-{tag}\"\n"));
                done = true;
            }
            _ => out.push_str(line),
        }
    }
    if !done {
        bail!("the root Cargo.toml has no `version = \"…\"` under [workspace.package]");
    }
    Ok(out)
}

/// What a file's bytes become in the copy.
type Transform<'a> = dyn Fn(&Path, Vec<u8>) -> Result<Vec<u8>> + 'a;

fn copy_dir(
    from: &Path,
    to: &Path,
    leave_out: &dyn Fn(&Path) -> bool,
    transform: &Transform<'_>,
    seen: &mut BTreeSet<std::path::PathBuf>,
) -> Result<()> {
    fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    seen.insert(to.to_path_buf());
    for entry in fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry.with_context(|| format!("reading {}", from.display()))?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type()?;
        if leave_out(&src) || kind.is_symlink() {
            continue;
        }
        if kind.is_dir() {
            copy_dir(&src, &dst, leave_out, transform, seen)?;
        } else {
            let bytes = fs::read(&src).with_context(|| format!("reading {}", src.display()))?;
            let bytes = transform(&src, bytes)?;
            if fs::read(&dst).ok().as_deref() != Some(bytes.as_slice()) {
                fs::write(&dst, &bytes).with_context(|| format!("writing {}", dst.display()))?;
            }
            seen.insert(dst);
        }
    }
    Ok(())
}

/// Removes what is under `dir` but not in `keep` (files deleted from the workspace since the last
/// copy), except build output.
fn prune(dir: &Path, keep: &BTreeSet<std::path::PathBuf>) -> Result<()> {
    for entry in fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.file_name().is_some_and(|n| n == "target") {
            continue;
        }
        if !keep.contains(&path) {
            if path.is_dir() {
                fs::remove_dir_all(&path)
            } else {
                fs::remove_file(&path)
            }
            .with_context(|| format!("removing {}", path.display()))?;
        } else if path.is_dir() {
            prune(&path, keep)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::copy_version;

    #[test]
    fn the_copy_gets_a_workspace_version_of_its_own() {
        let manifest = "[workspace]\nmembers = [\"a\"]\n\n[workspace.package]\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[workspace.dependencies]\nfoo = { version = \"1\" }\n";
        let copy = copy_version(manifest, "lab").unwrap();
        assert!(copy.contains("[workspace.package]\nversion = \"0.1.0-lab\"\n"));
        // Only that line changes.
        assert_eq!(copy.replace("0.1.0-lab", "0.1.0"), manifest);
        // Each copy has its own.
        assert!(
            copy_version(manifest, "check")
                .unwrap()
                .contains("version = \"0.1.0-check\"\n")
        );
        assert!(copy_version("[workspace]\nmembers = []\n", "lab").is_err());
    }
}
