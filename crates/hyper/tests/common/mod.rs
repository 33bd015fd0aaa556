//! A scripted HTTP/1.1 server on 127.0.0.1 for the transport tests: each request takes the next
//! action of the script (the last one repeats), so tests can cut connections, stall, send huge
//! bodies or garbage — things a well-behaved server never does.

#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the server does with one request.
#[derive(Debug, Clone)]
pub enum Action {
    /// Answers with this status and body (with a Content-Length).
    Reply(u16, Vec<u8>),
    /// Closes the connection without answering.
    Cut,
    /// Waits this long, then answers 200 with an empty body.
    Stall(Duration),
    /// Answers 200 with a chunked body of this many bytes (no Content-Length).
    Chunked(usize),
    /// Answers 200 claiming this Content-Length, then sends nothing and closes.
    Claim(u64),
    /// Writes these bytes as the whole answer and closes.
    Raw(Vec<u8>),
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub head: String,
    pub body: Vec<u8>,
}

/// The running server; stops when dropped.
pub struct Server {
    pub port: u16,
    script: Arc<Mutex<Vec<Action>>>,
    pub requests: Arc<Mutex<Vec<Seen>>>,
    pub connections: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    pub async fn start(script: Vec<Action>) -> Server {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let script = Arc::new(Mutex::new(script));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let (s, r, c) = (script.clone(), requests.clone(), connections.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                c.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(serve(stream, s.clone(), r.clone()));
            }
        });
        Server {
            port,
            script,
            requests,
            connections,
            task,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

fn next_action(script: &Mutex<Vec<Action>>) -> Action {
    let mut script = script.lock().unwrap();
    if script.len() > 1 {
        script.remove(0)
    } else {
        script[0].clone()
    }
}

async fn serve(
    mut stream: TcpStream,
    script: Arc<Mutex<Vec<Action>>>,
    requests: Arc<Mutex<Vec<Seen>>>,
) {
    let mut buffer = Vec::new();
    loop {
        let Some(seen) = read_request(&mut stream, &mut buffer).await else {
            return;
        };
        requests.lock().unwrap().push(seen);
        let keep_going = match next_action(&script) {
            Action::Reply(status, body) => {
                let head = format!(
                    "HTTP/1.1 {status} X\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                );
                write(&mut stream, &[head.as_bytes(), &body].concat()).await
            }
            Action::Cut => false,
            Action::Stall(d) => {
                tokio::time::sleep(d).await;
                write(&mut stream, b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").await
            }
            Action::Chunked(n) => {
                if !write(
                    &mut stream,
                    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                )
                .await
                {
                    return;
                }
                let chunk = vec![b'a'; 64 * 1024];
                let mut left = n;
                while left > 0 {
                    let size = left.min(chunk.len());
                    let frame =
                        [format!("{size:x}\r\n").as_bytes(), &chunk[..size], b"\r\n"].concat();
                    if !write(&mut stream, &frame).await {
                        return;
                    }
                    left -= size;
                }
                write(&mut stream, b"0\r\n\r\n").await
            }
            Action::Claim(n) => {
                let _ = write(
                    &mut stream,
                    format!("HTTP/1.1 200 OK\r\nContent-Length: {n}\r\n\r\n").as_bytes(),
                )
                .await;
                false
            }
            Action::Raw(bytes) => {
                let _ = write(&mut stream, &bytes).await;
                false
            }
        };
        if !keep_going {
            return;
        }
    }
}

async fn write(stream: &mut TcpStream, bytes: &[u8]) -> bool {
    stream.write_all(bytes).await.is_ok() && stream.flush().await.is_ok()
}

/// Reads one request (head + Content-Length body); `None` at end of stream.
async fn read_request(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<Seen> {
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(i) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
    let length = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    while buffer.len() < end + length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    let body = buffer[end..end + length].to_vec();
    buffer.drain(..end + length);
    Some(Seen { head, body })
}

pub mod audit;
pub mod world;
