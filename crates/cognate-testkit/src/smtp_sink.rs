//! A tiny in-process SMTP server for tests: listens on 127.0.0.1 (ephemeral
//! port), accepts every message over plaintext SMTP and keeps it in memory.
//!
//! It speaks what lettre needs: EHLO/HELO, optional AUTH PLAIN/LOGIN (any
//! credentials are accepted), MAIL, RCPT, DATA (dot-stuffing undone), RSET,
//! NOOP, VRFY, QUIT. No STARTTLS. Connections are served concurrently; the
//! listener and every connection stop when the `SmtpSink` is dropped.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

/// Largest accepted command line or message, to bound memory in tests.
const MAX_LINE: usize = 64 * 1024;
const MAX_MESSAGE: usize = 10 * 1024 * 1024;

/// One message as the sink received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMail {
    /// The envelope sender (`MAIL FROM`), without angle brackets.
    pub from: String,
    /// The envelope recipients (`RCPT TO`), without angle brackets.
    pub to: Vec<String>,
    /// The raw DATA with dot-stuffing undone, without the terminating `CRLF.CRLF`.
    pub data: String,
    /// The `Subject` header, unfolded and with RFC 2047 encoded words decoded.
    pub subject: Option<String>,
    /// The body with its Content-Transfer-Encoding (7bit, 8bit, quoted-printable,
    /// base64) undone and line endings normalised to `\n`. Multipart bodies are
    /// left as they are (minus the CRLF normalisation).
    pub body: String,
    /// The user name from AUTH, when the client authenticated.
    pub auth_user: Option<String>,
}

impl ReceivedMail {
    /// The value of the first header with this name (case-insensitive), unfolded and decoded.
    pub fn header(&self, name: &str) -> Option<String> {
        let (head, _) = split_message(&self.data);
        header_value(head, name)
    }
}

struct Shared {
    mails: Mutex<Vec<ReceivedMail>>,
    /// Bumped after every stored message; waiters watch it.
    count: watch::Sender<usize>,
    rejected: Mutex<HashSet<String>>,
}

/// The running sink. Dropping it stops the listener and open connections.
pub struct SmtpSink {
    port: u16,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl SmtpSink {
    /// Binds 127.0.0.1 on an ephemeral port and starts accepting connections.
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .unwrap_or_else(|e| panic!("SMTP sink could not bind: {e}"));
        let port = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("SMTP sink has no address: {e}"))
            .port();
        let shared = Arc::new(Shared {
            mails: Mutex::new(Vec::new()),
            count: watch::channel(0).0,
            rejected: Mutex::new(HashSet::new()),
        });
        let task = tokio::spawn(accept_loop(listener, Arc::clone(&shared)));
        SmtpSink { port, shared, task }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn host(&self) -> &'static str {
        "127.0.0.1"
    }

    /// Every message received so far, oldest first.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        lock(&self.shared.mails).clone()
    }

    /// Messages with this envelope recipient (case-insensitive), oldest first.
    pub fn messages_to(&self, to: &str) -> Vec<ReceivedMail> {
        lock(&self.shared.mails)
            .iter()
            .filter(|m| m.to.iter().any(|r| r.eq_ignore_ascii_case(to)))
            .cloned()
            .collect()
    }

    /// Forgets the messages received so far.
    pub fn clear(&self) {
        lock(&self.shared.mails).clear();
    }

    /// From now on, answer `550` to `RCPT TO` for this address (case-insensitive).
    pub fn reject_recipient(&self, address: &str) {
        lock(&self.shared.rejected).insert(address.to_ascii_lowercase());
    }

    /// The newest message for `to` (case-insensitive), waiting up to `timeout`
    /// for one to arrive. Call [`SmtpSink::clear`] first to wait for a new one.
    pub async fn wait_for(&self, to: &str, timeout: Duration) -> Option<ReceivedMail> {
        self.wait_until(timeout, |m| m.to.iter().any(|r| r.eq_ignore_ascii_case(to)))
            .await
    }

    /// The newest message matching `pred`, waiting up to `timeout` for one to arrive.
    pub async fn wait_until(
        &self,
        timeout: Duration,
        pred: impl Fn(&ReceivedMail) -> bool,
    ) -> Option<ReceivedMail> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut changes = self.shared.count.subscribe();
        loop {
            // Mark the current version seen before looking, so no arrival is missed.
            changes.borrow_and_update();
            if let Some(m) = lock(&self.shared.mails).iter().rev().find(|m| pred(m)) {
                return Some(m.clone());
            }
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => continue,
                _ => return None,
            }
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    // Owning the JoinSet here means aborting this task aborts every connection.
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    connections.spawn(serve(stream, Arc::clone(&shared)));
                }
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn serve(stream: TcpStream, shared: Arc<Shared>) {
    let (read, write) = stream.into_split();
    let _ = Session::new(BufReader::new(read), write, shared)
        .run()
        .await;
}

