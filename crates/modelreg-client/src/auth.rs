//! Logging in and out, and who the client acts as.

use crate::client::Client;
use crate::error::Result;
use crate::options::ClientOptions;
use modelreg_types::{Empty, InfoResponse, LoginRequest, LoginResponse, User, UserResponse};
use reqwest::Method;
use sha2::{Digest, Sha512};

/// The fixed salt of the Determined client's password hash.
const CLIENT_SALT: &str = "GubPEmmotfiK9TMD6Zdw";

/// The hash the client sends instead of a password: the hex SHA-512 of a
/// fixed salt followed by the password, as the Determined client computes it.
/// The empty password is sent as `""`, not hashed.
///
/// ```
/// assert_eq!(modelreg_client::hash_password(""), "");
/// assert_eq!(modelreg_client::hash_password("secret").len(), 128);
/// ```
pub fn hash_password(password: &str) -> String {
    if password.is_empty() {
        return String::new();
    }
    hex::encode(Sha512::digest(
        format!("{CLIENT_SALT}{password}").as_bytes(),
    ))
}

impl Client {
    /// Logs in with a user name and password and returns a client that
    /// sends the session token. The built-in user is `determined` with an
    /// empty password.
    ///
    /// ```no_run
    /// # async fn demo() -> modelreg_client::Result<()> {
    /// let client = modelreg_client::Client::login("http://127.0.0.1:8080", "determined", "").await?;
    /// println!("token: {}", client.token().unwrap());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn login(server_url: &str, username: &str, password: &str) -> Result<Client> {
        Client::login_with(server_url, username, password, &ClientOptions::default()).await
    }

    /// Logs in like [`Client::login`], connecting as `options` say (e.g.
    /// trusting a private CA for HTTPS).
    ///
    /// Too many failed logins for one user make the server refuse further
    /// attempts for a while: HTTP 429, with [`crate::ClientError::retry_after`]
    /// saying how long to wait.
    ///
    /// ```no_run
    /// # async fn demo() -> modelreg_client::Result<()> {
    /// use modelreg_client::{Client, ClientOptions};
    ///
    /// let options = ClientOptions::with_ca_file("ca.pem");
    /// let client = Client::login_with("https://127.0.0.1:8443", "admin", "s3cret", &options).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn login_with(
        server_url: &str,
        username: &str,
        password: &str,
        options: &ClientOptions,
    ) -> Result<Client> {
        let anonymous = Client::connect(server_url, options)?;
        let body = LoginRequest {
            username: username.to_string(),
            password: Some(hash_password(password)),
            is_hashed: Some(true),
        };
        let answer: LoginResponse = anonymous.post(&["auth", "login"], &body).await?;
        Ok(anonymous.with_session_token(answer.token))
    }

    /// A client that sends a token obtained earlier (a session token from
    /// [`Client::login`], or a long-lived API token). No request is made;
    /// a bad token shows as a 401 on the first call.
    ///
    /// ```
    /// let client = modelreg_client::Client::with_token("http://127.0.0.1:8080", "abc").unwrap();
    /// assert_eq!(client.token(), Some("abc"));
    /// ```
    pub fn with_token(server_url: &str, token: impl Into<String>) -> Result<Client> {
        Client::connect_with_token(server_url, token, &ClientOptions::default())
    }

    /// Ends the session on the server; the token is refused afterwards.
    pub async fn logout(&self) -> Result<()> {
        let _: Empty = self
            .send_json(Method::POST, &["auth", "logout"], &Empty {})
            .await?;
        Ok(())
    }

    /// The user this client acts as (`GET /api/v1/me`).
    pub async fn me(&self) -> Result<User> {
        let answer: UserResponse = self.get(&["me"], &[]).await?;
        Ok(answer.user)
    }

    /// What the server says about itself (`GET /info`, no login needed).
    pub async fn info(&self) -> Result<InfoResponse> {
        let request = self.request(Method::GET, self.root_url(&["info"]));
        self.send(request).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_hash_is_salted_sha512_in_hex() {
        // printf 'GubPEmmotfiK9TMD6Zdwpassword' | sha512sum
        assert_eq!(
            hash_password("password"),
            "112ded61f568879685bb7849596d3372f9de8e18733483f25363123bc4aa98eb\
             7abe69b4c0487140dafce136cc1c5e452cc93748f6ef961e26325bc34717da65"
        );
    }

    #[test]
    fn the_empty_password_is_sent_empty() {
        assert_eq!(hash_password(""), "");
    }
}
