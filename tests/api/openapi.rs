//! The OpenAPI description of `/api/v1` (`GET /api/v1/openapi.json`, kept
//! in `src/web/openapi.json`) held to the code, both ways:
//!
//! - Every route the app surface's routers declare is described, and
//!   nothing else: the routes are read from the source the way the router is
//!   built (`app_surface()` → each router function it merges → their
//!   `.route(…)` calls), every undescribed method of a described path must
//!   answer 405, and `/metrics` must show each described operation matched
//!   by a real route.
//! - Every operation is called against an app over `boptone demo` data
//!   (fans, artists, Bops, EPs, shops, orders) plus rows made through the API
//!   itself, and every response is validated against the schema the
//!   description gives for its status (an undocumented status fails, and so
//!   does an undocumented field: response objects are closed). Each
//!   documented status of each operation must be provoked at least once,
//!   but for the few listed in [`NOT_PROVOKED_HERE`].
//!
//! The description itself is checked for what OpenAPI 3.1 requires (every
//! `$ref` resolves, every schema is a valid JSON Schema 2020-12, path
//! parameters match their templates); in the end-to-end tier also by the
//! outside validator `openapi-spec-validator` (installed by `scripts/test`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Mutex;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::Method;
use serde_json::{Value, json};

use crate::bops::fixture;
use crate::helpers::{DEMO_PASSWORD, TestApp, client, spawn_demo_app};

/// An id no row has.
const UNKNOWN: &str = "0123456789abcdef0123456789abcdef";

/// Documented statuses no call here provokes, and where they are tested.
const NOT_PROVOKED_HERE: &[(&str, &str, u16, &str)] = &[
    ("POST", "/playlists", 409, "a 201st playlist: tests/api/music_playlists.rs"),
    ("POST", "/accounts", 403, "fan signups closed by the label: tests/api/joining.rs"),
    #[cfg(not(feature = "e2e"))]
    ("POST", "/uploads/{id}/complete", 200, "direct uploads need S3: the end-to-end tier provokes it here"),
];

/// Rate limits and a saturated password hasher have tests of their own
/// (identity, search, tips, shop); provoking them here would slow this one.
const STATUSES_NOT_PROVOKED: &[u16] = &[429, 503];

/// A request body.
enum Body {
    None,
    Json(Value),
    /// Bytes with a content type, or none.
    Raw(Option<&'static str>, Vec<u8>),
}

/// The served description, and what calls against it have shown so far.
struct Contract {
    document: Value,
    /// (method, path template) → the operation.
    operations: BTreeMap<(String, String), Value>,
    /// (method, path template, status) answered so far.
    seen: Mutex<BTreeSet<(String, String, u16)>>,
}

impl Contract {
    async fn fetch(app: &TestApp) -> Contract {
        let response = app.get("/api/v1/openapi.json").await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "application/json");
        let document: Value = response.json().await.unwrap();
        let mut operations = BTreeMap::new();
        for (path, item) in document["paths"].as_object().expect("paths") {
            for (method, operation) in item.as_object().unwrap() {
                if method != "parameters" {
                    operations.insert((method.to_uppercase(), path.clone()), operation.clone());
                }
            }
        }
        Contract { document, operations, seen: Mutex::new(BTreeSet::new()) }
    }

    /// What a `$ref` (or a chain of them) points at inside the description.
    fn resolve<'a>(&'a self, mut value: &'a Value) -> &'a Value {
        while let Some(target) = value.get("$ref").and_then(Value::as_str) {
            let pointer = target.strip_prefix('#').unwrap_or_else(|| panic!("{target}: only local references"));
            value = self.document.pointer(pointer).unwrap_or_else(|| panic!("{target} points at nothing"));
        }
        value
    }

    /// Validates `instance` against `schema`, whose references point into the description.
    fn check(&self, schema: &Value, instance: &Value) -> Result<(), String> {
        let mut root = self.document.clone();
        root["$defs"] = json!({ "target": schema });
        root["$ref"] = json!("#/$defs/target");
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&root)
            .map_err(|e| format!("the schema does not compile: {e}"))?;
        let errors: Vec<String> =
            validator.iter_errors(instance).map(|e| format!("{} at {}", e, e.instance_path())).collect();
        if errors.is_empty() { Ok(()) } else { Err(errors.join("\n")) }
    }

    /// The template a concrete path (without query) matches; literal
    /// segments win over parameters, as in the router.
    fn template_of(&self, path: &str) -> Option<String> {
        let segments: Vec<&str> = path.split('/').collect();
        let mut best: Option<(usize, &String)> = None;
        for template in self.document["paths"].as_object().unwrap().keys() {
            let parts: Vec<&str> = template.split('/').collect();
            if parts.len() != segments.len() {
                continue;
            }
            let fits = parts.iter().zip(&segments).all(|(p, s)| p == s || (p.starts_with('{') && !s.is_empty()));
            let literal = parts.iter().filter(|p| !p.starts_with('{')).count();
            if fits && best.is_none_or(|(n, _)| literal > n) {
                best = Some((literal, template));
            }
        }
        best.map(|(_, t)| t.clone())
    }

    /// Sends a request to `/api/v1{path}` and checks the answer against the
    /// description: the status must be documented for the operation, the
    /// body valid for that status's schema (or empty when it has none), its
    /// required headers present; a request body the server took must be
    /// valid for the documented request schema. Returns the status and body.
    async fn call(&self, app: &TestApp, token: Option<&str>, method: &str, path: &str, body: Body) -> (u16, Value) {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = client().request(method.clone(), app.url(&format!("/api/v1{path}")));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let sent = match body {
            Body::None => None,
            Body::Json(value) => {
                request = request.json(&value);
                Some(value)
            }
            Body::Raw(content_type, bytes) => {
                if let Some(content_type) = content_type {
                    request = request.header("content-type", content_type);
                }
                request = request.body(bytes);
                None
            }
        };
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        let bare = path.split('?').next().unwrap();
        let template = self.template_of(bare).unwrap_or_else(|| panic!("{method} {path}: no such path described"));
        let key = (method.to_string(), template.clone());
        let operation = self.operations.get(&key).unwrap_or_else(|| panic!("{method} {template} is not described"));
        let what = format!("{method} {path} → {status}");
        let documented = operation["responses"]
            .get(status.to_string())
            .unwrap_or_else(|| panic!("{what}, a status the description does not list: {text}"));
        let documented = self.resolve(documented);
        for (name, header) in documented["headers"].as_object().into_iter().flatten() {
            if header["required"] == true {
                assert!(headers.contains_key(name.as_str()), "{what} without its header {name}");
            }
        }
        let body = match documented.pointer("/content/application~1json/schema") {
            Some(schema) => {
                let content_type = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
                assert!(content_type.starts_with("application/json"), "{what} as {content_type:?}: {text}");
                let body: Value =
                    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {text}"));
                if let Err(errors) = self.check(schema, &body) {
                    panic!("{what} does not match its schema:\n{errors}\n{body:#}");
                }
                body
            }
            None => {
                assert!(text.is_empty(), "{what} has a body, the description none: {text}");
                Value::Null
            }
        };
        if let (true, Some(sent)) = ((200..300).contains(&status), &sent) {
            let schema = operation
                .pointer("/requestBody/content/application~1json/schema")
                .unwrap_or_else(|| panic!("{what}: the server took a JSON body the description does not have"));
            if let Err(errors) = self.check(schema, sent) {
                panic!("{what}: the server took a body its request schema refuses:\n{errors}\n{sent:#}");
            }
        }
        self.seen.lock().unwrap().insert((key.0, key.1, status));
        (status, body)
    }

    /// [`Contract::call`] that must answer `status`.
    async fn expect(
        &self,
        status: u16,
        app: &TestApp,
        token: Option<&str>,
        method: &str,
        path: &str,
        body: Body,
    ) -> Value {
        let (got, answer) = self.call(app, token, method, path, body).await;
        assert_eq!(got, status, "{method} {path}: {answer}");
        answer
    }
}

