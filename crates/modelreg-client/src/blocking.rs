//! The blocking client, for scripts and command-line tools without an
//! async runtime.
//!
//! It is a thin wrapper: each call runs the async [`crate::Client`]'s call to
//! completion on a small single-threaded tokio runtime that the client owns,
//! so both clients behave the same.
//!
//! **Do not create or drop a blocking client inside an async runtime**
//! (e.g. in a `#[tokio::main]` function or an actix handler): tokio panics
//! when a runtime is started from, or dropped in, a thread that is driving
//! another one. Use the async [`crate::Client`] there.
//!
//! ```no_run
//! use modelreg_client::blocking::Client;
//! use modelreg_client::ModelFilter;
//!
//! let client = Client::login("http://127.0.0.1:8080", "determined", "")?;
//! let mut model = client.get_model("mnist_cnn")?;
//! model.add_metadata(&serde_json::json!({"metrics": {"test_set_acc": 0.97}}))?;
//! for model in client.get_models(ModelFilter::default())? {
//!     println!("{}", model.name);
//! }
//! # Ok::<(), modelreg_client::ClientError>(())
//! ```

mod checkpoints;
mod models;
mod users;
mod versions;

pub use models::RegisteredModel;
pub use versions::RegisteredVersion;

use crate::error::{ClientError, Result};
use crate::ModelFilter;
use modelreg_types::{InfoResponse, ModelQuery, ModelsResponse, User};
use std::future::Future;
use std::sync::Arc;
use tokio::runtime::Runtime;

/// A blocking client of one modelreg server, acting as one user. Cheap to
/// clone: clones share the connection pool, the token and the runtime.
///
/// Creating, using or dropping it inside an async runtime panics; see the
/// [module documentation](self).
#[derive(Debug, Clone)]
pub struct Client {
    inner: crate::Client,
    rt: Arc<Runtime>,
}

fn new_runtime() -> Result<Arc<Runtime>> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(ClientError::Runtime)?;
    Ok(Arc::new(rt))
}

impl Client {
    /// Logs in with a user name and password; see [`crate::Client::login`].
    pub fn login(server_url: &str, username: &str, password: &str) -> Result<Client> {
        let rt = new_runtime()?;
        let inner = rt.block_on(crate::Client::login(server_url, username, password))?;
        Ok(Client { inner, rt })
    }

    /// Logs in, connecting as `options` say (e.g. trusting a private CA);
    /// see [`crate::Client::login_with`].
    ///
    /// ```no_run
    /// use modelreg_client::{blocking::Client, ClientOptions};
    ///
    /// let options = ClientOptions::with_ca_file("ca.pem");
    /// let client = Client::login_with("https://127.0.0.1:8443", "admin", "s3cret", &options)?;
    /// # Ok::<(), modelreg_client::ClientError>(())
    /// ```
    pub fn login_with(
        server_url: &str,
        username: &str,
        password: &str,
        options: &crate::ClientOptions,
    ) -> Result<Client> {
        let rt = new_runtime()?;
        let inner = rt.block_on(crate::Client::login_with(
            server_url, username, password, options,
        ))?;
        Ok(Client { inner, rt })
    }

    /// A client without a token that connects as `options` say; see
    /// [`crate::Client::connect`].
    pub fn connect(server_url: &str, options: &crate::ClientOptions) -> Result<Client> {
        Client::from_async(crate::Client::connect(server_url, options)?)
    }

    /// A client that sends a token obtained earlier and connects as
    /// `options` say; see [`crate::Client::connect_with_token`].
    pub fn connect_with_token(
        server_url: &str,
        token: impl Into<String>,
        options: &crate::ClientOptions,
    ) -> Result<Client> {
        Client::from_async(crate::Client::connect_with_token(
            server_url, token, options,
        )?)
    }

    /// A client that sends a token obtained earlier; see [`crate::Client::with_token`].
    pub fn with_token(server_url: &str, token: impl Into<String>) -> Result<Client> {
        Client::from_async(crate::Client::with_token(server_url, token)?)
    }

    /// A client without a token; see [`crate::Client::anonymous`].
    pub fn anonymous(server_url: &str) -> Result<Client> {
        Client::from_async(crate::Client::anonymous(server_url)?)
    }

    /// Wraps an async client, with a runtime of its own to run its calls on.
    pub fn from_async(inner: crate::Client) -> Result<Client> {
        Ok(Client {
            inner,
            rt: new_runtime()?,
        })
    }

    /// A client like this one that fetches lists at most `size` items per
    /// request; see [`crate::Client::with_page_size`].
    pub fn with_page_size(&self, size: u32) -> Client {
        Client {
            inner: self.inner.with_page_size(size),
            rt: self.rt.clone(),
        }
    }

    /// The async client inside.
    pub fn as_async(&self) -> &crate::Client {
        &self.inner
    }

    fn run<T>(&self, call: impl Future<Output = Result<T>>) -> Result<T> {
        self.rt.block_on(call)
    }

    /// The server's base URL, without a trailing slash.
    pub fn server_url(&self) -> String {
        self.inner.server_url()
    }

    /// The token this client sends, if any.
    pub fn token(&self) -> Option<&str> {
        self.inner.token()
    }

    /// Ends the session on the server; see [`crate::Client::logout`].
    pub fn logout(&self) -> Result<()> {
        self.run(self.inner.logout())
    }

    /// The user this client acts as.
    pub fn me(&self) -> Result<User> {
        self.run(self.inner.me())
    }

    /// What the server says about itself.
    pub fn info(&self) -> Result<InfoResponse> {
        self.run(self.inner.info())
    }

    /// Creates a model; see [`crate::Client::create_model`].
    pub fn create_model(
        &self,
        name: &str,
        options: crate::CreateModelOptions,
    ) -> Result<RegisteredModel> {
        let model = self.run(self.inner.create_model(name, options))?;
        Ok(self.model_handle(model))
    }

    /// Every model that matches the filter, fetching all pages; see [`crate::Client::get_models`].
    pub fn get_models(&self, filter: ModelFilter) -> Result<Vec<RegisteredModel>> {
        let models = self.run(self.inner.get_models(filter))?;
        Ok(models.into_iter().map(|m| self.model_handle(m)).collect())
    }

    /// One page of models, as the server answers it.
    pub fn list_models(&self, query: &ModelQuery) -> Result<ModelsResponse> {
        self.run(self.inner.list_models(query))
    }

    /// A model by name, or by id written as digits.
    pub fn get_model(&self, name_or_id: &str) -> Result<RegisteredModel> {
        let model = self.run(self.inner.get_model(name_or_id))?;
        Ok(self.model_handle(model))
    }

    /// Every label in use on some model, most used first.
    pub fn get_model_labels(&self) -> Result<Vec<String>> {
        self.run(self.inner.get_model_labels())
    }

    fn model_handle(&self, inner: crate::RegisteredModel) -> RegisteredModel {
        RegisteredModel {
            inner,
            rt: self.rt.clone(),
        }
    }
}
