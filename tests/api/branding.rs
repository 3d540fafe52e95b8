//! The label's branding (issue 15 item 1): `[label]` in boptone.toml and the
//! console's `/admin/label` set the name, logo, accent, favicon and texts
//! that every page, email, share card and the app manifest show.

use boptone::auth::Role;
use boptone::config::{Config, Overrides};
use boptone::db::Durability;
use serde_json::Value;

use crate::browser::{Browser, onboarded_artist, png};
use crate::helpers::{DEMO_PASSWORD, TestApp, spawn_app, spawn_app_with};

fn count(app: &TestApp, sql: &str) -> i64 {
    let sql = sql.to_owned();
    app.state.db.read_blocking(move |c| c.query_row(&sql, [], |r| r.get(0))).unwrap()
}

/// The content of `<meta property|name="key" content="…">` on a page.
fn meta<'a>(html: &'a str, key: &str) -> Option<&'a str> {
    let needle = format!("=\"{key}\" content=\"");
    let at = html.find(&needle)? + needle.len();
    Some(&html[at..at + html[at..].find('"')?])
}

fn title(html: &str) -> &str {
    let start = html.find("<title>").unwrap() + 7;
    &html[start..start + html[start..].find("</title>").unwrap()]
}

/// An account of `role` signed in on the web.
async fn signed_in(app: &TestApp, email: &'static str, role: Role) -> Browser {
    let db = app.state.db.clone();
    tokio::task::spawn_blocking(move || {
        boptone::identity::service::create_named_user_blocking(&db, email, DEMO_PASSWORD, role, Some("Someone"))
    })
    .await
    .unwrap()
    .unwrap();
    let mut browser = Browser::new(&app.address);
    browser.get("/login").await;
    let signed_in = browser.post_form("/login", &[("email", email), ("password", DEMO_PASSWORD)]).await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    browser
}

/// The label's admin, signed in with both factors.
async fn admin(app: &TestApp) -> Browser {
    crate::console_helpers::admin_browser(app).await
}

/// The form's fields as they are now, with `changes` over them.
pub async fn label_form(
    browser: &mut Browser,
    changes: &[(&'static str, &'static str)],
) -> Vec<(&'static str, String)> {
    let page = browser.get("/admin/label").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let value = |name: &str| {
        let input = format!("name=\"{name}\" type=\"text\" value=\"");
        match page.body.find(&input) {
            Some(at) => page.body[at + input.len()..].split('"').next().unwrap().to_owned(),
            None => String::new(),
        }
    };
    let textarea = |name: &str| {
        let open = format!("<textarea id=\"{name}\"");
        let at = page.body.find(&open).unwrap();
        let start = at + page.body[at..].find('>').unwrap() + 1;
        let text = &page.body[start..start + page.body[start..].find("</textarea>").unwrap()];
        text.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&")
    };
    let mut fields = vec![("name", value("name")), ("accent", value("accent"))];
    for name in ["home_text", "about", "terms", "privacy"] {
        fields.push((name, textarea(name)));
    }
    for (name, new) in changes {
        match fields.iter_mut().find(|(n, _)| n == name) {
            Some(field) => field.1 = (*new).to_owned(),
            None => fields.push((name, (*new).to_owned())),
        }
    }
    fields
}

pub async fn save(
    browser: &mut Browser,
    fields: &[(&str, String)],
    file: Option<(&str, Vec<u8>, &str)>,
) -> crate::browser::Page {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
    browser.post_multipart("/admin/label", &fields, file).await
}

