//! The HTML pages from a plain HTTP client: a cookie session logged in through the login form, and
//! the CSRF token a form carries.

use reqwest::StatusCode;

use super::{PASSWORD, TestApp, TestUser};

/// The CSRF token of the first form in `html`.
pub fn csrf_token(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker).expect("a csrf field") + marker.len();
    html[start..start + html[start..].find('"').expect("a closing quote")].to_string()
}

impl TestApp {
    /// A cookie-carrying client that does not follow redirects, logged in through the login form.
    pub async fn page_session(&self, user: &TestUser) -> reqwest::Client {
        let browser = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .pool_idle_timeout(std::time::Duration::from_secs(2))
            .build()
            .unwrap();
        let token = csrf_token(&browser.get(self.url("/login")).send().await.unwrap().text().await.unwrap());
        let res = browser
            .post(self.url("/login"))
            .form(&[("email", user.email.as_str()), ("password", PASSWORD), ("csrf_token", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        browser
    }
}
