//! The invitation email: what it says and where its link points.
use crate::domain::{Invitation, SendRef, Token};
use crate::ports::OutgoingEmail;
use url::Url;

/// Where invitation emails come from and where their links point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailSettings {
    pub from: String,
    pub accept_url: Url,
    pub configuration_set: Option<String>,
}

/// The accept link of `inv` with `token`: with the email, the only place a raw token is read.
pub fn accept_link(settings: &MailSettings, inv: &Invitation, token: &Token) -> Url {
    let mut link = settings.accept_url.clone();
    link.query_pairs_mut()
        .append_pair("account", inv.account_id.as_str())
        .append_pair("invitation", &inv.id.to_string())
        .append_pair("token", token.expose());
    link
}

/// Composes the invitation email.
pub fn invitation_email(settings: &MailSettings, inv: &Invitation, token: &Token) -> OutgoingEmail {
    let link = accept_link(settings, inv, token);
    let inviter = inv.inviter_email.as_ref().map_or("An administrator", |e| e.as_str());
    let account = inv.account_id.as_str();
    let expires = inv.expires_at.to_rfc3339();
    let access = inv.access.describe();
    let subject = format!("You are invited to join account {account}");
    let text = format!(
        "{inviter} invited you to join account {account}.\n\nAccess granted:\n{}\n\nAccept the invitation before {expires}:\n{link}\n\nIf you did not expect this email, you can ignore it.\n",
        access.iter().map(|l| format!("- {l}")).collect::<Vec<_>>().join("\n"),
    );
    let esc = |v: &str| html_escape::encode_text(v).into_owned();
    let html = format!(
        "<!DOCTYPE html><html><body><p>{} invited you to join account <strong>{}</strong>.</p><p>Access granted:</p><ul>{}</ul><p><a href=\"{}\">Accept the invitation</a> before {}.</p><p>If you did not expect this email, you can ignore it.</p></body></html>",
        esc(inviter),
        esc(account),
        access.iter().map(|l| format!("<li>{}</li>", esc(l))).collect::<String>(),
        html_escape::encode_double_quoted_attribute(link.as_str()),
        esc(&expires),
    );
    let send = SendRef { account: inv.account_id.clone(), invitation: inv.id, send: inv.next_send() };
    OutgoingEmail { to: inv.email.clone(), subject, text, html, send: Some(send) }
}