fn j(value: Value) -> Body {
    Body::Json(value)
}

fn id_of(value: &Value) -> String {
    value["id"].as_str().unwrap_or_else(|| panic!("no id in {value}")).to_owned()
}

/// Sign-ins and account requests come from one address here.
fn roomy(config: &mut boptone::config::Config) {
    config.set("accounts.login_attempts_per_ip_per_minute", 100);
}

async fn sign_in(c: &Contract, app: &TestApp, email: &str, password: &str) -> String {
    let body = j(json!({"email": email, "password": password}));
    c.expect(200, app, None, "POST", "/auth/token", body).await["token"].as_str().unwrap().to_owned()
}

/// A valid P-256 public key (the curve's generator), as a browser's `p256dh`.
fn p256dh() -> String {
    let x = "6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296";
    let y = "4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5";
    URL_SAFE_NO_PAD.encode(hex::decode(format!("04{x}{y}")).unwrap())
}

#[tokio::test]
async fn the_openapi_description_covers_every_route_and_every_response_matches_it() {
    let app = spawn_demo_app(2, 8, 12, roomy).await;
    let c = Contract::fetch(&app).await;
    described_well(&c.document);
    assert_eq!(c.document["servers"][0]["url"], format!("{}/api/v1", app.address), "this instance's app surface");

    // Every route of the code is described, and only those.
    let in_code = routes_in_code();
    let described: BTreeSet<(String, String)> = c.operations.keys().cloned().collect();
    let undescribed: Vec<_> = in_code.difference(&described).collect();
    let phantom: Vec<_> = described.difference(&in_code).collect();
    assert!(
        undescribed.is_empty() && phantom.is_empty(),
        "routes of the code missing from src/web/openapi.json: {undescribed:?}\n\
         described routes the code does not have: {phantom:?}"
    );

    // ---------------------------------------------------------------- the description itself
    let served = app.get("/api/v1/openapi.json").await;
    let etag = served.headers()["etag"].to_str().unwrap().to_owned();
    assert!(served.headers()["cache-control"].to_str().unwrap().starts_with("public"));
    c.expect(200, &app, None, "GET", "/openapi.json", Body::None).await;
    let revalidated =
        client().get(app.url("/api/v1/openapi.json")).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(revalidated.status(), 304);
    c.seen.lock().unwrap().insert(("GET".into(), "/openapi.json".into(), 304));

    // ---------------------------------------------------------------- accounts
    let fan = sign_in(&c, &app, "fan1@demo.boptone.test", DEMO_PASSWORD).await;
    let fan2 = sign_in(&c, &app, "fan2@demo.boptone.test", DEMO_PASSWORD).await;
    let artist = sign_in(&c, &app, "artist1@demo.boptone.test", DEMO_PASSWORD).await;
    let (fan, fan2, artist) = (Some(fan.as_str()), Some(fan2.as_str()), Some(artist.as_str()));
    let wrong = j(json!({"email": "fan1@demo.boptone.test", "password": "not the password"}));
    c.expect(401, &app, None, "POST", "/auth/token", wrong).await;
    c.expect(422, &app, None, "POST", "/auth/token", j(json!({"email": "fan1@demo.boptone.test"}))).await;
    let spare = sign_in(&c, &app, "fan1@demo.boptone.test", DEMO_PASSWORD).await;
    c.expect(204, &app, Some(&spare), "DELETE", "/auth/token", Body::None).await;
    c.expect(401, &app, Some(&spare), "GET", "/me", Body::None).await;

    let new_account = json!({"email": "newfan@example.com", "password": "a long passphrase", "display_name": "Ines"});
    let newfan =
        c.expect(201, &app, None, "POST", "/accounts", j(new_account)).await["token"].as_str().unwrap().to_owned();
    let bad_account = json!({"email": "not an email", "password": "short"});
    c.expect(422, &app, None, "POST", "/accounts", j(bad_account)).await;
    let newfan = Some(newfan.as_str());

    c.expect(200, &app, fan, "GET", "/me", Body::None).await;
    c.expect(200, &app, fan, "PATCH", "/me", j(json!({"display_name": "Maya R."}))).await;
    c.expect(422, &app, fan, "PATCH", "/me", j(json!({"display_name": "x".repeat(200)}))).await;
    c.expect(200, &app, fan, "GET", "/me/export", Body::None).await;
    let photo = crate::browser::png(300, 300);
    c.expect(200, &app, fan2, "PUT", "/me/avatar", Body::Raw(Some("image/png"), photo)).await;
    c.expect(422, &app, fan, "PUT", "/me/avatar", Body::Raw(Some("image/png"), b"not an image".to_vec())).await;
    c.expect(413, &app, fan, "PUT", "/me/avatar", Body::Raw(Some("image/png"), vec![0; 5 * 1024 * 1024 + 2])).await;
    c.expect(204, &app, fan, "DELETE", "/me/avatar", Body::None).await;
    let change = json!({"current_password": "a long passphrase", "new_password": "another long passphrase"});
    let newfan =
        c.expect(200, &app, newfan, "POST", "/me/password", j(change)).await["token"].as_str().unwrap().to_owned();
    let newfan = Some(newfan.as_str());
    let wrong_current = json!({"current_password": "not it at all", "new_password": "yet another passphrase"});
    c.expect(422, &app, newfan, "POST", "/me/password", j(wrong_current)).await;
    c.expect(422, &app, newfan, "DELETE", "/me", j(json!({"password": "not it at all"}))).await;
    c.expect(409, &app, artist, "DELETE", "/me", j(json!({"password": DEMO_PASSWORD}))).await;
    c.expect(204, &app, newfan, "DELETE", "/me", j(json!({"password": "another long passphrase"}))).await;

    // ---------------------------------------------------------------- artists
    let nova = c.expect(200, &app, fan, "GET", "/artists/@Demo_Artist_1", Body::None).await;
    let nova = id_of(&nova);
    c.expect(200, &app, fan, "GET", &format!("/artists/{nova}"), Body::None).await;
    c.expect(404, &app, fan, "GET", &format!("/artists/{UNKNOWN}"), Body::None).await;
    c.expect(200, &app, fan2, "POST", &format!("/artists/{nova}/follow"), Body::None).await;
    c.expect(404, &app, fan, "POST", &format!("/artists/{UNKNOWN}/follow"), Body::None).await;
    c.expect(422, &app, artist, "POST", &format!("/artists/{nova}/follow"), Body::None).await;
    c.expect(200, &app, fan2, "DELETE", &format!("/artists/{nova}/follow"), Body::None).await;
    c.expect(404, &app, fan, "DELETE", &format!("/artists/{UNKNOWN}/follow"), Body::None).await;
    c.expect(422, &app, artist, "DELETE", &format!("/artists/{nova}/follow"), Body::None).await;
    c.expect(200, &app, fan, "POST", &format!("/artists/{nova}/follow"), Body::None).await;

    let grid = c.expect(200, &app, fan, "GET", &format!("/artists/{nova}/bops"), Body::None).await;
    c.expect(422, &app, fan, "GET", &format!("/artists/{nova}/bops?cursor=yesterday"), Body::None).await;
    c.expect(404, &app, fan, "GET", &format!("/artists/{UNKNOWN}/bops"), Body::None).await;
    let bop = id_of(&grid["items"][0]);

    let releases = c.expect(200, &app, fan, "GET", &format!("/artists/{nova}/releases?limit=5"), Body::None).await;
    c.expect(422, &app, fan, "GET", &format!("/artists/{nova}/releases?limit=0"), Body::None).await;
    c.expect(400, &app, fan, "GET", &format!("/artists/{nova}/releases?limit=ten"), Body::None).await;
    c.expect(404, &app, fan, "GET", &format!("/artists/{UNKNOWN}/releases"), Body::None).await;
    let release = id_of(&releases["items"][0]);

    let products = c.expect(200, &app, fan, "GET", &format!("/artists/{nova}/products"), Body::None).await;
    c.expect(422, &app, fan, "GET", &format!("/artists/{nova}/products?limit=51"), Body::None).await;
    c.expect(400, &app, fan, "GET", &format!("/artists/{nova}/products?limit=ten"), Body::None).await;
    c.expect(404, &app, fan, "GET", &format!("/artists/{UNKNOWN}/products"), Body::None).await;
    let items = products["items"].as_array().unwrap();
    let tee = id_of(items.iter().find(|p| p["kind"] == "physical").expect("the demo tee"));
    let download = id_of(items.iter().find(|p| p["kind"] == "digital").expect("the demo EP's download"));

    // ---------------------------------------------------------------- music
    let ep = c.expect(200, &app, fan, "GET", &format!("/releases/{release}"), Body::None).await;
    c.expect(404, &app, fan, "GET", &format!("/releases/{UNKNOWN}"), Body::None).await;
    let tracks: Vec<String> = ep["tracks"].as_array().unwrap().iter().map(id_of).collect();
    let play = |position: i64| j(json!({"position_ms": position, "source": "app"}));
    c.expect(200, &app, fan, "POST", &format!("/tracks/{}/plays", tracks[0]), play(0)).await;
    let radio = j(json!({"position_ms": 0, "source": "radio"}));
    c.expect(422, &app, fan, "POST", &format!("/tracks/{}/plays", tracks[0]), radio).await;
    c.expect(404, &app, fan, "POST", &format!("/tracks/{UNKNOWN}/plays"), play(0)).await;

    // ---------------------------------------------------------------- uploads and a new Bop
    let small = j(json!({"size": 10}));
    let upload = c.expect(201, &app, artist, "POST", "/uploads", small).await;
    let upload = upload["upload_id"].as_str().unwrap().to_owned();
    c.expect(403, &app, fan, "POST", "/uploads", j(json!({"size": 10}))).await;
    c.expect(422, &app, artist, "POST", "/uploads", j(json!({"size": 0}))).await;
    c.expect(200, &app, artist, "GET", &format!("/uploads/{upload}"), Body::None).await;
    c.expect(403, &app, fan, "GET", &format!("/uploads/{upload}"), Body::None).await;
    c.expect(404, &app, artist, "GET", &format!("/uploads/{UNKNOWN}"), Body::None).await;
    let bytes = |n: usize| Body::Raw(Some("application/octet-stream"), vec![7u8; n]);
    c.expect(200, &app, artist, "PUT", &format!("/uploads/{upload}?offset=0"), bytes(4)).await;
    c.expect(409, &app, artist, "PUT", &format!("/uploads/{upload}?offset=0"), bytes(4)).await;
    c.expect(400, &app, artist, "PUT", &format!("/uploads/{upload}"), bytes(4)).await;
    c.expect(403, &app, fan, "PUT", &format!("/uploads/{upload}?offset=0"), bytes(4)).await;
    c.expect(404, &app, artist, "PUT", &format!("/uploads/{UNKNOWN}?offset=0"), bytes(4)).await;
    let etags = || j(json!({"etags": ["\"abc\""]}));
    c.expect(409, &app, artist, "POST", &format!("/uploads/{upload}/complete"), etags()).await;
    c.expect(404, &app, artist, "POST", &format!("/uploads/{UNKNOWN}/complete"), etags()).await;
    c.expect(403, &app, fan, "POST", &format!("/uploads/{upload}/complete"), etags()).await;
    c.expect(422, &app, artist, "POST", &format!("/uploads/{upload}/complete"), j(json!({"etags": "abc"}))).await;
    // bops.max_open_uploads (3): a fourth waits for one to finish.
    let mut open = vec![upload];
    for _ in 0..2 {
        let started = c.expect(201, &app, artist, "POST", "/uploads", j(json!({"size": 10}))).await;
        open.push(started["upload_id"].as_str().unwrap().to_owned());
    }
    c.expect(409, &app, artist, "POST", "/uploads", j(json!({"size": 10}))).await;
    // More bytes than announced stop an upload.
    let stopped = open.pop().unwrap();
    c.expect(422, &app, artist, "PUT", &format!("/uploads/{stopped}?offset=0"), bytes(20)).await;
    c.expect(404, &app, artist, "DELETE", &format!("/uploads/{stopped}"), Body::None).await;
    c.expect(403, &app, fan, "DELETE", &format!("/uploads/{}", open[0]), Body::None).await;
    for upload in &open {
        c.expect(204, &app, artist, "DELETE", &format!("/uploads/{upload}"), Body::None).await;
    }

    let video = fixture("vertical.mp4");
    let created = c.expect(201, &app, artist, "POST", "/uploads", j(json!({"size": video.len()}))).await;
    let upload = created["upload_id"].as_str().unwrap().to_owned();
    let chunk = Body::Raw(Some("application/octet-stream"), video);
    c.expect(200, &app, artist, "PUT", &format!("/uploads/{upload}?offset=0"), chunk).await;
    let new_bop =
        json!({"upload_id": upload, "caption": "Soundcheck #live", "visibility": "followers", "track": tracks[0]});
    c.expect(422, &app, artist, "POST", "/bops", j(json!({"upload_id": upload, "visibility": "everyone"}))).await;
    c.expect(404, &app, artist, "POST", "/bops", j(json!({"upload_id": UNKNOWN}))).await;
    c.expect(403, &app, fan, "POST", "/bops", j(json!({"upload_id": upload}))).await;
    let posted = c.expect(201, &app, artist, "POST", "/bops", j(new_bop)).await;
    assert_eq!(posted["track"]["id"], tracks[0], "the tagged track: {posted}");
    app.drain_events().await;

    // ---------------------------------------------------------------- the feed and a Bop
    for query in ["", "?kind=following&limit=3", "?kind=latest"] {
        let page = c.expect(200, &app, fan, "GET", &format!("/feed{query}"), Body::None).await;
        assert!(!page["items"].as_array().unwrap().is_empty(), "{query}: {page}");
    }
    c.expect(422, &app, fan, "GET", "/feed?kind=popular", Body::None).await;
    c.expect(400, &app, fan, "GET", "/feed?limit=lots", Body::None).await;
    c.expect(200, &app, fan, "GET", &format!("/bops/{}", id_of(&posted)), Body::None).await;
    c.expect(200, &app, fan, "GET", &format!("/bops/{bop}"), Body::None).await;
    c.expect(404, &app, fan, "GET", &format!("/bops/{UNKNOWN}"), Body::None).await;
    for method in ["POST", "DELETE"] {
        c.expect(200, &app, fan, method, &format!("/bops/{bop}/like"), Body::None).await;
        c.expect(404, &app, fan, method, &format!("/bops/{UNKNOWN}/like"), Body::None).await;
    }
    c.expect(200, &app, fan, "POST", &format!("/bops/{bop}/views"), j(json!({"watched_ms": 4000}))).await;
    c.expect(422, &app, fan, "POST", &format!("/bops/{bop}/views"), j(json!({"watched_ms": -1}))).await;
    c.expect(404, &app, fan, "POST", &format!("/bops/{UNKNOWN}/views"), j(json!({"watched_ms": 4000}))).await;

    // ---------------------------------------------------------------- comments
    let comments = format!("/bops/{bop}/comments");
    let comment = c.expect(201, &app, fan, "POST", &comments, j(json!({"body": "On repeat"}))).await;
    let cid = comment["uid"].as_str().unwrap().to_owned();
    let reply =
        c.expect(201, &app, artist, "POST", &comments, j(json!({"body": "Thank you!", "parent_id": cid}))).await;
    let pin = format!("{comments}/{cid}/pin");
    c.expect(403, &app, fan2, "POST", &pin, Body::None).await;
    c.expect(200, &app, artist, "POST", &pin, Body::None).await;
    c.expect(422, &app, artist, "POST", &format!("{comments}/{}/pin", reply["uid"].as_str().unwrap()), Body::None)
        .await;
    c.expect(404, &app, artist, "POST", &format!("{comments}/{UNKNOWN}/pin"), Body::None).await;
    c.expect(403, &app, fan2, "DELETE", &pin, Body::None).await;
    c.expect(404, &app, artist, "DELETE", &format!("{comments}/{UNKNOWN}/pin"), Body::None).await;
    c.expect(200, &app, artist, "DELETE", &pin, Body::None).await;
    c.expect(422, &app, fan, "POST", &comments, j(json!({"body": ""}))).await;
    c.expect(404, &app, fan, "POST", &format!("/bops/{UNKNOWN}/comments"), j(json!({"body": "Hello"}))).await;
    let listed = c.expect(200, &app, fan, "GET", &format!("{comments}?limit=100"), Body::None).await;
    assert!(listed["items"].as_array().unwrap().iter().any(|c| c["parent_uid"] == cid), "{listed}");
    c.expect(400, &app, fan, "GET", &format!("{comments}?after=first"), Body::None).await;
    c.expect(404, &app, fan, "GET", &format!("/bops/{UNKNOWN}/comments"), Body::None).await;
    let one = format!("{comments}/{cid}");
    c.expect(200, &app, fan, "PATCH", &one, j(json!({"body": "On repeat, all week"}))).await;
    c.expect(403, &app, fan2, "PATCH", &one, j(json!({"body": "Mine now"}))).await;
    c.expect(422, &app, fan, "PATCH", &one, j(json!({"body": "  "}))).await;
    c.expect(404, &app, fan, "PATCH", &format!("{comments}/{UNKNOWN}"), j(json!({"body": "Hello"}))).await;
    for method in ["POST", "DELETE"] {
        c.expect(204, &app, fan2, method, &format!("{one}/like"), Body::None).await;
        c.expect(404, &app, fan2, method, &format!("{comments}/{UNKNOWN}/like"), Body::None).await;
    }
    c.expect(403, &app, fan2, "DELETE", &one, Body::None).await;
    c.expect(204, &app, fan, "DELETE", &one, Body::None).await;
    c.expect(404, &app, fan, "DELETE", &one, Body::None).await;

    // ---------------------------------------------------------------- reports
    c.expect(200, &app, None, "GET", "/reports/reasons", Body::None).await;
    let report = j(json!({"kind": "bop", "id": bop, "reason": "spam", "details": "Looks like a scam"}));
    let report = c.expect(201, &app, fan2, "POST", "/reports", report).await;
    c.expect(422, &app, fan2, "POST", "/reports", j(json!({"kind": "bop", "id": UNKNOWN, "reason": "spam"}))).await;
    c.expect(200, &app, fan2, "GET", "/reports", Body::None).await;
    c.expect(200, &app, fan2, "GET", &format!("/reports/{}", report["id"].as_str().unwrap()), Body::None).await;
    c.expect(404, &app, fan, "GET", &format!("/reports/{}", report["id"].as_str().unwrap()), Body::None).await;

    // ---------------------------------------------------------------- tips
    c.expect(200, &app, fan, "GET", "/tips/options", Body::None).await;
    let tips = format!("/bops/{bop}/tips");
    let tip = c.expect(201, &app, fan, "POST", &tips, j(json!({"amount_minor": 500, "message": "For the tour"}))).await;
    let tip = tip["tip_id"].as_str().unwrap().to_owned();
    c.expect(422, &app, fan, "POST", &tips, j(json!({"amount_minor": 1}))).await;
    c.expect(404, &app, fan, "POST", &format!("/bops/{UNKNOWN}/tips"), j(json!({"amount_minor": 500}))).await;
    c.expect(200, &app, fan, "POST", &format!("/tips/{tip}/confirm"), Body::None).await;
    c.expect(404, &app, fan2, "POST", &format!("/tips/{tip}/confirm"), Body::None).await;
    c.expect(200, &app, fan, "GET", &format!("/tips/{tip}"), Body::None).await;
    c.expect(404, &app, fan2, "GET", &format!("/tips/{tip}"), Body::None).await;
    let mine = c.expect(200, &app, fan, "GET", "/tips", Body::None).await;
    assert!(mine["items"].as_array().unwrap().iter().any(|t| t["id"] == tip.as_str()), "{mine}");
    // An artist whose payouts stop cannot be tipped.
    let payouts = |on: bool| {
        let sql = format!(
            "UPDATE stripe_connect_accounts SET payouts_enabled = {} WHERE artist_id =
             (SELECT id FROM artist_profiles WHERE handle = 'demo_artist_1')",
            i32::from(on)
        );
        app.state.db.write_blocking(boptone::db::Durability::Normal, move |tx| tx.execute(&sql, [])).unwrap();
    };
    payouts(false);
    c.expect(409, &app, fan, "POST", &tips, j(json!({"amount_minor": 500}))).await;
    payouts(true);

    // ---------------------------------------------------------------- playlists
    let mut list = c.expect(200, &app, fan, "GET", "/playlists", Body::None).await;
    assert_eq!(list, json!([]));
    let new = json!({"title": "Night drives", "description": "Windows down.", "public": true});
    let playlist = id_of(&c.expect(201, &app, fan, "POST", "/playlists", j(new)).await);
    c.expect(422, &app, fan, "POST", "/playlists", j(json!({"title": ""}))).await;
    let private = id_of(&c.expect(201, &app, fan, "POST", "/playlists", j(json!({"title": "Mine"}))).await);
    let at = format!("/playlists/{playlist}");
    let add = |track: &str| j(json!({"track_id": track}));
    c.expect(200, &app, fan, "POST", &format!("{at}/tracks"), add(&tracks[0])).await;
    c.expect(200, &app, fan, "POST", &format!("{at}/tracks"), j(json!({"track_id": tracks[1], "position": 0}))).await;
    c.expect(409, &app, fan, "POST", &format!("{at}/tracks"), add(&tracks[0])).await;
    c.expect(422, &app, fan, "POST", &format!("{at}/tracks"), add(UNKNOWN)).await;
    c.expect(404, &app, fan, "POST", &format!("/playlists/{UNKNOWN}/tracks"), add(&tracks[0])).await;
    let order = j(json!({"track_ids": [tracks[0], tracks[1]]}));
    c.expect(200, &app, fan, "PUT", &format!("{at}/tracks"), order).await;
    c.expect(422, &app, fan, "PUT", &format!("{at}/tracks"), j(json!({"track_ids": [tracks[0]]}))).await;
    c.expect(404, &app, fan, "PUT", &format!("/playlists/{UNKNOWN}/tracks"), j(json!({"track_ids": []}))).await;
    let shown = c.expect(200, &app, fan2, "GET", &at, Body::None).await;
    assert_eq!(shown["tracks"].as_array().unwrap().len(), 2, "{shown}");
    c.expect(404, &app, fan2, "GET", &format!("/playlists/{private}"), Body::None).await;
    c.expect(200, &app, fan, "PATCH", &at, j(json!({"description": "Windows down, volume up."}))).await;
    c.expect(422, &app, fan, "PATCH", &at, j(json!({"title": "t".repeat(101)}))).await;
    c.expect(404, &app, fan2, "PATCH", &at, j(json!({"public": false}))).await;
    c.expect(204, &app, fan, "DELETE", &format!("{at}/tracks/{}", tracks[1]), Body::None).await;
    c.expect(404, &app, fan, "DELETE", &format!("{at}/tracks/{}", tracks[1]), Body::None).await;
    list = c.expect(200, &app, fan, "GET", "/playlists", Body::None).await;
    assert_eq!(list.as_array().unwrap().len(), 2);
    c.expect(204, &app, fan, "DELETE", &format!("/playlists/{private}"), Body::None).await;
    c.expect(404, &app, fan, "DELETE", &format!("/playlists/{private}"), Body::None).await;

    // ---------------------------------------------------------------- the shop
    let product = c.expect(200, &app, fan, "GET", &format!("/products/{tee}"), Body::None).await;
    c.expect(404, &app, fan, "GET", &format!("/products/{UNKNOWN}"), Body::None).await;
    let variant = id_of(&product["variants"][0]);
    let address = json!({"name": "Maya Reyes", "line1": "1 Main St", "city": "Springfield", "postal_code": "12345", "country": "US"});
    let cart = |quantity: u32| {
        j(json!({"items": [{"variant_id": variant, "quantity": quantity}], "shipping_address": address}))
    };
    let unshipped = || j(json!({"items": [{"variant_id": variant, "quantity": 1}]}));
    c.expect(200, &app, fan, "POST", "/orders/quote", cart(1)).await;
    c.expect(422, &app, fan, "POST", "/orders/quote", unshipped()).await;
    c.expect(409, &app, fan, "POST", "/orders/quote", cart(90)).await;
    let order = c.expect(201, &app, fan, "POST", "/orders", cart(1)).await;
    let order = id_of(&order);
    c.expect(409, &app, fan, "POST", "/orders", cart(90)).await;
    c.expect(422, &app, fan, "POST", "/orders", unshipped()).await;
    c.expect(200, &app, fan, "POST", &format!("/orders/{order}/confirm"), Body::None).await;
    c.expect(404, &app, fan2, "POST", &format!("/orders/{order}/confirm"), Body::None).await;
    c.expect(200, &app, fan, "GET", &format!("/orders/{order}"), Body::None).await;
    c.expect(404, &app, fan2, "GET", &format!("/orders/{order}"), Body::None).await;
    c.expect(409, &app, fan, "DELETE", &format!("/orders/{order}"), Body::None).await;
    let unpaid = id_of(&c.expect(201, &app, fan, "POST", "/orders", cart(2)).await);
    c.expect(204, &app, fan, "DELETE", &format!("/orders/{unpaid}"), Body::None).await;
    c.expect(404, &app, fan, "DELETE", &format!("/orders/{UNKNOWN}"), Body::None).await;
    // A download, paid: its links come with the receipt.
    let ep = c.expect(200, &app, fan, "GET", &format!("/products/{download}"), Body::None).await;
    let cart = j(json!({"items": [{"variant_id": id_of(&ep["variants"][0]), "quantity": 1}]}));
    let bought = id_of(&c.expect(201, &app, fan, "POST", "/orders", cart).await);
    let paid = c.expect(200, &app, fan, "POST", &format!("/orders/{bought}/confirm"), Body::None).await;
    assert!(paid["downloads"][0]["url"].is_string(), "{paid}");
    let orders = c.expect(200, &app, fan, "GET", "/orders?limit=50", Body::None).await;
    assert!(orders["items"].as_array().unwrap().len() >= 4, "the demo's orders and these: {orders}");
    c.expect(422, &app, fan, "GET", "/orders?limit=0", Body::None).await;
    c.expect(400, &app, fan, "GET", "/orders?limit=all", Body::None).await;

    // ---------------------------------------------------------------- notifications and push
    let notices = c.expect(200, &app, fan, "GET", "/notifications?limit=1", Body::None).await;
    assert!(notices["notifications"].as_array().unwrap().len() == 1, "the new Bop's notice: {notices}");
    c.expect(400, &app, fan, "GET", "/notifications?before=x", Body::None).await;
    c.expect(200, &app, fan, "GET", "/notifications/unread_count", Body::None).await;
    c.expect(200, &app, fan, "POST", "/notifications/read", j(json!({"ids": [notices["notifications"][0]["id"]]})))
        .await;
    c.expect(200, &app, fan, "POST", "/notifications/read", j(json!({"all": true}))).await;
    c.expect(404, &app, fan, "POST", "/notifications/read", j(json!({"ids": [999_999]}))).await;
    c.expect(400, &app, fan, "POST", "/notifications/read", j(json!({}))).await;
    c.expect(200, &app, fan, "GET", "/notifications/preferences", Body::None).await;
    let change = json!({"preferences": [{"kind": "new_bop", "email": true}]});
    c.expect(200, &app, fan, "PUT", "/notifications/preferences", j(change)).await;
    let unknown = json!({"preferences": [{"kind": "spam", "email": true}]});
    c.expect(400, &app, fan, "PUT", "/notifications/preferences", j(unknown)).await;
    c.expect(200, &app, None, "GET", "/push/key", Body::None).await;
    let endpoint = "https://push.example.net/wpush/openapi";
    let subscription = json!({
        "endpoint": endpoint,
        "expirationTime": null,
        "keys": {"p256dh": p256dh(), "auth": URL_SAFE_NO_PAD.encode([9u8; 16])},
    });
    c.expect(201, &app, fan, "POST", "/push/subscriptions", j(subscription.clone())).await;
    c.expect(200, &app, fan, "POST", "/push/subscriptions", j(subscription)).await;
    c.expect(422, &app, fan, "POST", "/push/subscriptions", j(json!({"endpoint": "http://push.example.net/x"}))).await;
    c.expect(422, &app, fan, "DELETE", "/push/subscriptions", j(json!({}))).await;
    c.expect(204, &app, fan, "DELETE", "/push/subscriptions", j(json!({"endpoint": endpoint}))).await;
    c.expect(404, &app, fan, "DELETE", "/push/subscriptions", j(json!({"endpoint": endpoint}))).await;

    // ---------------------------------------------------------------- search
    let found = c.expect(200, &app, None, "GET", "/search?q=demo", Body::None).await;
    assert!(!found["artists"].as_array().unwrap().is_empty(), "{found}");
    c.expect(200, &app, None, "GET", "/search?q=tee&kind=products&limit=3", Body::None).await;
    c.expect(422, &app, None, "GET", "/search?q=", Body::None).await;
    c.expect(200, &app, None, "GET", "/explore", Body::None).await;

    // ---------------------------------------------------------------- every operation's common errors
    for ((method, template), operation) in c.operations.clone() {
        let concrete: String =
            template.split('/').map(|s| if s.starts_with('{') { UNKNOWN } else { s }).collect::<Vec<_>>().join("/");
        let secured = operation.get("security") != Some(&json!([]));
        if secured {
            c.expect(401, &app, None, &method, &concrete, Body::None).await;
        }
        if operation.pointer("/requestBody/content/application~1json").is_some() {
            // Artists-only operations look at the body after the caller.
            let token = if operation["responses"]["403"]["$ref"] == "#/components/responses/ArtistsOnly" {
                artist
            } else {
                fan
            };
            for body in [Body::Raw(Some("application/json"), b"{".to_vec()), Body::Raw(None, b"{}".to_vec())] {
                let (status, _) = c.call(&app, token, &method, &concrete, body).await;
                assert!([400, 415, 422].contains(&status), "{method} {template}: {status} for a malformed body");
            }
        }
    }

    #[cfg(feature = "e2e")]
    direct_upload_on_s3(&c).await;

    // ---------------------------------------------------------------- every documented answer was seen
    let seen = c.seen.lock().unwrap().clone();
    let mut unprovoked = Vec::new();
    for ((method, template), operation) in &c.operations {
        for status in operation["responses"].as_object().unwrap().keys() {
            let status: u16 = status.parse().unwrap();
            let excused = STATUSES_NOT_PROVOKED.contains(&status)
                || NOT_PROVOKED_HERE
                    .iter()
                    .any(|(m, t, s, _)| (*m, *t, *s) == (method.as_str(), template.as_str(), status));
            if !excused && !seen.contains(&(method.clone(), template.clone(), status)) {
                unprovoked.push(format!("{method} {template} {status}"));
            }
        }
    }
    assert!(unprovoked.is_empty(), "documented answers no call here provoked:\n{}", unprovoked.join("\n"));
    for (method, template, status, _) in NOT_PROVOKED_HERE {
        let operation = &c.operations[&(method.to_string(), template.to_string())];
        assert!(
            operation["responses"].get(status.to_string()).is_some(),
            "{method} {template} {status} is not described"
        );
    }

    // ---------------------------------------------------------------- the router agrees
    // A described path answers 405 to every method it is not described with…
    for path in c.document["paths"].as_object().unwrap().keys() {
        let concrete = path.replace("{id}", UNKNOWN).replace("{comment}", UNKNOWN).replace("{track}", UNKNOWN);
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
            if c.operations.contains_key(&(method.to_owned(), path.clone())) {
                continue;
            }
            let method = Method::from_bytes(method.as_bytes()).unwrap();
            let response = client()
                .request(method.clone(), app.url(&format!("/api/v1{concrete}")))
                .bearer_auth(fan.unwrap())
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 405, "{method} {path} answers: undescribed?");
        }
    }
    // …and every described operation was served by a route of that name.
    let metrics = app.get("/metrics").await.text().await.unwrap();
    let served: BTreeSet<(String, String)> = metrics
        .lines()
        .filter(|l| l.starts_with("boptone_http_requests_total{"))
        .filter_map(|l| Some((label(l, "method")?, label(l, "route")?)))
        .collect();
    for (method, template) in c.operations.keys() {
        let route = format!("/api/v1{template}");
        assert!(
            served.contains(&(method.clone(), route.clone())),
            "{method} {route} never matched a route: {served:?}"
        );
    }
    app.stop().await;
}

