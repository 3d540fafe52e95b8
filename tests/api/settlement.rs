//! Settlement by purpose: every payment a pillar starts is recorded by the
//! payments room with its purpose, and settled once, through the settler
//! the pillar registered — from the sandbox's confirm or the provider.

use reqwest::Method;

use crate::bops::{FAN_PASSWORD, artist, call, count, fan, post_bop, tip, token};
use crate::helpers::spawn_app;

#[tokio::test]
async fn a_tip_is_recorded_as_a_payment_and_settled_once_by_its_payer_only() {
    let app = spawn_app().await;
    let (_browser, artist_token) = artist(&app, "settled@example.com", "Settled").await;
    let (_, bop) = post_bop(&app, &artist_token, "vertical.mp4", "").await;
    let bop_id = bop["id"].as_str().unwrap();
    let ada = token(&app, &fan(&app, "payer@example.com"), FAN_PASSWORD).await;
    let eve = token(&app, &fan(&app, "other-payer@example.com"), FAN_PASSWORD).await;

    let (status, started) = tip(&app, &ada, bop_id, 500).await;
    assert_eq!(status, 201, "{started}");
    let tip_id = started["tip_id"].as_str().unwrap();
    let payment = format!("SELECT COUNT(*) FROM payments WHERE purpose = 'tip' AND reference = '{tip_id}'");
    assert_eq!(count(&app, &format!("{payment} AND status = 'pending' AND amount_minor = 500")), 1);
    // Only the plan checkout of the artist's signup and this tip are payments.
    assert_eq!(count(&app, "SELECT COUNT(*) FROM payments"), 2);

    // Another fan cannot pay (or learn of) someone else's tip.
    let confirm = started["confirm_url"].as_str().unwrap();
    let (status, _) = call(&app, Some(&eve), Method::POST, confirm, None).await;
    assert_eq!(status, 404);
    assert_eq!(count(&app, &format!("{payment} AND status = 'pending'")), 1);

    let (status, body) = call(&app, Some(&ada), Method::POST, confirm, None).await;
    assert!(status.is_success(), "{body}");
    assert_eq!(count(&app, &format!("{payment} AND status = 'succeeded'")), 1);
    // Confirming again settles nothing twice.
    call(&app, Some(&ada), Method::POST, confirm, None).await;
    let (_, seen) = call(&app, Some(&ada), Method::GET, &format!("/api/v1/bops/{bop_id}"), None).await;
    assert_eq!(seen["tip_count"], 1, "{seen}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM platform_events WHERE event_type = 'bop.tip.received'"), 1);
    app.stop().await;
}

#[tokio::test]
async fn a_plan_checkout_is_a_payment_and_a_replaced_one_is_canceled() {
    let app = spawn_app().await;
    let mut browser = crate::browser::Browser::new(&app.address);
    let first = crate::browser::confirmed_signup_on(&mut browser, "plans@example.com", "starter").await;
    let first_ref = first.rsplit('/').next().unwrap().to_owned();
    let row = |checkout: &str, status: &str| {
        format!(
            "SELECT COUNT(*) FROM payments WHERE purpose = 'subscription' AND provider_ref = '{checkout}' AND status = '{status}'"
        )
    };
    assert_eq!(count(&app, &row(&first_ref, "pending")), 1);
    // Choosing another plan closes the first checkout's payment.
    let page = browser.post_form("/artist/subscription/checkout", &[("tier", "label")]).await;
    let second_ref = page.redirect().rsplit('/').next().unwrap().to_owned();
    assert_ne!(first_ref, second_ref);
    assert_eq!(count(&app, &row(&first_ref, "canceled")), 1);
    crate::browser::pay(&mut browser, page.redirect()).await;
    assert_eq!(count(&app, &row(&second_ref, "succeeded")), 1);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM payments WHERE purpose = 'subscription' AND amount_minor = 9900"),
        1,
        "the plan paid is the plan chosen"
    );
    app.stop().await;
}
