//! The command transport: a local program gets the event JSON on stdin and
//! prints the returned event on stdout.
//!
//! Contract for the program:
//! - stdin: the event, one JSON document, then end of file;
//! - stdout: exactly one JSON document, the returned event (logs go to stderr);
//! - exit 0 on success; on failure a non-zero exit, optionally with
//!   `{"errorMessage": "...", "errorType": "..."}` on stdout (else the last
//!   non-empty stderr line is the error message).
//!
//! The program inherits Cognate's environment minus every `COGNATE_*` variable
//! (which may hold the master key or admin secrets) and gets
//! `COGNATE_TRIGGER_TIMEOUT_MS` (its time budget) and, for Lambda function ARNs,
//! `AWS_LAMBDA_FUNCTION_NAME`. It is killed when the timeout passes.

use super::{
    LambdaArn, MAX_RESPONSE_BYTES, TriggerConfigError, function_error_message, parse_object,
    truncate,
};
use cognate_core::ports::TriggerError;
use serde_json::Value;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::process::Command;

/// The tail of stderr kept for error messages.
const STDERR_TAIL_BYTES: usize = 16 * 1024;

pub(crate) struct CommandTransport {
    program: String,
    args: Vec<String>,
    timeout: Duration,
    function_name: Option<String>,
}

impl CommandTransport {
    pub(crate) fn new(
        arn: &str,
        command: Vec<String>,
        timeout: Duration,
    ) -> Result<Self, TriggerConfigError> {
        let mut parts = command.into_iter();
        let program = parts
            .next()
            .filter(|p| !p.trim().is_empty())
            .ok_or_else(|| TriggerConfigError::EmptyCommand(arn.to_string()))?;
        Ok(CommandTransport {
            program,
            args: parts.collect(),
            timeout,
            function_name: LambdaArn::parse(arn).map(|a| a.function_name.to_string()),
        })
    }

    pub(crate) async fn invoke(&self, arn: &str, event: &Value) -> Result<Value, TriggerError> {
        let input = serde_json::to_vec(event)
            .map_err(|_| TriggerError::Unreachable("the event could not be encoded".into()))?;
        let mut command = Command::new(&self.program);
        command
            .args(&self.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("COGNATE_") {
                command.env_remove(name);
            }
        }
        command.env(
            "COGNATE_TRIGGER_TIMEOUT_MS",
            self.timeout.as_millis().to_string(),
        );
        if let Some(name) = &self.function_name {
            command.env("AWS_LAMBDA_FUNCTION_NAME", name);
        }
        let mut child = command.spawn().map_err(|e| {
            tracing::debug!(arn, program = %self.program, "trigger command did not start: {e}");
            TriggerError::Unreachable(format!("could not start {}: {e}", self.program))
        })?;

        let stdin = child.stdin.take();
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let run = async {
            let write = async move {
                if let Some(mut stdin) = stdin {
                    // A program that does not read its input is not an error here.
                    let _ = stdin.write_all(&input).await;
                    let _ = stdin.shutdown().await;
                }
            };
            let ((), out, err) = tokio::join!(
                write,
                read_head(stdout, MAX_RESPONSE_BYTES),
                read_tail(stderr, STDERR_TAIL_BYTES)
            );
            let status = child.wait().await;
            (out, err, status)
        };
        let outcome = tokio::time::timeout(self.timeout, run).await;
        let (stdout, stderr, status) = match outcome {
            Ok(done) => done,
            Err(_) => {
                let _ = child.start_kill();
                let _ = child.wait().await;
                tracing::debug!(
                    arn,
                    timeout_ms = self.timeout.as_millis() as u64,
                    "trigger command timed out"
                );
                return Err(TriggerError::Unreachable(format!(
                    "timed out after {} ms",
                    self.timeout.as_millis()
                )));
            }
        };
        let status = status.map_err(|e| {
            TriggerError::Unreachable(format!("waiting for {} failed: {e}", self.program))
        })?;
        tracing::debug!(arn, status = %status, "trigger command finished");
        let (stdout, overflow) = stdout;
        if status.success() {
            if overflow {
                return Err(TriggerError::Malformed(format!(
                    "the output is larger than {MAX_RESPONSE_BYTES} bytes"
                )));
            }
            return parse_object(&stdout, "the command output");
        }
        if let Some(message) = function_error_message(&stdout) {
            return Err(TriggerError::Function(message));
        }
        let last_line = String::from_utf8_lossy(&stderr)
            .lines()
            .map(str::trim)
            .rfind(|l| !l.is_empty())
            .map(truncate);
        Err(TriggerError::Function(
            last_line.unwrap_or_else(|| describe(status)),
        ))
    }
}

/// `exit status 3` / `terminated by signal 9`.
fn describe(status: ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exit status {code}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt as _;
        if let Some(signal) = status.signal() {
            return format!("terminated by signal {signal}");
        }
    }
    status.to_string()
}

/// Reads to the end, keeping the first `limit` bytes; the flag says more came.
async fn read_head<R: AsyncRead + Unpin>(reader: Option<R>, limit: usize) -> (Vec<u8>, bool) {
    let mut kept = Vec::new();
    let mut overflow = false;
    let Some(mut reader) = reader else {
        return (kept, overflow);
    };
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        match reader.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let room = limit.saturating_sub(kept.len());
                if n > room {
                    overflow = true;
                }
                kept.extend_from_slice(&buf[..n.min(room)]);
            }
        }
    }
    (kept, overflow)
}

/// Reads to the end, keeping the last `limit` bytes.
async fn read_tail<R: AsyncRead + Unpin>(reader: Option<R>, limit: usize) -> Vec<u8> {
    let mut kept = Vec::new();
    let Some(mut reader) = reader else {
        return kept;
    };
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        match reader.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                kept.extend_from_slice(&buf[..n]);
                if kept.len() > limit {
                    kept.drain(..kept.len() - limit);
                }
            }
        }
    }
    kept
}
