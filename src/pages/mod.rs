//! Server-rendered pages. For now the home page and the consumer's stamp
//! page; the web portal grows here.

pub mod stamp;

use actix_web::{http::header, web, HttpResponse};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home));
}

const HOME: &str = include_str!("../../web/templates/home.html");

async fn home() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .body(HOME)
}
