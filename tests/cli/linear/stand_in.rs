//! A local HTTP server on 127.0.0.1 that plays Linear's GraphQL API for tests (tiny_http,
//! one thread). Every document is validated against Linear's published schema and its
//! variables type-checked (`gql.rs`); answers are computed from the query over a world of
//! schema-shaped objects. Every response carries Linear's `X-RateLimit-Requests-*`
//! headers. Scripted overrides answer the next request with anything (a `RATELIMITED`
//! error, a 429, a 502).

#![allow(dead_code)]

use serde_json::{Value, json};

use super::gql;

pub use crate::common::stand_in::{Canned, Recorded};
use crate::common::stand_in::{Overrides, Scripted, StandIn as Server};

/// What the stand-in knows and remembers.
#[derive(Debug, Default)]
pub struct State {
    /// The data.
    pub world: gql::World,
    /// Scripted answers, consumed in order.
    pub overrides: Overrides,
    /// Invalid documents, bad variables, schema violations (must stay empty).
    pub problems: Vec<String>,
    /// `X-RateLimit-Requests-Remaining` to report.
    pub remaining: u64,
    /// `X-RateLimit-Requests-Reset` (epoch ms).
    pub reset_ms: i64,
}

/// The running stand-in. Linear's `apiUrl` is [`StandIn::api_url`].
pub type StandIn = Server<State>;

impl StandIn {
    /// Starts on an ephemeral loopback port.
    pub fn start() -> Self {
        let state = State {
            remaining: 4999,
            reset_ms: (jiff::Timestamp::now().as_second() + 3600) * 1000,
            world: gql::World {
                viewer: json!({"id": "u-1", "name": "Ann Agent"}),
                ..gql::World::default()
            },
            ..State::default()
        };
        Server::serve(state, |st, _, rec| respond(st, rec))
    }

    /// `http://127.0.0.1:<port>/graphql`: the `apiUrl`.
    pub fn api_url(&self) -> String {
        format!("{}/graphql", self.url)
    }

    /// Adds an issue to the world.
    pub fn put(&self, issue: Value) {
        self.with(|s| s.world.issues.push(issue));
    }

    /// The world's issue `identifier`.
    pub fn issue(&self, identifier: &str) -> Value {
        self.with(|s| {
            s.world
                .issues
                .iter()
                .find(|i| i["identifier"] == identifier)
                .cloned()
                .expect("issue in world")
        })
    }
}

impl Scripted for State {
    const NAME: &'static str = "Linear";

    fn overrides(&mut self) -> &mut Overrides {
        &mut self.overrides
    }

    fn problems(&self) -> &[String] {
        &self.problems
    }
}

fn respond(st: &mut State, rec: &Recorded) -> Canned {
    let c = if let Some(c) = st.overrides.take(rec.path()) {
        c
    } else {
        answer(st, rec)
    };
    st.remaining = st.remaining.saturating_sub(1);
    c.header("X-RateLimit-Requests-Limit", "5000")
        .header("X-RateLimit-Requests-Remaining", &st.remaining.to_string())
        .header("X-RateLimit-Requests-Reset", &st.reset_ms.to_string())
}

fn answer(st: &mut State, rec: &Recorded) -> Canned {
    if rec.method != "POST" || rec.url != "/graphql" {
        st.problems
            .push(format!("unexpected {} {}", rec.method, rec.url));
        return Canned::json(404, json!({"errors": [{"message": "not found"}]}));
    }
    if rec.header("content-type") != Some("application/json") {
        st.problems
            .push("POST without Content-Type: application/json".into());
    }
    let v: Value = match serde_json::from_str(&rec.body) {
        Ok(v) => v,
        Err(e) => {
            st.problems.push(format!("body is not JSON: {e}"));
            return Canned::json(400, json!({"errors": [{"message": "bad body"}]}));
        }
    };
    let query = v["query"].as_str().unwrap_or("");
    let doc = match gql::SCHEMA.validate(query) {
        Ok(d) => d,
        Err(e) => {
            st.problems.push(format!("invalid document:\n{query}\n{e}"));
            return Canned::json(
                400,
                json!({"errors": [{"message": "GraphQL validation failed", "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}}]}),
            );
        }
    };
    let vars = v.get("variables").cloned().unwrap_or(json!({}));
    let bad = gql::SCHEMA.check_variables(&doc, &vars);
    if !bad.is_empty() {
        st.problems
            .push(format!("bad variables for\n{query}\n{}", bad.join("\n")));
    }
    let (body, violations, updates) = gql::execute(&doc, &vars, &st.world);
    // A field that failed with an error is null on purpose (as Linear answers).
    let failed = body.get("errors").is_some();
    st.problems.extend(
        violations
            .into_iter()
            .filter(|v| !(failed && v.contains("null for non-null"))),
    );
    for (issue, state) in updates {
        if let Some(i) = st
            .world
            .issues
            .iter_mut()
            .find(|i| i["id"] == issue.as_str())
        {
            let s = i["team"]["states"]["nodes"]
                .as_array()
                .and_then(|a| a.iter().find(|s| s["id"] == state.as_str()))
                .cloned()
                .unwrap_or(Value::Null);
            i["state"] = s;
        }
    }
    Canned::json(200, body)
}

/// The workflow states of the test team, in Linear's terms.
pub fn team_states() -> Value {
    json!({"nodes": [
        {"id": "st-backlog", "name": "Backlog", "type": "backlog", "position": 0.0},
        {"id": "st-todo", "name": "Todo", "type": "unstarted", "position": 1.0},
        {"id": "st-progress", "name": "In Progress", "type": "started", "position": 2.0},
        {"id": "st-review", "name": "In Review", "type": "started", "position": 3.0},
        {"id": "st-done", "name": "Done", "type": "completed", "position": 4.0},
        {"id": "st-canceled", "name": "Canceled", "type": "canceled", "position": 5.0}
    ]})
}

/// An `Issue` of team `ENG` in state `state_id`.
pub fn issue(n: u32, title: &str, description: &str, state_id: &str, labels: &[&str]) -> Value {
    let states = team_states();
    let state = states["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == state_id)
        .cloned()
        .unwrap();
    json!({
        "id": format!("00000000-0000-4000-8000-{n:012}"),
        "identifier": format!("ENG-{n}"),
        "title": title,
        "description": description,
        "url": format!("https://linear.app/acme/issue/ENG-{n}/{}", title.to_lowercase().replace(' ', "-")),
        "branchName": format!("ann/eng-{n}-{}", title.to_lowercase().split_whitespace().take(3).collect::<Vec<_>>().join("-")),
        "createdAt": format!("2026-01-01T00:{:02}:{:02}.000Z", n / 60 % 60, n % 60),
        "state": state,
        "labels": {"nodes": labels.iter().map(|l| json!({"name": l})).collect::<Vec<_>>()},
        "assignee": {"name": "ann", "displayName": "Ann", "email": "ann@acme.test"},
        "team": {"id": "team-eng", "key": "ENG", "states": states}
    })
}