/// A label's value in a line of Prometheus text.
fn label(line: &str, name: &str) -> Option<String> {
    let start = line.find(&format!("{name}=\""))? + name.len() + 2;
    Some(line[start..].split('"').next()?.to_owned())
}

/// Direct uploads exist only on S3: started, sent to the bucket and
/// completed, against the description.
#[cfg(feature = "e2e")]
async fn direct_upload_on_s3(c: &Contract) {
    let (app, _bucket, _endpoint) = crate::s3::spawn_s3_app().await;
    let (_browser, token) = crate::bops::artist(&app, "direct-openapi@example.com", "Direct").await;
    let token = Some(token.as_str());
    let started = c.expect(201, &app, token, "POST", "/uploads", j(json!({"size": 10, "direct": true}))).await;
    assert_eq!(started["mode"], "direct", "{started}");
    let id = started["upload_id"].as_str().unwrap().to_owned();
    let part = client().put(started["part_urls"][0].as_str().unwrap()).body(vec![1u8; 10]).send().await.unwrap();
    assert!(part.status().is_success(), "{}", part.status());
    let etag = part.headers()["etag"].to_str().unwrap().to_owned();
    c.expect(422, &app, token, "POST", &format!("/uploads/{id}/complete"), j(json!({"etags": []}))).await;
    c.expect(200, &app, token, "POST", &format!("/uploads/{id}/complete"), j(json!({"etags": [etag]}))).await;
    app.stop().await;
}

