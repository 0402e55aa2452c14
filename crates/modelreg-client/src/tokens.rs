//! Long-lived API tokens, for automation: created by a logged-in user, they
//! act as that user until they expire or are revoked.

use crate::client::Client;
use crate::error::{ClientError, Result};
use modelreg_types::{CreateTokenRequest, CreateTokenResponse, TokenInfo, TokensResponse};
use reqwest::Method;
use std::time::Duration;

impl Client {
    /// Creates an API token acting as this client's user, named for what it
    /// is for, that expires after `expires_in` (rounded up to whole
    /// seconds) or never. Returns the secret, which the server shows only
    /// this once and stores only as a hash, and the token's details.
    ///
    /// Use the secret with [`Client::with_token`] (or `MODELREG_TOKEN` for
    /// the CLI); revoke it with [`Client::revoke_token`].
    ///
    /// ```no_run
    /// # async fn demo(client: modelreg_client::Client) -> modelreg_client::Result<()> {
    /// use std::time::Duration;
    ///
    /// let (secret, info) = client
    ///     .create_token("nightly-eval", Some(Duration::from_secs(30 * 24 * 3600)))
    ///     .await?;
    /// let ci = modelreg_client::Client::with_token(&client.server_url(), secret)?;
    /// assert_eq!(ci.me().await?.username, info.username);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create_token(
        &self,
        name: &str,
        expires_in: Option<Duration>,
    ) -> Result<(String, TokenInfo)> {
        let body = CreateTokenRequest {
            name: name.to_string(),
            expires_in_seconds: expires_in.map(whole_seconds).transpose()?,
        };
        let answer: CreateTokenResponse = self.post(&["tokens"], &body).await?;
        Ok((answer.token, answer.info))
    }

    /// This user's API tokens, newest first (an admin sees everyone's),
    /// revoked and expired ones included. Secrets are never listed.
    pub async fn list_tokens(&self) -> Result<Vec<TokenInfo>> {
        let answer: TokensResponse = self.get(&["tokens"], &[]).await?;
        Ok(answer.tokens)
    }

    /// Revokes an API token by id: one's own, or anyone's for an admin. It
    /// stops working at once. Returns the token's details, now revoked.
    pub async fn revoke_token(&self, id: i32) -> Result<TokenInfo> {
        let request = self.request(Method::DELETE, self.api_url(&["tokens", &id.to_string()]));
        self.send(request).await
    }
}

/// A token lifetime in whole seconds, rounded up; zero is refused (the API
/// would read it as "never expires").
fn whole_seconds(lifetime: Duration) -> Result<i64> {
    let rounded = lifetime
        .as_secs()
        .saturating_add(u64::from(lifetime.subsec_nanos() > 0));
    match i64::try_from(rounded) {
        Ok(0) => Err(ClientError::InvalidInput(
            "a token's lifetime must be positive; pass None for one that never expires".into(),
        )),
        Ok(secs) => Ok(secs),
        Err(_) => Err(ClientError::InvalidInput(format!(
            "a token's lifetime of {rounded} seconds is too long"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_are_whole_seconds_rounded_up_and_never_zero() {
        assert_eq!(whole_seconds(Duration::from_secs(3600)).unwrap(), 3600);
        assert_eq!(whole_seconds(Duration::from_millis(1500)).unwrap(), 2);
        assert_eq!(whole_seconds(Duration::from_nanos(1)).unwrap(), 1);
        assert!(whole_seconds(Duration::ZERO).is_err());
        assert!(whole_seconds(Duration::MAX).is_err());
    }
}
