//! The secrets behind stamp serials' MACs. The first start generates one; a
//! rotation adds a newer one that issues from then on, while every older key
//! keeps verifying the stamps already printed.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use rand::RngCore;

use crate::db::schema::serial_key;
use crate::db::DbConnection;
use crate::domain::serial::{SerialCodec, SerialKey};
use crate::error::{AppError, AppResult};

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = serial_key)]
struct KeyRow {
    key_id: i32,
    secret: String,
    created_at: NaiveDateTime,
}

/// Key ids fit the serial's 4-bit field.
const MAX_KEY_ID: i32 = 15;

fn fresh(key_id: i32) -> KeyRow {
    let mut secret = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut secret);
    KeyRow {
        key_id,
        secret: hex::encode(secret),
        created_at: crate::time::now(),
    }
}

/// The codec over every stored key, generating the first key if there is
/// none. Two nodes starting at once may both try; the loser's insert fails on
/// the primary key and it reads the winner's key.
pub fn load_codec(conn: &mut DbConnection) -> AppResult<SerialCodec> {
    let mut rows = all(conn)?;
    if rows.is_empty() {
        let _ = diesel::insert_into(serial_key::table)
            .values(fresh(0))
            .execute(conn);
        rows = all(conn)?;
    }
    let mut keys = rows
        .iter()
        .map(|row| {
            let mut secret = [0u8; 32];
            hex::decode_to_slice(&row.secret, &mut secret)
                .map_err(|_| AppError::Config(format!("serial key {} is corrupt", row.key_id)))?;
            let id = u8::try_from(row.key_id).map_err(|_| {
                AppError::Config(format!("serial key id {} out of range", row.key_id))
            })?;
            Ok(SerialKey { id, secret })
        })
        .collect::<AppResult<Vec<_>>>()?;
    let current = keys
        .pop()
        .ok_or_else(|| AppError::Config("no serial key could be created".into()))?;
    SerialCodec::new(current, keys).map_err(|e| AppError::Config(format!("serial keys: {e}")))
}

fn all(conn: &mut DbConnection) -> QueryResult<Vec<KeyRow>> {
    serial_key::table
        .order(serial_key::key_id)
        .select(KeyRow::as_select())
        .load(conn)
}

/// Adds the next key, which new rolls use once the service restarts.
pub fn rotate(conn: &mut DbConnection) -> AppResult<u8> {
    let next = all(conn)?.last().map_or(0, |k| k.key_id + 1);
    if next > MAX_KEY_ID {
        return Err(AppError::Conflict(format!(
            "all {} key ids are used; serials have room for no more",
            MAX_KEY_ID + 1
        )));
    }
    diesel::insert_into(serial_key::table)
        .values(fresh(next))
        .execute(conn)?;
    Ok(next as u8)
}
