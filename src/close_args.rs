//! Close codes and reasons: `WebSocket.close(code, reason)`'s checks natively (the browser
//! makes them on wasm32), and `WebSocketStream.close()`'s and `WebSocketError`'s on both.

use crate::error::Error;

/// Catalog CL-05 and CL-08: the code must be 1000 or 3000–4999, the reason at most 123
/// UTF-8 bytes. The code is checked first, as the standard orders it.
#[cfg_attr(target_arch = "wasm32", allow(dead_code))]
pub(crate) fn check(code: u16, reason: &str) -> Result<(), Error> {
    check_in("Failed to execute 'close' on 'WebSocket'", code, reason)
}

/// [`check`], with `context` at the start of the messages.
pub(crate) fn check_in(context: &str, code: u16, reason: &str) -> Result<(), Error> {
    if code != 1000 && !(3000..=4999).contains(&code) {
        // Joined by hand: `format!` (or indexing, whose panic formats) would bring the
        // formatting machinery into a `.wasm`.
        fn decimal(out: &mut String, n: u16) {
            if n >= 10 {
                decimal(out, n / 10);
            }
            out.push(char::from(b'0' + (n % 10) as u8));
        }
        let mut code_text = String::new();
        decimal(&mut code_text, code);
        let code = code_text.as_str();
        return Err(Error::InvalidAccessError(crate::error::message(&[
            context,
            ": The close code must be either 1000, or between 3000 and 4999. ",
            code,
            " is neither.",
        ])));
    }
    check_reason(context, reason)
}

/// `{closeCode, reason}` of `WebSocketStream.close()` and `new WebSocketError()`: a code is
/// checked as by [`check_in`], a reason alone as by [`check_reason`].
pub(crate) fn check_optional(context: &str, code: Option<u16>, reason: &str) -> Result<(), Error> {
    match code {
        Some(code) => check_in(context, code, reason),
        None => check_reason(context, reason),
    }
}

/// The reason alone: at most 123 UTF-8 bytes.
pub(crate) fn check_reason(context: &str, reason: &str) -> Result<(), Error> {
    if reason.len() > 123 {
        return Err(Error::SyntaxError(crate::error::message(&[
            context,
            ": The close reason must not be greater than 123 UTF-8 bytes.",
        ])));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_code_range() {
        for ok in [1000, 3000, 4999] {
            assert!(check(ok, "").is_ok());
        }
        for bad in [0, 999, 1001, 1005, 2999, 5000, 65535] {
            assert!(matches!(check(bad, ""), Err(Error::InvalidAccessError(_))));
        }
        assert!(check(1000, &"a".repeat(123)).is_ok());
        assert!(matches!(
            check(1000, &"a".repeat(124)),
            Err(Error::SyntaxError(_))
        ));
        assert_eq!(
            check(5, "").unwrap_err().message(),
            "Failed to execute 'close' on 'WebSocket': The close code must be either 1000, or between 3000 and 4999. 5 is neither."
        );
        assert!(check(65535, "")
            .unwrap_err()
            .message()
            .contains(" 65535 is neither."));
        // the code is checked before the reason
        assert!(matches!(
            check(999, &"a".repeat(124)),
            Err(Error::InvalidAccessError(_))
        ));
    }
}
