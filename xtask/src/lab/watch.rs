//! `lab watch [<day>]`: `lab check <day>` again on every save of a file of that day, clearing the
//! screen first, like `rustlings watch`. Saves within 300 ms of each other make one run; a file
//! only read (by the build) triggers nothing.

use std::fs;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result};
use notify_debouncer_mini::new_debouncer;
use notify_debouncer_mini::notify::RecursiveMode;

use super::check;
use super::tree::{Lab, Status};
use crate::ws::Workspace;

/// The day to watch: the one named, else the first with a started exercise, else the first day.
fn pick(lab: &Lab, day: Option<&str>) -> Result<String> {
    if let Some(d) = day {
        return lab
            .day(d)
            .map(|d| d.krate.clone())
            .with_context(|| format!("{d:?} is not a day (`cargo xtask lab list` shows them)"));
    }
    for d in &lab.days {
        for ex in &d.exercises {
            if lab.status(ex)? == Status::Open {
                return Ok(d.krate.clone());
            }
        }
    }
    lab.days
        .first()
        .map(|d| d.krate.clone())
        .context("this workspace has no lab days")
}

/// Size and modification time of every `.rs` file and `lab.toml` under `paths`.
fn snapshot(paths: &[PathBuf]) -> Vec<(PathBuf, u64, Option<SystemTime>)> {
    let mut out = Vec::new();
    let mut todo: Vec<PathBuf> = paths.to_vec();
    while let Some(p) = todo.pop() {
        if let Ok(entries) = fs::read_dir(&p) {
            todo.extend(entries.filter_map(|e| e.ok().map(|e| e.path())));
        } else if (p.extension().is_some_and(|x| x == "rs")
            || p.file_name().is_some_and(|n| n == "lab.toml"))
            && let Ok(m) = fs::metadata(&p)
        {
            out.push((p, m.len(), m.modified().ok()));
        }
    }
    out.sort();
    out
}

pub(crate) fn run(ws: &Workspace, day: Option<&str>) -> Result<()> {
    let (krate, dir) = {
        let lab = Lab::open(ws)?;
        let krate = pick(&lab, day)?;
        let dir = lab
            .day(&krate)
            .map(|d| ws.root.join(&d.dir))
            .context("a picked day exists")?;
        (krate, dir)
    };
    let (tx, rx) = mpsc::channel();
    let mut debouncer =
        new_debouncer(Duration::from_millis(300), tx).context("starting the file watcher")?;
    let watched: [PathBuf; 2] = [dir.join("src"), dir.join("lab.toml")];
    for path in &watched {
        let mode = if path.is_dir() {
            RecursiveMode::Recursive
        } else {
            RecursiveMode::NonRecursive
        };
        debouncer
            .watcher()
            .watch(path, mode)
            .with_context(|| format!("watching {}", path.display()))?;
    }
    loop {
        // Clear the screen and move the cursor home, as `clear` does.
        print!("\x1b[2J\x1b[H");
        // A day reloaded on every run: the learner may have moved the regions.
        match Lab::open(ws).and_then(|lab| check::run(&lab, ws, Some(&krate))) {
            Ok(_) => {}
            Err(e) => println!("error: {e:#}"),
        }
        println!(
            "\nwatching {} — save a file to check again; Ctrl-C stops.",
            dir.strip_prefix(&ws.root).unwrap_or(&dir).display()
        );
        // Wait for a save: a source file or lab.toml whose size or modification time changed.
        // Other events do not count: editor swap files, and the reads of the build just run.
        let before = snapshot(&watched);
        loop {
            rx.recv()
                .context("the file watcher stopped")?
                .context("the file watcher reported an error")?;
            if snapshot(&watched) != before {
                break;
            }
        }
    }
}