#[tokio::test]
async fn a_label_name_and_logo_from_the_config_show_in_titles_the_manifest_emails_and_cards() {
    let files = tempfile::tempdir().unwrap();
    let logo = files.path().join("logo.png");
    std::fs::write(&logo, png(800, 200)).unwrap();
    let app = spawn_app_with(
        |config| {
            config.set("label.name", "Night Owl Records");
            config.set("label.accent", "#1D4ED8");
            config.set("label.logo", logo.display().to_string());
            config.set("label.home_text", "Records from the small hours.");
        },
        None,
        None,
    )
    .await;

    let home = app.get("/").await.text().await.unwrap();
    assert_eq!(title(&home), "Night Owl Records");
    assert!(home.contains("Records from the small hours."), "{home}");
    let login = app.get("/login").await.text().await.unwrap();
    assert!(title(&login).ends_with(" · Night Owl Records"), "{}", title(&login));
    assert!(login.contains("Night Owl Records</a>"), "the header names the label");
    // The logo, processed at startup and served as PNG.
    let logo_url = home.split("class=\"brand-logo\" src=\"").nth(1).unwrap().split('"').next().unwrap();
    assert!(logo_url.starts_with("/label/files/logo-"), "{logo_url}");
    let served = app.get(logo_url).await;
    assert_eq!(served.headers()["content-type"], "image/png");
    let decoded = image::load_from_memory(&served.bytes().await.unwrap()).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (512, 128));
    // The accent, as a stylesheet the page links.
    let theme = home.split("rel=\"stylesheet\" href=\"/brand/theme.css").nth(1).unwrap().split('"').next().unwrap();
    let css = app.get(&format!("/brand/theme.css{theme}")).await.text().await.unwrap();
    assert!(css.contains("--brand: #1d4ed8"), "{css}");

    let manifest: Value = app.get("/app/manifest.webmanifest").await.json().await.unwrap();
    assert_eq!(manifest["name"], "Night Owl Records");
    assert_eq!(manifest["short_name"], "Night Owl");
    assert_eq!(manifest["theme_color"], "#1d4ed8");
    let sizes: Vec<&str> = manifest["icons"].as_array().unwrap().iter().map(|i| i["sizes"].as_str().unwrap()).collect();
    assert_eq!(sizes, ["192x192", "512x512"]);
    let icon = manifest["icons"][1]["src"].as_str().unwrap();
    assert_eq!(app.get(icon).await.status(), 200);
    let app_page = app.get("/app").await.text().await.unwrap();
    assert!(app_page.contains("<title>Night Owl Records</title>"), "the fan app");

    // An email: the sender's name, the text and the signature.
    let mut fan = Browser::new(&app.address);
    fan.get("/signup").await;
    let fields = [("email", "fan@example.com"), ("password", DEMO_PASSWORD), ("display_name", "Fan")];
    assert_eq!(fan.post_form("/signup", &fields).await.status, 200);
    let mail = app.mails().join("\n").replace("\r\n", "\n").replace("=20\n", " \n");
    assert!(mail.contains("From: \"Night Owl Records\" <") || mail.contains("From: Night Owl Records <"), "{mail}");
    assert!(mail.contains("Subject: Confirm your email to start on Night Owl Records"), "{mail}");
    assert!(mail.contains("Welcome to Night Owl Records!"), "{mail}");
    assert!(mail.contains(&format!("\n-- \nNight Owl Records\n{}\n", app.address)), "{mail}");
    assert!(!mail.contains("Boptone"), "{mail}");
    let mut artist = onboarded_artist(&app.address, "nova@example.com", "Nova").await;

    // A share card: the site's name, and the label's image for a page without one.
    let profile = artist.get("/@nova").await.body;
    assert_eq!(meta(&profile, "og:site_name"), Some("Night Owl Records"));
    assert_eq!(meta(&profile, "og:title"), Some("Nova on Night Owl Records"));
    assert!(meta(&profile, "og:image").unwrap().contains("/media/profiles/"), "the page's own image first");
    let home_image = meta(&home, "og:image").unwrap();
    assert!(home_image.starts_with(&format!("{}/label/files/icon-", app.address)), "{home_image}");
    app.state
        .db
        .write_blocking(Durability::Normal, |tx| tx.execute("UPDATE artist_profiles SET photo_key = NULL", []))
        .unwrap();
    let profile = artist.get("/@nova").await.body;
    let image = meta(&profile, "og:image").unwrap();
    assert!(image.starts_with(&format!("{}/label/files/icon-", app.address)), "{image}");
    assert_eq!(meta(&profile, "twitter:image"), Some(image));
    app.stop().await;
}

/// `[label]` in a config file with one bad value.
fn load_with(label: &str) -> Result<Config, String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("boptone.toml");
    std::fs::write(&path, format!("[label]\n{label}\n")).unwrap();
    let overrides = Overrides { config_file: Some(path), ..Overrides::default() };
    Config::load_from(&overrides, Vec::new()).map_err(|e| e.to_string())
}

