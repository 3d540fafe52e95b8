//! The web studio for the shop (session cookie + CSRF, behind the revenue
//! gate): products, their variants, photos and files.

use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::{Deserialize, Serialize};

use super::domain::{FieldErrors, ProductDraft, ProductInput, ProductKind, ProductStatus, VariantInput};
use super::products::{self, FullProduct};
use super::repo;
use super::views::{ProductSummary, variant_view};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::identity::RevenueReady;
use crate::media::{Audience, MediaKey};
use crate::web::page::Page;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/studio/shop", get(list_products).post(create_product))
        .route("/studio/shop/new", get(show_new_product))
        .route("/studio/shop/products/{id}", get(show_product).post(update_product))
        .route("/studio/shop/products/{id}/delete", post(delete_product))
        .route("/studio/shop/products/{id}/variants", post(add_variant))
        .route("/studio/shop/products/{id}/variants/{variant}", post(save_variant))
        .route("/studio/shop/products/{id}/variants/{variant}/delete", post(delete_variant))
        .route(
            "/studio/shop/products/{id}/photos",
            post(upload_photo).layer(DefaultBodyLimit::max(crate::identity::photo::MAX_BYTES + 64 * 1024)),
        )
        .route("/studio/shop/products/{id}/photos/{photo}/cover", post(make_cover))
        .route("/studio/shop/products/{id}/photos/{photo}/delete", post(delete_photo))
        .merge(super::studio_files::router())
}

const PAGE: usize = 24;

#[derive(Serialize)]
struct ListView {
    title: &'static str,
    products: Vec<ProductSummary>,
    older_url: Option<String>,
    first_page: bool,
    /// "3 of 10 products" when the tier has a limit.
    usage: Option<String>,
    status: String,
    /// Toney's word on the best seller, on the first page.
    insight: Option<crate::toney::Insight>,
}

/// A studio list's page: a status filter and a keyset cursor.
#[derive(Deserialize)]
pub(super) struct ListQuery {
    pub before: Option<String>,
    pub status: Option<String>,
}

async fn list_products(
    State(state): State<AppState>,
    page: Page,
    RevenueReady(scope): RevenueReady,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    let artist = scope.artist.id;
    let status = query.status.as_deref().and_then(ProductStatus::parse);
    let first_page = query.before.is_none();
    let before = query.before.clone();
    let (rows, live) = state
        .db
        .read(move |c| {
            let before = match before {
                Some(uid) => repo::find_product_for_artist(c, artist, &uid)?.map(|p| p.id),
                None => None,
            };
            let products = repo::list_products_for_artist(c, artist, status, before, PAGE + 1)?;
            let ids: Vec<_> = products.iter().map(|p| p.id).collect();
            let covers = repo::covers_of(c, &ids)?;
            let mut rows = Vec::new();
            for product in products {
                let variants = repo::variants_of(c, product.id)?;
                let cover = covers.iter().find(|p| p.product_id == product.id).cloned();
                rows.push((product, variants, cover));
            }
            Ok::<_, rusqlite::Error>((rows, repo::count_live_products(c, artist)?))
        })
        .await?;
    let more = rows.len() > PAGE;
    let products: Vec<ProductSummary> =
        rows.iter().take(PAGE).map(|(p, v, c)| ProductSummary::new(p, v, c.as_ref(), &state.media)).collect();
    let status_query = status.map(|s| format!("&status={}", s.as_str())).unwrap_or_default();
    let limit = super::state(&state).config.product_limit(scope.artist.tier.as_deref());
    let insight = match first_page {
        true => crate::toney::service::page_insight(&state, artist, crate::toney::insights::Kind::TopProduct).await?,
        false => None,
    };
    let view = ListView {
        title: "Your shop",
        insight,
        older_url: more.then(|| {
            format!("/studio/shop?before={}{status_query}", products.last().map(|p| p.id.as_str()).unwrap_or(""))
        }),
        products,
        first_page,
        usage: limit.map(|limit| format!("{live} of {limit} products (archived ones do not count)")),
        status: status.map(|s| s.as_str().to_owned()).unwrap_or_default(),
    };
    Ok(page.render(&state, "shop/products.html", view)?.into_response())
}

