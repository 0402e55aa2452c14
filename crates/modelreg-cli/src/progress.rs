//! Progress bars for checkpoint transfers: bytes, rate and ETA on stderr
//! when it is a terminal, nothing at all when it is not.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use modelreg_client::{Progress, ProgressHook};
use std::io::IsTerminal;
use std::sync::Arc;

/// A progress hook for a transfer, or `None` when stderr is not a terminal.
pub fn bar(verb: &'static str) -> Option<ProgressHook> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    Some(Arc::new(Bar::new(verb, ProgressDrawTarget::stderr())))
}

/// One bar over all the bytes of a transfer; its message is the current file.
struct Bar {
    bar: ProgressBar,
}

impl Bar {
    fn new(verb: &'static str, target: ProgressDrawTarget) -> Bar {
        let style = ProgressStyle::with_template(
            "{prefix} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}, ETA {eta} {wide_msg}",
        )
        .expect("the template is valid")
        .progress_chars("=> ");
        let bar = ProgressBar::with_draw_target(Some(0), target)
            .with_style(style)
            .with_prefix(verb);
        Bar { bar }
    }
}

impl Progress for Bar {
    fn start(&self, _files: usize, total_bytes: u64) {
        self.bar.set_length(total_bytes);
        self.bar.reset_eta();
    }

    fn file(&self, path: &str, _size: u64) {
        self.bar.set_message(path.to_string());
    }

    fn on_bytes(&self, n: u64) {
        self.bar.inc(n);
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_counts_every_byte_against_the_total() {
        let bar = Bar::new("Uploading", ProgressDrawTarget::hidden());
        bar.start(2, 30);
        bar.file("a.bin", 10);
        bar.on_bytes(10);
        bar.file("b/c.bin", 20);
        bar.on_bytes(15);
        assert_eq!(bar.bar.position(), 25);
        assert_eq!(bar.bar.length(), Some(30));
        assert_eq!(bar.bar.message(), "b/c.bin");
        bar.finish();
        assert!(bar.bar.is_finished());
    }

    #[test]
    fn no_bar_is_drawn_when_stderr_is_not_a_terminal() {
        // Under `cargo test`, stderr is captured, so not a terminal.
        if !std::io::stderr().is_terminal() {
            assert!(bar("Uploading").is_none());
        }
    }
}