struct Session<R, W> {
    reader: BufReader<R>,
    writer: W,
    shared: Arc<Shared>,
    from: Option<String>,
    to: Vec<String>,
    auth_user: Option<String>,
}

type IoResult<T> = std::io::Result<T>;

impl<R: AsyncRead + Unpin, W: AsyncWrite + Unpin> Session<R, W> {
    fn new(reader: BufReader<R>, writer: W, shared: Arc<Shared>) -> Self {
        Session {
            reader,
            writer,
            shared,
            from: None,
            to: Vec::new(),
            auth_user: None,
        }
    }

    async fn reply(&mut self, text: &str) -> IoResult<()> {
        self.writer.write_all(text.as_bytes()).await?;
        self.writer.write_all(b"\r\n").await?;
        self.writer.flush().await
    }

    /// One line without its line ending; None at end of stream.
    async fn line(&mut self) -> IoResult<Option<String>> {
        let mut buf = Vec::new();
        let n = (&mut self.reader)
            .take(MAX_LINE as u64)
            .read_until(b'\n', &mut buf)
            .await?;
        if n == 0 {
            return Ok(None);
        }
        while matches!(buf.last(), Some(b'\n' | b'\r')) {
            buf.pop();
        }
        Ok(Some(String::from_utf8_lossy(&buf).into_owned()))
    }

    async fn run(mut self) -> IoResult<()> {
        self.reply("220 cognate-smtp-sink ESMTP ready").await?;
        while let Some(line) = self.line().await? {
            let (verb, arg) = match line.split_once(' ') {
                Some((v, a)) => (v.to_ascii_uppercase(), a.trim().to_string()),
                None => (line.trim().to_ascii_uppercase(), String::new()),
            };
            match verb.as_str() {
                "EHLO" => {
                    self.reset();
                    self.reply("250-cognate-smtp-sink greets you").await?;
                    self.reply("250-8BITMIME").await?;
                    self.reply("250-SMTPUTF8").await?;
                    self.reply("250-SIZE 10485760").await?;
                    self.reply("250 AUTH PLAIN LOGIN").await?;
                }
                "HELO" => {
                    self.reset();
                    self.reply("250 cognate-smtp-sink").await?;
                }
                "AUTH" => self.auth(&arg).await?,
                "MAIL" => match angle_arg(&arg, "FROM:") {
                    Some(from) => {
                        self.reset();
                        self.from = Some(from);
                        self.reply("250 2.1.0 OK").await?;
                    }
                    None => self.reply("501 5.5.4 Syntax: MAIL FROM:<address>").await?,
                },
                "RCPT" => match (angle_arg(&arg, "TO:"), &self.from) {
                    (_, None) => self.reply("503 5.5.1 MAIL first").await?,
                    (None, _) => self.reply("501 5.5.4 Syntax: RCPT TO:<address>").await?,
                    (Some(to), Some(_)) => {
                        let rejected =
                            lock(&self.shared.rejected).contains(&to.to_ascii_lowercase());
                        if rejected {
                            self.reply("550 5.1.1 Recipient rejected").await?;
                        } else {
                            self.to.push(to);
                            self.reply("250 2.1.5 OK").await?;
                        }
                    }
                },
                "DATA" => {
                    if self.from.is_none() || self.to.is_empty() {
                        self.reply("503 5.5.1 RCPT first").await?;
                        continue;
                    }
                    self.reply("354 End data with <CR><LF>.<CR><LF>").await?;
                    let Some(data) = self.data().await? else {
                        return Ok(());
                    };
                    let mail = parse_mail(
                        self.from.take().unwrap_or_default(),
                        std::mem::take(&mut self.to),
                        data,
                        self.auth_user.clone(),
                    );
                    lock(&self.shared.mails).push(mail);
                    self.shared.count.send_modify(|n| *n += 1);
                    self.reply("250 2.0.0 OK queued").await?;
                }
                "RSET" => {
                    self.reset();
                    self.reply("250 2.0.0 OK").await?;
                }
                "NOOP" => self.reply("250 2.0.0 OK").await?,
                "VRFY" => self.reply("252 2.1.5 Cannot verify").await?,
                "QUIT" => {
                    self.reply("221 2.0.0 Bye").await?;
                    return Ok(());
                }
                "STARTTLS" => self.reply("502 5.5.1 TLS not available").await?,
                _ => self.reply("500 5.5.2 Command not recognised").await?,
            }
        }
        Ok(())
    }

