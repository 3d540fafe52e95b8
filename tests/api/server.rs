//! The server's own defences: bounded metrics, connection limits and
//! timeouts, client addresses behind proxies, security and cache headers,
//! `/metrics` access, links from the real listen address, and mail that
//! never holds the writer.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::browser::{Browser, PASSWORD, onboarded_artist};
use crate::helpers::{TestApp, spawn_app, spawn_app_with};
use crate::smtp_sink::SmtpSink;

fn socket_addr(app: &TestApp) -> String {
    app.address.trim_start_matches("http://").to_owned()
}

/// Reads until the server closes the connection; `None` if it is still open
/// after `limit` (the test's own bound, far above the configured timeouts).
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> Option<Vec<u8>> {
    let mut seen = Vec::new();
    let read_all = async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(limit, read_all).await.ok().map(|()| seen)
}

#[tokio::test]
async fn made_up_methods_do_not_grow_the_metrics() {
    let app = spawn_app().await;
    for i in 0..200 {
        let method = reqwest::Method::from_bytes(format!("X{i:04}{}", "M".repeat(2000)).as_bytes()).unwrap();
        let response = app.client.request(method, app.url("/api/v1/nothing-here")).send().await.unwrap();
        assert!(response.status().is_client_error() || response.status().is_server_error());
    }
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(!metrics.contains("X0001MMM"), "a made-up method became a label");
    assert!(metrics.contains("method=\"other\""), "{metrics}");
    assert!(metrics.len() < 64 * 1024, "metrics grew to {} bytes", metrics.len());
    app.stop().await;
}

#[tokio::test]
async fn each_event_handler_is_timed_in_the_metrics() {
    let app = spawn_app().await;
    let (_, nova) = crate::bops::artist(&app, "nova@example.com", "Nova").await;
    let (_, bop) = crate::bops::post_bop(&app, &nova, "vertical.mp4", "timed").await;
    let fan = crate::bops::token(&app, &crate::bops::fan(&app, "ada@example.com"), crate::bops::FAN_PASSWORD).await;
    let like = format!("/api/v1/bops/{}/like", bop["id"].as_str().unwrap());
    crate::bops::call(&app, Some(&fan), reqwest::Method::POST, &like, None).await;
    app.drain_events().await;
    let metrics = app.get("/metrics").await.text().await.unwrap();
    for handler in ["analytics.snapshot", "analytics.loyalty", "bops.rank", "search.trending"] {
        let series =
            format!("boptone_event_handler_duration_seconds_count{{event=\"bop.liked\",handler=\"{handler}\"}} 1");
        assert!(metrics.contains(&series), "{series} in {metrics}");
    }
    app.stop().await;
}

async fn app_with_timeouts(header_secs: u64, idle_secs: u64, max_connections: u64) -> TestApp {
    spawn_app_with(
        |c| {
            c.server.header_read_timeout_secs = header_secs;
            c.server.idle_timeout_secs = idle_secs;
            c.server.max_connections = max_connections;
        },
        None,
        None,
    )
    .await
}

