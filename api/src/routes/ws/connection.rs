//! One socket's task: it reads the client's messages, starts and stops
//! subscriptions, and writes every message to the client.

use std::collections::HashMap;
use std::time::Duration;

use actix_web::web;
use actix_ws::{AggregatedMessage, AggregatedMessageStream, CloseCode, CloseReason, Session};
use async_graphql::{Request, Response, Variables};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::admission::SocketSlot;
use super::document::{checked_subscription, error_list};
use super::protocol::{ClientMessage, Protocol, SubscribePayload};
use crate::client_ip::ClientInfo;
use crate::code::ErrorCode;
use crate::graphql::AppSchema;
use crate::graphql::context::{RequestData, Viewer};
use crate::graphql::loaders;
use crate::metrics::{OperationKind, Outcome};
use crate::routes::AppState;
use crate::service::token;

/// How often an idle socket hears from us: a WebSocket ping for
/// `graphql-transport-ws`, a `ka` message for the legacy protocol (whose
/// clients drop a connection that stops sending `ka`). Writing also finds
/// out, eventually, that a peer is gone without a close.
const HEARTBEAT: Duration = Duration::from_secs(15);

/// Results waiting to be written, across a socket's subscriptions.
const OUTBOX: usize = 64;

/// The longest close reason a close frame can carry (RFC 6455: 125 bytes of
/// payload, 2 of which are the code).
const MAX_CLOSE_REASON: usize = 123;

pub(super) struct Outgoing {
    id: String,
    /// Which subscription under `id` this came from, so that results of a
    /// cancelled subscription never reach a later one with the same id.
    seq: u64,
    event: Event,
}

enum Event {
    /// A result (`next`; legacy `data`).
    Next(Value),
    /// The subscription could not start: the errors array.
    Error(Value),
    /// The subscription's stream ended.
    Complete,
}

/// A running subscription. Dropping it aborts its task.
struct Running {
    seq: u64,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What the socket's task does after handling one event.
enum Flow {
    Continue,
    /// Close with this code and reason.
    Close(u16, String),
    /// The client closed: answer with its close frame.
    Echo(Option<CloseReason>),
    /// The peer is gone; nothing more can be written.
    Gone,
}

impl Flow {
    fn close(code: u16, reason: impl Into<String>) -> Self {
        Self::Close(code, reason.into())
    }
}

/// One socket's state, owned by its task.
pub(super) struct Connection {
    protocol: Protocol,
    schema: AppSchema,
    state: web::Data<AppState>,
    client: ClientInfo,
    viewer: Viewer,
    /// `connection_init` has arrived.
    initialised: bool,
    /// `connection_ack` has been sent.
    acknowledged: bool,
    running: HashMap<String, Running>,
    next_seq: u64,
    outbox: mpsc::Sender<Outgoing>,
}

impl Connection {
    /// A socket that has been upgraded, before `connection_init`.
    pub(super) fn new(
        protocol: Protocol,
        schema: AppSchema,
        state: web::Data<AppState>,
        client: ClientInfo,
        viewer: Viewer,
    ) -> (Self, mpsc::Receiver<Outgoing>) {
        let (outbox, results) = mpsc::channel(OUTBOX);
        let connection = Self {
            protocol,
            schema,
            state,
            client,
            viewer,
            initialised: false,
            acknowledged: false,
            running: HashMap::new(),
            next_seq: 0,
            outbox,
        };
        (connection, results)
    }

