//! The web base: pages, error rendering, assets, headers, health, metrics.

use reqwest::header;

use crate::helpers::spawn_app;

#[tokio::test]
async fn healthz_answers_ok_while_the_database_answers() {
    let app = spawn_app().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap().trim(), "ok");
    app.stop().await;
}

#[tokio::test]
async fn home_page_renders_with_security_headers() {
    let app = spawn_app().await;
    let response = app.get("/").await;
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(csp.contains("default-src 'self'"), "{csp}");
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(headers[header::REFERRER_POLICY], "strict-origin-when-cross-origin");
    let html = response.text().await.unwrap();
    // The label's home page: its name and its artists, not a product pitch.
    assert!(html.contains("<h1>Boptone</h1>") && html.contains("Our artists"), "{html}");
    assert!(html.contains("TEST MONEY"), "sandbox payments are announced on every page");
    assert!(html.contains("/assets/css/boptone.css?v="), "assets are linked with their version");
    app.stop().await;
}

#[tokio::test]
async fn not_found_is_html_for_browsers_and_json_for_clients() {
    let app = spawn_app().await;
    let page = app.client.get(app.url("/no-such-page")).header(header::ACCEPT, "text/html").send().await.unwrap();
    assert_eq!(page.status(), 404);
    assert!(page.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    assert!(page.text().await.unwrap().contains("Not Found"));

    let json =
        app.client.get(app.url("/no-such-page")).header(header::ACCEPT, "application/json").send().await.unwrap();
    assert_eq!(json.status(), 404);
    let body: serde_json::Value = json.json().await.unwrap();
    assert_eq!(body["error"], "not_found");

    let api = app.get("/api/v1/nothing-here").await;
    assert_eq!(api.status(), 404);
    let body: serde_json::Value = api.json().await.unwrap();
    assert_eq!(body["error"], "not_found");
    app.stop().await;
}

#[tokio::test]
async fn framework_errors_are_rendered_too() {
    let app = spawn_app().await;
    let response = app.get("/webhooks/stripe").await;
    assert_eq!(response.status(), 405);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "method_not_allowed");
    app.stop().await;
}

#[tokio::test]
async fn versioned_assets_are_cached_long_and_revalidate() {
    let app = spawn_app().await;
    let html = app.get("/").await.text().await.unwrap();
    let start = html.find("/assets/css/boptone.css?v=").unwrap();
    let url = &html[start..start + html[start..].find('"').unwrap()];

    let response = app.get(url).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/css"));
    assert_eq!(response.headers()[header::CACHE_CONTROL], "public, max-age=31536000, immutable");
    let etag = response.headers()[header::ETAG].clone();

    let unversioned = app.get("/assets/css/boptone.css").await;
    assert_eq!(unversioned.headers()[header::CACHE_CONTROL], "no-cache");

    let revalidated = app.client.get(app.url(url)).header(header::IF_NONE_MATCH, etag).send().await.unwrap();
    assert_eq!(revalidated.status(), 304);

    assert_eq!(app.get("/assets/css/missing.css").await.status(), 404);
    app.stop().await;
}

#[tokio::test]
async fn responses_are_compressed_when_asked() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/assets/css/boptone.css"))
        .header(header::ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()[header::CONTENT_ENCODING], "gzip");
    app.stop().await;
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_show_the_event_queue() {
    let app = spawn_app().await;
    for _ in 0..3 {
        app.get("/healthz").await;
    }
    app.get("/some/unknown/path").await;
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains(r#"boptone_http_requests_total{method="GET",route="/healthz",status="200"} 3"#),
        "{metrics}"
    );
    assert!(metrics.contains(r#"route="unmatched",status="404"} 1"#), "raw paths never become labels: {metrics}");
    assert!(metrics.contains(r#"boptone_http_request_duration_seconds_bucket{le="#), "{metrics}");
    assert!(metrics.contains("boptone_events_pending 0"), "{metrics}");
    assert!(metrics.contains("boptone_events_dead 0"), "{metrics}");
    app.stop().await;
}

#[tokio::test]
async fn a_second_server_cannot_share_the_data_directory() {
    let app = spawn_app().await;
    let mut config = crate::helpers::test_config(&app.data_dir());
    config.server.listen = "127.0.0.1:0".parse().unwrap();
    let err = boptone::startup::Application::build(config).await.err().expect("the second server is refused");
    assert!(err.to_string().contains("in use by another boptone process"), "{err}");
    app.stop().await;
}