/// What OpenAPI 3.1 asks of the document that a JSON Schema of it cannot
/// say, and a few house rules: local references that resolve, schemas that
/// are valid JSON Schema 2020-12, path parameters that match their
/// templates, unique operation ids, an error for each secured operation
/// without a token and for each JSON body that is not one.
fn described_well(document: &Value) {
    assert!(document["openapi"].as_str().is_some_and(|v| v.starts_with("3.1.")), "OpenAPI 3.1");
    // Every reference resolves.
    fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(target)) = map.get("$ref") {
                    out.push(target);
                }
                map.values().for_each(|v| refs(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut targets = Vec::new();
    refs(document, &mut targets);
    for target in targets {
        let pointer = target.strip_prefix('#').unwrap_or_else(|| panic!("{target}: only local references"));
        assert!(document.pointer(pointer).is_some(), "{target} points at nothing");
    }
    // Every schema is valid JSON Schema 2020-12 (the validator checks it against the meta-schema).
    for (name, schema) in document["components"]["schemas"].as_object().unwrap() {
        jsonschema::draft202012::meta::validate(schema).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut root = document.clone();
        root["$ref"] = json!(format!("#/components/schemas/{name}"));
        jsonschema::draft202012::new(&root).unwrap_or_else(|e| panic!("{name} does not compile: {e}"));
    }
    let mut ids = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        let in_template: BTreeSet<&str> =
            path.split('/').filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}'))).collect();
        for (method, operation) in item.as_object().unwrap().iter().filter(|(m, _)| *m != "parameters") {
            let params = item["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .chain(operation["parameters"].as_array().into_iter().flatten());
            let declared: BTreeSet<&str> =
                params.filter(|p| p["in"] == "path").map(|p| p["name"].as_str().unwrap()).collect();
            assert_eq!(declared, in_template, "{method} {path}: path parameters");
            let id = operation["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path}: operationId"));
            assert!(ids.insert(id), "operationId {id} twice");
            assert!(operation["summary"].is_string() && operation["tags"].is_array(), "{method} {path}: summary, tags");
            let responses = operation["responses"].as_object().unwrap();
            assert!(responses.keys().any(|s| s.starts_with('2')), "{method} {path}: a success");
            if operation.get("security") != Some(&json!([])) {
                assert!(responses.contains_key("401"), "{method} {path}: 401 without a token");
            }
            if operation.pointer("/requestBody/content/application~1json").is_some() {
                assert!(["400", "422"].iter().any(|s| responses.contains_key(*s)), "{method} {path}: a bad body");
            }
        }
    }
}