    /// Serves the socket until either side closes it; `_slot` holds the
    /// client address's socket count until then.
    pub(super) async fn run(
        mut self,
        mut session: Session,
        mut messages: AggregatedMessageStream,
        mut results: mpsc::Receiver<Outgoing>,
        _slot: SocketSlot,
    ) {
        let init_deadline = tokio::time::sleep(self.state.ws_init_timeout);
        tokio::pin!(init_deadline);
        let mut heartbeat =
            tokio::time::interval_at(tokio::time::Instant::now() + HEARTBEAT, HEARTBEAT);
        heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let end = loop {
            let flow = tokio::select! {
                Some(out) = results.recv() => self.deliver(&mut session, out).await,
                message = messages.recv() => self.receive(&mut session, message).await,
                () = &mut init_deadline, if !self.initialised => {
                    Flow::close(4408, "Connection initialisation timeout")
                }
                _ = heartbeat.tick() => self.heartbeat(&mut session).await,
            };
            match flow {
                Flow::Continue => {}
                end => break end,
            }
        };
        // Stop every subscription before saying goodbye.
        self.running.clear();
        let reason = match end {
            Flow::Close(code, reason) => Some(CloseReason {
                code: CloseCode::from(code),
                description: Some(truncate(reason, MAX_CLOSE_REASON)),
            }),
            Flow::Echo(reason) => reason,
            Flow::Continue | Flow::Gone => return,
        };
        let _ = session.close(reason).await;
    }

    /// Handles what the client sent.
    async fn receive(
        &mut self,
        session: &mut Session,
        message: Option<Result<AggregatedMessage, actix_ws::ProtocolError>>,
    ) -> Flow {
        match message {
            None => Flow::Gone,
            Some(Err(actix_ws::ProtocolError::Overflow)) => Flow::close(1009, "Message too big"),
            Some(Err(actix_ws::ProtocolError::Io(err))) => {
                // The aggregator reports an oversized fragmented message as
                // an I/O error; any other is the connection failing.
                if err.to_string().contains("maximum continuation size") {
                    Flow::close(1009, "Message too big")
                } else {
                    Flow::Gone
                }
            }
            Some(Err(err)) => Flow::close(1002, err.to_string()),
            Some(Ok(AggregatedMessage::Text(text))) => self.text(session, &text).await,
            Some(Ok(AggregatedMessage::Binary(_))) => {
                Flow::close(4400, "Binary messages are not supported")
            }
            Some(Ok(AggregatedMessage::Ping(bytes))) => match session.pong(&bytes).await {
                Ok(()) => Flow::Continue,
                Err(_) => Flow::Gone,
            },
            Some(Ok(AggregatedMessage::Pong(_))) => Flow::Continue,
            Some(Ok(AggregatedMessage::Close(reason))) => Flow::Echo(reason),
        }
    }

    async fn text(&mut self, session: &mut Session, text: &str) -> Flow {
        let message = match ClientMessage::parse(self.protocol, text) {
            Ok(message) => message,
            Err(reason) => return Flow::close(4400, reason),
        };
        match message {
            ClientMessage::Init(payload) => self.init(session, payload).await,
            ClientMessage::Ping => send(session, json!({ "type": "pong" })).await,
            ClientMessage::Pong => Flow::Continue,
            ClientMessage::Subscribe { id, payload } => self.subscribe(session, id, payload).await,
            ClientMessage::Complete { id } => {
                let was_running = self.running.remove(&id).is_some();
                // subscriptions-transport-ws answered `stop` with `complete`;
                // graphql-transport-ws sends nothing more for the id.
                if was_running && self.protocol == Protocol::Legacy {
                    send(session, json!({ "id": id, "type": "complete" })).await
                } else {
                    Flow::Continue
                }
            }
            ClientMessage::Terminate => Flow::close(1000, "Normal closure"),
        }
    }

