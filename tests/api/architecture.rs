//! The house rules of ARCHITECTURE.md that a reader of `use` lines can check:
//! shared rooms import no pillar, and a pillar never reaches into another
//! pillar's `repo`. Pillars are the folders under `src/` that are not shared
//! rooms, so a new pillar is covered the day its folder appears.

use std::path::{Path, PathBuf};

/// Rooms every pillar may use and that must not know any pillar.
const SHARED: &[&str] = &["core", "db", "events", "media", "notify", "ops", "payments", "web"];

/// The app surface and the composition root (router, startup, CLI) wire
/// pillars together; they are neither shared rooms nor pillars.
const WIRING: &[&str] = &["api"];

/// Imports of a pillar from a shared room that remain, each to be removed by
/// the restructure (sessions move to a shared room; payments settle through
/// registered settlers). The test fails when one is added, and also when one
/// listed here is gone, so this list only ever shrinks.
const REMAINING: &[(&str, &str)] = &[
    ("src/payments/sandbox.rs", "identity"),
    ("src/payments/webhook.rs", "bops"),
    ("src/payments/webhook.rs", "identity"),
    ("src/web/headers.rs", "identity"),
    ("src/web/page.rs", "identity"),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

fn pillars() -> Vec<String> {
    let mut pillars: Vec<String> = std::fs::read_dir(src())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .filter(|name| !SHARED.contains(&name.as_str()) && !WIRING.contains(&name.as_str()))
        .collect();
    pillars.sort();
    pillars
}

/// The code of a file without comments, one entry per line.
fn code_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| line.split("//").next().unwrap_or("").to_owned())
        .collect()
}

fn mentions(line: &str, module: &str) -> bool {
    let needle = format!("crate::{module}");
    line.match_indices(&needle).any(|(at, _)| {
        let after = line[at + needle.len()..].chars().next();
        !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

fn relative(path: &Path) -> String {
    path.strip_prefix(Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap().to_string_lossy().into_owned()
}

#[test]
fn shared_rooms_import_no_pillar() {
    let pillars = pillars();
    assert!(pillars.contains(&"identity".to_owned()) && pillars.contains(&"bops".to_owned()), "{pillars:?}");
    let mut found: Vec<(String, String)> = Vec::new();
    for room in SHARED {
        let dir = src().join(room);
        let files = if dir.is_dir() { rust_files(&dir) } else { vec![src().join(format!("{room}.rs"))] };
        for file in files {
            for pillar in &pillars {
                if code_lines(&file).iter().any(|line| mentions(line, pillar)) {
                    found.push((relative(&file), pillar.clone()));
                }
            }
        }
    }
    found.sort();
    found.dedup();
    let remaining: Vec<(String, String)> = REMAINING.iter().map(|(f, p)| (f.to_string(), p.to_string())).collect();
    let new: Vec<_> = found.iter().filter(|v| !remaining.contains(v)).collect();
    assert!(new.is_empty(), "a shared room imports a pillar: {new:?} (pillars call shared rooms, never the reverse)");
    let fixed: Vec<_> = remaining.iter().filter(|v| !found.contains(v)).collect();
    assert!(fixed.is_empty(), "no longer imported, take them off REMAINING: {fixed:?}");
}

#[test]
fn no_pillar_reaches_into_another_pillars_repo() {
    let pillars = pillars();
    let mut found = Vec::new();
    for pillar in &pillars {
        for file in rust_files(&src().join(pillar)) {
            for other in pillars.iter().filter(|o| *o != pillar) {
                let reaches = code_lines(&file).iter().any(|line| {
                    mentions(line, &format!("{other}::repo"))
                        || (mentions(line, other) && line.contains("repo") && line.contains('{'))
                });
                if reaches {
                    found.push((relative(&file), other.clone()));
                }
            }
        }
    }
    assert!(found.is_empty(), "a pillar uses another pillar's repo (use its service or events): {found:?}");
}

#[test]
fn the_checks_see_a_violation() {
    assert!(mentions("use crate::bops::repo;", "bops::repo"));
    assert!(mentions("let x = crate::identity::service::f();", "identity"));
    assert!(!mentions("use crate::identity_extra::x;", "identity"));
    assert!(!mentions("use crate::bopsy;", "bops"));
}