// -------------------------------------------------------------------- the routes of the code

fn source(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The body of the first `fn {name}(` in `code`, braces matched (braces in
/// string literals, like route templates', are skipped).
fn body_of<'a>(code: &'a str, name: &str, file: &str) -> &'a str {
    let start = code.find(&format!("fn {name}(")).unwrap_or_else(|| panic!("no fn {name} in {file}"));
    let open = start + code[start..].find('{').unwrap();
    let (mut depth, mut in_string, mut escaped) = (0, false, false);
    for (i, ch) in code[open..].char_indices() {
        match (in_string, ch) {
            (true, '\\') if !escaped => {
                escaped = true;
                continue;
            }
            (true, '"') if !escaped => in_string = false,
            (false, '"') => in_string = true,
            (false, '{') => depth += 1,
            (false, '}') => {
                depth -= 1;
                if depth == 0 {
                    return &code[open + 1..open + i];
                }
            }
            _ => {}
        }
        escaped = false;
    }
    panic!("unbalanced fn {name} in {file}")
}

/// `a::b::f()` calls (lowercase paths, no arguments): the routers merged.
fn router_calls(body: &str) -> Vec<(Vec<String>, String)> {
    let bytes = body.as_bytes();
    let mut calls = Vec::new();
    let mut i = 0;
    while let Some(at) = body[i..].find("()") {
        let end = i + at;
        let mut start = end;
        while start > 0
            && (bytes[start - 1].is_ascii_lowercase() || bytes[start - 1] == b'_' || bytes[start - 1] == b':')
        {
            start -= 1;
        }
        let path = &body[start..end];
        // `Router::new()` is not one: a path of lowercase names only.
        let whole = start == 0 || !bytes[start - 1].is_ascii_alphanumeric();
        if whole && path.contains("::") && !path.starts_with(':') {
            let mut parts: Vec<String> = path.split("::").map(str::to_owned).collect();
            let name = parts.pop().unwrap();
            calls.push((parts, name));
        }
        i = end + 2;
    }
    calls
}

