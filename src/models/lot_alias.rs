//! Lot codes a batch was printed under before a correction: each still names
//! the batch, so stamps already on fruit keep resolving.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{batch, batch_lot_alias};
use crate::db::DbConnection;

/// Records that `batch_id` was printed as `lot_code` until `replaced_at`.
pub fn insert(
    conn: &mut DbConnection,
    product_id: &str,
    lot_code: &str,
    batch_id: &str,
    replaced_at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::insert_into(batch_lot_alias::table)
        .values((
            batch_lot_alias::product_id.eq(product_id),
            batch_lot_alias::lot_code.eq(lot_code),
            batch_lot_alias::batch_id.eq(batch_id),
            batch_lot_alias::replaced_at.eq(replaced_at),
        ))
        .execute(conn)
}

/// A batch's former lot codes, oldest first.
pub fn for_batch(conn: &mut DbConnection, batch_id: &str) -> QueryResult<Vec<String>> {
    batch_lot_alias::table
        .filter(batch_lot_alias::batch_id.eq(batch_id))
        .order(batch_lot_alias::replaced_at)
        .select(batch_lot_alias::lot_code)
        .load(conn)
}

/// Forgets a former code: a correction back to it makes it current again.
pub fn remove(conn: &mut DbConnection, product_id: &str, lot_code: &str) -> QueryResult<usize> {
    diesel::delete(
        batch_lot_alias::table
            .filter(batch_lot_alias::product_id.eq(product_id))
            .filter(batch_lot_alias::lot_code.eq(lot_code)),
    )
    .execute(conn)
}

/// The batch of `product_id` printed as `lot_code`, under its current code
/// or a former one.
pub fn batch_named(
    conn: &mut DbConnection,
    product_id: &str,
    lot_code: &str,
) -> QueryResult<Option<String>> {
    let current = batch::table
        .filter(batch::product_id.eq(product_id))
        .filter(batch::lot_code.eq(lot_code))
        .select(batch::id)
        .get_result::<String>(conn)
        .optional()?;
    if current.is_some() {
        return Ok(current);
    }
    batch_lot_alias::table
        .filter(batch_lot_alias::product_id.eq(product_id))
        .filter(batch_lot_alias::lot_code.eq(lot_code))
        .select(batch_lot_alias::batch_id)
        .get_result(conn)
        .optional()
}