#[derive(Serialize)]
struct FormView {
    title: String,
    input: ProductInput,
    errors: FieldErrors,
    kinds: Vec<(&'static str, &'static str)>,
    statuses: &'static [&'static str],
    product: Option<ProductPage>,
    message: Option<&'static str>,
    /// The add-variant form, kept on error.
    variant_input: VariantInput,
    variant_errors: FieldErrors,
    /// The variant whose row the errors belong to ("new" for the add form).
    errors_for: String,
}

#[derive(Serialize)]
struct ProductPage {
    id: String,
    kind: &'static str,
    option_names: Vec<String>,
    variants: Vec<StudioVariant>,
    photos: Vec<PhotoItem>,
    files: Vec<FileItem>,
    public_url: Option<String>,
    max_file_bytes: u64,
    /// The artist's published releases (uid, title), to sell as this download.
    releases: Vec<(String, String)>,
}

/// A variant's row: what it is, and its form's values.
#[derive(Serialize)]
struct StudioVariant {
    id: String,
    label: String,
    summary: String,
    input: VariantInput,
}

fn studio_variant(v: &repo::VariantRow) -> StudioVariant {
    let view = variant_view(v);
    let amount = |minor: i64| {
        crate::core::Currency::parse(&v.currency).map(|c| c.format_amount(minor)).unwrap_or_else(|_| minor.to_string())
    };
    let value = |i: usize| v.options.get(i).cloned().unwrap_or_default();
    let stock = match v.inventory {
        Some(n) => format!("{n} in stock"),
        None => "stock not tracked".to_owned(),
    };
    StudioVariant {
        id: v.uid.clone(),
        label: if view.label.is_empty() { "Default".to_owned() } else { view.label },
        summary: format!("{} · {stock}", view.price),
        input: VariantInput {
            value1: value(0),
            value2: value(1),
            value3: value(2),
            sku: v.sku.clone(),
            price: amount(v.price_minor),
            compare_at: v.compare_at_minor.map(amount).unwrap_or_default(),
            weight_grams: v.weight_grams.map(|g| g.to_string()).unwrap_or_default(),
            inventory: v.inventory.map(|n| n.to_string()).unwrap_or_default(),
            barcode: v.barcode.clone(),
            pod_variant_id: v.pod_variant_id.map(|n| n.to_string()).unwrap_or_default(),
        },
    }
}

#[derive(Serialize)]
struct PhotoItem {
    id: i64,
    url: String,
    cover: bool,
}

#[derive(Serialize)]
struct FileItem {
    id: String,
    name: String,
    size: String,
}

fn form_view(title: String, input: ProductInput) -> FormView {
    FormView {
        title,
        input,
        errors: FieldErrors::new(),
        kinds: ProductKind::ALL.iter().map(|k| (k.as_str(), k.label())).collect(),
        statuses: &["draft", "active", "archived"],
        product: None,
        message: None,
        variant_input: VariantInput::default(),
        variant_errors: FieldErrors::new(),
        errors_for: String::new(),
    }
}

fn input_of(full: &FullProduct) -> ProductInput {
    let p = &full.product;
    let name = |i: usize| p.option_names.get(i).cloned().unwrap_or_default();
    ProductInput {
        kind: p.kind.as_str().into(),
        title: p.title.clone(),
        description: p.description_html.clone(),
        status: p.status.as_str().into(),
        tags: p.tags.join(", "),
        option1: name(0),
        option2: name(1),
        option3: name(2),
    }
}

fn product_page(state: &AppState, full: &FullProduct) -> ProductPage {
    let p = &full.product;
    ProductPage {
        id: p.uid.clone(),
        kind: p.kind.as_str(),
        option_names: p.option_names.clone(),
        variants: full.variants.iter().map(studio_variant).collect(),
        photos: full
            .photos
            .iter()
            .enumerate()
            .filter_map(|(i, photo)| {
                let key = MediaKey::parse(&photo.thumb_key)?;
                Some(PhotoItem { id: photo.id, url: state.media.link(&key, Audience::Signed), cover: i == 0 })
            })
            .collect(),
        files: full
            .files
            .iter()
            .map(|f| FileItem {
                id: f.uid.clone(),
                name: f.name.clone(),
                size: crate::web::views::format_bytes(f.bytes as u64),
            })
            .collect(),
        public_url: (p.status == ProductStatus::Active).then(|| format!("/shop/products/{}", p.uid)),
        max_file_bytes: super::state(state).config.max_file_bytes,
        releases: Vec::new(),
    }
}

