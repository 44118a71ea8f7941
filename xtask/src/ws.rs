//! The workspace as cargo sees it (`cargo metadata`): its root, its real target directory (which
//! honours `CARGO_TARGET_DIR` and `build.target-dir`), its crates, their targets, and each crate's
//! runner settings from `[package.metadata.xtask]`.
//!
//! Every path the runner writes (results, the loom / tsan / miri builds, criterion's output) is
//! under [`Workspace::target_dir`]; nothing assumes `<root>/target`.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{Context as _, Result, anyhow};
use cargo_metadata::{MetadataCommand, TargetKind};
use serde::Deserialize;

/// One workspace, read from `cargo metadata --no-deps`.
#[derive(Debug)]
pub(crate) struct Workspace {
    /// The directory of the root `Cargo.toml`.
    pub(crate) root: PathBuf,
    /// Cargo's target directory for this workspace.
    pub(crate) target_dir: PathBuf,
    /// The workspace members, sorted by name.
    pub(crate) packages: Vec<Package>,
}

/// A workspace member and what the runner needs to know about it.
#[derive(Debug)]
pub(crate) struct Package {
    pub(crate) name: String,
    /// The directory of its `Cargo.toml` (the working directory of its test binaries).
    pub(crate) dir: PathBuf,
    pub(crate) manifest: PathBuf,
    /// One line, from the manifest's `description` (empty if it has none).
    pub(crate) description: String,
    pub(crate) bins: Vec<String>,
    /// Integration test targets (`tests/*.rs` stems).
    pub(crate) tests: Vec<String>,
    pub(crate) examples: Vec<String>,
    /// Every target's source file and the name results use for it (`lib`, `bin`, or the target's
    /// name), to tell which target cargo means when it prints `Running tests/stress.rs (…)`.
    pub(crate) sources: Vec<(PathBuf, String)>,
    pub(crate) settings: Settings,
}

/// A crate's `[package.metadata.xtask]` table; every key is optional.
///
/// ```toml
/// [package.metadata.xtask]
/// loom-cfg = ["crossbeam_loom"]               # extra `--cfg` names for this crate's loom build
/// loom-preemptions = 1                        # the bound of `cargo xtask loom` (default 3)
/// loom-deep-preemptions = 2                   # the bound `cargo xtask loom --deep` uses
/// miri-args = ["--lib", "--test", "stress"]   # after `cargo miri test -p <crate>`
/// miri-flags = ["-Zmiri-tree-borrows"]        # MIRIFLAGS for this crate's Miri run
/// ```
#[derive(Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub(crate) struct Settings {
    #[serde(default)]
    pub(crate) loom_cfg: Vec<String>,
    pub(crate) loom_preemptions: Option<u32>,
    pub(crate) loom_deep_preemptions: Option<u32>,
    /// Empty: the crate has no Miri run.
    #[serde(default)]
    pub(crate) miri_args: Vec<String>,
    #[serde(default)]
    pub(crate) miri_flags: Vec<String>,
}

impl Settings {
    /// Reads the `xtask` key of a package's `metadata` value (absent: the defaults).
    fn from_metadata(package: &str, metadata: &serde_json::Value) -> Result<Settings> {
        match metadata.get("xtask") {
            None => Ok(Settings::default()),
            Some(v) => Settings::deserialize(v)
                .with_context(|| format!("{package}/Cargo.toml: [package.metadata.xtask]")),
        }
    }
}

impl Package {
    /// Whether it has a library (and so doc tests).
    pub(crate) fn has_lib(&self) -> bool {
        self.sources.iter().any(|(_, target)| target == "lib")
    }
}

impl Workspace {
    /// Runs `cargo metadata` in `dir` (any directory inside a workspace).
    pub(crate) fn load(dir: &Path) -> Result<Workspace> {
        let mut command = MetadataCommand::new();
        command.no_deps().current_dir(dir);
        if let Some(cargo) = std::env::var_os("CARGO") {
            command.cargo_path(cargo);
        }
        let meta = command
            .exec()
            .with_context(|| format!("running `cargo metadata` in {}", dir.display()))?;
        let mut packages = Vec::new();
        for p in meta.workspace_packages() {
            let names = |kind: TargetKind| -> Vec<String> {
                p.targets
                    .iter()
                    .filter(|t| t.kind.contains(&kind))
                    .map(|t| t.name.clone())
                    .collect()
            };
            packages.push(Package {
                name: p.name.to_string(),
                dir: p
                    .manifest_path
                    .parent()
                    .ok_or_else(|| {
                        anyhow!("{}: a manifest path without a parent", p.manifest_path)
                    })?
                    .into(),
                manifest: p.manifest_path.clone().into(),
                description: p
                    .description
                    .as_deref()
                    .unwrap_or_default()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
                bins: names(TargetKind::Bin),
                tests: names(TargetKind::Test),
                examples: names(TargetKind::Example),
                sources: p
                    .targets
                    .iter()
                    .map(|t| (t.src_path.clone().into(), result_target(&t.kind, &t.name)))
                    .collect(),
                settings: Settings::from_metadata(&p.name, &p.metadata)?,
            });
        }
        packages.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Workspace {
            root: meta.workspace_root.into(),
            target_dir: meta.target_directory.into(),
            packages,
        })
    }

    /// The lab days: every member with a binary, except this runner.
    pub(crate) fn days(&self) -> impl Iterator<Item = &Package> {
        self.packages
            .iter()
            .filter(|p| p.name != env!("CARGO_PKG_NAME") && !p.bins.is_empty())
    }

    /// The member called `name`, or an error listing the ones there are.
    pub(crate) fn package(&self, name: &str) -> Result<&Package> {
        self.packages
            .iter()
            .find(|p| p.name == name)
            .ok_or_else(|| {
                let known: Vec<_> = self.packages.iter().map(|p| p.name.as_str()).collect();
                anyhow!(
                    "no crate `{name}` in this workspace (its crates: {})",
                    known.join(", ")
                )
            })
    }

    /// `krate` alone (checked to exist), or every day.
    pub(crate) fn selected(&self, krate: Option<&str>) -> Result<Vec<&Package>> {
        match krate {
            Some(name) => Ok(vec![self.package(name)?]),
            None => Ok(self.days().collect()),
        }
    }

    /// The member whose manifest is `manifest` (how cargo's messages name a package).
    pub(crate) fn package_by_manifest(&self, manifest: &Path) -> Option<&Package> {
        self.packages.iter().find(|p| p.manifest == manifest)
    }

    /// A directory of the runner's own under the target directory (`xtask/results`, `loom`, …).
    pub(crate) fn target_subdir(&self, sub: &str) -> PathBuf {
        self.target_dir.join(sub)
    }
}

