//! Errors of the command-line tool; `main` prints them as one line and exits 1.

use modelreg_client::ClientError;

/// What a command returns.
pub type CliResult<T> = Result<T, CliError>;

/// A failure of a command.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A call to the registry failed; the message is the server's.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// Writing the output failed (a closed pipe is not reported).
    #[error("cannot write the output: {0}")]
    Output(#[from] std::io::Error),
    /// The local configuration (the token cache) is unusable.
    #[error("{0}")]
    Config(String),
}

impl CliError {
    /// Whether the output's reader went away (e.g. `modelreg model list | head`),
    /// which is not an error.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, CliError::Output(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }

    /// Whether the server refused the credentials or the token.
    pub fn is_unauthenticated(&self) -> bool {
        matches!(self, CliError::Client(e) if e.is_unauthenticated())
    }

    /// The error as one line: the message and, for transport errors, their causes.
    pub fn one_line(&self) -> String {
        let mut line = self.to_string();
        let mut source = std::error::Error::source(self);
        if matches!(self, CliError::Client(ClientError::Api { .. })) {
            source = None;
        }
        while let Some(cause) = source {
            let text = cause.to_string();
            if !line.contains(&text) {
                line.push_str(": ");
                line.push_str(&text);
            }
            source = cause.source();
        }
        if matches!(self, CliError::Client(e) if e.is_certificate_error()) {
            line.push_str(
                " (if the server's certificate comes from a private CA, pass the CA's PEM file with --ca-file or MODELREG_CA_FILE)",
            );
        }
        line.replace('\n', " ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_errors_show_the_servers_message_only() {
        let error =
            modelreg_client::ApiError::new(6, "AlreadyExists", "model \"m\" already exists");
        let err = CliError::from(ClientError::Api {
            status: 409,
            error,
            retry_after_secs: None,
        });
        assert_eq!(err.one_line(), "model \"m\" already exists");
    }

    #[test]
    fn a_broken_pipe_is_recognized() {
        let err = CliError::from(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
        assert!(err.is_broken_pipe());
        assert!(!CliError::Config("x".into()).is_broken_pipe());
    }
}