    fn reset(&mut self) {
        self.from = None;
        self.to.clear();
    }

    async fn auth(&mut self, arg: &str) -> IoResult<()> {
        let mut parts = arg.split_whitespace();
        let mechanism = parts.next().unwrap_or("").to_ascii_uppercase();
        let initial = parts.next().map(str::to_string);
        match mechanism.as_str() {
            "PLAIN" => {
                let encoded = match initial {
                    Some(i) => i,
                    None => {
                        self.reply("334 ").await?;
                        self.line().await?.unwrap_or_default()
                    }
                };
                // authzid NUL authcid NUL password
                let decoded = BASE64.decode(encoded.trim()).unwrap_or_default();
                let user = decoded.split(|b| *b == 0).nth(1).unwrap_or_default();
                self.auth_user = Some(String::from_utf8_lossy(user).into_owned());
            }
            "LOGIN" => {
                let encoded_user = match initial {
                    Some(i) => i,
                    None => {
                        self.reply("334 VXNlcm5hbWU6").await?;
                        self.line().await?.unwrap_or_default()
                    }
                };
                self.reply("334 UGFzc3dvcmQ6").await?;
                let _password = self.line().await?;
                let user = BASE64.decode(encoded_user.trim()).unwrap_or_default();
                self.auth_user = Some(String::from_utf8_lossy(&user).into_owned());
            }
            _ => {
                return self
                    .reply("504 5.5.4 Unrecognised authentication type")
                    .await;
            }
        }
        self.reply("235 2.7.0 Authentication successful").await
    }

    /// Reads DATA up to the lone `.` line; undoes dot-stuffing; drops the final CRLF,
    /// which belongs to the terminator. None when the client hung up mid-message.
    async fn data(&mut self) -> IoResult<Option<String>> {
        let mut data: Vec<u8> = Vec::new();
        loop {
            let mut line = Vec::new();
            let n = (&mut self.reader)
                .take(MAX_LINE as u64)
                .read_until(b'\n', &mut line)
                .await?;
            if n == 0 {
                return Ok(None);
            }
            if line == b".\r\n" || line == b".\n" || line == b"." {
                break;
            }
            let content = match line.first() {
                Some(b'.') => &line[1..],
                _ => &line[..],
            };
            if data.len() + content.len() <= MAX_MESSAGE {
                data.extend_from_slice(content);
            }
        }
        if data.ends_with(b"\r\n") {
            data.truncate(data.len() - 2);
        } else if data.ends_with(b"\n") {
            data.truncate(data.len() - 1);
        }
        Ok(Some(String::from_utf8_lossy(&data).into_owned()))
    }
}

/// `FROM:<a@b> SIZE=10` → `a@b` (also without brackets or with a space after the colon).
fn angle_arg(arg: &str, prefix: &str) -> Option<String> {
    let head = arg.get(..prefix.len())?;
    if !head.eq_ignore_ascii_case(prefix) {
        return None;
    }
    let rest = arg[prefix.len()..].trim_start();
    let address = match rest.strip_prefix('<') {
        Some(inner) => inner.split_once('>')?.0,
        None => rest.split_whitespace().next()?,
    };
    Some(address.to_string())
}

fn parse_mail(
    from: String,
    to: Vec<String>,
    data: String,
    auth_user: Option<String>,
) -> ReceivedMail {
    let (head, raw_body) = split_message(&data);
    let subject = header_value(head, "subject");
    let encoding = header_value(head, "content-transfer-encoding")
        .map(|e| e.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let bytes = match encoding.as_str() {
        "base64" => {
            let compact: String = raw_body.chars().filter(|c| !c.is_whitespace()).collect();
            BASE64
                .decode(compact.as_bytes())
                .unwrap_or_else(|_| raw_body.as_bytes().to_vec())
        }
        "quoted-printable" => decode_quoted_printable(raw_body),
        _ => raw_body.as_bytes().to_vec(),
    };
    let body = String::from_utf8_lossy(&bytes).replace("\r\n", "\n");
    ReceivedMail {
        from,
        to,
        data,
        subject,
        body,
        auth_user,
    }
}

/// Header block and body, split at the first empty line.
fn split_message(data: &str) -> (&str, &str) {
    if let Some(i) = data.find("\r\n\r\n") {
        (&data[..i], &data[i + 4..])
    } else if let Some(i) = data.find("\n\n") {
        (&data[..i], &data[i + 2..])
    } else {
        (data, "")
    }
}

/// The first header named `name`, unfolded, with encoded words decoded.
fn header_value(head: &str, name: &str) -> Option<String> {
    let mut value: Option<String> = None;
    for line in head.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if let Some(v) = value.as_mut() {
            if line.starts_with([' ', '\t']) {
                v.push_str(line);
                continue;
            }
            break;
        }
        if let Some((n, v)) = line.split_once(':')
            && n.trim().eq_ignore_ascii_case(name)
        {
            value = Some(v.trim_start().to_string());
        }
    }
    value.map(|v| decode_encoded_words(v.trim()))
}

