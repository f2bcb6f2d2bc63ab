//! Where connection tasks run: the current tokio runtime if there is one (either flavour),
//! else one small background runtime for the whole process, started on first use, so a plain
//! `fn main` needs no setup, as in JavaScript.

use std::sync::OnceLock;

use tokio::runtime::{Handle, RuntimeFlavor};

use crate::error::Error;

pub(crate) fn handle() -> Handle {
    Handle::try_current().unwrap_or_else(|_| background().clone())
}

fn background() -> &'static Handle {
    static BACKGROUND: OnceLock<Handle> = OnceLock::new();
    BACKGROUND.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .thread_name("isows-runtime")
            .build()
            .expect("isows: cannot start its background tokio runtime");
        let handle = runtime.handle().clone();
        std::thread::Builder::new()
            .name("isows-runtime".into())
            .spawn(move || runtime.block_on(std::future::pending::<()>()))
            .expect("isows: cannot start its background thread");
        handle
    })
}

/// Runs a blocking wait. On a multi-thread runtime's worker it uses `block_in_place`; on a
/// current-thread runtime it refuses, since the socket's own task could never run.
pub(crate) fn block_on_completion<T>(wait: impl FnOnce() -> T) -> Result<T, Error> {
    match Handle::try_current().map(|h| h.runtime_flavor()) {
        Err(_) => Ok(wait()),
        Ok(RuntimeFlavor::MultiThread) => Ok(tokio::task::block_in_place(wait)),
        Ok(_) => Err(Error::InvalidStateError(
            "a blocking wait on a thread that runs a single-threaded async runtime would never \
             return; use opened().await / closed().await"
                .into(),
        )),
    }
}