async fn show_new_product(
    State(state): State<AppState>,
    page: Page,
    RevenueReady(_scope): RevenueReady,
) -> AppResult<Response> {
    let input = ProductInput { kind: "physical".into(), status: "draft".into(), ..ProductInput::default() };
    Ok(page.render(&state, "shop/product.html", form_view("New product".into(), input))?.into_response())
}

async fn create_product(
    State(state): State<AppState>,
    page: Page,
    RevenueReady(scope): RevenueReady,
    Form(input): Form<ProductInput>,
) -> AppResult<Response> {
    let draft = match ProductDraft::parse(&input) {
        Ok(draft) => draft,
        Err(errors) => {
            let view = FormView { errors, ..form_view("New product".into(), input) };
            return Ok(
                (StatusCode::UNPROCESSABLE_ENTITY, page.render(&state, "shop/product.html", view)?).into_response()
            );
        }
    };
    match products::create_product(&state, &scope.artist, draft).await {
        Ok(uid) => Ok(Redirect::to(&format!("/studio/shop/products/{uid}?done=created")).into_response()),
        Err(AppError::Conflict(why)) => {
            let view = FormView {
                errors: FieldErrors::from([("status".to_owned(), why)]),
                ..form_view("New product".into(), input)
            };
            Ok((StatusCode::CONFLICT, page.render(&state, "shop/product.html", view)?).into_response())
        }
        Err(err) => Err(err),
    }
}

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

fn message(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "created" => "Product created. Add its variants and photos, then make it active.",
        "saved" => "Saved.",
        "variant" => "Variant saved.",
        "photo" => "Photo added.",
        "file" => "File added.",
        "removed" => "Removed.",
        _ => return None,
    })
}

async fn product_view(state: &AppState, scope: &crate::identity::ArtistScope, uid: String) -> AppResult<FormView> {
    let full = products::own_product(state, scope.artist.id, uid).await?;
    let view = form_view(full.product.title.clone(), input_of(&full));
    let mut page = product_page(state, &full);
    if full.product.kind == ProductKind::Digital {
        let artist = scope.artist.id;
        page.releases = state.db.read(move |c| crate::music::downloads::published_releases(c, artist)).await?;
    }
    Ok(FormView { product: Some(page), ..view })
}

async fn show_product(
    State(state): State<AppState>,
    page: Page,
    RevenueReady(scope): RevenueReady,
    Path(uid): Path<String>,
    Query(query): Query<DoneQuery>,
) -> AppResult<Response> {
    let view = product_view(&state, &scope, uid).await?;
    let view = FormView { message: message(query.done.as_deref()), ..view };
    Ok(page.render(&state, "shop/product.html", view)?.into_response())
}

async fn update_product(
    State(state): State<AppState>,
    page: Page,
    RevenueReady(scope): RevenueReady,
    Path(uid): Path<String>,
    Form(input): Form<ProductInput>,
) -> AppResult<Response> {
    let result = match ProductDraft::parse(&input) {
        Ok(draft) => products::update_product(&state, &scope.artist, uid.clone(), draft).await,
        Err(fields) => Err(AppError::Invalid { message: "Check the form.".into(), fields }),
    };
    let (status, errors) = match result {
        Ok(()) => return Ok(Redirect::to(&format!("/studio/shop/products/{uid}?done=saved")).into_response()),
        Err(AppError::Invalid { fields, .. }) => (StatusCode::UNPROCESSABLE_ENTITY, fields),
        Err(AppError::Conflict(why)) => (StatusCode::CONFLICT, FieldErrors::from([("status".to_owned(), why)])),
        Err(err) => return Err(err),
    };
    let view = FormView { input, errors, ..product_view(&state, &scope, uid).await? };
    Ok((status, page.render(&state, "shop/product.html", view)?).into_response())
}