/// RFC 2047: `=?charset?B|Q?text?=` words (decoded bytes read as UTF-8);
/// whitespace between two adjacent encoded words is dropped, and adjacent
/// words are joined before UTF-8 decoding (a character may span two words).
fn decode_encoded_words(value: &str) -> String {
    let mut out: Vec<u8> = Vec::new();
    let mut rest = value;
    let mut last_was_word = false;
    while let Some(start) = rest.find("=?") {
        let (before, candidate) = rest.split_at(start);
        let Some((bytes, consumed)) = parse_encoded_word(candidate) else {
            out.extend_from_slice(before.as_bytes());
            out.extend_from_slice(b"=?");
            rest = &candidate[2..];
            last_was_word = false;
            continue;
        };
        if !(last_was_word && before.trim().is_empty()) {
            out.extend_from_slice(before.as_bytes());
        }
        out.extend_from_slice(&bytes);
        rest = &candidate[consumed..];
        last_was_word = true;
    }
    out.extend_from_slice(rest.as_bytes());
    String::from_utf8_lossy(&out).into_owned()
}

/// Decodes one encoded word at the start of `s`; returns its bytes and length.
fn parse_encoded_word(s: &str) -> Option<(Vec<u8>, usize)> {
    let inner = s.strip_prefix("=?")?;
    let (charset, rest) = inner.split_once('?')?;
    let (enc, rest) = rest.split_once('?')?;
    let end = rest.find("?=")?;
    let text = &rest[..end];
    if text.contains(char::is_whitespace) {
        return None;
    }
    let bytes = match enc {
        "B" | "b" => BASE64.decode(text).ok()?,
        "Q" | "q" => decode_quoted_printable(&text.replace('_', " ")),
        _ => return None,
    };
    let consumed = 2 + charset.len() + 1 + enc.len() + 1 + end + 2;
    Some((bytes, consumed))
}

/// Quoted-printable: `=XX` escapes and `=` soft line breaks.
fn decode_quoted_printable(input: &str) -> Vec<u8> {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'=' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let rest = &bytes[i + 1..];
        if rest.starts_with(b"\r\n") {
            i += 3;
        } else if rest.starts_with(b"\n") {
            i += 2;
        } else if let Some(b) = rest
            .get(..2)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
        } else {
            out.push(b'=');
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_printable() {
        assert_eq!(
            decode_quoted_printable("caf=C3=A9 =\r\nsoft=3D x"),
            "café soft= x".as_bytes()
        );
        assert_eq!(decode_quoted_printable("a=zz"), b"a=zz");
    }

    #[test]
    fn encoded_words() {
        assert_eq!(decode_encoded_words("=?utf-8?b?Q2Fmw6k=?="), "Café");
        assert_eq!(
            decode_encoded_words("=?UTF-8?Q?Caf=C3=A9_au_lait?="),
            "Café au lait"
        );
        assert_eq!(
            decode_encoded_words("=?utf-8?b?Q2Fm?= =?utf-8?b?w6k=?= ok"),
            "Café ok"
        );
        assert_eq!(decode_encoded_words("plain =? text"), "plain =? text");
    }

    #[test]
    fn headers_unfold() {
        let head = "From: a@b\r\nSubject: one\r\n two\r\nTo: c@d";
        assert_eq!(header_value(head, "subject").as_deref(), Some("one two"));
        assert_eq!(header_value(head, "TO").as_deref(), Some("c@d"));
        assert_eq!(header_value(head, "cc"), None);
    }

    #[test]
    fn envelope_arguments() {
        assert_eq!(
            angle_arg("FROM:<a@b> BODY=8BITMIME", "FROM:").as_deref(),
            Some("a@b")
        );
        assert_eq!(angle_arg("to: <c@d>", "TO:").as_deref(), Some("c@d"));
        assert_eq!(angle_arg("FROM:<>", "FROM:").as_deref(), Some(""));
        assert_eq!(angle_arg("XX:<a@b>", "FROM:"), None);
    }
}
