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

/// Runs a blocking wait. It refuses (`InvalidStateError`) where it could never return: inside
/// a listener (the events it waits for come after the listener returns), on a thread that
/// runs a current-thread runtime or a `LocalSet` (the socket's task may need that thread). On
/// a multi-thread runtime's worker it uses `block_in_place`.
pub(crate) fn block_on_completion<T>(wait: impl FnOnce() -> T) -> Result<T, Error> {
    let refuse = |where_: &str| {
        Err(Error::InvalidStateError(crate::error::message(&[
            "a blocking wait ",
            where_,
            " would never return; use opened().await / closed().await",
        ])))
    };
    if crate::listeners::in_listener() {
        return refuse("inside a listener");
    }
    match Handle::try_current().map(|h| h.runtime_flavor()) {
        Err(_) => Ok(wait()),
        Ok(RuntimeFlavor::MultiThread) => {
            // tokio forbids block_in_place inside a `LocalSet` (it panics before calling
            // `wait`) and offers no way to ask first.
            let mut wait = Some(wait);
            let run = std::panic::AssertUnwindSafe(|| {
                tokio::task::block_in_place(|| wait.take().map(|w| w()))
            });
            match std::panic::catch_unwind(run) {
                Ok(Some(value)) => Ok(value),
                Ok(None) => refuse("in a LocalSet"),
                Err(_) if wait.is_some() => refuse("in a LocalSet"),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        Ok(_) => refuse("on a thread that runs a single-threaded async runtime"),
    }
}