async fn delete_product(
    State(state): State<AppState>,
    RevenueReady(scope): RevenueReady,
    Path(uid): Path<String>,
) -> AppResult<Response> {
    products::delete_product(&state, scope.artist.id, uid).await?;
    Ok(Redirect::to("/studio/shop").into_response())
}

async fn variant_saved(
    state: &AppState,
    page: &Page,
    scope: &crate::identity::ArtistScope,
    uid: String,
    row: String,
    input: VariantInput,
    result: Result<(), FieldErrors>,
) -> AppResult<Response> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/studio/shop/products/{uid}?done=variant#variants")).into_response()),
        Err(errors) => {
            let view = product_view(state, scope, uid).await?;
            let view = FormView { variant_input: input, variant_errors: errors, errors_for: row, ..view };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page.render(state, "shop/product.html", view)?).into_response())
        }
    }
}

async fn add_variant(
    State(state): State<AppState>,
    page: Page,
    RevenueReady(scope): RevenueReady,
    Path(uid): Path<String>,
    Form(input): Form<VariantInput>,
) -> AppResult<Response> {
    let result = products::save_variant(&state, scope.artist.id, uid.clone(), None, input.clone()).await?;
    variant_saved(&state, &page, &scope, uid, "new".into(), input, result).await
}

async fn save_variant(
    State(state): State<AppState>,
    page: Page,
    RevenueReady(scope): RevenueReady,
    Path((uid, variant)): Path<(String, String)>,
    Form(input): Form<VariantInput>,
) -> AppResult<Response> {
    let result =
        products::save_variant(&state, scope.artist.id, uid.clone(), Some(variant.clone()), input.clone()).await?;
    variant_saved(&state, &page, &scope, uid, variant, input, result).await
}

async fn delete_variant(
    State(state): State<AppState>,
    RevenueReady(scope): RevenueReady,
    Path((uid, variant)): Path<(String, String)>,
) -> AppResult<Response> {
    products::delete_variant(&state, scope.artist.id, uid.clone(), variant).await?;
    Ok(Redirect::to(&format!("/studio/shop/products/{uid}?done=removed#variants")).into_response())
}

async fn upload_photo(
    State(state): State<AppState>,
    page: Page,
    RevenueReady(scope): RevenueReady,
    Path(uid): Path<String>,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let field = multipart.next_field().await.map_err(|_| AppError::invalid("photo", "Choose a photo to upload."))?;
    let bytes = match field {
        Some(field) => {
            field.bytes().await.map_err(|_| AppError::invalid("photo", "The upload was cut off; try again."))?
        }
        None => bytes::Bytes::new(),
    };
    let result = if bytes.is_empty() {
        Err(AppError::invalid("photo", "Choose a photo to upload."))
    } else {
        products::add_photo(&state, scope.artist.id, uid.clone(), bytes).await
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/studio/shop/products/{uid}?done=photo#photos")).into_response()),
        Err(AppError::Invalid { fields, .. }) => {
            let view = FormView { errors: fields, ..product_view(&state, &scope, uid).await? };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page.render(&state, "shop/product.html", view)?).into_response())
        }
        Err(err) => Err(err),
    }
}

async fn make_cover(
    State(state): State<AppState>,
    RevenueReady(scope): RevenueReady,
    Path((uid, photo)): Path<(String, i64)>,
) -> AppResult<Response> {
    products::make_cover(&state, scope.artist.id, uid.clone(), photo).await?;
    Ok(Redirect::to(&format!("/studio/shop/products/{uid}?done=saved#photos")).into_response())
}

async fn delete_photo(
    State(state): State<AppState>,
    RevenueReady(scope): RevenueReady,
    Path((uid, photo)): Path<(String, i64)>,
) -> AppResult<Response> {
    products::remove_photo(&state, scope.artist.id, uid.clone(), photo).await?;
    Ok(Redirect::to(&format!("/studio/shop/products/{uid}?done=removed#photos")).into_response())
}
