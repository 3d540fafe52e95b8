//! Client tests against the loopback Printful fixture, plus order validation and money.

use std::time::{Duration, Instant};

use serde_json::json;

use super::fixture::{Fixture, Mode};
use super::*;

const KEY: &str = "pf-test-key-123";

fn order(external_id: &str) -> PodOrder {
    PodOrder {
        external_id: external_id.into(),
        recipient: Recipient {
            name: "Ada Artist".into(),
            address1: "19749 Dearborn St".into(),
            address2: String::new(),
            city: "Chatsworth".into(),
            state_code: "CA".into(),
            country_code: "US".into(),
            zip: "91311".into(),
            email: "ada@example.com".into(),
        },
        items: vec![PodItem {
            catalog_variant_id: 4012,
            quantity: 2,
            name: "Tour Tee".into(),
            retail_price_minor: 1250,
            files: vec![PrintFile { url: "https://cdn.example.com/print/tee-front.png".into() }],
        }],
        currency: "USD".into(),
        currency_exponent: 2,
    }
}

async fn setup() -> (Fixture, PrintfulClient) {
    let fx = Fixture::start(KEY).await;
    let client = PrintfulClient::new(&fx.base_url, KEY).unwrap();
    (fx, client)
}

#[tokio::test]
async fn create_then_follow_production_to_shipped() {
    let (fx, client) = setup().await;
    let created = client.create_order(&order("job_1")).await.unwrap();
    assert_eq!(created.state, PodState::Submitted);
    assert_eq!(created.provider_ref, "1");
    assert_eq!(created.tracking_number, None);

    fx.advance("job_1", "inprocess", None);
    let u = client.get_order("job_1").await.unwrap();
    assert_eq!((u.state, u.provider_ref.as_str()), (PodState::InProduction, "1"));

    fx.advance(
        "job_1",
        "fulfilled",
        Some(json!({"id": 5, "carrier": "USPS", "service": "USPS First Class Mail",
            "tracking_number": "9400111899223100000000",
            "tracking_url": "https://tools.usps.com/go/TrackConfirmAction?tLabels=9400111899223100000000",
            "created": 1700000500, "ship_date": "2023-11-14", "reshipment": false, "items": []})),
    );
    let u = client.get_order("job_1").await.unwrap();
    assert_eq!(u.state, PodState::Shipped);
    assert_eq!(u.carrier.as_deref(), Some("USPS"));
    assert_eq!(u.tracking_number.as_deref(), Some("9400111899223100000000"));
    assert!(u.tracking_url.unwrap().contains("usps.com"));
}

#[tokio::test]
async fn request_body_is_printful_v1_shaped() {
    let (fx, client) = setup().await;
    client.create_order(&order("job_body")).await.unwrap();
    let (body, query) = fx.last_create();
    let body = body.unwrap();
    assert_eq!(query.as_deref(), Some("confirm=true"));
    assert_eq!(body["external_id"], "job_body");
    let item = &body["items"][0];
    assert_eq!(item["retail_price"], "12.50");
    assert_eq!(item["variant_id"], 4012);
    assert_eq!(item["quantity"], 2);
    assert_eq!(item["name"], "Tour Tee");
    assert_eq!(item["files"], json!([{"url": "https://cdn.example.com/print/tee-front.png"}]));
    assert_eq!(body["retail_costs"], json!({"currency": "USD"}));
    let r = &body["recipient"];
    assert_eq!(r["country_code"], "US");
    assert_eq!(r["state_code"], "CA");
    assert_eq!(r["zip"], "91311");
    assert!(r.get("address2").is_none(), "empty optional fields are left out");

    let mut yen = order("job_yen");
    yen.currency = "JPY".into();
    yen.currency_exponent = 0;
    client.create_order(&yen).await.unwrap();
    assert_eq!(fx.last_create().0.unwrap()["items"][0]["retail_price"], "1250");
}

#[tokio::test]
async fn retried_create_returns_the_existing_order() {
    let (fx, client) = setup().await;
    let first = client.create_order(&order("job_dup")).await.unwrap();
    fx.advance("job_dup", "inprocess", None);
    let again = client.create_order(&order("job_dup")).await.unwrap();
    assert_eq!(again.state, PodState::InProduction);
    assert_eq!(again.provider_ref, first.provider_ref);
    assert_eq!(fx.order_count(), 1);
}

