//! Paging of list endpoints: `?page=P&per_page=K`, answered as
//! `{"items": [...], "total": N, "page": P, "per_page": K}`.

use serde::Serialize;

use crate::domain::validate::{field_error, Checked};

pub const DEFAULT_PER_PAGE: i64 = 50;
pub const MAX_PER_PAGE: i64 = 200;
pub const MAX_EXPORT_ROWS: i64 = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub page: i64,
    pub per_page: i64,
}

impl Page {
    pub fn new(page: Option<i64>, per_page: Option<i64>) -> Checked<Self> {
        let page = page.unwrap_or(1);
        let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE);
        if !(1..=1_000_000).contains(&page) {
            return Err(field_error("page", "must be between 1 and 1000000"));
        }
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            return Err(field_error(
                "per_page",
                format!("must be between 1 and {MAX_PER_PAGE}"),
            ));
        }
        Ok(Page { page, per_page })
    }

    /// The one page a CSV export reads: every row, up to a bound that keeps
    /// one download's memory in check.
    pub fn export() -> Self {
        Page {
            page: 1,
            per_page: MAX_EXPORT_ROWS,
        }
    }

    pub fn offset(&self) -> i64 {
        (self.page - 1) * self.per_page
    }

    pub fn of<T>(self, items: Vec<T>, total: i64) -> List<T> {
        List {
            items,
            total,
            page: self.page,
            per_page: self.per_page,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct List<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds() {
        assert_eq!(Page::new(None, None).unwrap().offset(), 0);
        assert_eq!(Page::new(Some(3), Some(20)).unwrap().offset(), 40);
        assert_eq!(Page::new(None, Some(201)).unwrap_err().field, "per_page");
        assert_eq!(Page::new(Some(0), None).unwrap_err().field, "page");
    }
}
