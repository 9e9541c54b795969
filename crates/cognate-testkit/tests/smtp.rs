//! SmtpSender (cognate-outbound) end to end against the in-process SmtpSink.

use cognate_core::model::{Channel, Message};
use cognate_core::ports::MessageSender;
use cognate_outbound::{SmtpConfig, SmtpSender, SmtpTls};
use cognate_testkit::smtp_sink::SmtpSink;
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(10);

fn config(port: u16) -> SmtpConfig {
    let mut c = SmtpConfig::new("127.0.0.1", "Cognate <no-reply@cognate.test>");
    c.port = port;
    c.tls = SmtpTls::None;
    c.timeout_secs = 5;
    c
}

fn email(to: &str, subject: Option<&str>, body: &str) -> Message {
    Message {
        id: "m-1".into(),
        pool_id: "us-east-1_Pool1".into(),
        username: "alice".into(),
        channel: Channel::Email,
        destination: to.into(),
        subject: subject.map(str::to_string),
        body: body.into(),
        reason: "SignUp".into(),
        created: 0.0,
    }
}

#[tokio::test]
async fn plain_text_without_credentials() {
    let sink = SmtpSink::start().await;
    let sender = SmtpSender::new(config(sink.port())).unwrap();
    assert_eq!(sender.name(), "smtp");
    sender.check().await.unwrap();

    sender
        .send(&email(
            "alice@example.test",
            Some("Your code"),
            "Your verification code is 123456",
        ))
        .await
        .unwrap();

    let mail = sink.wait_for("alice@example.test", WAIT).await.unwrap();
    assert_eq!(mail.from, "no-reply@cognate.test");
    assert_eq!(mail.to, vec!["alice@example.test".to_string()]);
    assert_eq!(mail.subject.as_deref(), Some("Your code"));
    assert_eq!(mail.body, "Your verification code is 123456");
    assert_eq!(mail.auth_user, None);
    assert!(
        mail.header("content-type")
            .unwrap()
            .starts_with("text/plain"),
        "{}",
        mail.data
    );
    assert_eq!(
        mail.header("from").as_deref(),
        Some("Cognate <no-reply@cognate.test>")
    );
}

#[tokio::test]
async fn credentials_html_default_subject_and_pooled_reuse() {
    let sink = SmtpSink::start().await;
    let mut c = config(sink.port());
    c.username = Some("smtp-user".into());
    c.password = Some("smtp-password".into());
    let sender = SmtpSender::new(c).unwrap();

    sender
        .send(&email(
            "Bob <bob@example.test>",
            None,
            "<p>Your code is <b>654321</b></p>",
        ))
        .await
        .unwrap();
    let mail = sink.wait_for("bob@example.test", WAIT).await.unwrap();
    assert_eq!(mail.auth_user.as_deref(), Some("smtp-user"));
    assert_eq!(mail.subject.as_deref(), Some("Your verification code"));
    assert_eq!(mail.body, "<p>Your code is <b>654321</b></p>");
    assert!(
        mail.header("content-type")
            .unwrap()
            .starts_with("text/html"),
        "{}",
        mail.data
    );

    // A second message over the pooled connection; wait_for returns the newest.
    sender
        .send(&email("bob@example.test", Some("Again"), "second 111222"))
        .await
        .unwrap();
    let mail = sink
        .wait_until(WAIT, |m| m.subject.as_deref() == Some("Again"))
        .await
        .unwrap();
    assert_eq!(mail.body, "second 111222");
    assert_eq!(sink.messages_to("bob@example.test").len(), 2);
    assert_eq!(
        sink.wait_for("bob@example.test", WAIT).await.unwrap().body,
        "second 111222"
    );
}

#[tokio::test]
async fn non_ascii_long_lines_and_dot_stuffing_survive() {
    let sink = SmtpSink::start().await;
    let sender = SmtpSender::new(config(sink.port())).unwrap();

    let cases = [
        // Non-ASCII: quoted-printable or base64 on the wire.
        (
            "Votre code : 987654 — café, Grüße, 日本語 ✓",
            "Vérification du compte ✓",
        ),
        // A line starting with "." and a lone "." line: dot-stuffing on the wire.
        ("Code 246810\n.hidden line\n.\nlast line", "Dots"),
        // A line longer than 78 characters forces an encoding.
        (&"0123456789".repeat(20), "Long"),
    ];
    for (i, (body, subject)) in cases.iter().enumerate() {
        let to = format!("user{i}@example.test");
        sender.send(&email(&to, Some(subject), body)).await.unwrap();
        let mail = sink.wait_for(&to, WAIT).await.unwrap();
        assert_eq!(&mail.body, body, "raw data:\n{}", mail.data);
        assert_eq!(mail.subject.as_deref(), Some(*subject), "{}", mail.data);
    }
    // The non-ASCII and long-line cases really went through a transfer encoding.
    for to in ["user0@example.test", "user2@example.test"] {
        let mail = sink.wait_for(to, WAIT).await.unwrap();
        let cte = mail.header("content-transfer-encoding").unwrap_or_default();
        assert!(
            cte == "quoted-printable" || cte == "base64",
            "{cte}: {}",
            mail.data
        );
        assert!(mail.data.is_ascii(), "{}", mail.data);
    }
    // The dot case really was sent as 7bit with stuffing undone by the sink.
    let dots = sink.wait_for("user1@example.test", WAIT).await.unwrap();
    assert!(dots.data.contains("\r\n.hidden line\r\n"), "{}", dots.data);
}

