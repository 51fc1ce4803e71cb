//! Mail transports through lettre: SMTP when configured, otherwise `.eml` files in a directory.

use std::path::PathBuf;

use anyhow::Context;
use attune_domain::notification::OutgoingEmail;
use lettre::message::{Mailbox, MultiPart, SinglePart, header::ContentType};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

#[derive(Clone)]
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    File { dir: PathBuf, transport: AsyncFileTransport<Tokio1Executor> },
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the SMTP URL: it may carry credentials.
        match self {
            Mailer::Smtp(_) => f.write_str("Mailer::Smtp"),
            Mailer::File { dir, .. } => write!(f, "Mailer::File({})", dir.display()),
        }
    }
}

impl Mailer {
    /// `smtp://host:port` (plain, or `?tls=required` for STARTTLS) or `smtps://host:port`, with
    /// optional `user:password@`.
    pub fn smtp(url: &str) -> anyhow::Result<Self> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| anyhow::anyhow!("invalid ATTUNE_SMTP_URL: {e}"))?
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        Ok(Mailer::Smtp(transport))
    }

    pub fn file(dir: PathBuf) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&dir).with_context(|| format!("failed to create the outbox directory {}", dir.display()))?;
        Ok(Mailer::File { transport: AsyncFileTransport::new(&dir), dir })
    }

    pub fn describe(&self) -> String {
        match self {
            Mailer::Smtp(_) => "SMTP".to_string(),
            Mailer::File { dir, .. } => format!(".eml files in {}", dir.display()),
        }
    }

    #[tracing::instrument(skip_all, fields(subject = %email.subject))]
    pub async fn send(&self, from: &str, email: &OutgoingEmail) -> anyhow::Result<()> {
        let message = build_message(from, email)?;
        match self {
            Mailer::Smtp(transport) => {
                transport.send(message).await.context("SMTP delivery failed")?;
            }
            Mailer::File { transport, .. } => {
                transport.send(message).await.context("writing the .eml file failed")?;
            }
        }
        Ok(())
    }
}

fn build_message(from: &str, email: &OutgoingEmail) -> anyhow::Result<Message> {
    let from: Mailbox = from.parse().with_context(|| format!("invalid sender address {from:?}"))?;
    let to: Mailbox = email.to.parse().with_context(|| "invalid recipient address".to_string())?;
    let builder = Message::builder().from(from).to(to).subject(email.subject.clone());
    let message = match &email.html {
        Some(html) => builder.multipart(
            MultiPart::alternative()
                .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(email.text.clone()))
                .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(html.clone())),
        ),
        None => builder.header(ContentType::TEXT_PLAIN).body(email.text.clone()),
    };
    message.context("failed to build the e-mail message")
}
