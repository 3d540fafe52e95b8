//! minijinja over the embedded `templates/`. Debug builds read templates from
//! disk on every render (rust-embed does so outside release builds), so an
//! edited template shows without a rebuild.

use axum::response::Html;
use minijinja::Environment;
use rust_embed::RustEmbed;
use serde::Serialize;

use crate::error::{AppError, AppResult};

#[derive(RustEmbed)]
#[folder = "templates/"]
struct Templates;

pub struct Views {
    #[cfg(not(debug_assertions))]
    env: Environment<'static>,
    globals: Globals,
}

/// Values every template can use.
#[derive(Debug, Clone, Serialize)]
pub struct Globals {
    pub public_url: String,
    pub sandbox_payments: bool,
    pub version: &'static str,
}

impl Views {
    pub fn new(globals: Globals) -> Views {
        Views {
            #[cfg(not(debug_assertions))]
            env: environment(&globals),
            globals,
        }
    }

    pub fn render(&self, name: &str, context: impl Serialize) -> AppResult<Html<String>> {
        #[cfg(debug_assertions)]
        let env = environment(&self.globals);
        #[cfg(not(debug_assertions))]
        let env = &self.env;
        let template = env.get_template(name).map_err(template_error)?;
        template.render(context).map(Html).map_err(template_error)
    }

    pub fn globals(&self) -> &Globals {
        &self.globals
    }
}

fn environment(globals: &Globals) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_loader(|name| Ok(Templates::get(name).map(|file| String::from_utf8_lossy(&file.data).into_owned())));
    env.add_function("asset", super::assets::asset_url);
    env.add_global("site", minijinja::Value::from_serialize(globals));
    env
}

fn template_error(err: minijinja::Error) -> AppError {
    AppError::Internal(anyhow::anyhow!("template error: {err:#}"))
}
