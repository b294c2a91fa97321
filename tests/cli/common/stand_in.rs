//! The one stand-in HTTP server of the tests: tiny_http on an ephemeral 127.0.0.1 port,
//! one thread, every request recorded, each answered by a handler (the GitHub, GitLab,
//! Linear and Jira stand-ins compute answers over their worlds; the notifier tests play a
//! script). Stops on drop.
//!
//! Shared by the integration tests (`common::stand_in`), the benchmark
//! (`examples/bench.rs`) and the notifier unit tests (`src/plugins/notifier/testing.rs`),
//! which include this file by path; it uses only std, serde_json and tiny_http.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use serde_json::Value;

/// A canned response.
#[derive(Debug, Clone)]
pub struct Canned {
    /// Status.
    pub status: u16,
    /// Headers.
    pub headers: Vec<(String, String)>,
    /// Body (empty for 204 and 304).
    pub body: String,
}

impl Canned {
    /// An answer with `status`, no headers and an empty body.
    pub fn status(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: String::new(),
        }
    }

    /// A JSON answer (`Content-Type: application/json`).
    pub fn json(status: u16, body: Value) -> Self {
        Self::json_as(status, "application/json", &body)
    }

    /// A JSON answer with the `Content-Type` a vendor sends
    /// (`application/json; charset=utf-8`, …).
    pub fn json_as(status: u16, content_type: &str, body: &Value) -> Self {
        Self::status(status)
            .header("Content-Type", content_type)
            .body(&body.to_string())
    }

    /// Adds a header.
    pub fn header(mut self, k: &str, v: &str) -> Self {
        self.headers.push((k.to_owned(), v.to_owned()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, b: &str) -> Self {
        b.clone_into(&mut self.body);
        self
    }
}

/// One request as the server saw it.
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

    /// The body parsed as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    /// The path without the query.
    pub fn path(&self) -> &str {
        self.url.split('?').next().unwrap_or("")
    }

    /// The percent-decoded value of query parameter `key`.
    pub fn query_param(&self, key: &str) -> Option<String> {
        let q = self.url.split_once('?')?.1;
        q.split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            (k == key).then(|| percent_decode(v))
        })
    }

    /// True for a GraphQL request (a POST to `/graphql`).
    pub fn is_graphql(&self) -> bool {
        self.method == "POST" && self.url == "/graphql"
    }

    /// The GraphQL document of a JSON body, if any.
    pub fn query(&self) -> Option<String> {
        self.json()["query"].as_str().map(str::to_owned)
    }

    /// The operation name of the GraphQL document (empty when anonymous).
    pub fn operation(&self) -> String {
        let q = self.query().unwrap_or_default();
        q.split(['(', '{'])
            .next()
            .unwrap_or("")
            .split_whitespace()
            .nth(1)
            .unwrap_or("")
            .to_owned()
    }
}

/// Decodes `%XX` escapes and `+` (a space in a query).
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(x) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(x);
            i += 3;
            continue;
        }
        out.push(if b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Scripted answers: (path prefix or any path, response), consumed in order.
#[derive(Debug, Default)]
pub struct Overrides(VecDeque<(Option<String>, Canned)>);

impl Overrides {
    /// Answers the next request whose path starts with `prefix` (any, if `None`) with `c`.
    pub fn push(&mut self, prefix: Option<&str>, c: Canned) {
        self.0.push_back((prefix.map(str::to_owned), c));
    }

    /// The first answer scripted for `path`, removed.
    pub fn take(&mut self, path: &str) -> Option<Canned> {
        let i = self
            .0
            .iter()
            .position(|(p, _)| p.as_deref().is_none_or(|p| path.starts_with(p)))?;
        self.0.remove(i).map(|(_, c)| c)
    }
}

/// What a vendor stand-in's state keeps for the shared helpers: its scripted answers and
/// the problems it saw (invalid documents, schema violations, missing tokens).
pub trait Scripted {
    /// The vendor, for messages.
    const NAME: &'static str;
    /// The scripted answers.
    fn overrides(&mut self) -> &mut Overrides;
    /// Problems seen so far (must stay empty).
    fn problems(&self) -> &[String];
}

/// The running server with the stand-in's state `S` (what it knows and remembers);
/// stops on drop. A vendor's stand-in is `StandIn<its State>` with its own `start`.
pub struct StandIn<S = ()> {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    state: Arc<Mutex<S>>,
    log: Arc<Mutex<Vec<Recorded>>>,
    server: Arc<tiny_http::Server>,
    thread: Option<JoinHandle<()>>,
}

impl<S: Send + 'static> StandIn<S> {
    /// Starts on an ephemeral loopback port with `state`. Each request is recorded, then
    /// answered by `handler(state, base_url, request)` with the state locked.
    pub fn serve<H>(state: S, mut handler: H) -> Self
    where
        H: FnMut(&mut S, &str, &Recorded) -> Canned + Send + 'static,
    {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind 127.0.0.1"));
        let port = server.server_addr().to_ip().expect("ip listener").port();
        let url = format!("http://127.0.0.1:{port}");
        let state = Arc::new(Mutex::new(state));
        let log = Arc::new(Mutex::new(Vec::new()));
        let (srv, st, rec_log, base) = (server.clone(), state.clone(), log.clone(), url.clone());
        let thread = std::thread::spawn(move || {
            while let Ok(mut req) = srv.recv() {
                let mut body = String::new();
                let _ = req.as_reader().read_to_string(&mut body);
                let rec = Recorded {
                    method: req.method().as_str().to_owned(),
                    url: req.url().to_owned(),
                    headers: req
                        .headers()
                        .iter()
                        .map(|h| {
                            (
                                h.field.as_str().as_str().to_ascii_lowercase(),
                                h.value.as_str().to_owned(),
                            )
                        })
                        .collect(),
                    body,
                };
                rec_log.lock().expect("request log").push(rec.clone());
                let c = handler(&mut st.lock().expect("stand-in state"), &base, &rec);
                let mut resp = tiny_http::Response::from_string(c.body).with_status_code(c.status);
                for (k, v) in c.headers {
                    if let Ok(h) = tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()) {
                        resp.add_header(h);
                    }
                }
                let _ = req.respond(resp);
            }
        });
        Self {
            url,
            state,
            log,
            server,
            thread: Some(thread),
        }
    }

    /// Runs `f` on the state.
    pub fn with<R>(&self, f: impl FnOnce(&mut S) -> R) -> R {
        f(&mut self.state.lock().expect("stand-in state"))
    }

    /// Requests received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.log.lock().expect("request log").clone()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        self.log.lock().expect("request log").clear();
    }
}

impl<S: Scripted + Send + 'static> StandIn<S> {
    /// Answers the next request whose path starts with `prefix` (any, if `None`) with `c`.
    pub fn push_override(&self, prefix: Option<&str>, c: Canned) {
        self.with(|s| s.overrides().push(prefix, c));
    }

    /// Panics if the stand-in saw any problem.
    #[track_caller]
    pub fn assert_clean(&self) {
        let p = self.with(|s| s.problems().to_vec());
        assert!(
            p.is_empty(),
            "{} stand-in saw problems:\n{}",
            S::NAME,
            p.join("\n")
        );
    }
}

impl<S> Drop for StandIn<S> {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
