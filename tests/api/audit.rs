use attune_app::audit::{VerifyError, verify};

use crate::common::spawn_app;

async fn tamper(pool: &sqlx::PgPool, sql: &str) {
    // Past the append-only trigger, as a superuser (or a restored dump) could.
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("alter table audit_log disable trigger audit_log_append_only").execute(&mut *tx).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string())).execute(&mut *tx).await.unwrap();
    sqlx::query("alter table audit_log enable trigger audit_log_append_only").execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn changes_write_a_verifiable_chain() {
    let app = spawn_app().await;
    app.new_user().await;
    app.new_user().await;
    let actions: Vec<String> = sqlx::query_scalar("select action from audit_log order by seq").fetch_all(&app.pool).await.unwrap();
    assert_eq!(
        actions,
        ["organization.registered", "user.registered", "session.created", "organization.registered", "user.registered", "session.created"]
    );
    assert_eq!(verify(&app.pool).await.unwrap(), 6);
}

#[tokio::test]
async fn the_log_refuses_ordinary_edits() {
    let app = spawn_app().await;
    app.new_user().await;
    assert!(sqlx::query("update audit_log set actor = 'someone else'").execute(&app.pool).await.is_err());
    assert!(sqlx::query("delete from audit_log").execute(&app.pool).await.is_err());
    assert!(sqlx::query("truncate audit_log").execute(&app.pool).await.is_err());
}

#[tokio::test]
async fn an_edited_row_is_named() {
    let app = spawn_app().await;
    app.new_user().await;
    tamper(&app.pool, "update audit_log set data = '{\"email\": \"mallory@example.org\"}' where seq = 2").await;
    match verify(&app.pool).await {
        Err(VerifyError::Broken(b)) => assert_eq!(b.seq, 2, "{b}"),
        other => panic!("expected a broken chain, got {other:?}"),
    }
}

#[tokio::test]
async fn a_deleted_row_is_caught() {
    let app = spawn_app().await;
    app.new_user().await;
    tamper(&app.pool, "delete from audit_log where seq = 2").await;
    match verify(&app.pool).await {
        Err(VerifyError::Broken(b)) => assert_eq!(b.seq, 3, "{b}"),
        other => panic!("expected a broken chain, got {other:?}"),
    }
}

#[tokio::test]
async fn a_deleted_tail_is_caught() {
    let app = spawn_app().await;
    app.new_user().await;
    tamper(&app.pool, "delete from audit_log where seq = (select max(seq) from audit_log)").await;
    assert!(matches!(verify(&app.pool).await, Err(VerifyError::Broken(_))));
}
