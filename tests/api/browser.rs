//! A cookie-keeping HTTP client that acts like a browser without JavaScript:
//! it reads the CSRF token from pages and sends forms with it.

use std::sync::Arc;

use reqwest::cookie::{CookieStore, Jar};
use reqwest::header;
use reqwest::multipart::{Form, Part};

pub struct Browser {
    pub base: String,
    pub client: reqwest::Client,
    jar: Arc<Jar>,
    csrf: Option<String>,
}

pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
}

impl Page {
    pub fn redirect(&self) -> &str {
        assert!((300..400).contains(&self.status), "expected a redirect, got {}: {}", self.status, self.body);
        self.location.as_deref().unwrap()
    }
}

/// The value of the first `name="csrf_token" value="…"` on a page.
pub fn csrf_in(html: &str) -> Option<String> {
    let start = html.find("name=\"csrf_token\" value=\"")? + "name=\"csrf_token\" value=\"".len();
    Some(html[start..start + html[start..].find('"')?].to_owned())
}

impl Browser {
    pub fn new(base: &str) -> Browser {
        let jar = Arc::new(Jar::default());
        let client = reqwest::Client::builder()
            .no_proxy()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Browser { base: base.to_owned(), client, jar, csrf: None }
    }

    /// The `Cookie` header this browser sends now (to replay it later).
    pub fn cookies(&self) -> String {
        let url = self.base.parse().unwrap();
        self.jar.cookies(&url).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
    }

    /// Sends a request; forgets the form token when the server rotates the
    /// CSRF cookie (as at sign-in), and remembers the one on the page.
    async fn send(&mut self, request: reqwest::RequestBuilder) -> Page {
        let response = request.send().await.unwrap();
        let rotated = response
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .any(|v| v.to_str().unwrap_or("").starts_with("boptone_csrf="));
        if rotated {
            self.csrf = None;
        }
        let page = Self::page(response).await;
        if let Some(token) = csrf_in(&page.body) {
            self.csrf = Some(token);
        }
        page
    }

    async fn page(response: reqwest::Response) -> Page {
        let status = response.status().as_u16();
        let location = response.headers().get(header::LOCATION).map(|v| v.to_str().unwrap().to_owned());
        Page { status, location, body: response.text().await.unwrap() }
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http") { path.to_owned() } else { format!("{}{path}", self.base) }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let request = self.client.get(self.url(path));
        self.send(request).await
    }

    /// The token for this browser's forms (visiting the home page if needed).
    pub async fn csrf(&mut self) -> String {
        if self.csrf.is_none() {
            self.get("/login").await;
        }
        self.csrf.clone().expect("pages carry a CSRF token")
    }

    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.csrf().await;
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf_token", &token));
        let request = self.client.post(self.url(path)).form(&all);
        self.send(request).await
    }

    /// A form post without any CSRF token.
    pub async fn post_form_without_token(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        Self::page(self.client.post(self.url(path)).form(fields).send().await.unwrap()).await
    }

    pub async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, Vec<u8>, &str)>,
    ) -> Page {
        let token = self.csrf().await;
        let mut form = Form::new();
        for (name, value) in fields {
            form = form.text(name.to_string(), value.to_string());
        }
        if let Some((name, bytes, mime)) = file {
            form = form.part(name.to_owned(), Part::bytes(bytes).file_name("photo").mime_str(mime).unwrap());
        }
        let url = format!("{}?csrf_token={}", self.url(path), token);
        let request = self.client.post(url).multipart(form);
        self.send(request).await
    }

    /// A studio call with a raw body (the upload API): the form token goes in
    /// the query, as the studio's scripts send it.
    pub async fn send_body(&mut self, method: reqwest::Method, path: &str, content_type: &str, body: Vec<u8>) -> Page {
        let token = self.csrf().await;
        let separator = if path.contains('?') { '&' } else { '?' };
        let url = format!("{}{separator}csrf_token={token}", self.url(path));
        let request = self.client.request(method, url).header(header::CONTENT_TYPE, content_type).body(body);
        self.send(request).await
    }

    /// Signs out through the header's sign-out form.
    pub async fn sign_out(&mut self) -> Page {
        self.post_form("/logout", &[]).await
    }
}

/// A PNG of `width`×`height` pixels.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 128]));
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

pub const PASSWORD: &str = "correct horse battery";

/// Walks signup → sandbox checkout → setup → payouts; returns the browser.
pub async fn onboarded_artist(base: &str, email: &str, stage_name: &str) -> Browser {
    let mut browser = Browser::new(base);
    let checkout = signed_up(&mut browser, email).await;
    pay(&mut browser, &checkout).await;
    set_up_profile(&mut browser, stage_name).await;
    connect_payouts(&mut browser).await;
    browser
}

/// Signs up (tier Pro) and follows the emailed link; returns the sandbox checkout path.
pub async fn signed_up(browser: &mut Browser, email: &str) -> String {
    let target = confirmed_signup(browser, email).await;
    assert!(target.starts_with("/sandbox/checkout/sbx_cs_"), "{target}");
    target
}

/// Signs up (tier Pro), follows the link in the email, confirms with the password; returns
/// where the confirmation redirects (the plan's checkout).
pub async fn confirmed_signup(browser: &mut Browser, email: &str) -> String {
    confirmed_signup_on(browser, email, "pro").await
}

/// As [`confirmed_signup`], on the plan `tier`.
pub async fn confirmed_signup_on(browser: &mut Browser, email: &str, tier: &str) -> String {
    browser.get("/artist/signup").await;
    let page = browser.post_form("/artist/signup", &[("email", email), ("password", PASSWORD), ("tier", tier)]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Check your email"), "{}", page.body);
    let link = crate::helpers::link_in_mail(&browser.base, &email.to_lowercase(), "/artist/signup/confirm/")
        .expect("a signup link was emailed");
    assert_eq!(browser.get(&link).await.status, 200);
    browser.post_form(&link, &[("password", PASSWORD)]).await.redirect().to_owned()
}

pub async fn pay(browser: &mut Browser, checkout: &str) {
    assert_eq!(browser.get(checkout).await.status, 200);
    let page = browser.post_form(&format!("{checkout}/complete"), &[]).await;
    assert_eq!(page.redirect(), "/artist/setup");
}

pub async fn set_up_profile(browser: &mut Browser, stage_name: &str) -> Page {
    let page = browser
        .post_multipart(
            "/artist/setup",
            &[
                ("stage_name", stage_name),
                ("handle", ""),
                ("genres", "Pop"),
                ("genres", "Soul"),
                ("bio", "Songs for night buses."),
            ],
            Some(("photo", png(900, 600), "image/png")),
        )
        .await;
    assert_eq!(page.redirect(), "/artist/payout", "{}", page.body);
    page
}

pub async fn connect_payouts(browser: &mut Browser) {
    let start = browser.post_form("/artist/payout/start", &[]).await;
    let connect = start.redirect().to_owned();
    assert!(connect.starts_with("/sandbox/connect/sbx_acct_"), "{connect}");
    browser.get(&connect).await;
    let done = browser
        .post_form(&connect, &[("legal_name", "Nova Lee"), ("country", "US"), ("account_number", "000123456789")])
        .await;
    assert_eq!(done.redirect(), "/dashboard");
}