#[test]
fn bad_branding_values_are_refused_at_start_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("logo.png");
    std::fs::write(&text, "not an image at all").unwrap();
    let huge = dir.path().join("huge.png");
    std::fs::write(&huge, vec![0u8; 2 * 1024 * 1024 + 1]).unwrap();
    let good = dir.path().join("good.webp");
    let mut webp = std::io::Cursor::new(Vec::new());
    image::RgbImage::new(64, 64).write_to(&mut webp, image::ImageFormat::WebP).unwrap();
    std::fs::write(&good, webp.into_inner()).unwrap();
    let quoted = |p: &std::path::Path| format!("{:?}", p.display().to_string());
    for (line, key, why) in [
        ("accent = \"#ffff00\"".to_owned(), "label.accent", "contrast"),
        ("accent = \"purple\"".to_owned(), "label.accent", "hex"),
        ("name = \"  \"".to_owned(), "label.name", "1 to 60 characters"),
        ("name = \"Bad\\u0000Name\"".to_owned(), "label.name", "control characters"),
        (format!("about = \"{}\"", "x".repeat(50_001)), "label.about", "at most 50000"),
        ("logo = \"/no/such/logo.png\"".to_owned(), "label.logo", "cannot read"),
        (format!("logo = {}", quoted(&text)), "label.logo", "JPEG, PNG or WebP"),
        (format!("favicon = {}", quoted(&huge)), "label.favicon", "at most 2 MiB"),
    ] {
        let err = load_with(&line).expect_err(&line);
        assert!(err.contains(&format!("`{key}`")) && err.contains(why), "{line}: {err}");
    }
    let config = load_with(&format!("name = \"Night Owl\"\naccent = \"#036\"\nfavicon = {}", quoted(&good))).unwrap();
    let label: boptone::identity::config::LabelConfig = config.section("label").unwrap();
    assert_eq!((label.name.as_str(), label.accent.as_str()), ("Night Owl", "#036"));
}

#[tokio::test]
async fn the_console_form_changes_the_brand_at_once_on_every_page() {
    let app = spawn_app().await;
    let mut label = admin(&app).await;
    let before = app.get("/").await.text().await.unwrap();
    assert_eq!(title(&before), "Boptone");
    // A page whose values stay the same (the same signed-in browser, the
    // brand's text comes from the brand itself) is handed out again as
    // rendered; a new brand must still show on it at once.
    let about = label.get("/about").await.body;
    assert_eq!(title(&about), "About · Boptone");
    assert_eq!(label.get("/about").await.body, about, "the same values, the same page");

    let fields = label_form(
        &mut label,
        &[
            ("name", "Lighthouse Sound"),
            ("accent", "#0f766e"),
            ("home_text", "Songs from the coast.\n\nNew every week."),
            ("about", "We started in a lighthouse."),
        ],
    )
    .await;
    let saved = save(&mut label, &fields, Some(("logo", png(300, 300), "image/png"))).await;
    assert_eq!(saved.redirect(), "/admin/label?saved=name,accent,home_text,about,logo");
    let notice = label.get(saved.redirect()).await.body;
    assert!(notice.contains("Saved: name, accent colour, home page text, about page, logo."), "{notice}");

    // Every page, the manifest and the app at once, without a restart.
    let home = app.get("/").await.text().await.unwrap();
    assert_eq!(title(&home), "Lighthouse Sound");
    assert!(home.contains("<p class=\"lead text-block\">Songs from the coast.</p>"), "{home}");
    assert!(app.get("/about").await.text().await.unwrap().contains("We started in a lighthouse."));
    let about = label.get("/about").await.body;
    assert_eq!(title(&about), "About · Lighthouse Sound");
    assert!(about.contains("We started in a lighthouse."), "{about}");
    let logo = home.split("class=\"brand-logo\" src=\"").nth(1).unwrap().split('"').next().unwrap();
    assert!(logo.starts_with("/media/label/logo-"), "{logo}");
    let served = app.get(logo).await;
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["content-type"], "image/png");
    let manifest: Value = app.get("/app/manifest.webmanifest").await.json().await.unwrap();
    assert_eq!(
        (manifest["name"].as_str(), manifest["theme_color"].as_str()),
        (Some("Lighthouse Sound"), Some("#0f766e"))
    );
    assert!(manifest["icons"][0]["src"].as_str().unwrap().starts_with("/media/label/icon-"));
    let theme = home.split("href=\"/brand/theme.css").nth(1).unwrap().split('"').next().unwrap();
    assert!(app.get(&format!("/brand/theme.css{theme}")).await.text().await.unwrap().contains("#0f766e"));

    // A favicon; then the logo removed: its image is gone, the favicon stays.
    let fields = label_form(&mut label, &[]).await;
    let saved = save(&mut label, &fields, Some(("favicon", png(128, 128), "image/png"))).await;
    assert_eq!(saved.redirect(), "/admin/label?saved=favicon");
    let home = app.get("/").await.text().await.unwrap();
    let favicon = home.split("rel=\"icon\" href=\"").nth(1).unwrap().split('"').next().unwrap();
    assert!(favicon.starts_with("/media/label/favicon-"), "{favicon}");
    let fields = label_form(&mut label, &[("remove_logo", "1")]).await;
    assert_eq!(save(&mut label, &fields, None).await.redirect(), "/admin/label?saved=logo");
    assert_eq!(app.get(logo).await.status(), 404, "a replaced logo is no longer served");
    assert_eq!(app.get(favicon).await.status(), 200);

    // The same values again: nothing to save.
    let fields = label_form(&mut label, &[]).await;
    assert_eq!(save(&mut label, &fields, None).await.redirect(), "/admin/label?saved=");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM label_settings"), 6);

    // Every save is in the audit log, naming the fields it changed.
    let audit: Vec<(String, String, String)> = app
        .state
        .db
        .read_blocking(|c| {
            c.prepare("SELECT action, target_kind, detail FROM audit_log WHERE action LIKE 'label.%' ORDER BY id")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect()
        })
        .unwrap();
    let details: Vec<Value> = audit.iter().map(|(_, _, d)| serde_json::from_str(d).unwrap()).collect();
    assert!(audit.iter().all(|(action, kind, _)| action == "label.update" && kind == "label"), "{audit:?}");
    assert_eq!(
        details.iter().map(|d| d["changed"].clone()).collect::<Vec<_>>(),
        [
            serde_json::json!(["name", "accent", "home_text", "about", "logo"]),
            serde_json::json!(["favicon"]),
            serde_json::json!(["logo"])
        ]
    );

    // What the console saved survives a restart, over boptone.toml's values.
    let app = app.restart_with(|config| config.set("label.name", "Configured Name")).await;
    assert_eq!(title(&app.get("/").await.text().await.unwrap()), "Lighthouse Sound");
    app.stop().await;
}

