//! The two graphql-ws subprotocols, and the messages clients send in them.

use actix_web::http::header::{self, HeaderMap};
use serde_json::Value;

/// The two subprotocols.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Protocol {
    /// `graphql-transport-ws`, the graphql-ws library's protocol.
    TransportWs,
    /// `graphql-ws`, the protocol of the retired subscriptions-transport-ws.
    Legacy,
}

impl Protocol {
    pub(super) fn name(self) -> &'static str {
        match self {
            Self::TransportWs => "graphql-transport-ws",
            Self::Legacy => "graphql-ws",
        }
    }

    /// The protocol to speak, and whether the client offered it.
    pub(super) fn negotiate(headers: &HeaderMap) -> (Self, bool) {
        let offered: Vec<String> = headers
            .get_all(header::SEC_WEBSOCKET_PROTOCOL)
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|p| p.trim().to_ascii_lowercase())
            .collect();
        for protocol in [Self::TransportWs, Self::Legacy] {
            if offered.iter().any(|p| p == protocol.name()) {
                return (protocol, true);
            }
        }
        (Self::TransportWs, false)
    }

    /// The type of a result message.
    pub(super) fn next_type(self) -> &'static str {
        match self {
            Self::TransportWs => "next",
            Self::Legacy => "data",
        }
    }
}

/// A message from the client, whichever the protocol.
pub(super) enum ClientMessage {
    Init(Option<Value>),
    Ping,
    Pong,
    Subscribe { id: String, payload: Value },
    Complete { id: String },
    Terminate,
}

impl ClientMessage {
    /// Reads a text frame; the error is the reason to close with 4400.
    pub(super) fn parse(protocol: Protocol, text: &str) -> Result<Self, String> {
        let Ok(Value::Object(mut message)) = serde_json::from_str::<Value>(text) else {
            return Err("Invalid message received: not a JSON object".to_owned());
        };
        let Some(Value::String(kind)) = message.remove("type") else {
            return Err("Invalid message received: no `type`".to_owned());
        };
        let id = |message: &mut serde_json::Map<String, Value>| match message.remove("id") {
            Some(Value::String(id)) if !id.is_empty() => Ok(id),
            _ => Err(format!("Invalid message received: `{kind}` needs an `id`")),
        };
        match (protocol, kind.as_str()) {
            (_, "connection_init") => Ok(Self::Init(message.remove("payload"))),
            (Protocol::TransportWs, "ping") => Ok(Self::Ping),
            (Protocol::TransportWs, "pong") => Ok(Self::Pong),
            (Protocol::TransportWs, "subscribe") | (Protocol::Legacy, "start") => {
                Ok(Self::Subscribe {
                    id: id(&mut message)?,
                    payload: message.remove("payload").unwrap_or(Value::Null),
                })
            }
            (Protocol::TransportWs, "complete") | (Protocol::Legacy, "stop") => {
                Ok(Self::Complete {
                    id: id(&mut message)?,
                })
            }
            (Protocol::Legacy, "connection_terminate") => Ok(Self::Terminate),
            _ => Err(format!("Unexpected message of type {kind} received")),
        }
    }
}

/// The `payload` of `subscribe` (legacy: `start`). Other fields, such as
/// `extensions`, are ignored.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SubscribePayload {
    pub(super) query: String,
    #[serde(default)]
    pub(super) operation_name: Option<String>,
    #[serde(default)]
    pub(super) variables: Option<serde_json::Map<String, Value>>,
}
