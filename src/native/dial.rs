//! Opening TCP to a host as browsers do (RFC 8305, Happy Eyeballs v2): every resolved
//! address, IPv6 and IPv4 interleaved starting with the family the resolver put first; a new
//! attempt starts 250 ms after the previous one (at once when it fails) while earlier ones go
//! on, and the first to connect wins. A dead address that never answers costs 250 ms, not
//! the handshake timeout.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use futures_util::stream::{FuturesUnordered, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

use crate::error::{Detail, ErrorCause};

/// RFC 8305 §5's Connection Attempt Delay (its recommended value).
pub(crate) const ATTEMPT_DELAY: Duration = Duration::from_millis(250);

/// The network options of the builder (native only).
#[derive(Clone, Default)]
pub(crate) struct NetOptions {
    /// Host names resolved to these addresses instead of through DNS
    /// (`WebSocketBuilder::resolve_to_addrs`).
    pub(crate) resolve: Vec<(String, Vec<SocketAddr>)>,
    /// The proxy setting (`WebSocketBuilder::proxy`, `no_proxy`; default: the environment).
    pub(crate) proxy: super::proxy::ProxySetting,
}

/// A TCP stream, and the address's CONNECTING slot when handshakes are serialised.
pub(crate) struct Dialed {
    pub(crate) tcp: TcpStream,
    pub(crate) slot: Option<OwnedMutexGuard<()>>,
}

/// The addresses of `host` (an IP literal, a name the builder pinned, or DNS), in Happy
/// Eyeballs order.
pub(crate) async fn resolve(
    host: &str,
    port: u16,
    net: &NetOptions,
) -> Result<Vec<SocketAddr>, ErrorCause> {
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    if let Some((_, addrs)) = net
        .resolve
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(host))
    {
        // As reqwest does: a pinned address with port 0 takes the URL's port.
        let with_port = |a: &SocketAddr| match a.port() {
            0 => SocketAddr::new(a.ip(), port),
            _ => *a,
        };
        return Ok(interleave(addrs.iter().map(with_port).collect()));
    }
    let found = tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| ErrorCause::Dns(Detail::with_source(format!("{host}: {e}"), e)))?;
    Ok(interleave(found.collect()))
}

/// RFC 8305 §4: alternate the address families, starting with the first address's family,
/// keeping the resolver's order within each family.
pub(crate) fn interleave(addrs: Vec<SocketAddr>) -> Vec<SocketAddr> {
    let Some(first) = addrs.first() else {
        return addrs;
    };
    let first_v6 = first.is_ipv6();
    let (mut preferred, mut other): (Vec<_>, Vec<_>) =
        addrs.into_iter().partition(|a| a.is_ipv6() == first_v6);
    let mut out = Vec::with_capacity(preferred.len() + other.len());
    let (mut p, mut o) = (preferred.drain(..), other.drain(..));
    loop {
        match (p.next(), o.next()) {
            (None, None) => return out,
            (a, b) => out.extend(a.into_iter().chain(b)),
        }
    }
}

/// Connects to the first of `addrs` that answers (see the module's doc). With `serialize`,
/// an attempt first waits for its address's CONNECTING slot (RFC 6455 §4.1: one connection
/// per address is CONNECTING), and the winner keeps it through the handshake.
pub(crate) async fn dial(addrs: &[SocketAddr], serialize: bool) -> Result<Dialed, ErrorCause> {
    let attempt = |addr: SocketAddr| async move {
        let slot = match serialize {
            true => Some(connecting_slot(addr).lock_owned().await),
            false => None,
        };
        let tcp = TcpStream::connect(addr)
            .await
            .map_err(|e| ErrorCause::Connect(Detail::with_source(format!("{addr}: {e}"), e)))?;
        let _ = tcp.set_nodelay(true);
        Ok::<_, ErrorCause>(Dialed { tcp, slot })
    };
    let mut running = FuturesUnordered::new();
    let mut left = addrs.iter();
    let mut last = None;
    let delay = tokio::time::sleep(Duration::ZERO);
    tokio::pin!(delay);
    let mut more = true;
    loop {
        // Start the next attempt when the delay has passed (or nothing is running).
        if more && (delay.is_elapsed() || running.is_empty()) {
            match left.next() {
                Some(addr) => {
                    running.push(attempt(*addr));
                    delay
                        .as_mut()
                        .reset(tokio::time::Instant::now() + ATTEMPT_DELAY);
                }
                None => more = false,
            }
        }
        if running.is_empty() {
            return Err(last.unwrap_or_else(|| ErrorCause::Dns("no addresses".into())));
        }
        tokio::select! {
            Some(result) = running.next() => match result {
                Ok(dialed) => return Ok(dialed),
                Err(e) => {
                    last = Some(e);
                    // A failed attempt starts the next one at once.
                    delay.as_mut().reset(tokio::time::Instant::now());
                }
            },
            _ = &mut delay, if more => {}
        }
    }
}

/// RFC 6455 §4.1 client step 2 (catalog C-20): at most one connection per IP address and
/// port may be CONNECTING; the others wait their turn.
fn connecting_slot(addr: SocketAddr) -> Arc<AsyncMutex<()>> {
    static SLOTS: OnceLock<Mutex<HashMap<SocketAddr, Weak<AsyncMutex<()>>>>> = OnceLock::new();
    let mut slots = SLOTS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(slot) = slots.get(&addr).and_then(Weak::upgrade) {
        return slot;
    }
    slots.retain(|_, w| w.strong_count() > 0);
    let slot = Arc::new(AsyncMutex::new(()));
    slots.insert(addr, Arc::downgrade(&slot));
    slot
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn families_alternate_from_the_first() {
        let got = interleave(vec![
            a("[::1]:1"),
            a("[::2]:1"),
            a("[::3]:1"),
            a("10.0.0.1:1"),
        ]);
        assert_eq!(
            got,
            [a("[::1]:1"), a("10.0.0.1:1"), a("[::2]:1"), a("[::3]:1")]
        );
        let got = interleave(vec![
            a("10.0.0.1:1"),
            a("10.0.0.2:1"),
            a("[::1]:1"),
            a("[::2]:1"),
        ]);
        assert_eq!(
            got,
            [a("10.0.0.1:1"), a("[::1]:1"), a("10.0.0.2:1"), a("[::2]:1")]
        );
        assert!(interleave(Vec::new()).is_empty());
    }
}
