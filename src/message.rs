//! What `send()` accepts: text or binary, converted without copying where Rust allows it.

use bytes::Bytes;

use crate::event::{MessageData, Text};

/// An outgoing message. `send()` takes anything that converts into one: `&str`, `String` and
/// [`Text`] become text; `&[u8]`, `Vec<u8>` and `Bytes` become binary; a received
/// [`MessageData`] (or a reference to one) is sent back as it came. Owned values, `Text`,
/// `Bytes` and `&MessageData` move or share their buffer without a copy.
///
/// ```
/// use isows::Message;
/// assert_eq!(Message::from("hi").len(), 2);
/// assert!(matches!(Message::from(vec![1u8, 2]), Message::Binary(_)));
/// // Echo without a copy: `ws.send(e.data())` in an `onmessage` listener.
/// let received = isows::MessageData::Text("hello".into());
/// assert_eq!(Message::from(&received), Message::Text("hello".into()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A text message (UTF-8, shared without a copy).
    Text(Text),
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
        Message::Text(String::from_utf16_lossy(units).into())
    }
}

impl From<&str> for Message {
    fn from(s: &str) -> Self {
        Message::Text(s.into())
    }
}

impl From<String> for Message {
    fn from(s: String) -> Self {
        Message::Text(s.into())
    }
}

impl From<&String> for Message {
    fn from(s: &String) -> Self {
        Message::Text(s.as_str().into())
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

impl From<Text> for Message {
    fn from(t: Text) -> Self {
        Message::Text(t)
    }
}

impl From<&Text> for Message {
    fn from(t: &Text) -> Self {
        Message::Text(t.clone())
    }
}

impl From<MessageData> for Message {
    fn from(d: MessageData) -> Self {
        match d {
            MessageData::Text(t) => Message::Text(t),
            MessageData::Binary(b) => Message::Binary(b),
        }
    }
}

impl From<&MessageData> for Message {
    fn from(d: &MessageData) -> Self {
        d.clone().into()
    }
}