#[tokio::test]
async fn bad_values_in_the_form_are_refused_with_a_message_and_change_nothing() {
    let app = spawn_app().await;
    let mut label = admin(&app).await;
    for (changes, file, field, message) in [
        (vec![("accent", "#ffff00")], None, "accent", "contrast of"),
        (vec![("accent", "blue")], None, "accent", "CSS hex code"),
        (vec![("name", "")], None, "name", "Give the label a name."),
        (
            vec![("name", "New")],
            Some(("logo", b"GIF89a not a logo".to_vec(), "image/gif")),
            "logo",
            "JPEG, PNG or WebP",
        ),
        (vec![], Some(("logo", vec![0u8; 2 * 1024 * 1024 + 10], "image/png")), "logo", "larger than 2 MiB"),
        (vec![], Some(("favicon", b"<svg onload=alert(1)>".to_vec(), "image/svg+xml")), "favicon", "JPEG, PNG or WebP"),
    ] {
        let fields = label_form(&mut label, &changes).await;
        let page = save(&mut label, &fields, file).await;
        assert_eq!(page.status, 422, "{field}: {}", page.body);
        assert!(page.body.contains(&format!("id=\"{field}-error\">")), "{field}: {}", page.body);
        assert!(page.body.contains(message), "{message}: {}", page.body);
        assert!(page.body.contains("Nothing was changed."));
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM label_settings"), 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE action = 'label.update'"), 0);
    assert_eq!(title(&app.get("/").await.text().await.unwrap()), "Boptone");
    app.stop().await;
}

