//! Proxies on 127.0.0.1 for the proxy tests: Debian's `tinyproxy` (HTTP CONNECT, with Basic
//! auth) and `dante-server` (SOCKS5) as real processes, and a small SOCKS5 server of our own
//! for user/password authentication (dante checks SOCKS passwords against the system's
//! accounts, which a test must not create). `scripts/test.sh` installs the two packages.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A proxy process; killed (by its PID) when dropped.
pub struct ProxyProcess {
    pub port: u16,
    child: Child,
    dir: PathBuf,
}

impl Drop for ProxyProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl ProxyProcess {
    /// What the process printed so far (for failure messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("log")).unwrap_or_default()
    }
}

/// A port of 127.0.0.1 nothing listens on (it was free a moment ago).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn find(program: &str) -> PathBuf {
    for dir in ["/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"] {
        let path = PathBuf::from(dir).join(program);
        if path.exists() {
            return path;
        }
    }
    panic!("{program} is not installed (Debian: tinyproxy, dante-server; scripts/test.sh installs them)");
}

/// Starts `program` with a config file and waits (at most 10 s) until it accepts TCP.
async fn start(program: &str, config: impl Fn(u16) -> String, args: &[&str]) -> ProxyProcess {
    let port = free_port();
    let dir = std::env::temp_dir().join(format!("isows-{program}-{}-{port}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let conf = dir.join("conf");
    std::fs::write(&conf, config(port)).unwrap();
    let log = std::fs::File::create(dir.join("log")).unwrap();
    let child = Command::new(find(program))
        .args(
            args.iter()
                .map(|a| a.replace("CONF", conf.to_str().unwrap())),
        )
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    let proxy = ProxyProcess { port, child, dir };
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        assert!(
            Instant::now() < deadline,
            "{program} did not listen within 10 s: {}",
            proxy.log()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    proxy
}

/// tinyproxy on 127.0.0.1, every CONNECT port allowed; with `auth`, Basic proxy
/// authentication is required (407 without it).
pub async fn tinyproxy(auth: Option<(&str, &str)>) -> ProxyProcess {
    let auth = auth.map(|(u, p)| format!("BasicAuth {u} {p}\n"));
    let config = move |port: u16| {
        format!(
            "Port {port}\nListen 127.0.0.1\nTimeout 60\nMaxClients 100\nLogLevel Info\n\
             Allow 127.0.0.1\nDisableViaHeader Yes\n{}",
            auth.clone().unwrap_or_default()
        )
    };
    start("tinyproxy", config, &["-d", "-c", "CONF"]).await
}

/// dante's SOCKS5 server on 127.0.0.1, without authentication; connections to
/// 127.0.0.1:`blocked_port` are refused by its rules (a SOCKS failure reply).
pub async fn danted(blocked_port: u16) -> ProxyProcess {
    let config = move |port: u16| {
        format!(
            "logoutput: stderr\ninternal: 127.0.0.1 port = {port}\nexternal: 127.0.0.1\n\
             clientmethod: none\nsocksmethod: none\nuser.privileged: root\n\
             user.unprivileged: nobody\nclient pass {{ from: 127.0.0.0/8 to: 0.0.0.0/0 }}\n\
             socks block {{ from: 0.0.0.0/0 to: 127.0.0.1/32 port = {blocked_port} }}\n\
             socks pass {{ from: 127.0.0.0/8 to: 0.0.0.0/0 }}\n"
        )
    };
    start("danted", config, &["-f", "CONF", "-N", "1"]).await
}

/// A SOCKS5 server of our own that requires user/password authentication (RFC 1929) and
/// records the destination of every tunnel (`host:port` as the client sent it). As the
/// proxy's own resolver, it sends names under `.test` to 127.0.0.1.
pub struct Socks5Auth {
    pub port: u16,
    pub tunnels: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Socks5Auth {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Socks5Auth {
    pub async fn start(user: &'static str, password: &'static str) -> Socks5Auth {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let tunnels = Arc::new(Mutex::new(Vec::new()));
        let seen = tunnels.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let seen = seen.clone();
                tokio::spawn(async move {
                    let _ = socks5_session(client, user, password, seen).await;
                });
            }
        });
        Socks5Auth {
            port,
            tunnels,
            task,
        }
    }
}

async fn socks5_session(
    mut client: TcpStream,
    user: &str,
    password: &str,
    seen: Arc<Mutex<Vec<String>>>,
) -> std::io::Result<()> {
    // Greeting: version 5, the methods offered; we take only 0x02 (user/password).
    let (_, n) = (client.read_u8().await?, client.read_u8().await?);
    let mut methods = vec![0u8; n.into()];
    client.read_exact(&mut methods).await?;
    if !methods.contains(&2) {
        return client.write_all(&[5, 0xff]).await;
    }
    client.write_all(&[5, 2]).await?;
    // RFC 1929: version 1, user, password.
    let _ = client.read_u8().await?;
    let mut u = vec![0u8; client.read_u8().await?.into()];
    client.read_exact(&mut u).await?;
    let mut p = vec![0u8; client.read_u8().await?.into()];
    client.read_exact(&mut p).await?;
    if u != user.as_bytes() || p != password.as_bytes() {
        return client.write_all(&[1, 1]).await;
    }
    client.write_all(&[1, 0]).await?;
    // CONNECT request.
    let mut head = [0u8; 4];
    client.read_exact(&mut head).await?;
    let host = match head[3] {
        1 => {
            let mut a = [0u8; 4];
            client.read_exact(&mut a).await?;
            std::net::Ipv4Addr::from(a).to_string()
        }
        3 => {
            let mut name = vec![0u8; client.read_u8().await?.into()];
            client.read_exact(&mut name).await?;
            String::from_utf8_lossy(&name).into_owned()
        }
        _ => {
            let mut a = [0u8; 16];
            client.read_exact(&mut a).await?;
            std::net::Ipv6Addr::from(a).to_string()
        }
    };
    let port = client.read_u16().await?;
    seen.lock().unwrap().push(format!("{host}:{port}"));
    let ip = match host.ends_with(".test") {
        true => "127.0.0.1",
        false => host.as_str(),
    };
    let Ok(mut upstream) = TcpStream::connect((ip, port)).await else {
        return client.write_all(&[5, 5, 0, 1, 0, 0, 0, 0, 0, 0]).await;
    };
    client.write_all(&[5, 0, 0, 1, 127, 0, 0, 1, 0, 0]).await?;
    tokio::io::copy_bidirectional(&mut client, &mut upstream).await?;
    Ok(())
}
