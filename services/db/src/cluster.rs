//! The database itself: creating it inside a fresh cluster and asking whether it answers.

use anyhow::Context;
use sqlx::{PgConnection, PgPool};

/// Creates database `name` unless it exists. `name` is interpolated (identifiers cannot be bound),
/// so it must be one of our own constants.
pub async fn create_database_if_missing(conn: &mut PgConnection, name: &'static str) -> anyhow::Result<()> {
    let exists: bool = sqlx::query_scalar("select exists (select 1 from pg_database where datname = $1)")
        .bind(name)
        .fetch_one(&mut *conn)
        .await
        .context("failed to look for the database")?;
    if !exists {
        sqlx::query(sqlx::AssertSqlSafe(format!("create database \"{name}\"")))
            .execute(&mut *conn)
            .await
            .context("failed to create the database")?;
    }
    Ok(())
}

/// One round trip: the database answers.
pub async fn ping(pool: &PgPool) -> anyhow::Result<()> {
    sqlx::query_scalar::<_, i32>("select 1").fetch_one(pool).await.context("the database does not answer")?;
    Ok(())
}
