//! Accessible to everyone: axe-core (WCAG 2.1 A and AA, and its best
//! practices) in headless Chromium on every page of the web base, the studio,
//! the label's admin and the fan app in each of its states, on a phone and on
//! a desktop. A serious or critical violation fails the test, listed by page,
//! rule, impact and the elements' selectors; moderate and minor ones are
//! printed as a summary. `scripts/test` installs a pinned axe-core from npm
//! and names its file in `AXE_CORE_JS`; in this (e2e) tier a missing file
//! fails the test.
//!
//! Beside axe, what a person checks by hand and a browser can show: where
//! focus goes after signing in to the app and when the tip's Pay button
//! appears, the feed's `role="feed"` of articles and the key past a Bop,
//! no autoplay under reduced motion, a focus ring that shows over video,
//! and a Bop's captions track.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::bops::count_text;
use crate::helpers::{DEMO_PASSWORD, TestApp, spawn_demo_app};
use crate::webdriver::Driver;

/// The rule sets axe runs: WCAG 2.0 and 2.1, levels A and AA, and axe's best practices.
const TAGS: &str = "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']";

/// The phone and the desktop window every page is seen in.
const SIZES: [(&str, u32, u32); 2] = [("phone", 390, 844), ("desktop", 1280, 900)];

fn axe_source() -> String {
    let path = std::env::var("AXE_CORE_JS")
        .unwrap_or_else(|_| format!("{}/.npm-test/node_modules/axe-core/axe.min.js", env!("CARGO_MANIFEST_DIR")));
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("axe-core is missing at {path} ({e}): run the suite with scripts/test, which installs it")
    })
}

/// One violation of one rule on one page.
struct Finding {
    page: String,
    rule: String,
    impact: String,
    help: String,
    targets: Vec<String>,
}

/// What axe found across a walk.
struct Audit {
    axe: String,
    size: &'static str,
    serious: Vec<Finding>,
    /// Moderate and minor: rule and impact → the pages they were on.
    lesser: BTreeMap<(String, String), Vec<String>>,
    pages: usize,
}

impl Audit {
    fn new() -> Audit {
        Audit { axe: axe_source(), size: SIZES[0].0, serious: Vec::new(), lesser: BTreeMap::new(), pages: 0 }
    }

    /// Runs axe on what `driver` shows now, naming it `page`.
    async fn check(&mut self, driver: &Driver, page: &str) {
        driver.wait_until("return document.readyState === 'complete'", "the page to load").await;
        if driver.execute("return typeof window.axe === 'undefined'").await == Value::Bool(true) {
            driver.execute(&format!("{}\nreturn true;", self.axe)).await;
        }
        let script = format!(
            "return axe.run(document, {{runOnly: {{type: 'tag', values: {TAGS}}}, resultTypes: ['violations']}})
               .then(r => r.violations.map(v => ({{id: v.id, impact: v.impact || 'minor', help: v.help,
                 targets: v.nodes.map(n => n.target.map(t => Array.isArray(t) ? t.join(' >>> ') : t).join(' '))}})))"
        );
        let violations = driver.execute(&script).await;
        let page = format!("{} ({})", page, self.size);
        self.pages += 1;
        for v in violations.as_array().unwrap_or_else(|| panic!("axe on {page}: {violations}")) {
            let text = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
            let (rule, impact) = (text("id"), text("impact"));
            if impact == "serious" || impact == "critical" {
                let targets = v["targets"].as_array().unwrap().iter().map(|t| t.as_str().unwrap().to_owned()).collect();
                self.serious.push(Finding { page: page.clone(), rule, impact, help: text("help"), targets });
            } else {
                self.lesser.entry((rule, impact)).or_default().push(page.clone());
            }
        }
    }

    /// Goes to `path` and checks it.
    async fn visit(&mut self, driver: &Driver, app: &TestApp, path: &str) {
        driver.goto(&app.url(path)).await;
        self.check(driver, path).await;
    }

    /// Prints the moderate and minor findings and fails on any serious or critical one.
    fn finish(self, what: &str) {
        eprintln!("axe-core on {} pages and states of {what}, phone and desktop:", self.pages);
        for ((rule, impact), pages) in &self.lesser {
            eprintln!("  {impact} {rule}: {} page(s), e.g. {}", pages.len(), pages[0]);
        }
        if self.serious.is_empty() {
            eprintln!("  no serious or critical violation");
            return;
        }
        let mut report = String::new();
        for f in &self.serious {
            report.push_str(&format!("\n{} — {} ({}): {}\n", f.page, f.rule, f.impact, f.help));
            for target in f.targets.iter().take(12) {
                report.push_str(&format!("    {target}\n"));
            }
            if f.targets.len() > 12 {
                report.push_str(&format!("    … and {} more\n", f.targets.len() - 12));
            }
        }
        let mut rules: BTreeMap<&str, usize> = BTreeMap::new();
        for f in &self.serious {
            *rules.entry(f.rule.as_str()).or_default() += f.targets.len();
        }
        panic!("axe-core found serious or critical violations (rule: elements) {rules:?} in {what}:{report}");
    }
}

