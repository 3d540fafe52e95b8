//! Every console action leaves an audit row (issue 15): each route under
//! `/admin` that changes something or takes data out (every POST, and the
//! GET exports) is read from the source and must be named here with the
//! audit actions it records; and each of those actions must be checked by
//! a behavioural test that performs it (the console's test files assert
//! the row). A new console route without its audit row fails here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Route → the audit actions its handler records (by method and path).
const AUDITED: &[(&str, &str, &[&str])] = &[
    ("POST", "/admin/mfa", &["admin.mfa_enrol", "admin.sign_in", "admin.recovery_code_used"]),
    ("POST", "/admin/security/recovery-codes", &["admin.recovery_codes_new"]),
    ("GET", "/admin/audit.csv", &["audit.export"]),
    ("POST", "/admin/label", &["label.update"]),
    ("GET", "/admin/money/{file}", &["money.export"]),
    ("POST", "/admin/royalties", &["royalties.import"]),
    ("POST", "/admin/royalties/mappings", &["royalties.mapping"]),
    ("POST", "/admin/artists/{uid}/suspend", &["artist.suspend"]),
    ("POST", "/admin/artists/{uid}/reinstate", &["artist.reinstate"]),
    ("POST", "/admin/invites", &["invite.send"]),
    ("POST", "/admin/invites/{uid}/revoke", &["invite.revoke"]),
    ("POST", "/admin/applications/{uid}/approve", &["application.approve"]),
    ("POST", "/admin/applications/{uid}/decline", &["application.decline"]),
    ("POST", "/admin/people/{uid}/disable", &["person.disable"]),
    ("POST", "/admin/people/{uid}/enable", &["person.enable"]),
    ("POST", "/admin/people/{uid}/export", &["person.export"]),
    ("POST", "/admin/people/{uid}/erase", &["person.erase"]),
    ("POST", "/admin/moderation/{kind}/{uid}/dismiss", &["report.dismiss"]),
    ("POST", "/admin/moderation/{kind}/{uid}/hide", &["report.hide"]),
    ("POST", "/admin/moderation/{kind}/{uid}/unhide", &["report.unhide"]),
    ("POST", "/admin/moderation/{kind}/{uid}/suspend", &["report.suspend_author"]),
    ("POST", "/admin/moderation/decisions/{uid}", &["appeal.uphold", "appeal.reverse"]),
];

/// GET routes that take data out of the server: audited like changes.
fn is_export(path: &str) -> bool {
    path.ends_with(".csv") || path.ends_with("/{file}") || path.ends_with("/export")
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// (method, path) of every `.route("/admin…", …)` in `code`.
fn admin_routes(code: &str, out: &mut BTreeSet<(String, String)>) {
    let mut rest = code;
    while let Some(at) = rest.find(".route(") {
        rest = &rest[at + ".route(".len()..];
        let Some(literal) = rest.trim_start().strip_prefix('"') else { continue };
        let (path, after) = literal.split_once('"').unwrap();
        let mut depth = 1;
        let end = after
            .char_indices()
            .find(|(_, c)| {
                depth += match c {
                    '(' => 1,
                    ')' => -1,
                    _ => 0,
                };
                depth == 0
            })
            .map_or(after.len(), |(i, _)| i);
        if !path.starts_with("/admin") {
            continue;
        }
        let methods = &after[..end];
        for method in ["get", "post", "put", "patch", "delete"] {
            let called = methods.match_indices(&format!("{method}(")).any(|(i, _)| {
                i == 0 || !methods.as_bytes()[i - 1].is_ascii_alphanumeric() && methods.as_bytes()[i - 1] != b'_'
            });
            if called {
                out.insert((method.to_uppercase(), path.to_owned()));
            }
        }
    }
}

#[test]
fn every_console_action_is_audited_and_each_audit_row_is_tested() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let mut routes = BTreeSet::new();
    for file in &files {
        admin_routes(&std::fs::read_to_string(file).unwrap(), &mut routes);
    }
    let acting: BTreeSet<(String, String)> =
        routes.into_iter().filter(|(method, path)| method != "GET" || is_export(path)).collect();
    let listed: BTreeMap<(String, String), &[&str]> =
        AUDITED.iter().map(|(m, p, actions)| (((*m).to_owned(), (*p).to_owned()), *actions)).collect();
    let keys: BTreeSet<(String, String)> = listed.keys().cloned().collect();
    assert_eq!(
        acting, keys,
        "console routes that act (left) and the routes this test knows the audit rows of (right) differ: \
         add the new route's audit actions to AUDITED and a test that checks them"
    );

    // Each action is recorded by the source and asserted by a test that performs it.
    let source: String = files.iter().map(|f| std::fs::read_to_string(f).unwrap()).collect();
    let mut tests = Vec::new();
    rust_files(&root.join("tests/api"), &mut tests);
    let tests: String = tests
        .iter()
        .filter(|f| !f.ends_with("console_audit.rs"))
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    for action in listed.values().flat_map(|actions| actions.iter()) {
        assert!(source.contains(&format!("\"{action}\"")), "no handler records {action}");
        assert!(
            tests.contains(&format!("\"{action}\"")) || tests.contains(&format!("'{action}'")),
            "no test checks the audit row {action}"
        );
    }
}