#[tokio::test]
async fn silent_and_half_sent_requests_are_cut_off() {
    let app = app_with_timeouts(1, 60, 512).await;
    let mut silent = Vec::new();
    for _ in 0..100 {
        silent.push(TcpStream::connect(socket_addr(&app)).await.unwrap());
    }
    let mut half = TcpStream::connect(socket_addr(&app)).await.unwrap();
    half.write_all(b"GET /heal").await.unwrap();
    assert!(closed_within(&mut half, Duration::from_secs(15)).await.is_some(), "a half request line stays open");
    for stream in &mut silent {
        assert!(closed_within(stream, Duration::from_secs(15)).await.is_some(), "a silent connection stays open");
    }
    assert_eq!(app.get("/healthz").await.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn idle_keep_alive_and_stalled_bodies_are_closed() {
    let app = app_with_timeouts(1, 1, 512).await;
    let mut kept = TcpStream::connect(socket_addr(&app)).await.unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let answered = closed_within(&mut kept, Duration::from_secs(15)).await.expect("the idle connection is closed");
    assert!(String::from_utf8_lossy(&answered).starts_with("HTTP/1.1 200"), "the request itself was answered");

    let mut stalled = TcpStream::connect(socket_addr(&app)).await.unwrap();
    stalled
        .write_all(b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nemail=")
        .await
        .unwrap();
    assert!(closed_within(&mut stalled, Duration::from_secs(15)).await.is_some(), "a stalled body keeps its socket");
    app.stop().await;
}

#[tokio::test]
async fn open_connections_are_capped_and_slots_come_back() {
    let app = app_with_timeouts(30, 30, 4).await;
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(TcpStream::connect(socket_addr(&app)).await.unwrap());
    }
    let client = crate::helpers::client();
    let url = app.url("/healthz");
    let waiting = tokio::spawn(async move { client.get(url).send().await.map(|r| r.status().as_u16()) });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!waiting.is_finished(), "a fifth connection was served beyond max_connections = 4");
    held.pop();
    let status = tokio::time::timeout(Duration::from_secs(15), waiting).await.expect("served once a slot frees");
    assert_eq!(status.unwrap().unwrap(), 200);
    app.stop().await;
}

async fn failed_sign_in(app: &TestApp, forwarded_for: &str) -> u16 {
    let mut browser = Browser::new(&app.address);
    let token = browser.csrf().await;
    let fields = [("email", "who@example.com"), ("password", "wrong wrong wrong"), ("csrf_token", token.as_str())];
    let request = browser.client.post(app.url("/login")).header("x-forwarded-for", forwarded_for).form(&fields);
    request.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn forwarded_addresses_count_only_from_trusted_proxies() {
    // Untrusted: a client rotating X-Forwarded-For still shares one budget.
    let app = spawn_app().await;
    let limit = boptone::identity::state(&app.state).config.accounts.login_attempts_per_ip_per_minute;
    for i in 0..limit {
        assert_ne!(failed_sign_in(&app, &format!("198.51.100.{i}")).await, 429);
    }
    assert_eq!(failed_sign_in(&app, "198.51.100.250").await, 429, "a spoofed header escaped the per-IP limit");
    app.stop().await;

    // Trusted loopback proxy: each forwarded client has its own budget.
    let app = spawn_app_with(|c| c.server.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()], None, None).await;
    for _ in 0..limit {
        assert_ne!(failed_sign_in(&app, "203.0.113.9, 198.51.100.1").await, 429);
    }
    assert_eq!(failed_sign_in(&app, "198.51.100.1").await, 429, "the same client behind the proxy is limited");
    assert_ne!(failed_sign_in(&app, "198.51.100.2").await, 429, "another client behind the proxy is not");
    app.stop().await;
}

/// An anonymous web viewer's report of 5 s watched, through a proxy that
/// says the client is `forwarded_for`: whether the view counted.
async fn anonymous_view(app: &TestApp, browser: &mut Browser, bop: &str, forwarded_for: &str) -> bool {
    let csrf = browser.csrf().await;
    let response = browser
        .client
        .post(app.url(&format!("/bops/{bop}/views?csrf_token={csrf}")))
        .header("user-agent", "the same phone model")
        .header("x-forwarded-for", forwarded_for)
        .json(&serde_json::json!({"watched_ms": 5000}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json::<serde_json::Value>().await.unwrap()["counted"].as_bool().unwrap()
}

fn view_count(app: &TestApp, bop: &str) -> i64 {
    let bop = bop.to_owned();
    app.state
        .db
        .read_blocking(move |c| c.query_row("SELECT view_count FROM bops_videos WHERE uid = ?1", [bop], |r| r.get(0)))
        .unwrap()
}

/// Anonymous views are told apart by client address (and user agent):
/// the address `server.trusted_proxies` resolves, as for rate limits.
#[tokio::test]
async fn anonymous_views_count_per_client_address_behind_trusted_proxies_only() {
    // Loopback is not a trusted proxy: its X-Forwarded-For is the client's own say.
    let app = spawn_app_with(|c| c.server.trusted_proxies = vec!["192.0.2.0/24".parse().unwrap()], None, None).await;
    let (_studio, artist_token) = crate::bops::artist(&app, "watched@example.com", "Watched").await;
    let (status, bop) = crate::bops::post_bop(&app, &artist_token, "vertical.mp4", "watch me").await;
    assert_eq!(status, 201, "{bop}");
    let bop = bop["id"].as_str().unwrap().to_owned();
    let mut viewer = Browser::new(&app.address);
    assert!(anonymous_view(&app, &mut viewer, &bop, "198.51.100.1").await, "a first view counts");
    for spoofed in ["198.51.100.2", "198.51.100.3", "203.0.113.9, 198.51.100.4"] {
        assert!(!anonymous_view(&app, &mut viewer, &bop, spoofed).await, "{spoofed} made a new viewer");
    }
    assert_eq!(view_count(&app, &bop), 1);

    // Loopback as a trusted proxy: each forwarded client is its own viewer.
    let app = app.restart_with(|c| c.server.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()]).await;
    let mut viewer = Browser::new(&app.address);
    assert!(anonymous_view(&app, &mut viewer, &bop, "198.51.100.1").await, "a client behind the proxy");
    assert!(!anonymous_view(&app, &mut viewer, &bop, "198.51.100.1").await, "the same client within 30 minutes");
    assert!(anonymous_view(&app, &mut viewer, &bop, "198.51.100.2").await, "another client behind the proxy");
    assert!(
        !anonymous_view(&app, &mut viewer, &bop, "203.0.113.9, 198.51.100.2").await,
        "what the client wrote left of the proxy's entry proves nothing"
    );
    assert_eq!(view_count(&app, &bop), 3);
    app.stop().await;
}

/// A signed-out address's view reports have a budget (each is a write);
/// other addresses and signed-in viewers keep theirs.
#[tokio::test]
async fn one_address_gets_a_budget_of_anonymous_view_reports() {
    let app = spawn_app_with(
        |c| {
            c.server.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
            c.set("bops.anonymous_views_per_ip_per_minute", 2_i64);
        },
        None,
        None,
    )
    .await;
    let (_studio, artist_token) = crate::bops::artist(&app, "budget@example.com", "Budget").await;
    let (status, bop) = crate::bops::post_bop(&app, &artist_token, "vertical.mp4", "watch me").await;
    assert_eq!(status, 201, "{bop}");
    let bop = bop["id"].as_str().unwrap().to_owned();
    let mut viewer = Browser::new(&app.address);
    assert!(anonymous_view(&app, &mut viewer, &bop, "198.51.100.7").await);
    assert!(!anonymous_view(&app, &mut viewer, &bop, "198.51.100.7").await, "within 30 minutes: not counted");
    let csrf = viewer.csrf().await;
    let refused = viewer
        .client
        .post(app.url(&format!("/bops/{bop}/views?csrf_token={csrf}")))
        .header("x-forwarded-for", "198.51.100.7")
        .json(&serde_json::json!({"watched_ms": 5000}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 429, "the third report from one address in a minute");
    assert!(refused.headers().contains_key("retry-after"));
    assert!(anonymous_view(&app, &mut viewer, &bop, "198.51.100.8").await, "another address has its own budget");
    assert_eq!(view_count(&app, &bop), 2);
    // A signed-in viewer counts by account, whatever their address sent.
    let fan = crate::bops::fan(&app, "budget-fan@example.com");
    let token = crate::bops::token(&app, &fan, crate::bops::FAN_PASSWORD).await;
    let watched = Some(serde_json::json!({"watched_ms": 5000}));
    let (status, body) =
        crate::bops::call(&app, Some(&token), reqwest::Method::POST, &format!("/api/v1/bops/{bop}/views"), watched)
            .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(view_count(&app, &bop), 3);
    app.stop().await;
}

#[tokio::test]
async fn https_installations_pin_https_and_bind_the_csrf_cookie_to_the_host() {
    let app = spawn_app_with(|c| c.server.public_url = "https://label.example".parse().unwrap(), None, None).await;
    let response = app.get("/login").await;
    assert_eq!(response.headers()["strict-transport-security"], "max-age=31536000");
    let cookies: Vec<String> =
        response.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect();
    let csrf = cookies.iter().find(|c| c.starts_with("__Host-boptone_csrf=")).expect("a __Host- CSRF cookie");
    assert!(csrf.contains("Secure") && csrf.contains("Path=/") && !csrf.contains("Domain"), "{csrf}");
    app.stop().await;

    let plain = spawn_app().await;
    let response = plain.get("/login").await;
    assert!(response.headers().get("strict-transport-security").is_none(), "no HSTS over plain http");
    plain.stop().await;
}

#[tokio::test]
async fn signed_in_pages_are_never_cached() {
    let app = spawn_app().await;
    let mut artist = onboarded_artist(&app.address, "private@example.com", "Private Eye").await;
    let dashboard = artist.client.get(app.url("/dashboard")).send().await.unwrap();
    assert_eq!(dashboard.status(), 200);
    assert_eq!(dashboard.headers()["cache-control"], "no-store");
    let anonymous = app.get("/").await;
    assert!(anonymous.headers().get("cache-control").is_none_or(|v| v != "no-store"));
    let token = crate::bops::token(&app, "private@example.com", PASSWORD).await;
    let feed = app.client.get(app.url("/api/v1/feed")).bearer_auth(token).send().await.unwrap();
    assert_eq!(feed.headers()["cache-control"], "no-store");
    let _ = artist.get("/logout").await;
    app.stop().await;
}

#[tokio::test]
async fn metrics_can_be_closed_to_the_public() {
    let app = spawn_app_with(|c| c.ops.metrics_token = "s3cret-metrics".to_owned().into(), None, None).await;
    assert_eq!(app.get("/metrics").await.status(), 404);
    let wrong = app.client.get(app.url("/metrics")).bearer_auth("guess").send().await.unwrap();
    assert_eq!(wrong.status(), 404);
    let right = app.client.get(app.url("/metrics")).bearer_auth("s3cret-metrics").send().await.unwrap();
    assert_eq!(right.status(), 200);
    assert!(right.text().await.unwrap().contains("boptone_http_requests"));
    app.stop().await;
}

#[tokio::test]
async fn links_use_the_address_actually_listened_on() {
    let app = spawn_app().await;
    assert!(app.state.config.server.public_url_derived);
    assert_eq!(app.state.views.globals().public_url, app.address, "links follow the bound port, not 8080");
    let mut artist = onboarded_artist(&app.address, "linked@example.com", "Linked Up").await;
    let dashboard = artist.get("/dashboard").await;
    assert!(dashboard.body.contains(&format!("{}/@linked_up", app.address)), "the profile link uses the real port");
    app.drain_events().await;
    let mail = app.mails().join("\n");
    assert!(mail.contains(&format!("{}/@linked_up", app.address)), "{mail}");
    app.stop().await;
}

/// Asks for a reset link for `email` (which queues one email).
async fn forgot_password(app: &TestApp, email: &str) {
    let mut browser = Browser::new(&app.address);
    let page = browser.post_form("/forgot-password", &[("email", email)]).await;
    assert!(page.status < 400, "{}", page.body);
}

fn outbox_count(app: &TestApp, status: &'static str) -> i64 {
    app.state
        .db
        .read_blocking(move |c| {
            c.query_row("SELECT COUNT(*) FROM mail_outbox WHERE status = ?1", [status], |r| r.get(0))
        })
        .unwrap()
}

/// `n` fans with API tokens, straight into the database (no password
/// hashing, no mail): returns their bearer tokens.
fn fans_with_tokens(app: &TestApp, n: usize) -> Vec<String> {
    let tokens: Vec<String> = (0..n).map(|i| format!("liker-token-{i}")).collect();
    let hashes: Vec<String> = tokens.iter().map(|t| boptone::auth::hash_token(t)).collect();
    app.state
        .db
        .write_blocking(boptone::db::Durability::Normal, move |tx| {
            let now = boptone::db::now_ms();
            for (i, hash) in hashes.iter().enumerate() {
                tx.execute(
                    "INSERT INTO users (uid, email, password_hash, role, created_at) VALUES (?1, ?2, 'x', 'fan', ?3)",
                    rusqlite::params![format!("liker{i}"), format!("liker{i}@example.com"), now],
                )?;
                tx.execute(
                    "INSERT INTO api_tokens (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
                    rusqlite::params![hash, tx.last_insert_rowid(), now, now + 3_600_000],
                )?;
            }
            Ok::<_, rusqlite::Error>(())
        })
        .unwrap();
    tokens
}

#[tokio::test]
async fn a_slow_mail_server_holds_up_no_writes() {
    // Set up with mail written to files: signup links need reading.
    let app = spawn_app().await;
    let (_studio, artist_token) = crate::bops::artist(&app, "mailless@example.com", "Mailless").await;
    let (status, bop) = crate::bops::post_bop(&app, &artist_token, "vertical.mp4", "like me").await;
    assert_eq!(status, 201, "{bop}");
    let bop = bop["id"].as_str().unwrap().to_owned();
    let first = crate::bops::fan(&app, "first@example.com");
    let second = crate::bops::fan(&app, "second@example.com");
    let likers = fans_with_tokens(&app, 40);
    app.drain_events().await;
    app.mails(); // nothing left in the outbox for the slow server below
    assert_eq!(outbox_count(&app, "pending"), 0);
    let sent_before = outbox_count(&app, "sent");

    // Now with a mail server that sits on each message's DATA.
    let sink = SmtpSink::start(false).await;
    let url = sink.url.clone();
    let app = app.restart_with(move |c| c.mail.smtp_url = url.into()).await;
    forgot_password(&app, &first).await;
    let reached_data =
        crate::helpers::eventually(Duration::from_secs(20), || *sink.data_read.lock().unwrap() == 1).await;
    assert!(reached_data, "the reset email reached the mail server, which holds it");

    // Meanwhile 40 likes, each its own write through the single writer, all commit.
    let started = std::time::Instant::now();
    let likes = likers.iter().map(|token| {
        let request = app.client.post(app.url(&format!("/api/v1/bops/{bop}/like"))).bearer_auth(token).send();
        async move { request.await.map(|r| r.status().as_u16()) }
    });
    let statuses = tokio::time::timeout(Duration::from_secs(30), futures::future::join_all(likes))
        .await
        .expect("the likes waited for the mail server");
    assert!(statuses.iter().all(|s| matches!(s, Ok(200))), "{statuses:?}");
    // …and a write that queues mail of its own.
    let another = tokio::time::timeout(Duration::from_secs(30), forgot_password(&app, &second)).await;
    assert!(another.is_ok(), "a second reset waited for the mail server");
    let elapsed = started.elapsed();
    let likes_committed = bop.clone();
    let (rows, counter): (i64, i64) = app
        .state
        .db
        .read_blocking(move |c| {
            c.query_row(
                "SELECT (SELECT COUNT(*) FROM bops_likes l WHERE l.bop_id = b.id), b.like_count
                 FROM bops_videos b WHERE b.uid = ?1",
                [likes_committed],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
        .unwrap();
    assert_eq!((rows, counter), (40, 40), "every like committed, counter included");
    assert!(sink.received.lock().unwrap().is_empty(), "the mail server still had not answered ({elapsed:?} in)");
    assert_eq!(*sink.data_read.lock().unwrap(), 1, "the first message was still held the whole time");
    assert_eq!(outbox_count(&app, "pending"), 2, "both emails wait in the outbox");

    sink.release.add_permits(10);
    let delivered =
        crate::helpers::eventually(Duration::from_secs(20), || sink.received.lock().unwrap().len() == 2).await;
    assert!(delivered, "both emails are delivered once the server answers");
    assert!(
        crate::helpers::eventually(Duration::from_secs(10), || outbox_count(&app, "sent") == sent_before + 2).await
    );
    app.stop().await;
}

#[tokio::test]
async fn undeliverable_mail_is_retried_then_dead_lettered() {
    // Nothing listens on this port: every attempt fails at once.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let app = spawn_app_with(
        move |c| {
            c.mail.smtp_url = format!("smtp://{closed}").into();
            c.events.max_attempts = 3;
        },
        None,
        None,
    )
    .await;
    let fan = crate::bops::fan(&app, "nowhere@example.com");
    forgot_password(&app, &fan).await;
    let dead = crate::helpers::eventually(Duration::from_secs(30), || {
        app.state
            .db
            .read_blocking(|c| {
                c.query_row("SELECT status = 'dead' AND attempts = 3 FROM mail_outbox", [], |r| r.get::<_, bool>(0))
            })
            .unwrap_or(false)
    })
    .await;
    assert!(dead, "three failed attempts dead-letter the mail");
    app.stop().await;
}
