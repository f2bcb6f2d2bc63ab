//! Catalog section 6: binary data and binaryType (B).

use isows::{BinaryType, Bytes, MessageData, ReadyState, WebSocket};

use crate::support::*;

async fn echo_binary(
    server: &TestServer,
    binary_type: BinaryType,
    payloads: Vec<Vec<u8>>,
) -> Vec<MessageData> {
    let ws = WebSocket::new(&server.url("/echo")).unwrap();
    ws.set_binary_type(binary_type);
    let n = payloads.len();
    let w = ws.clone();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    ws.set_onopen(move |_| {
        for p in &payloads {
            let before = w.buffered_amount();
            w.send(p.as_slice()).unwrap();
            tx.send((w.buffered_amount() - before, p.len() as u64))
                .unwrap();
        }
    });
    let mut rec = record(&ws);
    rec.next().await;
    for _ in 0..n {
        let (grew, len) = rx.recv().await.unwrap();
        assert_eq!(grew, len, "bufferedAmount grows by the byte length");
    }
    let mut out = Vec::new();
    for _ in 0..n {
        match rec.next().await {
            Ev::Message {
                data,
                state: ReadyState::Open,
            } => out.push(data),
            other => panic!("{other:?}"),
        }
    }
    out
}

#[tokio::test]
async fn b_01_arraybuffer_round_trip() {
    let server = TestServer::start().await;
    let got = echo_binary(&server, BinaryType::ArrayBuffer, vec![vec![0; 15]]).await;
    assert_eq!(got, [MessageData::Binary(Bytes::from(vec![0; 15]))]);
}

#[tokio::test]
async fn b_02_large_binary() {
    let server = TestServer::start().await;
    let got = echo_binary(&server, BinaryType::ArrayBuffer, vec![vec![1; 65000]]).await;
    assert_eq!(got[0].len(), 65000);
}

#[tokio::test]
async fn b_03_typed_values_round_trip_as_bytes() {
    let server = TestServer::start().await;
    let floats: Vec<u8> = [1.5f64, -2.25, f64::MAX]
        .iter()
        .flat_map(|f| f.to_le_bytes())
        .collect();
    let ints: Vec<u8> = (0i8..8).map(|i| i as u8).collect();
    let got = echo_binary(
        &server,
        BinaryType::ArrayBuffer,
        vec![ints.clone(), floats.clone()],
    )
    .await;
    assert_eq!(got[0].as_binary(), Some(ints.as_slice()));
    let back: Vec<f64> = got[1]
        .as_binary()
        .unwrap()
        .chunks(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
        .collect();
    assert_eq!(back, [1.5, -2.25, f64::MAX]);
}

#[tokio::test]
async fn b_04_only_the_slice_is_sent() {
    let server = TestServer::start().await;
    let buffer: Vec<u8> = (0u8..8).collect();
    let got = echo_binary(
        &server,
        BinaryType::ArrayBuffer,
        vec![buffer[2..8].to_vec(), buffer[1..4].to_vec()],
    )
    .await;
    assert_eq!(got[0].as_binary(), Some(&buffer[2..8]));
    assert_eq!(got[1].as_binary(), Some(&buffer[1..4]));
}

#[tokio::test]
async fn b_06_b_07_binary_messages_are_bytes_whatever_binary_type() {
    let server = TestServer::start().await;
    for bt in [BinaryType::Blob, BinaryType::ArrayBuffer] {
        let got = echo_binary(&server, bt, vec![vec![9; 10], vec![8; 100_000]]).await;
        assert_eq!(
            got.iter().map(MessageData::len).collect::<Vec<_>>(),
            [10, 100_000]
        );
        assert!(got.iter().all(|d| d.as_binary().is_some()));
    }
}

#[tokio::test]
async fn b_08_binary_type_read_at_dispatch() {
    // Natively both values deliver bytes; what matters is that changing it from a listener
    // while messages are queued is allowed and takes effect at once.
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/echo")).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let w = ws.clone();
    ws.set_onopen(move |_| {
        w.send(vec![1u8]).unwrap();
        w.send(vec![2u8]).unwrap();
    });
    let w = ws.clone();
    ws.set_onmessage(move |_| {
        tx.send(w.binary_type()).unwrap();
        w.set_binary_type(BinaryType::ArrayBuffer);
    });
    assert_eq!(within(10, "m1", rx.recv()).await, Some(BinaryType::Blob));
    assert_eq!(
        within(10, "m2", rx.recv()).await,
        Some(BinaryType::ArrayBuffer)
    );
}

#[tokio::test]
async fn b_09_text_frames_give_text() {
    let server = TestServer::start().await;
    let ws = WebSocket::new(&server.url("/echo")).unwrap();
    ws.set_binary_type(BinaryType::ArrayBuffer);
    let w = ws.clone();
    ws.set_onopen(move |_| w.send("text").unwrap());
    let mut rec = record(&ws);
    rec.next().await;
    assert_eq!(
        rec.next().await,
        Ev::Message {
            data: MessageData::Text("text".into()),
            state: ReadyState::Open
        }
    );
}