/// Identifiers directly followed by `(`: the functions called.
fn called(code: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = code;
    while let Some(start) = rest.find(|c: char| c.is_ascii_alphabetic() || c == '_') {
        rest = &rest[start..];
        let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
        if rest[end..].starts_with('(') {
            names.push(&rest[..end]);
        }
        rest = &rest[end..];
    }
    names
}

/// The methods of each `.route("…", …)` in a router function's body.
fn routes_of(body: &str, file: &str, out: &mut BTreeSet<(String, String)>) {
    let unknown = [".nest(", ".nest_service(", ".route_service(", ".fallback_service("];
    if let Some(construct) = unknown.iter().find(|c| body.contains(**c)) {
        panic!("{file} builds its router with {construct}: teach tests/api/openapi.rs to read it");
    }
    let mut rest = body;
    while let Some(at) = rest.find(".route(") {
        rest = &rest[at + ".route(".len()..];
        let literal =
            rest.trim_start().strip_prefix('"').unwrap_or_else(|| panic!("{file}: a route not named by a literal"));
        let (path, after) = literal.split_once('"').unwrap();
        // The method router: up to the `)` that closes `.route(`.
        let mut depth = 1;
        let end = after.char_indices().find(|(_, c)| {
            depth += match c {
                '(' => 1,
                ')' => -1,
                _ => 0,
            };
            depth == 0
        });
        let expression = &after[..end.unwrap_or_else(|| panic!("{file}: unclosed route {path}")).0];
        let mut methods = 0;
        for name in called(expression) {
            match name {
                "get" | "post" | "put" | "patch" | "delete" => {
                    out.insert((name.to_uppercase(), path.to_owned()));
                    methods += 1;
                }
                "any" | "on" | "head" | "options" | "trace" | "connect" => {
                    panic!("{file}: route {path} uses {name}(): teach tests/api/openapi.rs to read it")
                }
                _ => {}
            }
        }
        assert!(methods > 0, "{file}: no method read for route {path}: {expression}");
    }
}

