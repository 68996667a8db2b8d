//! `tracestamp backup FILE`: an online copy of a SQLite database that opens as
//! a database of its own, with its data and an intact audit chain.

use crate::cli::tracestamp;
use crate::server::{audit_intact, Database, Server};

#[test]
fn a_backup_taken_while_serving_restores_with_its_data_and_audit_chain() {
    let db = Database::fresh();
    let copy = db.dir().join("copy of tracestamp's db.db");
    let copy_arg = copy.to_str().unwrap();
    if !db.is_sqlite() {
        let out = tracestamp(&db.url, &["backup", copy_arg], "");
        assert!(!out.status.success(), "PostgreSQL is not copied by us");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("pg_dump") && err.contains("pg_restore"),
            "{err}"
        );
        assert!(!copy.exists());
        return;
    }
    let server = Server::start(&db.url, &["--demo"]);
    let token = server.demo_token("producer1");
    let batch = server.active_batch(&token);
    let roll = server.issue_roll(&token, batch["id"].as_str().unwrap(), 250)["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let out = tracestamp(&db.url, &["backup", copy_arg], "");
    assert!(
        out.status.success(),
        "backup while serving: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let again = tracestamp(&db.url, &["backup", copy_arg], "");
    assert!(
        !again.status.success(),
        "an existing file is never overwritten"
    );
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    server.stop();

    let copy_url = format!("sqlite://{copy_arg}");
    let entries = audit_intact(&copy_url);
    assert!(
        entries >= 2,
        "the token and the roll were audited: {entries}"
    );
    assert_eq!(entries, audit_intact(&db.url), "the copy has every entry");

    let server = Server::start(&copy_url, &[]);
    let found = server.request(
        "GET",
        &format!("/api/v1/stamp-rolls/{roll}"),
        Some(&token),
        None,
    );
    assert_eq!(found.status, 200, "{}", found.body);
    assert_eq!(found.json()["count"], 250);
    let serial = found.json()["first_serial"].as_str().unwrap().to_owned();
    let resolved = server.request("GET", &format!("/s/{serial}"), None, None);
    assert_eq!(resolved.status, 200, "the copy keeps the serial keys too");
    assert_eq!(resolved.json()["verdict"], "genuine", "{}", resolved.body);
    server.stop();
}
