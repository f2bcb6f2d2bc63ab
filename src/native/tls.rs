//! `wss://`: TLS over the TCP stream with native-tls (the platform's TLS library).

use super::handshake::BoxIo;

/// What the builder's TLS options collect (`tls_connector`, `add_root_certificate`).
#[derive(Clone, Default)]
pub(crate) struct TlsOptions {
    #[cfg(feature = "native-tls")]
    pub(crate) connector: Option<native_tls::TlsConnector>,
    pub(crate) root_certificates: Vec<crate::Certificate>,
}
#[cfg(feature = "native-tls")]
use crate::error::Detail;
use crate::error::ErrorCause;
use crate::options::Options;

/// Wraps `tcp` (a TCP stream, or one the caller gave) in TLS for `host`, with the builder's connector or root certificates.
#[cfg(feature = "native-tls")]
pub(crate) async fn wrap(tcp: BoxIo, host: &str, options: &Options) -> Result<BoxIo, ErrorCause> {
    let connector = match &options.tls.connector {
        Some(c) => c.clone(),
        None => {
            let mut builder = native_tls::TlsConnector::builder();
            for cert in &options.tls.root_certificates {
                let cert = native_tls::Certificate::from_der(cert.der()).map_err(|e| {
                    ErrorCause::Tls(Detail::with_source(format!("a root certificate: {e}"), e))
                })?;
                builder.add_root_certificate(cert);
            }
            builder
                .build()
                .map_err(|e| ErrorCause::Tls(Detail::with_source(e.to_string(), e)))?
        }
    };
    let stream = tokio_native_tls::TlsConnector::from(connector)
        .connect(host, tcp)
        .await
        .map_err(|e| ErrorCause::Tls(Detail::with_source(e.to_string(), e)))?;
    Ok(Box::new(stream))
}

/// Without the `native-tls` feature every `wss://` connection fails with a TLS cause.
#[cfg(not(feature = "native-tls"))]
pub(crate) async fn wrap(
    _tcp: BoxIo,
    _host: &str,
    _options: &Options,
) -> Result<BoxIo, ErrorCause> {
    Err(ErrorCause::Tls(
        "isows was built without the native-tls feature".into(),
    ))
}
