//! The first admin: created on the first start from `ATTUNE_BOOTSTRAP_ADMIN_*`, or with a random
//! password written to `<data_dir>/admin-password` (mode 0600).

use secrecy::ExposeSecret;

use crate::marketplace::Marketplace;

/// What the bootstrap step did about the first admin.
pub enum BootstrapAdmin {
    AlreadyPresent,
    FromSettings { email: String },
    Generated { email: String, password_file: std::path::PathBuf },
}

/// Creates the first admin when none exists.
pub async fn first_admin(market: &Marketplace) -> anyhow::Result<BootstrapAdmin> {
    let settings = &market.settings;
    if crate::accounts::admin_exists(&market.pool).await? {
        return Ok(BootstrapAdmin::AlreadyPresent);
    }
    let email = settings.bootstrap_admin_email.clone().unwrap_or_else(|| "admin@attune.localhost".to_string());
    let (password, generated) = match &settings.bootstrap_admin_password {
        Some(p) => (p.expose_secret().to_string(), false),
        None => (crate::tokens::new_token()[..24].to_string(), true),
    };
    crate::accounts::create_admin(&market.pool, "system:bootstrap", &email, &password, "Administrator")
        .await
        .map_err(|e| anyhow::anyhow!("could not create the bootstrap admin: {e}"))?;
    if generated {
        let path = settings.data_dir.join("admin-password");
        crate::secrets::write_private_file(&path, format!("{password}\n").as_bytes())?;
        Ok(BootstrapAdmin::Generated { email, password_file: path })
    } else {
        Ok(BootstrapAdmin::FromSettings { email })
    }
}