    /// `connection_init`: a staff token may come in the payload as
    /// `{"authorization": "Bearer …"}`, since browsers cannot set headers on
    /// WebSockets. It replaces one from the upgrade's `Authorization`.
    async fn init(&mut self, session: &mut Session, payload: Option<Value>) -> Flow {
        if self.initialised {
            return Flow::close(4429, "Too many initialisation requests");
        }
        self.initialised = true;
        let bearer = match payload {
            None | Some(Value::Null) => None,
            Some(Value::Object(mut payload)) => match payload.remove("authorization") {
                None | Some(Value::Null) => None,
                Some(Value::String(bearer)) => Some(bearer),
                Some(_) => {
                    return Flow::close(
                        4400,
                        "`authorization` in the init payload is not a string",
                    );
                }
            },
            Some(_) => return Flow::close(4400, "The init payload is not an object"),
        };
        if let Some(bearer) = bearer {
            let Some(secret) = crate::routes::bearer_token(&bearer) else {
                return Flow::close(4403, "Forbidden");
            };
            match token::authenticate(&self.state.db, secret).await {
                Ok(Some(token)) => self.viewer = Viewer::Staff(token),
                Ok(None) => {
                    if self.protocol == Protocol::Legacy {
                        let refusal = json!({ "type": "connection_error",
                            "payload": { "message": "This token is unknown or revoked." } });
                        if let Flow::Gone = send(session, refusal).await {
                            return Flow::Gone;
                        }
                    }
                    return Flow::close(4403, "Forbidden");
                }
                Err(err) => {
                    tracing::error!(error = %err, "cannot check a staff token");
                    return Flow::close(1011, "Internal server error");
                }
            }
        }
        if let Flow::Gone = send(session, json!({ "type": "connection_ack" })).await {
            return Flow::Gone;
        }
        self.acknowledged = true;
        if self.protocol == Protocol::Legacy {
            return send(session, json!({ "type": "ka" })).await;
        }
        Flow::Continue
    }

    async fn subscribe(&mut self, session: &mut Session, id: String, payload: Value) -> Flow {
        if !self.acknowledged {
            return Flow::close(4401, "Unauthorized");
        }
        if self.running.contains_key(&id) {
            return Flow::close(4409, format!("Subscriber for {id} already exists"));
        }
        let payload: SubscribePayload = match serde_json::from_value(payload) {
            Ok(payload) => payload,
            Err(err) => {
                return Flow::close(4400, format!("Invalid subscribe payload: {err}"));
            }
        };
        // Trusted-documents mode holds over the WebSocket too.
        if let Err(err) = self.state.persisted.admit_text(&payload.query).await {
            let errors = error_list(&err.public_message(), err.code());
            self.count_refusal(payload.operation_name.as_deref(), &errors);
            return send_error(session, &id, errors).await;
        }
        let document = match checked_subscription(
            &self.state.shape_limits,
            &payload.query,
            payload.operation_name.as_deref(),
        ) {
            Ok(document) => document,
            Err(errors) => {
                self.count_refusal(payload.operation_name.as_deref(), &errors);
                return send_error(session, &id, errors).await;
            }
        };
        if self.running.len() >= self.state.ws_max_subscriptions {
            let errors = error_list(
                &format!(
                    "A WebSocket may run at most {} subscriptions at once.",
                    self.state.ws_max_subscriptions
                ),
                ErrorCode::TooManySubscriptions,
            );
            self.count_refusal(payload.operation_name.as_deref(), &errors);
            return send_error(session, &id, errors).await;
        }
        let mut request = Request::new(payload.query);
        request.set_parsed_query(document);
        if self.state.profile == crate::config::Profile::Public
            && matches!(self.viewer, Viewer::Anonymous)
        {
            request = request.disable_introspection();
        }
        if let Some(name) = payload.operation_name {
            request = request.operation_name(name);
        }
        if let Some(variables) = payload.variables {
            request = request.variables(Variables::from_json(Value::Object(variables)));
        }
        let request = request
            .data(loaders::for_request(self.state.db.clone()))
            .data(RequestData {
                client: self.client.clone(),
                viewer: self.viewer.clone(),
            });
        let stream = self.schema.execute_stream(request);
        let seq = self.next_seq;
        self.next_seq = self.next_seq.wrapping_add(1);
        let task = actix_web::rt::spawn(forward(id.clone(), seq, stream, self.outbox.clone()));
        self.running.insert(id, Running { seq, task });
        Flow::Continue
    }

