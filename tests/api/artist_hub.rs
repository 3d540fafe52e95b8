//! Issue 14 item 2 on the web: the artist's page (`/@handle`) is the hub —
//! followers and a follow button, a tip button, and a tab per pillar (Bops,
//! Music, Shop) that each pillar renders; what a visitor may not see stays
//! out of it.

use crate::bops::{FAN_PASSWORD, artist, count_text, fan};
use crate::browser::Browser;
use crate::music_money::published_album;
use crate::music_tracks::label_app;
use crate::search::bop_with;
use crate::shop::{activate, add_variant, new_product};

#[tokio::test]
async fn the_artist_page_shows_every_pillar_and_fans_follow_from_it() {
    let app = label_app().await;
    let (mut studio, nova) = artist(&app, "nova@example.com", "Nova Hub").await;
    let public = bop_with(&app, &nova, "Out in the open", "public").await;
    let private = bop_with(&app, &nova, "For the fans only", "followers").await;
    let (release, _) = published_album(&app, &mut studio).await;
    let scarf = new_product(&mut studio, "physical", "Hub scarf", &[]).await;
    add_variant(&mut studio, &scarf, &[], "12.00", "").await;
    activate(&mut studio, &scarf, "physical", "Hub scarf", &[]).await;
    let hidden = new_product(&mut studio, "physical", "Draft hoodie", &[]).await;
    let handle = count_text(&app, "SELECT handle FROM artist_profiles");
    let page = format!("/@{handle}");

    // A visitor: the Bops tab first, the public Bop only, follow asks to sign in.
    let mut visitor = Browser::new(&app.address);
    let hub = visitor.get(&page).await;
    assert_eq!(hub.status, 200);
    assert!(hub.body.contains("0 followers"), "{}", hub.body);
    assert!(hub.body.contains(&format!("href=\"/login?next=/@{handle}\"")));
    assert!(hub.body.contains(&format!("href=\"/app/@{handle}?tip=1\"")), "a tip button");
    assert!(hub.body.contains(&format!("href=\"/@{handle}?tab=bops\" aria-current=\"page\"")));
    assert!(hub.body.contains(&format!("/bops/{public}")) && !hub.body.contains(&format!("/bops/{private}")));
    let another = Browser::new(&app.address).get(&page).await;
    assert_eq!(another.body, hub.body, "no visitor's token in it: every visitor gets the same page");
    let unknown_tab = visitor.get(&format!("{page}?tab=nope")).await;
    assert!(unknown_tab.body.contains(&format!("/bops/{public}")), "an unknown tab opens the first");
    assert_eq!(visitor.get(&format!("{page}?tab=bops&cursor=garbage")).await.status, 422);

    let music = visitor.get(&format!("{page}?tab=music")).await;
    assert!(music.body.contains(&format!("href=\"/releases/{release}\"")) && music.body.contains("Night Buses"));
    assert!(music.body.contains(&format!("href=\"/@{handle}?tab=music\" aria-current=\"page\"")));
    let shop = visitor.get(&format!("{page}?tab=shop")).await;
    assert!(shop.body.contains(&format!("href=\"/products/{scarf}\"")) && shop.body.contains("Hub scarf"));
    assert!(!shop.body.contains(&hidden), "a draft is not in the shop tab");

    // A fan follows from the page: the count, the button and the grid change.
    fan(&app, "hubfan@example.com");
    let mut browser = Browser::new(&app.address);
    browser.post_form("/login", &[("email", "hubfan@example.com"), ("password", FAN_PASSWORD)]).await;
    let before = browser.get(&page).await;
    assert!(before.body.contains("name=\"follow\" value=\"1\""));
    assert_eq!(browser.post_form(&format!("{page}/follow"), &[("follow", "maybe")]).await.status, 422);
    let followed = browser.post_form(&format!("{page}/follow"), &[("follow", "1")]).await;
    assert_eq!(followed.redirect(), page);
    app.drain_events().await;
    let after = browser.get(&page).await;
    assert!(after.body.contains("1 follower") && after.body.contains("Following"), "{}", after.body);
    assert!(after.body.contains(&format!("/bops/{private}")), "followers-only Bops for a follower");
    let visitors = visitor.get(&page).await.body;
    assert!(visitors.contains("1 follower"), "a page rendered before is not handed out once a count changed");
    assert!(!visitors.contains(&format!("/bops/{private}")), "nor a follower's grid to a visitor");
    assert_eq!(browser.post_form_without_token(&format!("{page}/follow"), &[("follow", "0")]).await.status, 403);
    browser.post_form(&format!("{page}/follow"), &[("follow", "0")]).await;
    app.drain_events().await;
    assert!(browser.get(&page).await.body.contains("0 followers"));

    // The artist sees their own page with an edit link, not a follow button.
    let own = studio.get(&page).await;
    assert!(own.body.contains("Edit your page") && !own.body.contains("name=\"follow\""));
    app.stop().await;
}