#[tokio::test]
async fn concurrent_senders() {
    let sink = SmtpSink::start().await;
    let sender = SmtpSender::new(config(sink.port())).unwrap();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let sender = sender.clone();
        tasks.push(tokio::spawn(async move {
            sender
                .send(&email(
                    &format!("c{i}@example.test"),
                    None,
                    &format!("code {i}"),
                ))
                .await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    for i in 0..8 {
        let mail = sink
            .wait_for(&format!("C{i}@EXAMPLE.test"), WAIT)
            .await
            .unwrap();
        assert_eq!(mail.body, format!("code {i}"));
    }
    assert_eq!(sink.messages().len(), 8);
}

#[tokio::test]
async fn rejected_recipient_is_a_delivery_error_without_secrets() {
    let sink = SmtpSink::start().await;
    sink.reject_recipient("nobody@example.test");
    let mut c = config(sink.port());
    c.username = Some("u".into());
    c.password = Some("pw-never-shown".into());
    let sender = SmtpSender::new(c).unwrap();
    let err = sender
        .send(&email("nobody@example.test", None, "code 135790"))
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("550"), "{text}");
    assert!(
        !text.contains("135790") && !text.contains("pw-never-shown"),
        "{text}"
    );
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn nothing_listening_fails_fast() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut c = config(port);
    c.password = Some("pw-never-shown".into());
    c.username = Some("u".into());
    let sender = SmtpSender::new(c).unwrap();
    let started = Instant::now();
    let err = sender
        .send(&email("alice@example.test", None, "code 864200"))
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(3), "{err}");
    let text = err.to_string();
    assert!(
        !text.contains("864200") && !text.contains("pw-never-shown"),
        "{text}"
    );
    assert!(sender.check().await.is_err());
}

#[tokio::test]
async fn wait_for_times_out_without_mail() {
    let sink = SmtpSink::start().await;
    let started = Instant::now();
    assert!(
        sink.wait_for("none@example.test", Duration::from_millis(200))
            .await
            .is_none()
    );
    assert!(started.elapsed() >= Duration::from_millis(200));
}

/// Drives the sink by hand: HELO, AUTH LOGIN, RSET, NOOP, base64 body, dot-stuffing.
#[tokio::test]
async fn raw_protocol_session() {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let sink = SmtpSink::start().await;
    let stream = tokio::net::TcpStream::connect(("127.0.0.1", sink.port()))
        .await
        .unwrap();
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    let mut expect = async |send: &str, code: &str| {
        if !send.is_empty() {
            write.write_all(send.as_bytes()).await.unwrap();
        }
        let line = lines.next_line().await.unwrap().unwrap();
        assert!(line.starts_with(code), "{send:?} -> {line}");
    };
    expect("", "220").await;
    expect("HELO client\r\n", "250").await;
    expect("AUTH LOGIN\r\n", "334 VXNlcm5hbWU6").await;
    expect("bG9naW4tdXNlcg==\r\n", "334 UGFzc3dvcmQ6").await; // "login-user"
    expect("c2VjcmV0\r\n", "235").await;
    expect("RCPT TO:<early@example.test>\r\n", "503").await;
    expect("MAIL FROM:<a@example.test>\r\n", "250").await;
    expect("RCPT TO:<x@example.test>\r\n", "250").await;
    expect("RSET\r\n", "250").await;
    expect("NOOP\r\n", "250").await;
    expect("DATA\r\n", "503").await;
    expect("BOGUS\r\n", "500").await;
    expect("mail from: <a@example.test> BODY=8BITMIME\r\n", "250").await;
    expect("RCPT TO:<raw@example.test>\r\n", "250").await;
    expect("DATA\r\n", "354").await;
    // Body "Grüße\n.dot" in base64, plus a dot-stuffed header-free check line.
    expect(
        "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\nContent-Transfer-Encoding: base64\r\n\r\nR3LDvMOfZQouZG90\r\n.\r\n",
        "250",
    )
    .await;
    expect("QUIT\r\n", "221").await;

    let mail = sink.wait_for("raw@example.test", WAIT).await.unwrap();
    assert_eq!(mail.from, "a@example.test");
    assert_eq!(mail.to, vec!["raw@example.test".to_string()]);
    assert_eq!(mail.auth_user.as_deref(), Some("login-user"));
    assert_eq!(mail.subject.as_deref(), Some("Grüße"));
    assert_eq!(mail.body, "Grüße\n.dot");
    assert_eq!(sink.messages().len(), 1);
    sink.clear();
    assert!(sink.messages().is_empty());
}