#[tokio::test]
async fn only_the_labels_admins_may_open_the_branding_form() {
    let app = spawn_app().await;
    let anonymous = app.get("/admin/label").await;
    assert_eq!(anonymous.status(), 303);
    assert!(anonymous.headers()["location"].to_str().unwrap().starts_with("/login"));
    let mut artist = onboarded_artist(&app.address, "nova@example.com", "Nova").await;
    let mut fan = signed_in(&app, "fan@example.com", Role::Fan).await;
    for browser in [&mut artist, &mut fan] {
        assert_eq!(browser.get("/admin/label").await.status, 403);
        let fields = [("name", "Taken Over".to_owned()), ("accent", "#000000".to_owned())];
        assert_eq!(save(browser, &fields, None).await.status, 403);
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM label_settings"), 0);
    app.stop().await;
}

#[tokio::test]
async fn about_terms_and_privacy_show_the_labels_text_escaped_in_paragraphs() {
    let app = spawn_app_with(
        |config| {
            config.set("label.name", "Night Owl");
            config.set("label.about", "<script>alert(1)</script> & friends\n\nSecond paragraph,\nsecond line.");
            config.set("label.privacy", "We keep <b>nothing</b>.");
        },
        None,
        None,
    )
    .await;
    let about = app.get("/about").await.text().await.unwrap();
    assert!(
        about.contains("<p class=\"text-block\">&lt;script&gt;alert(1)&lt;/script&gt; &amp; friends</p>"),
        "{about}"
    );
    assert!(about.contains("<p class=\"text-block\">Second paragraph,\nsecond line.</p>"), "{about}");
    assert!(!about.contains("<script>alert"));
    assert_eq!(title(&about), "About · Night Owl");
    let terms = app.get("/terms").await.text().await.unwrap();
    assert!(terms.contains("Night Owl has not published its terms of use yet."), "the default names the label");
    let privacy = app.get("/privacy").await.text().await.unwrap();
    assert!(privacy.contains("We keep &lt;b&gt;nothing&lt;/b&gt;."), "{privacy}");
    for link in ["href=\"/about\"", "href=\"/terms\"", "href=\"/privacy\""] {
        assert!(app.get("/search").await.text().await.unwrap().contains(link), "the footer links {link}");
    }
    app.stop().await;
}

/// Onboarded artists straight in the database: `count` of them, named
/// "Artist 00" …, the first `suspended` of them suspended.
fn seed_artists(app: &TestApp, count: usize, suspended: usize) {
    app.state
        .db
        .write_blocking(Durability::Normal, |tx| {
            for n in 0..count {
                tx.execute(
                    "INSERT INTO users (uid, email, password_hash, role, created_at) VALUES (?1, ?2, 'x', 'artist', 1)",
                    rusqlite::params![format!("u-seed-{n}"), format!("seed{n}@example.com")],
                )?;
                let user = tx.last_insert_rowid();
                tx.execute(
                    "INSERT INTO artist_profiles (uid, user_id, stage_name, handle, onboarding_completed, suspended_at,
                         created_at, updated_at) VALUES (?1, ?2, ?3, ?4, 1, ?5, 1, 1)",
                    rusqlite::params![
                        format!("a-seed-{n}"),
                        user,
                        format!("Artist {n:02}"),
                        format!("artist{n:02}"),
                        (n < suspended).then_some(1_i64)
                    ],
                )?;
            }
            Ok::<_, rusqlite::Error>(())
        })
        .unwrap();
}

#[tokio::test]
async fn the_home_page_presents_the_labels_artists_a_page_at_a_time() {
    let app = spawn_app_with(|config| config.set("label.artist_signup", "invite"), None, None).await;
    let empty = app.get("/").await.text().await.unwrap();
    assert!(empty.contains("No artists here yet"), "{empty}");
    assert!(empty.contains("by invitation"), "invite-only says so: {empty}");
    assert!(!empty.contains("href=\"/artist/signup\">Start as an artist</a>."), "{empty}");
    assert!(empty.contains("href=\"/app\""), "fans are led to the app");

    seed_artists(&app, 28, 2);
    // One artist who has not finished onboarding is not shown either.
    app.state
        .db
        .write_blocking(Durability::Normal, |tx| {
            tx.execute("UPDATE artist_profiles SET onboarding_completed = 0 WHERE handle = 'artist27'", [])
        })
        .unwrap();
    let first = app.get("/").await.text().await.unwrap();
    assert!(!first.contains("Artist 00") && !first.contains("Artist 01"), "suspended artists are not shown");
    assert!(first.contains("<a href=\"/@artist02\">") && first.contains("Artist 02"), "{first}");
    assert_eq!(first.matches("<span class=\"artist-name\">").count(), 24);
    let next = first.split("href=\"/?after=").nth(1).unwrap().split('"').next().unwrap();
    let second = app.get(&format!("/?after={next}")).await.text().await.unwrap();
    let names: Vec<&str> =
        second.split("<span class=\"artist-name\">").skip(1).map(|s| s.split('<').next().unwrap()).collect();
    assert_eq!(names, ["Artist 26"], "{second}");
    assert!(!second.contains("?after="), "the last page");
    app.stop().await;
}
