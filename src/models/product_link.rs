//! Links a producer registers for a product under a GS1 link type (recipe,
//! certification, product information page…), served by the resolver.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::product_link;
use crate::db::DbConnection;
use crate::domain::validate::{self as v, Checked};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = product_link)]
pub struct ProductLink {
    pub id: String,
    pub product_id: String,
    /// Compact form, e.g. `gs1:recipeInfo`.
    pub link_type: String,
    pub href: String,
    pub title: String,
    pub lang: Option<String>,
    #[serde(serialize_with = "crate::time::utc")]
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductLinkFields {
    pub link_type: String,
    pub href: String,
    pub title: String,
    pub lang: Option<String>,
}

impl ProductLinkFields {
    pub fn create(
        self,
        id: String,
        product_id: String,
        now: NaiveDateTime,
    ) -> Checked<ProductLink> {
        let link_type = crate::domain::link_type::short(self.link_type.trim());
        let name = link_type.strip_prefix("gs1:").unwrap_or("");
        if name.is_empty() || name.len() > 64 || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(v::field_error(
                "link_type",
                "must be a GS1 link type such as gs1:recipeInfo or gs1:certificationInfo",
            ));
        }
        // gs1:defaultLink is allowed: it replaces our page as the product's
        // default link (the resolver uses the first one registered).
        if link_type == "gs1:linkset" {
            return Err(v::field_error(
                "link_type",
                "is reserved for the service's own linkset",
            ));
        }
        let href = v::text("href", &self.href, 500)?;
        // It becomes a `Location` header and a link on the public page: an
        // absolute http(s) URL with a host, and nothing a header cannot hold.
        let absolute = url::Url::parse(&href).ok().filter(|u| {
            matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty())
        });
        if absolute.is_none()
            || href.chars().any(|c| c.is_control() || c.is_whitespace())
            || !href
                .get(..8)
                .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
                && !href
                    .get(..7)
                    .is_some_and(|s| s.eq_ignore_ascii_case("http://"))
        {
            return Err(v::field_error(
                "href",
                "must be an absolute http(s) URL without spaces or control characters",
            ));
        }
        let lang = v::optional_text("lang", self.lang.as_deref(), 8)?;
        if let Some(l) = &lang {
            if !(2..=8).contains(&l.len())
                || !l.chars().all(|c| c.is_ascii_alphabetic() || c == '-')
            {
                return Err(v::field_error(
                    "lang",
                    "must be a language tag such as vi or en",
                ));
            }
        }
        Ok(ProductLink {
            id,
            product_id,
            link_type,
            href,
            title: v::text("title", &self.title, 200)?,
            lang,
            created_at: now,
        })
    }
}

pub fn insert(conn: &mut DbConnection, row: &ProductLink) -> QueryResult<usize> {
    diesel::insert_into(product_link::table)
        .values(row)
        .execute(conn)
}

pub fn for_product(conn: &mut DbConnection, product_id: &str) -> QueryResult<Vec<ProductLink>> {
    product_link::table
        .filter(product_link::product_id.eq(product_id))
        .order(product_link::link_type)
        .select(ProductLink::as_select())
        .load(conn)
}
