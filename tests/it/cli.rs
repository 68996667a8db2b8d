//! The `tracestamp` binary's commands, run as a person would run them.

use std::io::Write;
use std::process::{Command, Stdio};

fn tracestamp(database_url: &str, args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tracestamp"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run tracestamp");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn user_add_reads_the_password_from_stdin_and_refuses_bad_roles() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("cli.db").display());
    let out = tracestamp(&url, &["migrate"], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = tracestamp(
        &url,
        &[
            "user",
            "add",
            "thanhtra",
            "--role",
            "regulator",
            "--province",
            "Vĩnh Long",
        ],
        "mật khẩu dài\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = tracestamp(
        &url,
        &[
            "user",
            "add",
            "thanhtra",
            "--role",
            "regulator",
            "--province",
            "Vĩnh Long",
        ],
        "mật khẩu dài\n",
    );
    assert!(
        !out.status.success(),
        "a second account with the same name is refused"
    );

    let out = tracestamp(
        &url,
        &[
            "user",
            "add",
            "x",
            "--role",
            "regulator",
            "--province",
            "Atlantis",
        ],
        "long enough\n",
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("province"));
    let out = tracestamp(
        &url,
        &["user", "add", "y", "--role", "producer"],
        "long enough\n",
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("--enterprise"));
    let out = tracestamp(&url, &["user", "add", "z", "--role", "admin"], "short\n");
    assert!(String::from_utf8_lossy(&out.stderr).contains("8 characters"));
}

#[test]
fn an_unknown_database_scheme_is_named_in_the_error() {
    let out = tracestamp("mysql://root@localhost/test", &["migrate"], "");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("sqlite://") && err.contains("postgres://"),
        "{err}"
    );
}
