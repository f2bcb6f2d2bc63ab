//! Runs the Autobahn|Testsuite client cases against a fuzzing server, driving isows the way a
//! JavaScript client would: `onmessage` echoes every message back. Then it asks the server to
//! write its reports.
//!
//! ```sh
//! tests/autobahn/setup.sh && AUTOBAHN_PORT=9001 tests/autobahn/run-server.sh start
//! cargo run --release --example autobahn_client -- ws://127.0.0.1:9001 isows
//! tests/autobahn/parse-report.py /tmp/autobahn-fuzzingserver/reports/clients --agent isows
//! ```

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    use std::time::Duration;

    use isows::{MessageData, WebSocket};

    let mut args = std::env::args().skip(1);
    let base = args.next().unwrap_or_else(|| "ws://127.0.0.1:9001".into());
    let agent = args.next().unwrap_or_else(|| "isows".into());
    // Bounded waits: a case that never closes cannot hang the run.
    let wait = |ws: &WebSocket| ws.wait_closed_timeout(Duration::from_secs(60)).unwrap();

    let count = WebSocket::new(&format!("{base}/getCaseCount")).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    count.set_onmessage(move |e| {
        let _ = tx.send(
            e.data()
                .as_text()
                .unwrap_or("0")
                .trim()
                .parse::<u32>()
                .unwrap_or(0),
        );
    });
    wait(&count).expect("getCaseCount closes");
    let total = rx.try_recv().expect("a case count");
    eprintln!("agent {agent}: running {total} cases");

    for case in 1..=total {
        let ws = WebSocket::new(&format!("{base}/runCase?case={case}&agent={agent}")).unwrap();
        let w = ws.clone();
        ws.set_onmessage(move |e| {
            let _ = match e.data() {
                MessageData::Text(t) => w.send(t.as_str()),
                MessageData::Binary(b) => w.send(b.clone()),
            };
        });
        if wait(&ws).is_none() {
            eprintln!("case {case}: no close within 60 s");
        }
    }
    let reports = WebSocket::new(&format!("{base}/updateReports?agent={agent}")).unwrap();
    wait(&reports);
    eprintln!("agent {agent}: done");
}