    /// Counts a subscription refused before the schema saw it, as one
    /// refused operation (everything sent over the socket counts as a
    /// subscription) with its errors; the schema's hooks count the rest.
    fn count_refusal(&self, operation_name: Option<&str>, errors: &Value) {
        let metrics = &self.state.metrics;
        metrics.operation(
            operation_name,
            OperationKind::Subscription,
            Outcome::Refused,
            None,
        );
        for error in errors.as_array().into_iter().flatten() {
            metrics.error(error["extensions"]["code"].as_str());
        }
    }

    /// Writes what a subscription task produced, unless that subscription
    /// was cancelled meanwhile.
    async fn deliver(&mut self, session: &mut Session, out: Outgoing) -> Flow {
        if self.running.get(&out.id).map(|r| r.seq) != Some(out.seq) {
            return Flow::Continue;
        }
        let message = match out.event {
            Event::Next(payload) => {
                json!({ "id": out.id, "type": self.protocol.next_type(), "payload": payload })
            }
            Event::Error(errors) => {
                self.running.remove(&out.id);
                json!({ "id": out.id, "type": "error", "payload": errors })
            }
            Event::Complete => {
                // Forgotten before the client hears `complete`, so it may
                // reuse the id at once.
                self.running.remove(&out.id);
                json!({ "id": out.id, "type": "complete" })
            }
        };
        send(session, message).await
    }

    async fn heartbeat(&mut self, session: &mut Session) -> Flow {
        if self.protocol == Protocol::Legacy && self.acknowledged {
            return send(session, json!({ "type": "ka" })).await;
        }
        match session.ping(b"").await {
            Ok(()) => Flow::Continue,
            Err(_) => Flow::Gone,
        }
    }
}

/// Runs one subscription, handing its results to the socket's task. If the
/// very first result is only errors (a resolver refused, or the document
/// does not validate), that is the subscription's `error` and it ends.
async fn forward(
    id: String,
    seq: u64,
    mut stream: BoxStream<'static, Response>,
    outbox: mpsc::Sender<Outgoing>,
) {
    let mut first = true;
    while let Some(response) = stream.next().await {
        let event = if first && response.data == async_graphql::Value::Null && response.is_err() {
            match serde_json::to_value(&response.errors) {
                Ok(errors) => Event::Error(errors),
                Err(err) => Event::Error(internal_error(err)),
            }
        } else {
            match serde_json::to_value(&response) {
                Ok(payload) => Event::Next(payload),
                Err(err) => Event::Error(internal_error(err)),
            }
        };
        first = false;
        let last = matches!(event, Event::Error(_));
        let out = Outgoing {
            id: id.clone(),
            seq,
            event,
        };
        if outbox.send(out).await.is_err() || last {
            return;
        }
    }
    let _ = outbox
        .send(Outgoing {
            id,
            seq,
            event: Event::Complete,
        })
        .await;
}

fn internal_error(err: serde_json::Error) -> Value {
    tracing::error!(error = %err, "cannot serialise a subscription result");
    error_list("Internal server error", ErrorCode::InternalServerError)
}

async fn send_error(session: &mut Session, id: &str, errors: Value) -> Flow {
    send(
        session,
        json!({ "id": id, "type": "error", "payload": errors }),
    )
    .await
}

async fn send(session: &mut Session, message: Value) -> Flow {
    match session.text(message.to_string()).await {
        Ok(()) => Flow::Continue,
        Err(_) => Flow::Gone,
    }
}

/// `text` cut to at most `max` bytes, on a character boundary.
fn truncate(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_close_reasons_are_cut_on_a_character_boundary() {
        let cut = truncate("é".repeat(100), MAX_CLOSE_REASON);
        assert!(cut.len() <= MAX_CLOSE_REASON);
        assert_eq!(cut.chars().count(), 61);
    }
}