/// The file or folder of a module path under `src/`.
fn module_files(module: &[String]) -> Vec<String> {
    let base = format!("src/{}", module.join("/"));
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if root.join(format!("{base}.rs")).is_file() {
        return vec![format!("{base}.rs")];
    }
    fn walk(root: &Path, dir: &str, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(root.join(dir)).unwrap_or_else(|e| panic!("{dir}: {e}")).flatten() {
            let name = format!("{dir}/{}", entry.file_name().to_string_lossy());
            if entry.path().is_dir() {
                walk(root, &name, out);
            } else if name.ends_with(".rs") {
                out.push(name);
            }
        }
    }
    let mut files = Vec::new();
    walk(root, &base, &mut files);
    files
}

/// The routes a router function (`module::name`) adds, following what it merges.
fn routes_of_router(module: &[String], name: &str, out: &mut BTreeSet<(String, String)>) {
    let defining: Vec<(String, String)> = module_files(module)
        .into_iter()
        .map(|file| (source(&file), file))
        .filter(|(code, _)| code.contains(&format!("fn {name}() -> Router<AppState>")))
        .collect();
    assert_eq!(defining.len(), 1, "one fn {name}() -> Router<AppState> in src/{}", module.join("/"));
    let (code, file) = &defining[0];
    let body = body_of(code, name, file);
    routes_of(body, file, out);
    for (path, callee) in router_calls(body) {
        let mut target = module.to_vec();
        target.extend(path);
        routes_of_router(&target, &callee, out);
    }
}

