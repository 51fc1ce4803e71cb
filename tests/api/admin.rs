use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{assert_problem, spawn_app};

#[tokio::test]
async fn only_admins_change_roles() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let other = app.new_user().await;
    let res = app.post_json(&format!("/api/v1/admin/users/{}/roles", other.id), &json!({"roles": ["auditor"]}), Some(&user.token)).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_problem(&res);
    let res = app.post_json(&format!("/api/v1/admin/users/{}/roles", other.id), &json!({"roles": ["auditor"]}), None).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_admin_grants_and_revokes_platform_roles() {
    let app = spawn_app().await;
    let admin = app.new_admin().await;
    let user = app.new_user().await;
    let res = app
        .post_json(&format!("/api/v1/admin/users/{}/roles", user.id), &json!({"roles": ["auditor", "auditor"]}), Some(&admin.token))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["roles"], json!(["auditor"]));
    let me: Value = app.get("/api/v1/me", Some(&user.token)).await.json().await.unwrap();
    assert_eq!(me["user"]["roles"], json!(["auditor"]));
    let res = app.post_json(&format!("/api/v1/admin/users/{}/roles", user.id), &json!({"roles": []}), Some(&admin.token)).await;
    assert_eq!(res.json::<Value>().await.unwrap()["roles"], json!([]));
    let logged: i64 = sqlx::query_scalar("select count(*) from audit_log where action = 'user.roles_changed' and subject = $1")
        .bind(format!("user:{}", user.id))
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(logged, 2);
}

#[tokio::test]
async fn role_changes_are_validated() {
    let app = spawn_app().await;
    let admin = app.new_admin().await;
    let user = app.new_user().await;
    let res = app.post_json(&format!("/api/v1/admin/users/{}/roles", user.id), &json!({"roles": ["superuser"]}), Some(&admin.token)).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json::<Value>().await.unwrap()["errors"][0]["field"], "roles[0]");
    let res =
        app.post_json(&format!("/api/v1/admin/users/{}/roles", uuid::Uuid::new_v4()), &json!({"roles": []}), Some(&admin.token)).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = app.post_json(&format!("/api/v1/admin/users/{}/roles", admin.id), &json!({"roles": ["auditor"]}), Some(&admin.token)).await;
    assert_eq!(res.status(), StatusCode::CONFLICT, "an admin cannot drop their own admin role");
}

#[tokio::test]
async fn admins_page_through_all_users() {
    let app = spawn_app().await;
    let admin = app.new_admin().await;
    for _ in 0..3 {
        app.new_user().await;
    }
    let first: Value = app.get("/api/v1/admin/users?limit=2", Some(&admin.token)).await.json().await.unwrap();
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second: Value = app.get(&format!("/api/v1/admin/users?limit=2&cursor={cursor}"), Some(&admin.token)).await.json().await.unwrap();
    assert_eq!(second["items"].as_array().unwrap().len(), 2);
    assert!(second["next_cursor"].is_null());
    let mut emails: Vec<&str> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["items"].as_array().unwrap())
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    emails.sort();
    emails.dedup();
    assert_eq!(emails.len(), 4);
    let res = app.get("/api/v1/admin/users?cursor=garbage", Some(&admin.token)).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let user = app.new_user().await;
    assert_eq!(app.get("/api/v1/admin/users", Some(&user.token)).await.status(), StatusCode::FORBIDDEN);
}
