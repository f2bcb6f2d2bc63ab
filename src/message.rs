//! What `send()` accepts: text or binary, converted without copying where Rust allows it.

use bytes::Bytes;

/// An outgoing message. `send()` takes anything that converts into one: `&str` and `String`
/// become text; `&[u8]`, `Vec<u8>` and `Bytes` become binary. Owned values move without a copy.
///
/// ```
/// use isows::Message;
/// assert_eq!(Message::from("hi").len(), 2);
/// assert!(matches!(Message::from(vec![1u8, 2]), Message::Binary(_)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A text message.
    Text(String),
    /// A binary message.
    Binary(Bytes),
}

impl Message {
    /// The number of bytes this adds to `bufferedAmount` (UTF-8 bytes for text).
    ///
    /// ```
    /// assert_eq!(isows::Message::from("¥¥").len(), 4);
    /// ```
    pub fn len(&self) -> usize {
        match self {
            Message::Text(s) => s.len(),
            Message::Binary(b) => b.len(),
        }
    }

    /// True for an empty message.
    ///
    /// ```
    /// assert!(isows::Message::from("").is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A text message from UTF-16 code units, as JavaScript strings are: lone surrogates
    /// become U+FFFD, as WebIDL's `USVString` conversion does (catalog S-09).
    ///
    /// ```
    /// let m = isows::Message::from_utf16(&[0x61, 0xD800, 0x62]);
    /// assert_eq!(m, isows::Message::Text("a\u{FFFD}b".into()));
    /// ```
    pub fn from_utf16(units: &[u16]) -> Self {
        Message::Text(String::from_utf16_lossy(units))
    }
}

impl From<&str> for Message {
    fn from(s: &str) -> Self {
        Message::Text(s.to_owned())
    }
}

impl From<String> for Message {
    fn from(s: String) -> Self {
        Message::Text(s)
    }
}

impl From<&String> for Message {
    fn from(s: &String) -> Self {
        Message::Text(s.clone())
    }
}

impl From<&[u8]> for Message {
    fn from(b: &[u8]) -> Self {
        Message::Binary(Bytes::copy_from_slice(b))
    }
}

impl<const N: usize> From<&[u8; N]> for Message {
    fn from(b: &[u8; N]) -> Self {
        Message::Binary(Bytes::copy_from_slice(b))
    }
}

impl From<Vec<u8>> for Message {
    fn from(b: Vec<u8>) -> Self {
        Message::Binary(Bytes::from(b))
    }
}

impl From<Bytes> for Message {
    fn from(b: Bytes) -> Self {
        Message::Binary(b)
    }
}