/// Every (method, path) the app surface's routers declare, read from the
/// source the way `router::app_surface` builds it.
fn routes_in_code() -> BTreeSet<(String, String)> {
    let router = source("src/router.rs");
    let surface = body_of(&router, "app_surface", "src/router.rs");
    let mut routes = BTreeSet::new();
    routes_of(surface, "src/router.rs", &mut routes);
    for (path, name) in router_calls(surface) {
        routes_of_router(&path, &name, &mut routes);
    }
    assert!(surface.contains("pillar.api()"), "app_surface merges every pillar's api(): teach this test if not");
    let pillars = source("src/pillars.rs");
    for line in pillars.lines().filter(|l| l.contains("::PILLAR")) {
        let pillar = line.trim().trim_start_matches("&crate::").split("::").next().unwrap().to_owned();
        let file = format!("src/{pillar}/mod.rs");
        let code = source(&file);
        if !code.contains("fn api(&self)") {
            continue;
        }
        let body = body_of(&code, "api", &file);
        routes_of(body, &file, &mut routes);
        for (path, name) in router_calls(body) {
            let mut module = vec![pillar.clone()];
            module.extend(path);
            routes_of_router(&module, &name, &mut routes);
        }
    }
    assert!(routes.len() > 50, "too few routes read from the source: {routes:?}");
    routes
}

/// The outside check: `openapi-spec-validator` (OpenAPI 3.1's JSON Schema
/// and its own rules) on the served description.
#[cfg(feature = "e2e")]
#[tokio::test]
async fn an_outside_validator_accepts_the_openapi_description() {
    let validator = std::env::var("OPENAPI_SPEC_VALIDATOR").expect(
        "OPENAPI_SPEC_VALIDATOR is not set: run the suite with scripts/test, which installs openapi-spec-validator",
    );
    let app = crate::helpers::spawn_app().await;
    let document = app.get("/api/v1/openapi.json").await.text().await.unwrap();
    let file = app.dir.path().join("openapi.json");
    std::fs::write(&file, document).unwrap();
    let output = std::process::Command::new(&validator).arg(&file).output().expect("openapi-spec-validator runs");
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    app.stop().await;
}
