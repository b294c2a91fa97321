//! Test support for the notifier sinks: a scripted HTTP server on 127.0.0.1 that records
//! every request, and a sample notification.

use std::sync::{Arc, Mutex};

use super::{NOTIFICATION_SCHEMA_VERSION, Notification};
use crate::model::Priority;

/// One scripted answer.
#[derive(Debug, Clone)]
pub struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    /// An answer with `status` and an empty body.
    pub fn status(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: String::new(),
        }
    }

    /// Adds a header.
    pub fn header(mut self, k: &str, v: &str) -> Self {
        self.headers.push((k.to_owned(), v.to_owned()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, b: &str) -> Self {
        self.body = b.to_owned();
        self
    }
}

/// A recorded request.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// Method.
    pub method: String,
    /// Path and query.
    pub url: String,
    /// Headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: String,
}

impl Recorded {
    /// The first header named `name` (lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

/// The server; stops on drop.
pub struct Server {
    inner: Arc<tiny_http::Server>,
    addr: String,
    log: Arc<Mutex<Vec<Recorded>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// Starts a server answering with `script` in order, then `200 ok` forever.
    pub fn start(script: Vec<Answer>) -> Self {
        let inner = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
        let addr = inner.server_addr().to_ip().unwrap().to_string();
        let log = Arc::new(Mutex::new(Vec::new()));
        let (srv, rec) = (inner.clone(), log.clone());
        let thread = std::thread::spawn(move || {
            let mut script = script.into_iter();
            while let Ok(mut req) = srv.recv() {
                let mut body = String::new();
                let _ = req.as_reader().read_to_string(&mut body);
                rec.lock().unwrap().push(Recorded {
                    method: req.method().to_string(),
                    url: req.url().to_owned(),
                    headers: req
                        .headers()
                        .iter()
                        .map(|h| {
                            (
                                h.field.as_str().as_str().to_ascii_lowercase(),
                                h.value.to_string(),
                            )
                        })
                        .collect(),
                    body,
                });
                let a = script
                    .next()
                    .unwrap_or_else(|| Answer::status(200).body("ok"));
                let mut resp = tiny_http::Response::from_string(a.body).with_status_code(a.status);
                for (k, v) in a.headers {
                    resp.add_header(
                        tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()).unwrap(),
                    );
                }
                let _ = req.respond(resp);
            }
        });
        Self {
            inner,
            addr,
            log,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Requests so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.inner.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A realistic "needs input" notification.
pub fn sample() -> Notification {
    Notification {
        version: NOTIFICATION_SCHEMA_VERSION,
        key: "agent-needs-input:my-app-3:1".into(),
        kind: "agent-needs-input".into(),
        priority: Priority::Urgent,
        title: "my-app-3 needs your input".into(),
        message: "permission to run `rm -rf build`".into(),
        session: Some("my-app-3".into()),
        project: Some("my-app".into()),
        pr_url: Some("https://github.com/acme/my-app/pull/12".into()),
        attach: Some("ao open my-app-3".into()),
        dashboard_url: Some("file:///home/u/.agent-orchestrator/dashboard.html#my-app-3".into()),
        time: "2025-01-02T03:04:05Z".parse().unwrap(),
    }
}

/// A notification full of hostile text: broadcast mentions, Slack/Discord/HTML markup,
/// disguised links, terminal escape sequences, a token, and a 10 KB message.
pub fn hostile() -> Notification {
    let mut n = sample();
    n.title = "<!channel> @everyone deploy now <https://evil.example|https://github.com/acme> \u{1b}]0;pwned\u{7}**bold** <b>x</b>".into();
    n.message = format!(
        "@here [click](https://evil.example) <@123456> <img src=x onerror=alert(1)> & \u{1b}[2J\u{1b}]52;c;AAAA\u{7} ghp_abcdefghijklmnopqrstuvwxyz012345 `code [x](y)`\n{}",
        "A".repeat(10 * 1024)
    );
    n
}
