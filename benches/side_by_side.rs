//! isows against raw tokio-tungstenite, side by side, in one run.
//!
//! ```sh
//! cargo bench --bench side_by_side                 # full run (BENCHMARKS.md)
//! cargo bench --bench side_by_side -- --quick      # seconds; verifies, used by scripts/test.sh
//! ```
//!
//! Both clients talk to the same independent echo server: a child process of this binary
//! (`server` mode) running plain tokio-tungstenite, sharing no client code path. Client and
//! server are pinned to the same core (a cross-core wake-up costs ~100 µs on these VMs). Every
//! workload verifies every echo; a mismatch aborts the run. W4 runs each client in a fresh
//! process so that RSS deltas are not hidden by memory the allocator kept from earlier work.

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    native::main()
}

/// Everything runs natively: the bench compiles to nothing on wasm32.
#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::io::{BufRead, BufReader, Write};
    use std::process::{Child, Command, Stdio};
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    use futures_util::{FutureExt, SinkExt, StreamExt};
    use isows::{MessageData, WebSocket, WebSocketStream};
    use tokio_tungstenite::tungstenite::Message;

    #[derive(Clone, Copy)]
    struct Sizes {
        w1_round_trips: usize,
        w1_warmup: usize,
        w2_messages: usize,
        w2_window: usize,
        w3_total_bytes: usize,
        w3_window: usize,
        w4_connections: usize,
        /// W5: 1 MiB messages the server floods to a slow reader.
        w5_messages: usize,
        runs: usize,
    }

    /// What W2 and W3 measure: raw tokio-tungstenite, or isows through one of its APIs.
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Api {
        Raw,
        Listeners,
        Stream,
    }

    /// Whether `--client` selects `api` (none given: all).
    fn selected(client: Option<&str>, api: Api) -> bool {
        match client {
            None => true,
            Some("raw") => api == Api::Raw,
            Some("isows") => api != Api::Raw,
            Some("listeners") => api == Api::Listeners,
            Some("stream") => api == Api::Stream,
            Some(other) => panic!("--client {other}: raw, isows, listeners or stream"),
        }
    }

    /// One W3 measurement (MB/s) of `api`.
    async fn w3(api: Api, url: &str, s: Sizes, size: usize) -> f64 {
        match api {
            Api::Raw => w3_raw(url, s, size).await,
            Api::Listeners => w3_isows(url, s, size).await,
            Api::Stream => w3_stream(url, s, size).await,
        }
    }

    const FULL: Sizes = Sizes {
        w1_round_trips: 20_000,
        w1_warmup: 2_000,
        w2_messages: 200_000,
        w2_window: 1_000,
        w3_total_bytes: 128 << 20,
        w3_window: 4,
        w4_connections: 10_000,
        w5_messages: 64,
        runs: 3,
    };

    const QUICK: Sizes = Sizes {
        w1_round_trips: 300,
        w1_warmup: 50,
        w2_messages: 5_000,
        w2_window: 100,
        w3_total_bytes: 4 << 20,
        w3_window: 4,
        w4_connections: 100,
        w5_messages: 8,
        runs: 1,
    };

    pub fn main() {
        let args: Vec<String> = std::env::args().skip(1).collect();
        match args.first().map(String::as_str) {
            Some("server") => return run_server(),
            Some("w4") => return w4_child(&args[1], &args[2], args[3].parse().unwrap()),
            Some("w5") => return w5_child(&args[1], &args[2], args[3].parse().unwrap()),
            _ => {}
        }
        let quick = args.iter().any(|a| a == "--quick");
        let mut sizes = if quick { QUICK } else { FULL };
        if let Some(runs) = arg_value(&args, "--runs") {
            sizes.runs = runs;
        }
        // `--only W3` runs the workloads whose name starts with that prefix.
        let only = args
            .iter()
            .position(|a| a == "--only")
            .and_then(|i| args.get(i + 1))
            .cloned();
        let wants = |w: &str| only.as_deref().is_none_or(|o| w.starts_with(o));
        let cpu = arg_value(&args, "--cpu").unwrap_or(0);
        pin_to_cpu(cpu);
        // SIDE_BY_SIDE_URL points at an echo server started separately (for profiling one side).
        let (mut server, url) = match std::env::var("SIDE_BY_SIDE_URL") {
            Ok(url) => (None, url),
            Err(_) => {
                let (child, url) = spawn_server();
                (Some(child), url)
            }
        };
        let mut results = Results::default();
        // `--client raw|isows` runs one client only (for profiling); `--client listeners` and
        // `--client stream` run isows only, and in W2 and W3 one of its APIs only
        // (scripts/bench_counts.sh counts each alone).
        let client = args
            .iter()
            .position(|a| a == "--client")
            .and_then(|i| args.get(i + 1))
            .cloned();
        // W3's 1 MiB rows depend on the allocator's history in this process (glibc raises its
        // mmap threshold once a large buffer has been freed; until then each 1 MiB buffer is
        // mapped and faulted in anew): one short unmeasured pass of every W3 client makes
        // `--only W3` measure what a full run, with W1 and W2 before it, measures.
        // Only the selected clients warm up, so a profile of one side shows that side alone.
        if (wants("W3 64 KiB MB/s") || wants("W3 1 MiB MB/s")) && !quick {
            let warm = Sizes {
                w3_total_bytes: 0,
                ..sizes
            };
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            for size in [64 << 10, 1 << 20] {
                for api in [Api::Raw, Api::Listeners, Api::Stream] {
                    if selected(client.as_deref(), api) {
                        rt.block_on(w3(api, &url, warm, size));
                    }
                }
            }
        }
        for run in 0..sizes.runs {
            eprintln!("run {}/{}", run + 1, sizes.runs);
            // Each workload measures both clients back to back (so a pair sees the same state
            // of this noisy machine), alternating which goes first, so warm-up effects fall on
            // both.
            let order: Vec<bool> = if run % 2 == 0 {
                vec![false, true]
            } else {
                vec![true, false]
            };
            let order: Vec<bool> = order
                .into_iter()
                .filter(|&isows| client.as_deref().is_none_or(|c| (c != "raw") == isows))
                .collect();
            let who = |isows: bool| if isows { "isows" } else { "raw" };
            let runtime = || {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap()
            };
            if wants("W1") {
                for &isows in &order {
                    let rt = runtime();
                    let (p50, p99) = if isows {
                        rt.block_on(w1_isows(&url, sizes))
                    } else {
                        rt.block_on(w1_raw(&url, sizes))
                    };
                    results.push(who(isows), "W1 p50 µs", p50);
                    results.push(who(isows), "W1 p99 µs", p99);
                }
            }
            // W2 and W3 measure isows' two APIs with raw between them (listeners, raw, stream;
            // the other way round in odd runs), so each isows figure is measured next to the
            // raw figure it is divided by. `--client listeners|stream` measures one API only.
            let apis = if run % 2 == 0 {
                [Api::Listeners, Api::Raw, Api::Stream]
            } else {
                [Api::Stream, Api::Raw, Api::Listeners]
            };
            let apis: Vec<Api> = apis
                .into_iter()
                .filter(|&api| selected(client.as_deref(), api))
                .collect();
            if wants("W2") {
                for api in &apis {
                    let rt = runtime();
                    match api {
                        Api::Raw => {
                            let (rate, cpu_us) = rt.block_on(w2_raw(&url, sizes));
                            results.push("raw", "W2 msgs/s", rate);
                            results.push("raw", "W2 client CPU µs/msg", cpu_us);
                            // Raw is tokio-tungstenite's Stream/Sink already, so its figure of
                            // this run is the reference for both APIs.
                            results.push("raw", W2_STREAM, rate);
                        }
                        Api::Listeners => {
                            let (rate, cpu_us) = rt.block_on(w2_isows(&url, sizes));
                            results.push("isows", "W2 msgs/s", rate);
                            results.push("isows", "W2 client CPU µs/msg", cpu_us);
                        }
                        Api::Stream => {
                            results.push("isows", W2_STREAM, rt.block_on(w2_stream(&url, sizes)));
                        }
                    }
                }
            }
            for (label, stream_label, size) in [
                ("W3 64 KiB MB/s", W3_STREAM_64K, 64 << 10),
                ("W3 1 MiB MB/s", W3_STREAM_1M, 1 << 20),
            ] {
                if wants(label) {
                    for api in &apis {
                        let rt = runtime();
                        let mbs = rt.block_on(w3(*api, &url, sizes, size));
                        match api {
                            Api::Raw => {
                                results.push("raw", label, mbs);
                                results.push("raw", stream_label, mbs);
                            }
                            Api::Listeners => results.push("isows", label, mbs),
                            Api::Stream => results.push("isows", stream_label, mbs),
                        }
                    }
                }
            }
            if wants("W4") {
                for &isows in &order {
                    let (rss, connect_us) = w4_in_child(who(isows), &url, sizes.w4_connections);
                    results.push(who(isows), "W4 RSS bytes/conn", rss);
                    results.push(who(isows), W4_DEFAULT, connect_us);
                    // isows again without RFC 6455 §4.1's one-handshake-per-address rule,
                    // against the same raw figure.
                    let parallel = if isows {
                        w4_in_child("isows-parallel", &url, sizes.w4_connections).1
                    } else {
                        connect_us
                    };
                    results.push(who(isows), W4_PARALLEL, parallel);
                }
            }
            if wants("W5") {
                for &isows in &order {
                    if isows {
                        let listeners = w5_in_child("isows", &url, sizes.w5_messages);
                        let stream = w5_in_child("isows-stream", &url, sizes.w5_messages);
                        results.push("isows", W5_LISTENERS, listeners);
                        results.push("isows", W5_STREAM, stream);
                    } else {
                        let raw = w5_in_child("raw", &url, sizes.w5_messages);
                        results.push("raw", W5_LISTENERS, raw);
                        results.push("raw", W5_STREAM, raw);
                    }
                }
            }
        }
        if let Some(server) = &mut server {
            let _ = server.kill();
            let _ = server.wait();
        }
        let table = results.table();
        println!("{table}");
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("side_by_side.md"), &table).unwrap();
        std::fs::write(dir.join("side_by_side.svg"), results.svg()).unwrap();
        eprintln!("wrote {}/side_by_side.{{md,svg}}", dir.display());
    }

    fn arg_value(args: &[String], name: &str) -> Option<usize> {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
    }

    fn pin_to_cpu(cpu: usize) {
        // SAFETY: a zeroed cpu_set_t is valid; CPU_SET and sched_setaffinity only touch it.
        unsafe {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            libc::CPU_SET(cpu, &mut set);
            if libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) != 0 {
                eprintln!("warning: could not pin to CPU {cpu}");
            }
        }
    }

    /// Starts the echo server as a child process (it inherits the CPU pinning).
    fn spawn_server() -> (Child, String) {
        let exe = std::env::current_exe().unwrap();
        let mut child = Command::new(exe)
            .arg("server")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .trim()
            .strip_prefix("LISTENING ")
            .expect("server address")
            .to_owned();
        (child, format!("ws://{addr}/"))
    }

    /// The echo server: plain tokio-tungstenite, one task per connection.
    fn run_server() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            println!("LISTENING {}", listener.local_addr().unwrap());
            std::io::stdout().flush().unwrap();
            loop {
                let (tcp, _) = listener.accept().await.unwrap();
                let _ = tcp.set_nodelay(true);
                tokio::spawn(async move {
                    let Ok(ws) = tokio_tungstenite::accept_async(tcp).await else {
                        return;
                    };
                    let (mut sink, mut stream) = ws.split();
                    while let Some(Ok(first)) = stream.next().await {
                        if !(first.is_text() || first.is_binary()) {
                            continue;
                        }
                        // W5: "flood N" asks for N × 1 MiB as fast as TCP takes them.
                        if let Some(n) = first.to_text().ok().and_then(|t| t.strip_prefix("flood "))
                        {
                            let chunk =
                                tokio_tungstenite::tungstenite::Bytes::from(vec![5u8; 1 << 20]);
                            for _ in 0..n.parse::<usize>().unwrap() {
                                if sink.send(Message::Binary(chunk.clone())).await.is_err() {
                                    return;
                                }
                            }
                            continue;
                        }
                        if sink.feed(first).await.is_err() {
                            return;
                        }
                        // Echo whatever else is ready, then flush once.
                        while let Some(Some(Ok(m))) = stream.next().now_or_never() {
                            if (m.is_text() || m.is_binary()) && sink.feed(m).await.is_err() {
                                return;
                            }
                        }
                        if sink.flush().await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
    }

    /// The 32-byte text of message `i`: its number, zero-padded (cheap to make and check, so the
    /// harness itself costs little next to what it measures).
    fn payload_bytes(mut i: usize) -> [u8; 32] {
        let mut b = [b'0'; 32];
        let mut pos = 32;
        while i > 0 {
            pos -= 1;
            b[pos] = b'0' + (i % 10) as u8;
            i /= 10;
        }
        b
    }

    fn text_payload(i: usize) -> String {
        String::from_utf8(payload_bytes(i).to_vec()).unwrap()
    }

    fn is_payload(text: Option<&str>, i: usize) -> bool {
        text.is_some_and(|t| t.as_bytes() == payload_bytes(i))
    }

    fn percentile(sorted: &[f64], p: f64) -> f64 {
        sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
    }

    fn latencies(mut ns: Vec<u64>) -> (f64, f64) {
        ns.sort_unstable();
        let us: Vec<f64> = ns.iter().map(|&n| n as f64 / 1000.0).collect();
        (percentile(&us, 0.50), percentile(&us, 0.99))
    }

    fn cpu_time() -> Duration {
        // SAFETY: getrusage fills the struct it is given.
        let usage = unsafe {
            let mut u: libc::rusage = std::mem::zeroed();
            libc::getrusage(libc::RUSAGE_SELF, &mut u);
            u
        };
        let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
        tv(usage.ru_utime) + tv(usage.ru_stime)
    }

    // ---- W1: ping-pong, one 32-byte text in flight ----

    async fn w1_raw(url: &str, s: Sizes) -> (f64, f64) {
        let (ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        let (mut sink, mut stream) = ws.split();
        let mut lat = Vec::with_capacity(s.w1_round_trips);
        for i in 0..s.w1_warmup + s.w1_round_trips {
            let payload = text_payload(i);
            let start = Instant::now();
            sink.send(Message::Text(payload.clone().into()))
                .await
                .unwrap();
            let reply = stream.next().await.unwrap().unwrap();
            let elapsed = start.elapsed();
            assert_eq!(reply.to_text().unwrap(), payload, "W1 raw: wrong echo");
            if i >= s.w1_warmup {
                lat.push(elapsed.as_nanos() as u64);
            }
        }
        sink.close().await.unwrap();
        latencies(lat)
    }

    struct W1 {
        i: usize,
        start: Instant,
        lat: Vec<u64>,
        ok: bool,
    }

    async fn w1_isows(url: &str, s: Sizes) -> (f64, f64) {
        let ws = WebSocket::new(url).unwrap();
        let state = Arc::new(Mutex::new(W1 {
            i: 0,
            start: Instant::now(),
            lat: Vec::with_capacity(s.w1_round_trips),
            ok: true,
        }));
        let (w, st) = (ws.clone(), state.clone());
        ws.set_onopen(move |_| {
            st.lock().unwrap().start = Instant::now();
            w.send(text_payload(0)).unwrap();
        });
        let (w, st) = (ws.clone(), state.clone());
        let total = s.w1_warmup + s.w1_round_trips;
        ws.set_onmessage(move |e| {
            let mut st = st.lock().unwrap();
            let elapsed = st.start.elapsed();
            if !is_payload(e.data().as_text(), st.i) {
                st.ok = false;
            }
            if st.i >= s.w1_warmup {
                st.lat.push(elapsed.as_nanos() as u64);
            }
            st.i += 1;
            if st.i == total {
                w.close();
            } else {
                let payload = text_payload(st.i);
                st.start = Instant::now();
                w.send(payload).unwrap();
            }
        });
        ws.closed().await;
        let mut st = state.lock().unwrap();
        assert!(
            st.ok && st.i == total,
            "W1 isows: wrong or missing echoes ({} of {total})",
            st.i
        );
        latencies(std::mem::take(&mut st.lat))
    }

    // ---- W2: pipelined, window of 32-byte texts ----

    async fn w2_raw(url: &str, s: Sizes) -> (f64, f64) {
        let (ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        let (mut sink, mut stream) = ws.split();
        let (cpu0, start) = (cpu_time(), Instant::now());
        let (mut sent, mut received) = (0usize, 0usize);
        while received < s.w2_messages {
            while sent < s.w2_messages && sent - received < s.w2_window {
                sink.feed(Message::Text(text_payload(sent).into()))
                    .await
                    .unwrap();
                sent += 1;
            }
            sink.flush().await.unwrap();
            let mut check = |m: Message| {
                assert!(is_payload(m.to_text().ok(), received), "W2 raw: wrong echo");
                received += 1;
            };
            check(stream.next().await.unwrap().unwrap());
            while let Some(Some(Ok(m))) = stream.next().now_or_never() {
                check(m);
            }
        }
        let (elapsed, cpu) = (start.elapsed(), cpu_time() - cpu0);
        sink.close().await.unwrap();
        rate_and_cpu(s.w2_messages, elapsed, cpu)
    }

    fn rate_and_cpu(n: usize, elapsed: Duration, cpu: Duration) -> (f64, f64) {
        (
            n as f64 / elapsed.as_secs_f64(),
            cpu.as_secs_f64() * 1e6 / n as f64,
        )
    }

    async fn w2_isows(url: &str, s: Sizes) -> (f64, f64) {
        let ws = WebSocket::new(url).unwrap();
        ws.opened().await.unwrap();
        let (cpu0, start) = (cpu_time(), Instant::now());
        let window = s.w2_window.min(s.w2_messages);
        for i in 0..window {
            ws.send(text_payload(i)).unwrap();
        }
        // The listener owns its counters (`FnMut`), as a Rust user would write it; only the
        // result is shared.
        let result = Arc::new(Mutex::new(None));
        let (w, r) = (ws.clone(), result.clone());
        let (mut sent, mut received, mut ok) = (window, 0usize, true);
        ws.set_onmessage(move |e| {
            ok &= is_payload(e.data().as_text(), received);
            received += 1;
            if sent < s.w2_messages {
                w.send(text_payload(sent)).unwrap();
                sent += 1;
            }
            if received == s.w2_messages {
                *r.lock().unwrap() = Some((ok, start.elapsed(), cpu_time() - cpu0));
                w.close();
            }
        });
        ws.closed().await;
        let (ok, elapsed, cpu) = result
            .lock()
            .unwrap()
            .take()
            .expect("W2 isows: missing echoes");
        assert!(ok, "W2 isows: wrong echo");
        rate_and_cpu(s.w2_messages, elapsed, cpu)
    }

    /// W2 through `WebSocketStream`: the raw loop, with isows' reader and writer.
    async fn w2_stream(url: &str, s: Sizes) -> f64 {
        let ws = WebSocketStream::new(url).unwrap();
        let isows::Opened {
            mut reader,
            mut writer,
            ..
        } = ws.opened().await.unwrap();
        let start = Instant::now();
        let (mut sent, mut received) = (0usize, 0usize);
        while received < s.w2_messages {
            while sent < s.w2_messages && sent - received < s.w2_window {
                writer.feed(text_payload(sent).into()).await.unwrap();
                sent += 1;
            }
            writer.flush().await.unwrap();
            let mut check = |m: MessageData| {
                assert!(is_payload(m.as_text(), received), "W2 stream: wrong echo");
                received += 1;
            };
            check(reader.next().await.unwrap().unwrap());
            while let Some(Some(Ok(m))) = reader.next().now_or_never() {
                check(m);
            }
        }
        let elapsed = start.elapsed();
        let _ = writer.close().await;
        s.w2_messages as f64 / elapsed.as_secs_f64()
    }

    // ---- W3: bulk binary echo ----

    fn bulk_payload(i: usize, size: usize) -> Vec<u8> {
        vec![(i % 251) as u8; size]
    }

    /// One out-of-line, branch-free (so vectorized) check for both clients: inlined into each
    /// client's loop it compiled differently per call site (a byte-at-a-time loop in one, 20 %
    /// of a W3 run), which moved the ratio without any change in either client.
    #[inline(never)]
    fn check_bulk(data: &[u8], i: usize, size: usize) -> bool {
        let expected = (i % 251) as u8;
        data.len() == size && data.iter().fold(0u8, |diff, &b| diff | (b ^ expected)) == 0
    }

    async fn w3_raw(url: &str, s: Sizes, size: usize) -> f64 {
        let (ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        let (mut sink, mut stream) = ws.split();
        let total = (s.w3_total_bytes / size).max(s.w3_window);
        let start = Instant::now();
        let (mut sent, mut received) = (0usize, 0usize);
        while received < total {
            while sent < total && sent - received < s.w3_window {
                sink.feed(Message::Binary(bulk_payload(sent, size).into()))
                    .await
                    .unwrap();
                sent += 1;
            }
            sink.flush().await.unwrap();
            // Wait for one echo, then take every echo already there before writing again:
            // one write batch per wake-up, as isows does (a flush per echo made raw slower).
            let mut next = Some(stream.next().await);
            while let Some(m) = next.take().flatten() {
                assert!(
                    check_bulk(&m.unwrap().into_data(), received, size),
                    "W3 raw: wrong echo"
                );
                received += 1;
                if received < total {
                    next = stream.next().now_or_never();
                }
            }
        }
        let elapsed = start.elapsed();
        sink.close().await.unwrap();
        (total * size) as f64 / elapsed.as_secs_f64() / 1e6
    }

    async fn w3_isows(url: &str, s: Sizes, size: usize) -> f64 {
        let ws = WebSocket::new(url).unwrap();
        let total = (s.w3_total_bytes / size).max(s.w3_window);
        ws.opened().await.unwrap();
        let start = Instant::now();
        for i in 0..s.w3_window {
            ws.send(bulk_payload(i, size)).unwrap();
        }
        let result = Arc::new(Mutex::new(None));
        let (w, r) = (ws.clone(), result.clone());
        let (mut sent, mut received, mut ok) = (s.w3_window, 0usize, true);
        ws.set_onmessage(move |e| {
            ok &= matches!(e.data(), MessageData::Binary(b) if check_bulk(b, received, size));
            received += 1;
            if sent < total {
                w.send(bulk_payload(sent, size)).unwrap();
                sent += 1;
            }
            if received == total {
                *r.lock().unwrap() = Some((ok, start.elapsed()));
                w.close();
            }
        });
        ws.closed().await;
        let (ok, elapsed) = result
            .lock()
            .unwrap()
            .take()
            .expect("W3 isows: missing echoes");
        assert!(ok, "W3 isows: wrong echo");
        (total * size) as f64 / elapsed.as_secs_f64() / 1e6
    }

    /// W3 through `WebSocketStream`: the raw loop, with isows' reader and writer.
    async fn w3_stream(url: &str, s: Sizes, size: usize) -> f64 {
        let ws = WebSocketStream::new(url).unwrap();
        let isows::Opened {
            mut reader,
            mut writer,
            ..
        } = ws.opened().await.unwrap();
        let total = (s.w3_total_bytes / size).max(s.w3_window);
        let start = Instant::now();
        let (mut sent, mut received) = (0usize, 0usize);
        while received < total {
            while sent < total && sent - received < s.w3_window {
                writer.feed(bulk_payload(sent, size).into()).await.unwrap();
                sent += 1;
            }
            writer.flush().await.unwrap();
            let mut next = Some(reader.next().await);
            while let Some(m) = next.take().flatten() {
                let ok =
                    matches!(m.unwrap(), MessageData::Binary(b) if check_bulk(&b, received, size));
                assert!(ok, "W3 stream: wrong echo");
                received += 1;
                if received < total {
                    next = reader.next().now_or_never();
                }
            }
        }
        let elapsed = start.elapsed();
        let _ = writer.close().await;
        (total * size) as f64 / elapsed.as_secs_f64() / 1e6
    }

    // ---- W5: a fast producer and a slow consumer, each client in a fresh process ----

    fn w5_in_child(who: &str, url: &str, n: usize) -> f64 {
        let exe = std::env::current_exe().unwrap();
        let out = Command::new(exe)
            .args(["w5", who, url, &n.to_string()])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "W5 {who} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    }

    /// Peak RSS (`VmHWM`) in bytes.
    fn peak_rss_bytes() -> usize {
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
        let kb: usize = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        kb * 1024
    }

    /// The server sends `n` × 1 MiB as fast as it can; the client takes one message per 5 ms
    /// (a consumer slower than the network), checks each, and prints how far its peak RSS grew
    /// above what it was when the flood began, in MiB. raw: tokio-tungstenite's Stream (it
    /// reads when polled); isows: a listener that hands each message to the consumer task
    /// (listeners cannot push back); isows-stream: `WebSocketStream`'s reader.
    fn w5_child(who: &str, url: &str, n: usize) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let check = |len: usize| assert_eq!(len, 1 << 20, "W5 {who}: wrong message");
        let grew = rt.block_on(async {
            let slow = || tokio::time::sleep(Duration::from_millis(5));
            let before = peak_rss_bytes();
            match who {
                "raw" => {
                    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
                    ws.send(Message::Text(format!("flood {n}").into()))
                        .await
                        .unwrap();
                    for _ in 0..n {
                        check(ws.next().await.unwrap().unwrap().into_data().len());
                        slow().await;
                    }
                }
                "isows" => {
                    let ws = WebSocket::new(url).unwrap();
                    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
                    ws.set_onmessage(move |e| {
                        let _ = tx.send(e.data().clone());
                    });
                    ws.opened().await.unwrap();
                    ws.send(format!("flood {n}")).unwrap();
                    for _ in 0..n {
                        match rx.recv().await.unwrap() {
                            MessageData::Binary(b) => check(b.len()),
                            other => panic!("{other:?}"),
                        }
                        slow().await;
                    }
                }
                _ => {
                    let ws = WebSocketStream::new(url).unwrap();
                    let mut opened = ws.opened().await.unwrap();
                    opened
                        .writer
                        .send(format!("flood {n}").into())
                        .await
                        .unwrap();
                    for _ in 0..n {
                        match opened.reader.next().await.unwrap().unwrap() {
                            MessageData::Binary(b) => check(b.len()),
                            other => panic!("{other:?}"),
                        }
                        slow().await;
                    }
                }
            }
            peak_rss_bytes().saturating_sub(before)
        });
        println!("{}", grew as f64 / (1 << 20) as f64);
    }

    // ---- W4: idle connections, each client in a fresh process ----

    fn w4_in_child(who: &str, url: &str, n: usize) -> (f64, f64) {
        let exe = std::env::current_exe().unwrap();
        let out = Command::new(exe)
            .args(["w4", who, url, &n.to_string()])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "W4 {who} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let mut it = text.split_whitespace().map(|v| v.parse::<f64>().unwrap());
        (it.next().unwrap(), it.next().unwrap())
    }

    fn rss_bytes() -> usize {
        let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
        let pages: usize = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
        pages * 4096
    }

    /// Opens `n` connections, checks each with one echo, and prints RSS per connection and
    /// connect time per connection.
    fn w4_child(who: &str, url: &str, n: usize) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let (rss, us) = rt.block_on(async {
            // Warm the runtime and allocator with one connection of each kind first.
            let _ = tokio_tungstenite::connect_async(url).await.unwrap();
            let before = rss_bytes();
            let start = Instant::now();
            let keep: Box<dyn std::any::Any> = if who == "raw" {
                let mut conns = Vec::with_capacity(n);
                let mut pending = futures_util::stream::iter(0..n)
                    .map(|_| tokio_tungstenite::connect_async(url))
                    .buffer_unordered(100);
                while let Some(r) = pending.next().await {
                    conns.push(r.unwrap().0);
                }
                let elapsed = start.elapsed();
                for ws in conns.iter_mut().take(10) {
                    ws.send(Message::Text("ping".into())).await.unwrap();
                    assert_eq!(ws.next().await.unwrap().unwrap().to_text().unwrap(), "ping");
                }
                return_with(conns, elapsed)
            } else {
                let serialize = who != "isows-parallel";
                // At most 100 handshakes in flight, as raw's `buffer_unordered(100)`: 10,000 at
                // once overflow the server's listen backlog, and dropped SYNs cost a 1 s
                // retransmission each (that, not isows, made this row 1.6-1.8x).
                let mut sockets: Vec<WebSocket> = Vec::with_capacity(n);
                for i in 0..n {
                    if i >= 100 {
                        sockets[i - 100].opened().await.unwrap();
                    }
                    sockets.push(
                        WebSocket::builder(url)
                            .serialize_handshakes(serialize)
                            .connect()
                            .unwrap(),
                    );
                }
                for ws in &sockets {
                    ws.opened().await.unwrap();
                }
                let elapsed = start.elapsed();
                for ws in sockets.iter().take(10) {
                    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
                    ws.set_onmessage(move |e| tx.send(e.data().clone()).unwrap());
                    ws.send("ping").unwrap();
                    assert_eq!(rx.recv().await.unwrap(), MessageData::Text("ping".into()));
                }
                return_with(sockets, elapsed)
            };
            let (keep, elapsed) = *keep
                .downcast::<(Box<dyn std::any::Any>, Duration)>()
                .unwrap();
            tokio::time::sleep(Duration::from_millis(200)).await;
            let after = rss_bytes();
            drop(keep);
            (
                (after.saturating_sub(before)) as f64 / n as f64,
                elapsed.as_secs_f64() * 1e6 / n as f64,
            )
        });
        println!("{rss} {us}");
    }

    fn return_with<T: 'static>(conns: T, elapsed: Duration) -> Box<dyn std::any::Any> {
        Box::new((Box::new(conns) as Box<dyn std::any::Any>, elapsed))
    }

    // ---- results ----

    #[derive(Default)]
    struct Results {
        /// (metric, client) → values, in insertion order of metrics.
        rows: Vec<(String, Vec<f64>, Vec<f64>)>,
    }

    /// Targets: (metric, isows ÷ raw bound, true if the ratio must be at most the bound).
    /// W4 connect by default: RFC 6455 §4.1 (catalog C-20) makes sockets to one address
    /// wait for each other's handshake, as browsers do; no target applies to it.
    const W4_DEFAULT: &str = "W4 connect µs/conn, §4.1 wait";
    /// W4 connect with `serialize_handshakes(false)` (no RFC 6455 §4.1 wait): the target.
    const W4_PARALLEL: &str = "W4 connect µs/conn, no §4.1 wait";

    /// W2 and W3 through isows' `WebSocketStream` against tokio-tungstenite's Stream/Sink.
    const W2_STREAM: &str = "W2 Stream/Sink msgs/s";
    const W3_STREAM_64K: &str = "W3 Stream/Sink 64 KiB MB/s";
    const W3_STREAM_1M: &str = "W3 Stream/Sink 1 MiB MB/s";
    /// W5 peak RSS growth: raw's figure against isows' listeners and isows' stream.
    const W5_LISTENERS: &str = "W5 peak RSS MiB, WebSocket (listeners)";
    const W5_STREAM: &str = "W5 peak RSS MiB, WebSocketStream";

    const TARGETS: [(&str, f64, bool); 11] = [
        ("W1 p50 µs", 1.10, true),
        ("W1 p99 µs", 1.25, true),
        ("W2 msgs/s", 0.90, false),
        (W2_STREAM, 1.0, false),
        ("W3 64 KiB MB/s", 0.95, false),
        ("W3 1 MiB MB/s", 0.95, false),
        (W3_STREAM_64K, 1.0, false),
        (W3_STREAM_1M, 1.0, false),
        ("W4 RSS bytes/conn", f64::NAN, true),
        (W4_DEFAULT, f64::NAN, true),
        (W4_PARALLEL, 1.0, true),
    ];

    fn median(v: &[f64]) -> f64 {
        if v.is_empty() {
            return f64::NAN;
        }
        let mut v = v.to_vec();
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        v[v.len() / 2]
    }

    /// The median of the per-run ratios: each run measures both clients back to back, so the
    /// machine's drift between runs cancels out.
    fn paired_ratio(raw: &[f64], isows: &[f64]) -> f64 {
        let ratios: Vec<f64> = raw.iter().zip(isows).map(|(r, i)| i / r).collect();
        median(&ratios)
    }

    fn range(v: &[f64]) -> (f64, f64) {
        (
            v.iter().cloned().fold(f64::INFINITY, f64::min),
            v.iter().cloned().fold(f64::NEG_INFINITY, f64::max),
        )
    }

    fn fmt(v: f64) -> String {
        if v >= 1000.0 {
            format!("{:.0}", v)
        } else if v >= 10.0 {
            format!("{v:.1}")
        } else {
            format!("{v:.2}")
        }
    }

    impl Results {
        fn push(&mut self, who: &str, metric: &str, value: f64) {
            let idx = match self.rows.iter().position(|r| r.0 == metric) {
                Some(i) => i,
                None => {
                    self.rows.push((metric.to_owned(), Vec::new(), Vec::new()));
                    self.rows.len() - 1
                }
            };
            if who == "raw" {
                self.rows[idx].1.push(value);
            } else {
                self.rows[idx].2.push(value);
            }
        }

        fn verdict(metric: &str, ratio: f64, isows: f64) -> String {
            match metric {
                W5_LISTENERS => return "— (listeners cannot push back: README)".into(),
                W5_STREAM if isows <= 4.0 => return "met (≤ 4 MiB)".into(),
                W5_STREAM => return "MISSED (≤ 4 MiB)".into(),
                _ => {}
            }
            match TARGETS.iter().find(|t| t.0 == metric) {
                Some(_) if metric == W4_DEFAULT => "— (browser rule, see BENCHMARKS.md)".into(),
                Some((_, _, _)) if metric == "W4 RSS bytes/conn" => {
                    if isows <= 16384.0 {
                        "met (≤ 16 KiB)".into()
                    } else {
                        "MISSED (≤ 16 KiB)".into()
                    }
                }
                Some((_, bound, at_most)) => {
                    let met = if *at_most {
                        ratio <= *bound
                    } else {
                        ratio >= *bound
                    };
                    format!(
                        "{} ({} {bound:.2})",
                        if met { "met" } else { "MISSED" },
                        if *at_most { "≤" } else { "≥" }
                    )
                }
                None => "—".into(),
            }
        }

        fn table(&self) -> String {
            let mut out = String::from(
            "| metric | raw tokio-tungstenite median (min–max) | isows median (min–max) | isows ÷ raw (median of per-run ratios) | target |\n|---|---|---|---|---|\n",
        );
            for (metric, raw, isows) in &self.rows {
                let (rm, im) = (median(raw), median(isows));
                let ((r0, r1), (i0, i1)) = (range(raw), range(isows));
                let ratio = paired_ratio(raw, isows);
                out += &format!(
                    "| {metric} | {} ({}–{}) | {} ({}–{}) | {ratio:.3} | {} |\n",
                    fmt(rm),
                    fmt(r0),
                    fmt(r1),
                    fmt(im),
                    fmt(i0),
                    fmt(i1),
                    Self::verdict(metric, ratio, im)
                );
            }
            out += &format!(
                "\nruns per client: {}\n",
                self.rows.first().map_or(0, |r| r.1.len())
            );
            out
        }

        /// A bar chart of isows ÷ raw per metric, with each target marked.
        fn svg(&self) -> String {
            let (w, row_h, left, scale) = (800.0, 34.0, 270.0, 300.0);
            let h = 60.0 + row_h * self.rows.len() as f64;
            let mut s = format!(
            "<svg xmlns='http://www.w3.org/2000/svg' width='{w}' height='{h}' font-family='sans-serif' font-size='13'>\
             <rect width='100%' height='100%' fill='white'/>\
             <text x='10' y='22' font-size='15'>isows ÷ raw tokio-tungstenite (median of per-run ratios; 1.0 = equal; red = target)</text>"
        );
            let x1 = left + scale;
            s += &format!(
                "<line x1='{x1}' y1='35' x2='{x1}' y2='{}' stroke='#888' stroke-dasharray='4'/>",
                h - 10.0
            );
            for (i, (metric, raw, isows)) in self.rows.iter().enumerate() {
                let y = 40.0 + row_h * i as f64;
                let ratio = paired_ratio(raw, isows);
                let bw = (ratio * scale).min(w - left - 60.0);
                s += &format!("<text x='10' y='{}'>{metric}</text>", y + 17.0);
                s += &format!(
                    "<rect x='{left}' y='{}' width='{bw:.1}' height='20' fill='#4a7ebb'/>",
                    y + 3.0
                );
                s += &format!(
                    "<text x='{:.1}' y='{}'>{ratio:.2}</text>",
                    left + bw + 5.0,
                    y + 17.0
                );
                if let Some((_, bound, _)) = TARGETS.iter().find(|t| t.0 == *metric) {
                    if bound.is_finite() {
                        let tx = left + bound * scale;
                        s += &format!("<line x1='{tx:.1}' y1='{}' x2='{tx:.1}' y2='{}' stroke='#c33' stroke-width='3'/>", y, y + 26.0);
                    }
                }
            }
            s + "</svg>\n"
        }
    }
}
