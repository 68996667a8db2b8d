//! `/api/v1/export-codes`, `/api/v1/laboratories`, a batch's codes and lab
//! results, and result certificates: thin adapters over
//! `service::export_codes` and `service::lab_results`.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::Deserialize;

use crate::auth::Caller;
use crate::domain::id::Id;
use crate::error::{AppError, AppResult};
use crate::models::export_code::{self, CodeAlert, CodeView, ExportCode};
use crate::models::lab_result::{Laboratory, ResultView};
use crate::service::export_codes::{
    self as codes, Authorisation, BatchCode, BatchCodes, CodeFields, StatusChange,
};
use crate::service::lab_results::{
    self as labs, LaboratoryFields, ResultFields, Withdrawal, MAX_CERTIFICATE,
};
use crate::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/export-codes")
            .route(web::get().to(list))
            .route(web::post().to(register)),
    )
    .service(web::resource("/export-codes/alerts").route(web::get().to(alerts)))
    .service(web::resource("/export-codes/{id}").route(web::get().to(get)))
    .service(web::resource("/export-codes/{id}/status").route(web::post().to(set_status)))
    .service(
        web::resource("/export-codes/{id}/users")
            .route(web::post().to(authorise))
            .route(web::delete().to(withdraw)),
    )
    .service(
        web::resource("/batches/{id}/export-codes")
            .route(web::get().to(batch_codes))
            .route(web::put().to(set_batch_codes)),
    )
    .service(
        web::resource("/laboratories")
            .route(web::get().to(laboratories))
            .route(web::post().to(register_laboratory)),
    )
    .service(
        web::resource("/batches/{id}/lab-results")
            .route(web::get().to(results))
            .route(web::post().to(record_result)),
    )
    .service(web::resource("/lab-results/{id}/withdraw").route(web::post().to(withdraw_result)))
    .service(
        web::resource("/lab-results/{id}/certificate")
            .route(web::get().to(certificate))
            .route(web::put().to(attach_certificate)),
    );
}

async fn list(caller: Caller, state: web::Data<AppState>) -> AppResult<web::Json<Vec<CodeView>>> {
    let scope = caller.scope();
    let rows = state
        .db(move |conn| Ok(export_code::list(conn, &scope)?))
        .await?;
    Ok(web::Json(rows))
}

async fn register(
    caller: Caller,
    state: web::Data<AppState>,
    body: web::Json<CodeFields>,
) -> AppResult<HttpResponse> {
    let fields = body.into_inner();
    let view = state
        .db(move |conn| codes::register(conn, &caller, fields))
        .await?;
    Ok(super::created(
        format!("/api/v1/export-codes/{}", view.code.id),
        &view,
    ))
}

async fn get(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
) -> AppResult<web::Json<CodeView>> {
    let view = state
        .db(move |conn| codes::visible(conn, &caller, &path))
        .await?;
    Ok(web::Json(view))
}

async fn set_status(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    body: web::Json<StatusChange>,
) -> AppResult<web::Json<CodeView>> {
    let change = body.into_inner();
    let view = state
        .db(move |conn| codes::set_status(conn, &caller, &path, change))
        .await?;
    Ok(web::Json(view))
}

async fn authorise(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    body: web::Json<Authorisation>,
) -> AppResult<web::Json<CodeView>> {
    let body = body.into_inner();
    let view = state
        .db(move |conn| codes::authorise(conn, &caller, &path, body, true))
        .await?;
    Ok(web::Json(view))
}

async fn withdraw(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    body: web::Json<Authorisation>,
) -> AppResult<web::Json<CodeView>> {
    let body = body.into_inner();
    let view = state
        .db(move |conn| codes::authorise(conn, &caller, &path, body, false))
        .await?;
    Ok(web::Json(view))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AlertWindow {
    /// Days back from now (default 30, at most 366).
    days: Option<i64>,
}

async fn alerts(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<AlertWindow>,
) -> AppResult<web::Json<Vec<CodeAlert>>> {
    let days = query.days.unwrap_or(30);
    if !(1..=366).contains(&days) {
        return Err(AppError::invalid("days", "must be between 1 and 366"));
    }
    let scope = caller.scope();
    let now = crate::time::now();
    let rows = state
        .db(move |conn| {
            Ok(export_code::alerts(
                conn,
                &scope,
                now - chrono::Duration::days(days),
                now + chrono::Duration::seconds(1),
            )?)
        })
        .await?;
    Ok(web::Json(rows))
}

async fn batch_codes(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
) -> AppResult<web::Json<Vec<BatchCode>>> {
    let rows = state
        .db(move |conn| codes::visible_batch_codes(conn, &caller, &path))
        .await?;
    Ok(web::Json(rows))
}

async fn set_batch_codes(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    body: web::Json<BatchCodes>,
) -> AppResult<web::Json<Vec<ExportCode>>> {
    let body = body.into_inner();
    let config = state.config.clone();
    let rows = state
        .db(move |conn| codes::set_batch_codes(conn, &caller, &config, &path, body))
        .await?;
    Ok(web::Json(rows))
}

async fn laboratories(
    _caller: Caller,
    state: web::Data<AppState>,
) -> AppResult<web::Json<Vec<Laboratory>>> {
    let rows = state.db(labs::laboratories).await?;
    Ok(web::Json(rows))
}

async fn register_laboratory(
    caller: Caller,
    state: web::Data<AppState>,
    body: web::Json<LaboratoryFields>,
) -> AppResult<HttpResponse> {
    let fields = body.into_inner();
    let row = state
        .db(move |conn| labs::register_laboratory(conn, &caller, fields))
        .await?;
    Ok(super::created(
        format!("/api/v1/laboratories/{}", row.id),
        &row,
    ))
}

async fn results(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
) -> AppResult<web::Json<Vec<ResultView>>> {
    let rows = state
        .db(move |conn| labs::of_batch(conn, &caller, &path))
        .await?;
    Ok(web::Json(rows))
}

async fn record_result(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    body: web::Json<ResultFields>,
) -> AppResult<HttpResponse> {
    let fields = body.into_inner();
    let view = state
        .db(move |conn| labs::record(conn, &caller, &path, fields))
        .await?;
    Ok(super::created(
        format!("/api/v1/lab-results/{}/certificate", view.result.id),
        &view,
    ))
}

async fn withdraw_result(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    body: web::Json<Withdrawal>,
) -> AppResult<web::Json<ResultView>> {
    let body = body.into_inner();
    let view = state
        .db(move |conn| labs::withdraw(conn, &caller, &path, body))
        .await?;
    Ok(web::Json(view))
}

async fn attach_certificate(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    req: HttpRequest,
    mut payload: web::Payload,
) -> AppResult<HttpResponse> {
    let pdf_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/pdf"));
    if !pdf_type {
        return Err(AppError::UnsupportedMediaType(
            "send the certificate as Content-Type: application/pdf".into(),
        ));
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| AppError::BadRequest(format!("unreadable body: {e}")))?;
        if body.len() + chunk.len() > MAX_CERTIFICATE {
            return Err(AppError::PayloadTooLarge(format!(
                "a certificate is at most {MAX_CERTIFICATE} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    state
        .db(move |conn| labs::attach_certificate(conn, &caller, &path, &body))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn certificate(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
) -> AppResult<HttpResponse> {
    let pdf = state
        .db(move |conn| labs::certificate(conn, &caller, &path))
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "inline; filename=\"certificate.pdf\"",
        ))
        .body(pdf))
}
