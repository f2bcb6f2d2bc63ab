//! `wss://`: TLS over the TCP stream (or a stream the caller gave), through native-tls (the
//! platform's TLS library, the default feature) or rustls (features `rustls` and
//! `rustls-platform-roots`). The public API is the same whichever is compiled in: root
//! certificates are isows' own [`Certificate`](crate::Certificate) (DER), and a connector of
//! either library can be given as is.
//!
//! Which library a connection uses: the one whose connector the builder was given; otherwise
//! native-tls when compiled in (as reqwest does), else rustls.

use super::handshake::BoxIo;
#[cfg(any(feature = "native-tls", feature = "rustls-core"))]
use crate::error::Detail;
use crate::error::ErrorCause;
use crate::options::Options;

/// What the builder's TLS options collect (`tls_connector`, `rustls_config`,
/// `add_root_certificate`).
#[derive(Clone, Default)]
pub(crate) struct TlsOptions {
    #[cfg(feature = "native-tls")]
    pub(crate) connector: Option<native_tls::TlsConnector>,
    #[cfg(feature = "rustls-core")]
    pub(crate) rustls: Option<std::sync::Arc<rustls::ClientConfig>>,
    pub(crate) root_certificates: Vec<crate::Certificate>,
}

/// Wraps `tcp` (a TCP stream, or one the caller gave) in TLS for `host`.
pub(crate) async fn wrap(tcp: BoxIo, host: &str, options: &Options) -> Result<BoxIo, ErrorCause> {
    #[cfg(feature = "rustls-core")]
    if let Some(config) = &options.backend.tls.rustls {
        return with_rustls::wrap(tcp, host, config.clone()).await;
    }
    #[cfg(feature = "native-tls")]
    {
        with_native_tls::wrap(tcp, host, options).await
    }
    #[cfg(all(not(feature = "native-tls"), feature = "rustls-core"))]
    {
        let config = with_rustls::default_config(&options.backend.tls.root_certificates)?;
        with_rustls::wrap(tcp, host, config).await
    }
    #[cfg(not(any(feature = "native-tls", feature = "rustls-core")))]
    {
        let _ = (tcp, host, options);
        Err(ErrorCause::Tls(
            "isows was built without TLS (features 'native-tls', 'rustls' or 'rustls-platform-roots')"
                .into(),
        ))
    }
}

#[cfg(any(feature = "native-tls", feature = "rustls-core"))]
fn tls_error(e: impl std::error::Error + Send + Sync + 'static) -> ErrorCause {
    ErrorCause::Tls(Detail::with_source(e.to_string(), e))
}

#[cfg(feature = "native-tls")]
mod with_native_tls {
    use super::*;

    pub(super) async fn wrap(
        tcp: BoxIo,
        host: &str,
        options: &Options,
    ) -> Result<BoxIo, ErrorCause> {
        let connector = match &options.backend.tls.connector {
            Some(c) => c.clone(),
            None => {
                let mut builder = native_tls::TlsConnector::builder();
                for cert in &options.backend.tls.root_certificates {
                    let cert = native_tls::Certificate::from_der(cert.der()).map_err(|e| {
                        ErrorCause::Tls(Detail::with_source(format!("a root certificate: {e}"), e))
                    })?;
                    builder.add_root_certificate(cert);
                }
                builder.build().map_err(tls_error)?
            }
        };
        let stream = tokio_native_tls::TlsConnector::from(connector)
            .connect(host, tcp)
            .await
            .map_err(tls_error)?;
        Ok(Box::new(stream))
    }
}

#[cfg(feature = "rustls-core")]
// With native-tls compiled in too, rustls runs only with a config of the caller's.
#[cfg_attr(feature = "native-tls", allow(dead_code))]
mod with_rustls {
    use std::sync::{Arc, OnceLock};

    use rustls::pki_types::{CertificateDer, ServerName};
    use rustls::{ClientConfig, RootCertStore};

    use super::*;

    /// The roots of the enabled features (webpki-roots, the platform's store), read once.
    fn base_roots() -> &'static RootCertStore {
        static ROOTS: OnceLock<RootCertStore> = OnceLock::new();
        ROOTS.get_or_init(|| {
            #[allow(unused_mut)]
            let mut roots = RootCertStore::empty();
            #[cfg(feature = "rustls")]
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            #[cfg(feature = "rustls-platform-roots")]
            {
                // Certificates the store holds but rustls cannot parse are skipped, as
                // browsers skip them.
                let found = rustls_native_certs::load_native_certs();
                for error in &found.errors {
                    tracing::debug!("a platform root certificate could not be read: {error}");
                }
                roots.add_parsable_certificates(found.certs);
            }
            roots
        })
    }

    /// A config with the features' roots and the builder's own ones. The provider (ring) is
    /// given here, never installed process-wide: no other crate's choice of provider can
    /// make this panic, and this never changes theirs.
    fn config_with(roots: RootCertStore) -> Result<Arc<ClientConfig>, ErrorCause> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(tls_error)?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Arc::new(config))
    }

    /// The config for a connection without a config of the caller's: built once when there
    /// are no extra roots.
    pub(crate) fn default_config(
        extra: &[crate::Certificate],
    ) -> Result<Arc<ClientConfig>, ErrorCause> {
        if extra.is_empty() {
            static DEFAULT: OnceLock<Arc<ClientConfig>> = OnceLock::new();
            if let Some(config) = DEFAULT.get() {
                return Ok(config.clone());
            }
            let config = config_with(base_roots().clone())?;
            return Ok(DEFAULT.get_or_init(|| config).clone());
        }
        let mut roots = base_roots().clone();
        for cert in extra {
            roots
                .add(CertificateDer::from(cert.der().to_vec()))
                .map_err(|e| {
                    ErrorCause::Tls(Detail::with_source(format!("a root certificate: {e}"), e))
                })?;
        }
        config_with(roots)
    }

    pub(super) async fn wrap(
        tcp: BoxIo,
        host: &str,
        config: Arc<ClientConfig>,
    ) -> Result<BoxIo, ErrorCause> {
        let name = ServerName::try_from(host.to_owned()).map_err(tls_error)?;
        let stream = tokio_rustls::TlsConnector::from(config)
            .connect(name, tcp)
            .await
            .map_err(tls_error)?;
        Ok(Box::new(stream))
    }
}
