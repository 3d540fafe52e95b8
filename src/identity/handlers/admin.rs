//! `/admin`: the console's front door opens on the roster
//! (`/admin/artists`, in the console pillar), where the label sees, finds,
//! suspends and reinstates its artists — each with a reason.

use axum::response::Redirect;

use crate::auth::AdminUser;

pub async fn show_admin(_admin: AdminUser) -> Redirect {
    Redirect::to("/admin/artists")
}