/// Demo data: two artists with Bops, EPs and shops, fans who follow, like,
/// comment, tip and buy, and an admin.
async fn demo() -> TestApp {
    let app = spawn_demo_app(2, 6, 8, |_| {}).await;
    boptone::identity::service::create_named_user_blocking(
        &app.state.db,
        "label@demo.boptone.test",
        DEMO_PASSWORD,
        boptone::auth::Role::Admin,
        Some("The Label"),
    )
    .unwrap();
    app
}

/// A fan's report of a public Bop, for the moderation queue.
async fn reported_bop(app: &TestApp) {
    let (fan, bop): (i64, String) = app
        .state
        .db
        .read_blocking(|c| {
            c.query_row(
                "SELECT u.id, b.uid FROM bops_videos b JOIN users u ON u.role = 'fan' WHERE b.visibility = 'public' LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
        .unwrap();
    let new = boptone::moderation::domain::NewReport::parse("bop", &bop, "spam", "buy followers").unwrap();
    boptone::moderation::service::create_report(&app.state, boptone::core::ids::UserId(fan), new).await.unwrap();
}

/// Signs `email` in through the web's sign-in form.
async fn sign_in(driver: &Driver, app: &TestApp, email: &str, next: &str) {
    driver.goto(&app.url(&format!("/login?next={next}"))).await;
    driver.type_into("#email", email).await;
    driver.type_into("#password", DEMO_PASSWORD).await;
    driver.click("form[action='/login'] button[type=submit]").await;
    driver.wait_for_path(next).await;
}

async fn sign_out(driver: &Driver) {
    driver.click("form[action='/logout'] button").await;
    driver.wait_until("return !!document.querySelector(\"a[href^='/login']\")", "signed out").await;
}

/// The path of the first link on the page matching `css`, if there is one.
async fn first_link(driver: &Driver, css: &str) -> Option<String> {
    let script = format!("const a = document.querySelector({}); return a ? a.getAttribute('href') : null", json!(css));
    driver.execute(&script).await.as_str().map(str::to_owned)
}

/// Every link on the page matching `css`.
async fn links(driver: &Driver, css: &str) -> Vec<String> {
    let script = format!("return [...document.querySelectorAll({})].map(a => a.getAttribute('href'))", json!(css));
    driver.execute(&script).await.as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn axe_finds_nothing_serious_on_the_public_pages() {
    let app = demo().await;
    let handle = count_text(&app, "SELECT handle FROM artist_profiles ORDER BY id LIMIT 1");
    let bop = count_text(&app, "SELECT uid FROM bops_videos ORDER BY id LIMIT 1");
    let release = count_text(&app, "SELECT uid FROM music_releases WHERE published_at IS NOT NULL ORDER BY id LIMIT 1");
    let track = count_text(&app, "SELECT uid FROM music_tracks ORDER BY id LIMIT 1");
    let product = count_text(&app, "SELECT uid FROM products WHERE status = 'active' ORDER BY id LIMIT 1");
    let mut audit = Audit::new();
    for (size, width, height) in SIZES {
        audit.size = size;
        let driver = Driver::start(width, height).await;
        for path in [
            "/",
            "/login",
            "/signup",
            "/artist/signup",
            "/forgot-password",
            &format!("/@{handle}/shop"),
            &format!("/@{handle}/supporters"),
            &format!("/bops/{bop}"),
            &format!("/releases/{release}"),
            &format!("/tracks/{track}"),
            &format!("/products/{product}"),
            "/search?q=demo",
            "/search?q=nothing+like+this",
            "/explore",
            "/about",
            "/terms",
            "/privacy",
            "/?after=nobody",
            "/no-such-page",
        ] {
            audit.visit(&driver, &app, path).await;
        }
        // Forms with their errors, and the pages behind emailed links.
        audit.visit(&driver, &app, "/signup").await;
        driver.click("form[action='/signup'] button[type=submit]").await;
        driver.wait_until("return !!document.querySelector('[aria-invalid=true]')", "the signup's errors").await;
        audit.check(&driver, "/signup (errors)").await;
        let fan = format!("new-fan-{size}@example.com");
        driver.type_into("#email", &fan).await;
        driver.type_into("#password", DEMO_PASSWORD).await;
        driver.click("form[action='/signup'] button[type=submit]").await;
        driver.wait_until("return !document.querySelector('form[action=\"/signup\"]')", "the signup").await;
        audit.check(&driver, "/signup (sent)").await;
        let confirm = crate::helpers::link_in_mail(&app.address, &fan, "/signup/confirm/").unwrap();
        audit.visit(&driver, &app, &confirm).await;
        audit.visit(&driver, &app, "/forgot-password").await;
        driver.type_into("#email", "fan3@demo.boptone.test").await;
        driver.click("form[action='/forgot-password'] button[type=submit]").await;
        driver.wait_until("return !document.querySelector('form[action=\"/forgot-password\"]')", "the reset").await;
        audit.check(&driver, "/forgot-password (sent)").await;
        let reset = crate::helpers::link_in_mail(&app.address, "fan3@demo.boptone.test", "/reset-password/").unwrap();
        audit.visit(&driver, &app, &reset).await;
        audit.visit(&driver, &app, "/login").await;
        driver.type_into("#email", "fan3@demo.boptone.test").await;
        driver.type_into("#password", "not the password").await;
        driver.click("form[action='/login'] button[type=submit]").await;
        driver
            .wait_until(
                "return document.querySelectorAll('.form-errors, .field-error, [role=alert]').length > 0",
                "the error",
            )
            .await;
        audit.check(&driver, "/login (error)").await;

        audit.visit(&driver, &app, &format!("/@{handle}")).await;
        for tab in links(&driver, "nav.tabs a").await {
            audit.visit(&driver, &app, &tab).await;
        }
        // A fan signed in on the web: reports, the account, notices.
        sign_in(&driver, &app, "fan1@demo.boptone.test", "/account").await;
        audit.check(&driver, "/account (fan)").await;
        for path in [
            &format!("/report?kind=bop&id={bop}"),
            &format!("/report?kind=profile&id=@{handle}"),
            "/account/notifications",
            "/notifications",
            &format!("/@{handle}"),
        ] {
            audit.visit(&driver, &app, path).await;
        }
        sign_out(&driver).await;
        drop(driver);
    }
    audit.finish("the public pages");
    app.stop().await;
}

#[tokio::test]
async fn axe_finds_nothing_serious_in_the_studio_and_the_admin() {
    let app = demo().await;
    reported_bop(&app).await;
    let mut audit = Audit::new();
    for (size, width, height) in SIZES {
        audit.size = size;
        let driver = Driver::start(width, height).await;

        // A new artist's way in: signup, the sandbox checkout, setup, payouts.
        let email = format!("new-{size}@example.com");
        driver.goto(&app.url("/artist/signup")).await;
        driver.type_into("#email", &email).await;
        driver.type_into("#password", DEMO_PASSWORD).await;
        driver.click("input[name=tier][value=starter]").await;
        driver.click("form[action='/artist/signup'] button[type=submit]").await;
        driver.wait_until("return document.body.innerText.includes('Check your email')", "the signup").await;
        audit.check(&driver, "/artist/signup (sent)").await;
        let link = crate::helpers::link_in_mail(&app.address, &email, "/artist/signup/confirm/").unwrap();
        audit.visit(&driver, &app, &link).await;
        driver.type_into("#password", DEMO_PASSWORD).await;
        driver.click("main form[method=post] button[type=submit]").await;
        driver.wait_for_path("/sandbox/checkout/").await;
        audit.check(&driver, "/sandbox/checkout").await;
        driver.click("form[action$='/complete'] button").await;
        driver.wait_for_path("/artist/setup").await;
        audit.check(&driver, "/artist/setup").await;
        driver.type_into("#stage_name", &format!("Newcomer {size}")).await;
        driver.click("input[name=genres][value='Electronic']").await;
        let photo = app.dir.path().join(format!("{size}.png"));
        std::fs::write(&photo, crate::browser::png(600, 600)).unwrap();
        driver.type_into("#photo", photo.to_str().unwrap()).await;
        driver.click("form[enctype='multipart/form-data'] button[type=submit]").await;
        driver.wait_for_path("/artist/payout").await;
        audit.check(&driver, "/artist/payout").await;
        driver.click("form[action='/artist/payout/start'] button").await;
        driver.wait_for_path("/sandbox/connect/").await;
        audit.check(&driver, "/sandbox/connect").await;
        audit.visit(&driver, &app, "/dashboard").await;
        sign_out(&driver).await;

        // An artist with everything: every studio page.
        sign_in(&driver, &app, "artist1@demo.boptone.test", "/dashboard").await;
        audit.check(&driver, "/dashboard").await;
        for path in [
            "/dashboard/earnings",
            "/dashboard/earnings?by=month",
            "/dashboard/fans",
            "/dashboard/statements",
            "/studio/bops",
            "/studio/bops/new",
            "/studio/supporters",
            "/studio/music",
            "/studio/music/new",
            "/studio/shop",
            "/studio/shop/new",
            "/studio/shop/orders",
            "/studio/shop/shipping",
            "/studio/shop/import",
            "/toney",
            "/toney/reports",
            "/notifications",
            "/account",
            "/account/notifications",
            "/artist/setup",
            "/artist/payout",
            "/artist/subscription",
        ] {
            audit.visit(&driver, &app, path).await;
        }
        // The pages one level down, reached by the lists' first links.
        for (list, css) in [
            ("/dashboard/statements", "main a[href^='/dashboard/statements/']"),
            ("/studio/bops", "main a[href$='/comments']"),
            ("/studio/bops", "main a[href$='/captions']"),
            ("/studio/music", "main a[href^='/studio/music/']:not([href='/studio/music/new'])"),
            ("/studio/shop", "main a[href^='/studio/shop/products/']"),
            ("/studio/shop/orders", "main a[href^='/studio/shop/orders/']"),
            ("/toney/reports", "main a[href^='/toney/reports/']"),
        ] {
            driver.goto(&app.url(list)).await;
            if let Some(path) = first_link(&driver, css).await {
                audit.visit(&driver, &app, &path).await;
                if list == "/studio/music"
                    && let Some(track) = first_link(&driver, "main a[href^='/studio/music/tracks/']").await
                {
                    audit.visit(&driver, &app, &track).await;
                }
            } else {
                eprintln!("no link {css} on {list}");
            }
        }
        // A Bop's captions: refused with the reason, then attached.
        driver.goto(&app.url("/studio/bops")).await;
        let captions = first_link(&driver, "main a[href$='/captions']").await.unwrap();
        let srt = app.dir.path().join("captions.srt");
        std::fs::write(&srt, "1\n00:00:01,000 --> 00:00:02,000\nHello\n").unwrap();
        let vtt = app.dir.path().join("captions.vtt");
        std::fs::write(&vtt, crate::captions::VTT).unwrap();
        for (file, after) in [(&srt, "the refusal"), (&vtt, "the saved captions")] {
            driver.goto(&app.url(&captions)).await;
            driver.type_into("#file", file.to_str().unwrap()).await;
            driver.click("form[enctype='multipart/form-data'] button[type=submit]").await;
            driver.wait_until("return !!document.querySelector('.field-error, .notice.ok')", after).await;
            audit.check(&driver, &format!("{captions} ({after})")).await;
        }
        sign_out(&driver).await;

        // The label.
        // Its console opens after the authenticator is set up (on the first
        // screen size; on the next the code is asked, no enrolment).
        sign_in(&driver, &app, "label@demo.boptone.test", "/admin/mfa").await;
        let enrolling = driver.execute("return !!document.querySelector('.qr svg')").await.as_bool().unwrap();
        audit.check(&driver, if enrolling { "/admin/mfa (enrolment)" } else { "/admin/mfa (the code)" }).await;
        driver.type_into("#code", &crate::console_helpers::fresh_code(&app, "label@demo.boptone.test")).await;
        driver.click("form[action='/admin/mfa'] button[type=submit]").await;
        if enrolling {
            driver.wait_until("return !!document.querySelector('.recovery-codes')", "the recovery codes").await;
            audit.check(&driver, "/admin/mfa (recovery codes)").await;
        } else {
            driver.wait_until("return location.pathname === '/admin'", "the console").await;
        }
        audit.visit(&driver, &app, "/admin").await;
        audit.visit(&driver, &app, "/admin/audit").await;
        audit.visit(&driver, &app, "/admin/security").await;
        audit.visit(&driver, &app, "/admin/label").await;
        // The branding form with its errors (an unreadable accent).
        driver.execute("document.querySelector('#accent').value = '#ffff00'").await;
        driver.click("form[action^='/admin/label'] button[type=submit]").await;
        driver.wait_until("return !!document.querySelector('#accent-error')", "the branding form's error").await;
        audit.check(&driver, "/admin/label (errors)").await;
        audit.visit(&driver, &app, "/admin/moderation?filter=appealed").await;
        audit.visit(&driver, &app, "/admin/moderation").await;
        let item = first_link(&driver, "main a[href^='/admin/moderation/bop/']").await.expect("the reported Bop");
        audit.visit(&driver, &app, &item).await;
        audit.visit(&driver, &app, &format!("{item}/hide")).await;
        // The roster, a suspension's confirmation, invites, applications, people.
        audit.visit(&driver, &app, "/admin/artists").await;
        if let Some(suspend) = first_link(&driver, "main a[href$='/suspend']").await {
            audit.visit(&driver, &app, &suspend).await;
        }
        audit.visit(&driver, &app, "/admin/invites").await;
        audit.visit(&driver, &app, "/admin/applications").await;
        audit.visit(&driver, &app, "/admin/people").await;
        audit.visit(&driver, &app, "/admin/people?role=fan").await;
        if let Some(person) = first_link(&driver, "main td a[href^='/admin/people/']").await {
            audit.visit(&driver, &app, &person).await;
            audit.visit(&driver, &app, &format!("{person}/erase")).await;
        }
        audit.visit(&driver, &app, "/admin/royalties").await;
        audit.visit(&driver, &app, "/admin/money").await;
        if let Some(import) = first_link(&driver, "main a[href^='/admin/royalties/']").await {
            audit.visit(&driver, &app, &import).await;
        }
        drop(driver);
    }
    audit.finish("the studio and the admin");
    app.stop().await;
}

/// Clicks `css` (the first match, in the page) and waits for `dialog` to be open.
async fn open(driver: &Driver, css: &str, dialog: &str) {
    let script = format!("document.querySelector({}).click()", json!(css));
    driver.execute(&script).await;
    driver.wait_until(&format!("return document.getElementById('{dialog}').open"), dialog).await;
}

async fn close(driver: &Driver, dialog: &str) {
    driver.execute(&format!("document.getElementById('{dialog}').close()")).await;
}

#[tokio::test]
async fn axe_finds_nothing_serious_in_the_fan_app() {
    let app = demo().await;
    let mut audit = Audit::new();
    for (size, width, height) in SIZES {
        audit.size = size;
        let driver = Driver::start(width, height).await;
        driver.goto(&app.url("/app")).await;
        driver.wait_until("return !document.getElementById('login').hidden", "the sign-in form").await;
        audit.check(&driver, "/app: sign in").await;
        driver.type_into("#login-email", "fan2@demo.boptone.test").await;
        driver.type_into("#login-password", DEMO_PASSWORD).await;
        driver.click("#login-form button[type=submit]").await;
        driver.wait_until("return document.querySelectorAll('#feed .bop').length > 1", "the feed").await;
        // Settled: the first Bop's video has its size.
        driver.wait_until("return document.querySelector('.bop video').readyState >= 1", "the first video").await;
        audit.check(&driver, "/app: feed").await;

        open(&driver, ".bop .comment", "comments-dialog").await;
        driver.wait_until("return document.querySelectorAll('#comments-list li').length > 0", "comments").await;
        audit.check(&driver, "/app: comments").await;
        close(&driver, "comments-dialog").await;

        open(&driver, ".bop .tip", "tip-dialog").await;
        audit.check(&driver, "/app: tip sheet").await;
        driver.click("#tip-presets button").await;
        driver.wait_until("return !document.getElementById('tip-confirm').hidden", "the Pay step").await;
        audit.check(&driver, "/app: tip sheet, Pay").await;
        close(&driver, "tip-dialog").await;

        open(&driver, ".bop .artist-link", "artist-dialog").await;
        driver.wait_until("return document.querySelectorAll('#artist-bops li').length > 0", "the artist's Bops").await;
        audit.check(&driver, "/app: artist sheet").await;
        close(&driver, "artist-dialog").await;

        open(&driver, "#search-open", "search-dialog").await;
        audit.check(&driver, "/app: search sheet (explore)").await;
        driver.type_into("#search-q", "demo").await;
        driver
            .wait_until("return document.getElementById('search-results').textContent.includes('Demo')", "results")
            .await;
        audit.check(&driver, "/app: search sheet (results)").await;
        close(&driver, "search-dialog").await;

        open(&driver, ".bop .why", "why-dialog").await;
        audit.check(&driver, "/app: why dialog").await;
        open(&driver, "#why-report", "report-dialog").await;
        driver.wait_until("return document.querySelectorAll('#report-reasons input').length > 0", "reasons").await;
        audit.check(&driver, "/app: report dialog").await;
        close(&driver, "report-dialog").await;

        open(&driver, ".bop .music", "music-dialog").await;
        audit.check(&driver, "/app: music sheet").await;
        close(&driver, "music-dialog").await;

        open(&driver, ".bop .shop", "shop-dialog").await;
        driver.wait_until("return document.querySelectorAll('#shop-products li').length > 0", "the shop").await;
        audit.check(&driver, "/app: shop").await;
        driver.click("#shop-products .shop-tile").await;
        driver.wait_until("return !document.getElementById('shop-view-product').hidden", "a product").await;
        audit.check(&driver, "/app: product").await;
        close(&driver, "shop-dialog").await;

        open(&driver, "#tips-open", "tips-dialog").await;
        audit.check(&driver, "/app: my tips").await;
        close(&driver, "tips-dialog").await;
        open(&driver, "#orders-open", "shop-dialog").await;
        audit.check(&driver, "/app: my orders").await;
        close(&driver, "shop-dialog").await;
        drop(driver);
    }
    audit.finish("the fan app");
    app.stop().await;
}

/// Presses `key` as a person would (a trusted key event through the
/// DevTools protocol): Tab moves focus, Enter activates.
async fn press(driver: &Driver, key: &str) {
    let (code, text) = match key {
        "Tab" => (9, ""),
        "Enter" => (13, "\r"),
        "PageDown" => (34, ""),
        "ArrowDown" => (40, ""),
        other => panic!("no key code for {other}"),
    };
    let event = |kind: &str| {
        json!({"type": kind, "key": key, "code": key, "windowsVirtualKeyCode": code, "nativeVirtualKeyCode": code,
               "text": text, "unmodifiedText": text})
    };
    driver.cdp("Input.dispatchKeyEvent", event("keyDown")).await;
    driver.cdp("Input.dispatchKeyEvent", event("keyUp")).await;
}

/// What has focus, in words a failure message can show.
async fn focused(driver: &Driver) -> String {
    let script = "const e = document.activeElement; if (!e) return 'nothing';
        const bop = e.closest('.bop');
        const at = bop ? ` in Bop ${[...bop.parentNode.children].indexOf(bop) + 1}` : '';
        return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + String(e.className).split(' ')[0] : '') + at";
    driver.execute(script).await.as_str().unwrap().to_owned()
}

/// WCAG's contrast ratio of two sRGB colours.
fn contrast(a: [u8; 3], b: [u8; 3]) -> f64 {
    let luminance = |c: [u8; 3]| {
        let lin = |v: u8| {
            let v = f64::from(v) / 255.0;
            if v <= 0.03928 { v / 12.92 } else { ((v + 0.055) / 1.055).powf(2.4) }
        };
        0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2])
    };
    let (x, y) = (luminance(a), luminance(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

#[tokio::test]
async fn in_the_app_keyboard_and_screen_reader_users_land_on_the_feed_skip_bops_and_see_focus_over_video() {
    let app = demo().await;
    let phone = Driver::start(390, 844).await;
    phone.goto(&app.url("/app")).await;
    // Signed in with the keyboard alone.
    phone.type_into("#login-email", "fan2@demo.boptone.test").await;
    phone.type_into("#login-password", DEMO_PASSWORD).await;
    press(&phone, "Enter").await;

    // Focus lands on the feed's first Bop, not on <body>.
    phone
        .wait_until("return document.activeElement?.matches('#feed > .bop:first-child')", "focus on the first Bop")
        .await;
    let headings = phone
        .execute(
            "return [...document.querySelectorAll('h1')].filter(h => !h.closest('[hidden]')).map(h => h.textContent)",
        )
        .await;
    assert_eq!(headings, json!(["Bops for you"]), "one h1 for the feed, the sign-in's gone");
    // The feed is a role=feed of articles that know their place.
    let feed = phone
        .execute(
            "const f = document.getElementById('feed');
             return {role: f.getAttribute('role'), name: document.getElementById(f.getAttribute('aria-labelledby')).textContent,
                     busy: f.getAttribute('aria-busy'), tags: [...new Set([...f.children].map(c => c.tagName))],
                     count: f.children.length, positions: [...f.children].map(c => c.getAttribute('aria-posinset')),
                     sizes: [...new Set([...f.children].map(c => c.getAttribute('aria-setsize')))],
                     names: [...f.children].map(c => c.getAttribute('aria-label'))}",
        )
        .await;
    let count = crate::bops::count(&app, "SELECT COUNT(*) FROM bops_videos WHERE visibility = 'public'");
    assert_eq!(feed["role"], "feed", "{feed}");
    assert_eq!(feed["name"], "Bops for you", "{feed}");
    assert_eq!(feed["busy"], "false", "{feed}");
    assert_eq!(feed["tags"], json!(["ARTICLE"]), "{feed}");
    assert_eq!(feed["count"], count, "every Bop is an article: {feed}");
    let positions: Vec<String> = (1..=count).map(|n| n.to_string()).collect();
    assert_eq!(feed["positions"], json!(positions), "{feed}");
    // The size is told once the end is known (For You pages on until one comes back empty).
    assert!(feed["sizes"] == json!(["-1"]) || feed["sizes"] == json!([count.to_string()]), "{feed}");
    assert!(feed["names"][0].as_str().unwrap().starts_with("Bop by Demo Artist"), "{feed}");

    // The first Bop plays by itself (no reduced motion asked for).
    let playing = "const v = document.querySelector('.bop video'); return !v.paused && v.currentTime > 0";
    phone.wait_until(playing, "the first Bop to play").await;

    // Only the Bop on screen is in the Tab order: its first stop skips it.
    let tabbable = "return [...document.querySelectorAll('#feed button, #feed a[href], #feed input')]
        .filter(e => e.tabIndex >= 0).map(e => [...e.closest('#feed').children].indexOf(e.closest('.bop')))";
    let stops = phone.execute(tabbable).await;
    let stops = stops.as_array().unwrap();
    assert!(!stops.is_empty() && stops.iter().all(|s| s == 0), "only the first Bop's controls: {stops:?}");
    press(&phone, "Tab").await;
    assert_eq!(focused(&phone).await, "button.skip-bop in Bop 1");
    let shown = phone.execute("return document.activeElement.getBoundingClientRect().width > 20").await;
    assert_eq!(shown, json!(true), "Next Bop shows while focused");
    press(&phone, "Enter").await;
    phone.wait_until("return document.activeElement?.matches('#feed > .bop:nth-child(2)')", "the second Bop").await;
    phone
        .wait_until(
            "return Math.abs(document.querySelectorAll('.bop')[1].getBoundingClientRect().top) < 5",
            "the second Bop on screen",
        )
        .await;
    // PageDown, from a Bop's button too, goes on to the next.
    press(&phone, "Tab").await;
    press(&phone, "Tab").await;
    assert_eq!(focused(&phone).await, "button.sound in Bop 2");
    press(&phone, "PageDown").await;
    phone.wait_until("return document.activeElement?.matches('#feed > .bop:nth-child(3)')", "the third Bop").await;

    // Tab leaves the feed after one Bop's controls, however long the feed.
    let mut presses = 0;
    loop {
        press(&phone, "Tab").await;
        presses += 1;
        let inside = phone.execute("return !!document.activeElement?.closest('#feed')").await;
        if inside == json!(false) {
            break;
        }
        assert!(presses < 20, "still in the feed after {presses} Tabs: {}", focused(&phone).await);
    }
    assert!(presses <= 16, "{presses} Tabs to leave the feed");

    // The focus ring shows over the video: white between black, drawn on screen.
    phone.execute("document.querySelectorAll('.bop')[2].focus()").await;
    let mut at_like = 0;
    while focused(&phone).await != "button.like in Bop 3" {
        press(&phone, "Tab").await;
        at_like += 1;
        assert!(at_like < 16, "no like button by Tab: {}", focused(&phone).await);
    }
    let ring = phone
        .execute(
            "const e = document.activeElement; const s = getComputedStyle(e); const r = e.getBoundingClientRect();
             return {visible: e.matches(':focus-visible'), outline: s.outlineColor, width: s.outlineWidth, shadow: s.boxShadow,
                     x: r.left + r.width / 2, top: r.top, dpr: devicePixelRatio}",
        )
        .await;
    assert_eq!(ring["visible"], json!(true), "{ring}");
    assert_eq!(ring["outline"], "rgb(255, 255, 255)", "{ring}");
    assert_eq!(ring["width"], "3px", "{ring}");
    assert!(ring["shadow"].as_str().unwrap().contains("rgb(0, 0, 0) 0px 0px 0px 7px"), "{ring}");
    let shot = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots/app-focus-ring.png");
    phone.screenshot(&shot).await;
    let image = image::open(&shot).unwrap().to_rgb8();
    let dpr = ring["dpr"].as_f64().unwrap();
    let pixel = |above: f64| {
        let (x, y) = (ring["x"].as_f64().unwrap() * dpr, (ring["top"].as_f64().unwrap() - above) * dpr);
        image.get_pixel(x as u32, y as u32).0
    };
    // 2–5 px above the button: the white outline; 5–7 px: the black ring.
    let (white, black) = (pixel(3.5), pixel(6.0));
    eprintln!("focus ring over video: {white:?} between {black:?} and the video at {:?}", pixel(10.0));
    assert!(contrast(white, black) >= 3.0, "the ring's parts {white:?} and {black:?} contrast");
    assert!(contrast(white, [0, 0, 0]) >= 3.0 || contrast(black, [255, 255, 255]) >= 3.0);
    drop(phone);
    app.stop().await;
}

#[tokio::test]
async fn the_tips_pay_step_takes_focus_and_is_announced_and_reduced_motion_stops_autoplay() {
    let app = demo().await;
    let phone = Driver::start(390, 844).await;
    phone.goto(&app.url("/app")).await;
    phone.type_into("#login-email", "fan2@demo.boptone.test").await;
    phone.type_into("#login-password", DEMO_PASSWORD).await;
    phone.click("#login-form button[type=submit]").await;
    phone.wait_until("return document.querySelectorAll('#feed .bop').length > 0", "the feed").await;

    phone.click(".bop .tip").await;
    phone.click("#tip-presets button").await;
    phone.wait_until("return !document.getElementById('tip-confirm').hidden", "the Pay step").await;
    phone.wait_until("return document.activeElement?.id === 'tip-pay'", "focus on Pay").await;
    let status = phone
        .execute(
            "const s = document.getElementById('tip-status');
             return {role: s.getAttribute('role'), text: s.textContent, pay: document.activeElement.textContent}",
        )
        .await;
    assert_eq!(status["role"], "status", "a polite live region: {status}");
    assert!(status["text"].as_str().unwrap().contains("is ready: Pay sends it"), "{status}");
    assert!(status["pay"].as_str().unwrap().starts_with("Pay "), "{status}");
    press(&phone, "Enter").await;
    phone.wait_until("return document.getElementById('tip-status').textContent.includes('Thank you')", "the tip").await;
    phone.execute("document.getElementById('tip-dialog').close()").await;

    // Reduced motion: no Bop plays by itself.
    phone
        .cdp("Emulation.setEmulatedMedia", json!({"features": [{"name": "prefers-reduced-motion", "value": "reduce"}]}))
        .await;
    phone.goto(&app.url("/app")).await;
    phone.wait_until("return document.querySelectorAll('#feed .bop').length > 1", "the feed").await;
    phone.wait_until("return document.querySelector('.bop video').readyState >= 1", "the first video").await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let moving = phone
        .execute(
            "return [...document.querySelectorAll('.bop video')].filter(v => !v.paused || v.currentTime > 0).length",
        )
        .await;
    assert_eq!(moving, json!(0), "nothing played by itself");
    drop(phone);
    app.stop().await;
}

#[tokio::test]
async fn a_bops_captions_show_by_default_in_the_app_and_on_its_page() {
    let app = crate::helpers::spawn_app().await;
    let (mut studio, artist_token) = crate::bops::artist(&app, "subtitles@example.com", "Subtitle Star").await;
    let (status, bop) = crate::bops::post_bop(&app, &artist_token, "vertical.mp4", "Words on screen").await;
    assert_eq!(status, 201, "{bop}");
    let id = bop["id"].as_str().unwrap();
    let page = crate::captions::send(&mut studio, id, "en", Some(crate::captions::VTT.as_bytes().to_vec())).await;
    assert_eq!(page.status, 303, "{}", page.body);
    crate::bops::fan(&app, "reader@example.com");

    // Loaded and showing: the track's cues are the file's.
    let loaded = |video: &str| {
        format!(
            "const v = document.querySelector('{video}'); const t = v && v.querySelector('track');
             return !!t && t.readyState === 2 && v.textTracks[0].mode === 'showing' && v.textTracks[0].cues.length === 2"
        )
    };
    let track = |video: &str| {
        format!(
            "const t = document.querySelector('{video} track');
             return {{kind: t.kind, srclang: t.srclang, default: t.default, label: t.label, src: t.getAttribute('src'),
                     first: t.track.cues[0].text}}"
        )
    };
    let phone = Driver::start(390, 844).await;
    phone.goto(&app.url("/app")).await;
    phone.type_into("#login-email", "reader@example.com").await;
    phone.type_into("#login-password", crate::bops::FAN_PASSWORD).await;
    phone.click("#login-form button[type=submit]").await;
    phone.wait_until(&loaded(".bop video"), "the captions in the app").await;
    let shown = phone.execute(&track(".bop video")).await;
    let url = count_text(&app, &format!("SELECT captions_key FROM bops_videos WHERE uid = '{id}'"));
    assert_eq!(shown["kind"], "captions", "{shown}");
    assert_eq!(shown["srclang"], "en", "{shown}");
    assert_eq!(shown["default"], true, "{shown}");
    assert_eq!(shown["label"], "English", "{shown}");
    assert_eq!(shown["src"], format!("/media/{url}"), "{shown}");
    assert_eq!(shown["first"], "Hello from the studio", "{shown}");

    // The Bop's public page, signed out.
    phone.goto(&app.url(&format!("/bops/{id}"))).await;
    phone.wait_until(&loaded("video.bop-player"), "the captions on the Bop's page").await;
    let shown = phone.execute(&track("video.bop-player")).await;
    assert_eq!((shown["kind"].as_str(), shown["srclang"].as_str()), (Some("captions"), Some("en")), "{shown}");
    assert_eq!(shown["first"], "Hello from the studio", "{shown}");
    drop(phone);
    app.stop().await;
}
