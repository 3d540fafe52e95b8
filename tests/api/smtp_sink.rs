//! A local SMTP server that speaks just enough of RFC 5321 for lettre
//! (greeting, EHLO, MAIL, RCPT, DATA, QUIT), records each message, and can
//! be told to hold its answer to DATA — a mail server that answers slowly.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

pub struct SmtpSink {
    pub url: String,
    pub received: Arc<Mutex<Vec<String>>>,
    /// Permits to finish a DATA command: while none is available, the
    /// server reads the message and then says nothing.
    pub release: Arc<Semaphore>,
    /// How many DATA commands have been read in full (answered or not).
    pub data_read: Arc<Mutex<usize>>,
}

impl SmtpSink {
    /// `answer_at_once`: whether DATA is answered without waiting for [`SmtpSink::release`].
    pub async fn start(answer_at_once: bool) -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("smtp://{}", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let release = Arc::new(Semaphore::new(if answer_at_once { Semaphore::MAX_PERMITS } else { 0 }));
        let data_read = Arc::new(Mutex::new(0));
        let sink = SmtpSink { url, received: received.clone(), release: release.clone(), data_read: data_read.clone() };
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (received, release, data_read) = (received.clone(), release.clone(), data_read.clone());
                tokio::spawn(async move {
                    let _ = session(stream, received, release, data_read).await;
                });
            }
        });
        sink
    }
}

async fn session(
    stream: TcpStream,
    received: Arc<Mutex<Vec<String>>>,
    release: Arc<Semaphore>,
    data_read: Arc<Mutex<usize>>,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 sink.test ESMTP\r\n").await?;
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_ascii_uppercase();
        let reply: &[u8] = if command.starts_with("EHLO") {
            b"250-sink.test\r\n250 8BITMIME\r\n"
        } else if command.starts_with("DATA") {
            write.write_all(b"354 go ahead\r\n").await?;
            let mut message = String::new();
            loop {
                line.clear();
                if lines.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" {
                    break;
                }
                message.push_str(&line);
            }
            *data_read.lock().unwrap() += 1;
            release.acquire().await.unwrap().forget();
            received.lock().unwrap().push(message);
            b"250 queued\r\n"
        } else if command.starts_with("QUIT") {
            write.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else {
            b"250 ok\r\n"
        };
        write.write_all(reply).await?;
    }
}
