//! An interactive line client in the spirit of `wscat`: every line read from standard input is
//! sent as a text message, every message received is printed (`< text`, or `< binary, N
//! bytes`). `/close [code [reason]]` closes with that code and reason; end of input (Ctrl-D)
//! closes without one. With no URL it talks to an embedded echo server.
//!
//! ```sh
//! cargo run --example wscat -- ws://127.0.0.1:8765/
//! ```

#[cfg(not(target_arch = "wasm32"))]
#[path = "support/echo.rs"]
mod echo;

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    use std::io::BufRead;
    use std::process::ExitCode;

    use isows::{MessageData, WebSocket};

    let Some(url) = echo::url_from_args() else {
        return ExitCode::FAILURE;
    };
    let ws = match WebSocket::new(&url) {
        Ok(ws) => ws,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    ws.set_onmessage(|e| match e.data() {
        MessageData::Text(t) => println!("< {t}"),
        MessageData::Binary(b) => println!("< binary, {} bytes", b.len()),
    });
    ws.set_onerror(|e| eprintln!("error: {}", e.cause()));
    ws.set_onclose(|e| println!("closed {} {}", e.code(), e.reason()));
    match ws.wait_opened() {
        Ok(Ok(())) => println!("connected to {url} (Ctrl-D or /close to quit)"),
        _ => return ExitCode::FAILURE,
    }
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        if let Some(args) = line.strip_prefix("/close") {
            let mut args = args.trim().splitn(2, ' ');
            let result = match args.next().filter(|c| !c.is_empty()) {
                Some(code) => match code.parse() {
                    Ok(code) => ws.close_with(code, args.next().unwrap_or("")),
                    Err(_) => Err(isows::Error::SyntaxError(format!("'{code}' is not a code"))),
                },
                None => {
                    ws.close();
                    Ok(())
                }
            };
            match result {
                Ok(()) => break,
                Err(e) => eprintln!("{e}"),
            }
        } else if let Err(e) = ws.send(line) {
            eprintln!("{e}");
        }
    }
    ws.close(); // end of input; nothing happens if /close already did
    match ws.wait_closed() {
        Ok(close) if close.was_clean() => ExitCode::SUCCESS,
        _ => ExitCode::FAILURE,
    }
}