/// The name test results use for a target: `lib` for a library's unit tests, `bin` for a binary's,
/// else the target's own name (an integration test's file stem).
pub(crate) fn result_target(kind: &[TargetKind], name: &str) -> String {
    if kind.iter().any(|k| {
        matches!(
            k,
            TargetKind::Lib | TargetKind::RLib | TargetKind::ProcMacro
        )
    }) {
        "lib".into()
    } else if kind.contains(&TargetKind::Bin) {
        "bin".into()
    } else {
        name.into()
    }
}

/// `-p CRATE` (checked to be a member), or the whole workspace.
pub(crate) fn select(krate: Option<&str>) -> Result<Vec<String>> {
    match krate {
        Some(c) => {
            current()?.package(c)?;
            Ok(vec!["-p".into(), c.into()])
        }
        None => Ok(vec!["--workspace".into()]),
    }
}

/// The workspace this runner belongs to, read once per run.
pub(crate) fn current() -> Result<&'static Workspace> {
    static WS: OnceLock<std::result::Result<Workspace, String>> = OnceLock::new();
    WS.get_or_init(|| {
        // This crate's directory is inside the workspace; cargo finds the root from there.
        Workspace::load(Path::new(env!("CARGO_MANIFEST_DIR"))).map_err(|e| format!("{e:#}"))
    })
    .as_ref()
    .map_err(|e| anyhow!("{e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_read_kebab_case_keys() {
        let meta = serde_json::json!({ "xtask": {
            "loom-cfg": ["crossbeam_loom"],
            "loom-preemptions": 1,
            "loom-deep-preemptions": 2,
            "miri-args": ["--lib", "--test", "stress"],
            "miri-flags": ["-Zmiri-tree-borrows"],
        }});
        let s = Settings::from_metadata("day9-x", &meta).unwrap();
        assert_eq!(s.loom_cfg, ["crossbeam_loom"]);
        assert_eq!(s.loom_preemptions, Some(1));
        assert_eq!(s.loom_deep_preemptions, Some(2));
        assert_eq!(s.miri_args, ["--lib", "--test", "stress"]);
        assert_eq!(s.miri_flags, ["-Zmiri-tree-borrows"]);
        assert_eq!(
            Settings::from_metadata("day9-x", &serde_json::Value::Null).unwrap(),
            Settings::default()
        );
    }

    /// The target directory is cargo's (`cargo metadata`), wherever it is configured: here a
    /// `.cargo/config.toml` moves it (`CARGO_TARGET_DIR`, if set, wins, as it does for cargo),
    /// so no command may assume `<root>/target`.
    #[test]
    fn the_target_directory_is_cargos_own() {
        use std::fs;
        let dir = std::env::temp_dir().join(format!("xtask-ws-target-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("src")).unwrap();
        fs::create_dir_all(dir.join(".cargo")).unwrap();
        fs::write(
            dir.join("Cargo.toml"),
            "[package]\nname = \"probe\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[workspace]\n",
        )
        .unwrap();
        fs::write(dir.join("src/lib.rs"), "").unwrap();
        fs::write(
            dir.join(".cargo/config.toml"),
            "[build]\ntarget-dir = \"elsewhere\"\n",
        )
        .unwrap();
        let ws = Workspace::load(&dir);
        let expected = match std::env::var_os("CARGO_TARGET_DIR") {
            Some(t) => PathBuf::from(t),
            None => dir.join("elsewhere"),
        };
        let _ = fs::remove_dir_all(&dir);
        let ws = ws.unwrap();
        assert_eq!(ws.target_dir, expected);
        assert_eq!(ws.target_subdir("tsan"), expected.join("tsan"));
        assert_eq!(ws.packages.len(), 1);
    }

    #[test]
    fn a_misspelt_setting_names_the_crate_and_the_key() {
        let meta = serde_json::json!({ "xtask": { "loom-cfgs": ["x"] } });
        let err = format!(
            "{:#}",
            Settings::from_metadata("day9-x", &meta).unwrap_err()
        );
        assert!(
            err.contains("day9-x/Cargo.toml") && err.contains("loom-cfgs"),
            "{err}"
        );
    }

    #[test]
    fn the_workspace_comes_from_cargo_metadata() {
        let ws = current().unwrap();
        assert!(ws.root.join("Cargo.toml").is_file());
        let days: Vec<_> = ws.days().map(|p| p.name.as_str()).collect();
        assert!(days.len() >= 5 && !days.contains(&"xtask"), "{days:?}");
        assert!(ws.days().all(|d| d.dir.starts_with(&ws.root)));
    }
}
