//! Security headers on pages, API answers and errors.

use actix_web::http::Method;

use crate::harness::{Answer, TestApp};
use tracestamp::headers::SECURITY_HEADERS;

fn assert_secure(answer: &Answer, what: &str) {
    for (name, value) in SECURITY_HEADERS {
        assert_eq!(
            answer.headers.get(&name).and_then(|v| v.to_str().ok()),
            Some(value),
            "{name} on {what}"
        );
    }
    let csp = answer
        .headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(csp.contains("script-src 'self'"), "{csp}");
}

#[actix_web::test]
async fn every_kind_of_answer_carries_the_security_headers() {
    let app = TestApp::new();
    let token = app.account("admin", "admin", None, None);
    let page = app.send(Method::GET, "/", None, None).await.expect(200);
    assert!(page.text.contains("<html"), "{}", page.text);
    assert_secure(&page, "a page");
    assert_secure(
        &app.get("/api/v1/me", &token).await.expect(200),
        "an API answer",
    );
    assert_secure(
        &app.send(Method::GET, "/api/v1/me", None, None)
            .await
            .expect(401),
        "a refusal by the authentication middleware",
    );
    assert_secure(
        &app.get("/api/v1/enterprises/nope", &token)
            .await
            .expect(404),
        "an API error",
    );
    assert_secure(
        &app.send(Method::GET, "/s/NOT-A-SERIAL!", None, None)
            .await
            .expect(400),
        "a resolver error",
    );
    assert_secure(
        &app.send(Method::GET, "/no/such/page", None, None)
            .await
            .expect(404),
        "an unrouted path",
    );
}
