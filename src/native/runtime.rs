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
/// a multi-thread runtime's worker it uses `block_in_place`; on a runtime's blocking pool
/// (`spawn_blocking`, of either flavour) and outside any runtime it just waits.
pub(crate) fn block_on_completion<T>(wait: impl FnOnce() -> T) -> Result<T, Error> {
    let refuse = |where_: &str| {
        Err(Error::InvalidStateError(crate::error::message(&[
            "a blocking wait ",
            where_,
            " would never return; use opened().await / closed().await",
        ])))
    };
    if crate::primitives::in_listener() {
        return refuse("inside a listener");
    }
    let flavor = match Handle::try_current() {
        Err(_) => return Ok(wait()),
        Ok(handle) => handle.runtime_flavor(),
    };
    if flavor == RuntimeFlavor::CurrentThread && tokio::task::try_id().is_none() {
        // Inside the runtime's `block_on` itself (no task is running): refused quietly.
        return refuse("on a thread that runs a single-threaded async runtime");
    }
    // tokio tells a thread that drives tasks (where blocking is refused) from its blocking
    // pool (where it is what the pool is for) only inside `block_in_place`: it refuses with a
    // panic before calling `wait` on a current-thread runtime's thread and in a `LocalSet`,
    // moves a multi-thread worker's tasks away first, and simply calls `wait` elsewhere.
    let mut wait = Some(wait);
    let run =
        std::panic::AssertUnwindSafe(|| tokio::task::block_in_place(|| wait.take().map(|w| w())));
    match std::panic::catch_unwind(run) {
        Ok(Some(value)) => Ok(value),
        Err(_) if wait.is_some() => match flavor {
            RuntimeFlavor::MultiThread => refuse("in a LocalSet"),
            _ => refuse("on a thread that runs a single-threaded async runtime"),
        },
        Err(panic) => std::panic::resume_unwind(panic),
        Ok(None) => refuse("in a LocalSet"),
    }
}
