//! [`Certificate`]: a root certificate for `wss://`, kept as DER bytes so that it does not
//! depend on the TLS backend (it is handed to the backend at connect time).

use base64::Engine;

use crate::error::Error;

/// A root certificate to trust for `wss://` besides the system's (native only), for
/// [`WebSocketBuilder::add_root_certificate`](crate::WebSocketBuilder::add_root_certificate).
///
/// ```
/// let err = isows::Certificate::from_pem(b"not a certificate").unwrap_err();
/// assert_eq!(err.name(), "SyntaxError");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Certificate {
    der: Vec<u8>,
}

impl Certificate {
    /// A certificate in DER form. The bytes are checked when a connection uses them (a bad
    /// one then fails the handshake with `ErrorCause::Tls`).
    ///
    /// ```
    /// let c = isows::Certificate::from_der(vec![0x30, 0x00]);
    /// assert_eq!(c.der(), &[0x30, 0x00]);
    /// ```
    pub fn from_der(der: impl Into<Vec<u8>>) -> Certificate {
        Certificate { der: der.into() }
    }

    /// The first `CERTIFICATE` block of PEM text; `SyntaxError` if there is none or its
    /// base64 is broken.
    ///
    /// ```
    /// let pem = b"-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n";
    /// assert_eq!(isows::Certificate::from_pem(pem)?.der(), &[0x30, 0x00]);
    /// # Ok::<(), isows::Error>(())
    /// ```
    pub fn from_pem(pem: &[u8]) -> Result<Certificate, Error> {
        let bad = || Error::SyntaxError("no PEM 'CERTIFICATE' block could be read".into());
        let text = std::str::from_utf8(pem).map_err(|_| bad())?;
        let begin = "-----BEGIN CERTIFICATE-----";
        let start = text.find(begin).ok_or_else(bad)? + begin.len();
        let len = text[start..]
            .find("-----END CERTIFICATE-----")
            .ok_or_else(bad)?;
        let body: String = text[start..start + len]
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(body)
            .map_err(|_| bad())?;
        Ok(Certificate { der })
    }

    /// The DER bytes.
    ///
    /// ```
    /// assert!(isows::Certificate::from_der(vec![1, 2]).der().len() == 2);
    /// ```
    pub fn der(&self) -> &[u8] {
        &self.der
    }
}

impl std::fmt::Debug for Certificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Certificate")
            .field("der_len", &self.der.len())
            .finish()
    }
}
