//! The house rules of ARCHITECTURE.md that a reader of `use` lines can check:
//! shared rooms import no pillar, and a pillar never reaches into another
//! pillar's `repo`. Pillars are the folders under `src/` that are not shared
//! rooms, so a new pillar is covered the day its folder appears.

use std::path::{Path, PathBuf};

/// Rooms every pillar may use and that must not know any pillar.
const SHARED: &[&str] =
    &["auth", "config", "core", "db", "events", "ledger", "media", "notify", "ops", "payments", "web"];

/// Files directly under `src/` (the composition root: router, startup, the
/// pillar list, the CLI) wire pillars together; they are neither shared
/// rooms nor pillars. Only folders are pillars or rooms.
const WIRING: &[&str] = &[];

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
    assert!(
        found.is_empty(),
        "a shared room imports a pillar: {found:?} (pillars call shared rooms, never the reverse)"
    );
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

/// A pillar is its folder plus one line in `src/pillars.rs`: every pillar
/// folder is in that list, and nothing else names pillars one by one.
#[test]
fn every_pillar_is_installed_through_the_pillar_list() {
    let list = std::fs::read_to_string(src().join("pillars.rs")).unwrap();
    for pillar in pillars() {
        assert!(list.contains(&format!("crate::{pillar}::PILLAR")), "{pillar} is missing from src/pillars.rs");
    }
    for wiring in ["router.rs", "startup.rs", "app.rs", "pillar.rs"] {
        for pillar in pillars() {
            let named = code_lines(&src().join(wiring)).iter().any(|line| mentions(line, &pillar));
            assert!(!named, "src/{wiring} names the {pillar} pillar; wire it through its Pillar instead");
        }
    }
}

#[test]
fn the_checks_see_a_violation() {
    assert!(mentions("use crate::bops::repo;", "bops::repo"));
    assert!(mentions("let x = crate::identity::service::f();", "identity"));
    assert!(!mentions("use crate::identity_extra::x;", "identity"));
    assert!(!mentions("use crate::bopsy;", "bops"));
}