#[tokio::test]
async fn wrong_key_is_rejected() {
    let (fx, _) = setup().await;
    let client = PrintfulClient::new(&fx.base_url, "not-the-key").unwrap();
    match client.create_order(&order("job_401")).await {
        Err(PodError::Rejected(msg)) => assert_eq!(msg, "Unauthorized"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(client.get_order("job_401").await, Err(PodError::Rejected(_))));
}

#[tokio::test]
async fn provider_400_is_rejected_with_its_message() {
    let (fx, client) = setup().await;
    let mut o = order("job_400");
    o.recipient.state_code.clear(); // passes our checks; Printful needs it for US
    match client.create_order(&o).await {
        Err(PodError::Rejected(msg)) => assert_eq!(msg, "Recipient: State code is missing"),
        other => panic!("{other:?}"),
    }
    assert_eq!((fx.requests(), fx.order_count()), (1, 0));
}

#[tokio::test]
async fn invalid_orders_are_rejected_without_a_request() {
    let (fx, client) = setup().await;
    type Mutate = fn(&mut PodOrder);
    let cases: Vec<(&str, Mutate)> = vec![
        ("country_code is missing", |o| o.recipient.country_code.clear()),
        ("recipient name", |o| o.recipient.name = "  ".into()),
        ("address1", |o| o.recipient.address1.clear()),
        ("city", |o| o.recipient.city.clear()),
        ("zip", |o| o.recipient.zip.clear()),
        ("two-letter", |o| o.recipient.country_code = "USA".into()),
        ("no items", |o| o.items.clear()),
        ("quantity", |o| o.items[0].quantity = 0),
        ("no print file", |o| o.items[0].files.clear()),
        ("not http", |o| o.items[0].files[0].url = "file:///x.png".into()),
        ("negative", |o| o.items[0].retail_price_minor = -1),
        ("variant", |o| o.items[0].catalog_variant_id = 0),
        ("external id", |o| o.external_id = "job/1".into()),
        ("external id", |o| o.external_id = "x".repeat(33)),
        ("currency", |o| o.currency = "US".into()),
        ("exponent", |o| o.currency_exponent = 19),
    ];
    for (want, mutate) in cases {
        let mut o = order("job_bad");
        mutate(&mut o);
        match client.create_order(&o).await {
            Err(PodError::Rejected(msg)) => assert!(msg.contains(want), "{msg:?} vs {want:?}"),
            other => panic!("{want}: {other:?}"),
        }
    }
    assert!(matches!(client.get_order("../x").await, Err(PodError::Rejected(_))));
    assert_eq!(fx.requests(), 0);
}

#[tokio::test]
async fn server_errors_are_transient() {
    let (fx, client) = setup().await;
    fx.set_mode(Mode::Fail500);
    match client.create_order(&order("job_500")).await {
        Err(PodError::Transient(msg)) => assert!(msg.contains("500"), "{msg}"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(client.get_order("job_500").await, Err(PodError::Transient(_))));
}

#[tokio::test]
async fn stalled_server_times_out_as_transient() {
    let fx = Fixture::start(KEY).await;
    let client =
        PrintfulClient::with_timeouts(&fx.base_url, KEY, Duration::from_millis(500), Duration::from_millis(400))
            .unwrap();
    fx.set_mode(Mode::Stall);
    let t = Instant::now();
    match client.create_order(&order("job_slow")).await {
        Err(PodError::Transient(msg)) => assert!(msg.contains("timed out"), "{msg}"),
        other => panic!("{other:?}"),
    }
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
}

#[tokio::test]
async fn connection_refused_is_transient() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = PrintfulClient::new(&format!("http://{addr}"), KEY).unwrap();
    assert!(matches!(client.get_order("job_x").await, Err(PodError::Transient(_))));
}

#[tokio::test]
async fn unknown_orders_are_not_found() {
    let (_fx, client) = setup().await;
    assert!(matches!(client.get_order("nope").await, Err(PodError::NotFound)));
    assert!(matches!(client.cancel_order("nope").await, Err(PodError::NotFound)));
}

#[tokio::test]
async fn cancel_pending_order_and_refuse_in_production() {
    let (fx, client) = setup().await;
    client.create_order(&order("job_c")).await.unwrap();
    let u = client.cancel_order("job_c").await.unwrap();
    assert_eq!((u.state, u.provider_ref.as_str()), (PodState::Cancelled, "1"));
    assert_eq!(client.get_order("job_c").await.unwrap().state, PodState::Cancelled);

    client.create_order(&order("job_d")).await.unwrap();
    fx.advance("job_d", "inprocess", None);
    assert!(matches!(client.cancel_order("job_d").await, Err(PodError::Rejected(_))));
}

#[tokio::test]
async fn base_url_with_a_path_prefix() {
    let fx = Fixture::start(KEY).await;
    let client = PrintfulClient::new(&format!("{}/pf/", fx.base_url), KEY).unwrap();
    let u = client.create_order(&order("job_pf")).await.unwrap();
    assert_eq!(u.state, PodState::Submitted);
    assert_eq!(client.get_order("job_pf").await.unwrap().provider_ref, u.provider_ref);
}

#[test]
fn constructor_checks_and_key_is_never_shown() {
    assert!(PrintfulClient::new("ftp://api.printful.com", KEY).is_err());
    assert!(PrintfulClient::new("not a url", KEY).is_err());
    assert!(PrintfulClient::new("https://u:p@api.printful.com", KEY).is_err());
    assert!(PrintfulClient::new("https://api.printful.com", " ").is_err());
    let c = PrintfulClient::new("https://api.printful.com", KEY).unwrap();
    assert!(!format!("{c:?}").contains(KEY));
}

#[test]
fn minor_units_format_with_integers() {
    let cases = [
        (1250, 2, "12.50"),
        (5, 2, "0.05"),
        (-5, 2, "-0.05"),
        (100, 2, "1.00"),
        (0, 2, "0.00"),
        (500, 0, "500"),
        (1, 3, "0.001"),
        (i64::MIN, 2, "-92233720368547758.08"),
        (i64::MAX, 18, "9.223372036854775807"),
    ];
    for (amount, exp, want) in cases {
        assert_eq!(format_minor(amount, exp).as_deref(), Some(want), "{amount}e-{exp}");
    }
    assert_eq!(format_minor(1, 19), None);
}

#[test]
fn printful_statuses_map_to_states() {
    use super::printful::map_status;
    let table = [
        ("draft", PodState::Submitted),
        ("pending", PodState::Submitted),
        ("inprocess", PodState::InProduction),
        ("onhold", PodState::InProduction),
        ("partial", PodState::InProduction),
        ("fulfilled", PodState::Shipped),
        ("failed", PodState::Failed),
        ("canceled", PodState::Cancelled),
        ("archived", PodState::Cancelled),
    ];
    for (s, want) in table {
        assert_eq!(map_status(s), Some(want), "{s}");
    }
    assert_eq!(map_status("shipped"), None);
}
