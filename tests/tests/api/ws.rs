//! The graphql-ws layer on `GET /graphql`: who may open a socket, the
//! protocol's close codes, and that only subscriptions run over it.

use std::time::Duration;

use entity::enums::Role;
use futures_util::{SinkExt, StreamExt};
use marquee_tests::marquee::graphql::ids::{self, Kind};
use marquee_tests::marquee::service::persisted;
use marquee_tests::{Backend, TestApp, backend_tests, spawn_app, spawn_app_with};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::client::Response;
use tokio_tungstenite::tungstenite::http::HeaderName;
use tokio_tungstenite::tungstenite::{self, Message};

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The longest any test waits for the server.
const WAIT: Duration = Duration::from_secs(5);

const ADDED: &str =
    "subscription ($id: ID!) { commentAdded(reviewId: $id) { authorName body status } }";
const TRANSPORT_WS: (&str, &str) = ("sec-websocket-protocol", "graphql-transport-ws");

/// Opens a WebSocket to `/graphql` with these extra headers.
async fn connect(
    app: &TestApp,
    headers: &[(&str, &str)],
) -> Result<(Ws, Response), tungstenite::Error> {
    let url = format!("{}/graphql", app.address.replacen("http://", "ws://", 1));
    let mut request = url.into_client_request().unwrap();
    for (name, value) in headers {
        request.headers_mut().insert(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            value.parse().unwrap(),
        );
    }
    tokio_tungstenite::connect_async(request).await
}

/// Opens a `graphql-transport-ws` socket, without `Origin`.
async fn open(app: &TestApp) -> Ws {
    connect(app, &[TRANSPORT_WS])
        .await
        .expect("the WebSocket opens")
        .0
}

/// The HTTP status, JSON body and `Retry-After` of a refused upgrade.
fn refusal(result: Result<(Ws, Response), tungstenite::Error>) -> (u16, Value, Option<String>) {
    match result {
        Err(tungstenite::Error::Http(response)) => {
            let body = response.body().as_deref().unwrap_or_default();
            (
                response.status().as_u16(),
                serde_json::from_slice(body).unwrap_or(Value::Null),
                response
                    .headers()
                    .get("retry-after")
                    .map(|v| v.to_str().unwrap().to_owned()),
            )
        }
        Err(other) => panic!("expected an HTTP refusal, got {other:?}"),
        Ok(_) => panic!("expected an HTTP refusal, but the WebSocket opened"),
    }
}

async fn send(ws: &mut Ws, message: Value) {
    ws.send(Message::text(message.to_string())).await.unwrap();
}

/// The next text message, as JSON. Fails the test on a close or a timeout.
async fn recv(ws: &mut Ws) -> Value {
    loop {
        let message = tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("a message in time")
            .expect("the socket is open")
            .expect("a frame");
        match message {
            Message::Text(text) => return serde_json::from_str(&text).unwrap(),
            Message::Close(frame) => panic!("closed instead: {frame:?}"),
            _ => continue,
        }
    }
}

/// The next text message within `within`, if any. Fails on a close.
async fn recv_within(ws: &mut Ws, within: Duration) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let message = tokio::time::timeout_at(deadline, ws.next()).await.ok()?;
        match message.expect("the socket is open").expect("a frame") {
            Message::Text(text) => return Some(serde_json::from_str(&text).unwrap()),
            Message::Close(frame) => panic!("closed instead: {frame:?}"),
            _ => continue,
        }
    }
}

/// Reads until the server's close frame; its code and reason.
async fn close_of(ws: &mut Ws) -> (u16, String) {
    loop {
        let message = tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("a close frame in time")
            .expect("a close frame before the end")
            .expect("a frame");
        match message {
            Message::Close(Some(frame)) => {
                return (u16::from(frame.code), frame.reason.to_string());
            }
            Message::Close(None) => panic!("a close frame without a code"),
            _ => continue,
        }
    }
}

/// Sends `connection_init` and expects `connection_ack`.
async fn init(ws: &mut Ws, payload: Value) {
    send(ws, json!({ "type": "connection_init", "payload": payload })).await;
    let ack = recv(ws).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
}

async fn subscribe(ws: &mut Ws, id: &str, query: &str, variables: Value) {
    let payload = json!({ "query": query, "variables": variables });
    send(
        ws,
        json!({ "id": id, "type": "subscribe", "payload": payload }),
    )
    .await;
}

/// Subscribes to the demo review's new comments and gives the server a
/// moment to register the subscription.
async fn subscribe_to_her_review(app: &TestApp, ws: &mut Ws, id: &str) {
    let review = app.her_review_id().await;
    subscribe(ws, id, ADDED, json!({ "id": review })).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
}

/// The `extensions.code` of each error in an `error` message's payload.
fn error_codes(message: &Value) -> Vec<String> {
    assert_eq!(message["type"], "error", "{message}");
    marquee_tests::error_codes(&json!({ "errors": message["payload"] }))
}

/// Answers `ping` with `pong`: the socket is open and listening.
async fn assert_open(ws: &mut Ws) {
    send(ws, json!({ "type": "ping" })).await;
    assert_eq!(recv(ws).await, json!({ "type": "pong" }));
}

async fn comment_rows(app: &TestApp) -> u64 {
    entity::comment::Entity::find()
        .count(&app.db)
        .await
        .unwrap()
}

// ---- Close codes ----

async fn a_socket_that_never_initialises_is_closed_with_4408(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.ws_init_timeout_seconds = 1).await;
    let mut ws = open(&app).await;
    let (code, reason) = close_of(&mut ws).await;
    assert_eq!(code, 4408);
    assert_eq!(reason, "Connection initialisation timeout");
}

async fn a_second_connection_init_is_closed_with_4429(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut ws = open(&app).await;
    init(&mut ws, json!({})).await;
    send(&mut ws, json!({ "type": "connection_init" })).await;
    assert_eq!(
        close_of(&mut ws).await,
        (4429, "Too many initialisation requests".to_owned())
    );
}

async fn subscribing_before_the_ack_is_closed_with_4401(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut ws = open(&app).await;
    subscribe(
        &mut ws,
        "1",
        "subscription { moderationQueue { authorEmail } }",
        json!({}),
    )
    .await;
    assert_eq!(close_of(&mut ws).await, (4401, "Unauthorized".to_owned()));
}

async fn a_message_that_is_not_graphql_ws_is_closed_with_4400(backend: Backend) {
    let app = spawn_app(backend).await;

    let mut ws = open(&app).await;
    ws.send(Message::text("{ not json")).await.unwrap();
    let (code, reason) = close_of(&mut ws).await;
    assert_eq!(code, 4400);
    assert!(!reason.is_empty());

    let mut ws = open(&app).await;
    init(&mut ws, json!({})).await;
    send(&mut ws, json!({ "type": "shout" })).await;
    let (code, reason) = close_of(&mut ws).await;
    assert_eq!(code, 4400);
    assert_eq!(reason, "Unexpected message of type shout received");

    let mut ws = open(&app).await;
    init(&mut ws, json!({})).await;
    send(
        &mut ws,
        json!({ "type": "subscribe", "payload": { "query": "subscription { x }" } }),
    )
    .await;
    assert_eq!(close_of(&mut ws).await.0, 4400, "a subscribe without an id");
}

async fn a_second_subscribe_with_an_active_id_is_closed_with_4409(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut ws = open(&app).await;
    init(&mut ws, json!({})).await;
    subscribe_to_her_review(&app, &mut ws, "dup").await;
    subscribe_to_her_review(&app, &mut ws, "dup").await;
    assert_eq!(
        close_of(&mut ws).await,
        (4409, "Subscriber for dup already exists".to_owned())
    );
}

async fn an_unknown_token_in_the_init_payload_is_closed_with_4403(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut ws = open(&app).await;
    send(
        &mut ws,
        json!({ "type": "connection_init", "payload": { "authorization": "Bearer mq_not-a-real-token" } }),
    )
    .await;
    assert_eq!(close_of(&mut ws).await, (4403, "Forbidden".to_owned()));
}

// ---- Who may open a socket ----

async fn the_servers_own_origin_may_open_a_socket(backend: Backend) {
    let app = spawn_app(backend).await;
    let origin = app.address.clone(); // http://127.0.0.1:PORT, as GraphiQL sends
    let (mut ws, _) = connect(&app, &[TRANSPORT_WS, ("origin", &origin)])
        .await
        .expect("the same origin is let in");
    init(&mut ws, json!({})).await;
}

async fn a_client_without_origin_may_open_a_socket(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut ws, response) = connect(&app, &[TRANSPORT_WS])
        .await
        .expect("an app is let in");
    assert_eq!(
        response.headers().get("sec-websocket-protocol").unwrap(),
        "graphql-transport-ws"
    );
    init(&mut ws, json!({})).await;
}

async fn an_origin_on_the_allowed_list_may_open_a_socket(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.ws_allowed_origins = "https://app.example.com, https://admin.example.com".into()
    })
    .await;
    let (mut ws, _) = connect(&app, &[TRANSPORT_WS, ("origin", "https://app.example.com")])
        .await
        .expect("a listed origin is let in");
    init(&mut ws, json!({})).await;

    // The list replaces the default: the server's own origin is not on it.
    let own = app.address.clone();
    let (status, body, _) = refusal(connect(&app, &[TRANSPORT_WS, ("origin", &own)]).await);
    assert_eq!(status, 403);
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN_ORIGIN");
}

async fn a_page_on_another_origin_is_refused_with_403(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, body, _) =
        refusal(connect(&app, &[TRANSPORT_WS, ("origin", "https://evil.example")]).await);
    assert_eq!(status, 403);
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN_ORIGIN");

    // Another port on the same host is another origin.
    let (status, _, _) =
        refusal(connect(&app, &[TRANSPORT_WS, ("origin", "http://127.0.0.1:1")]).await);
    assert_eq!(status, 403);
}

async fn one_socket_too_many_from_an_address_gets_429(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.ws_max_sockets_per_client = 2).await;
    let mut first = open(&app).await;
    let _second = open(&app).await;

    let (status, body, retry_after) = refusal(connect(&app, &[TRANSPORT_WS]).await);
    assert_eq!(status, 429);
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "TOO_MANY_CONNECTIONS"
    );
    let retry_after: u64 = retry_after.expect("a Retry-After header").parse().unwrap();
    assert!(retry_after > 0);

    // Closing a socket gives its place back.
    first.close(None).await.unwrap();
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        match connect(&app, &[TRANSPORT_WS]).await {
            Ok(_) => break,
            Err(_) if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(err) => panic!("the closed socket's place was not given back: {err:?}"),
        }
    }
}

// ---- Only subscriptions ----

async fn a_mutation_over_the_socket_is_refused_and_writes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let before = comment_rows(&app).await;
    let mut ws = open(&app).await;
    init(&mut ws, json!({})).await;
    let review = app.her_review_id().await;
    subscribe(
        &mut ws,
        "m",
        "mutation ($i: AddCommentInput!) { addComment(input: $i) { status } }",
        json!({ "i": { "reviewId": review, "authorName": "Mallory",
                        "authorEmail": "mallory@example.org", "body": "Hijacked." } }),
    )
    .await;
    let message = recv(&mut ws).await;
    assert_eq!(message["id"], "m");
    assert_eq!(error_codes(&message), ["OPERATION_NOT_ALLOWED"]);
    assert_eq!(
        message["payload"][0]["message"],
        "Only subscriptions run over WebSocket; send queries and mutations over HTTP."
    );
    assert_open(&mut ws).await;
    assert_eq!(comment_rows(&app).await, before, "no comment was written");
}

async fn a_query_over_the_socket_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut ws = open(&app).await;
    init(&mut ws, json!({})).await;
    subscribe(&mut ws, "q", r#"{ review(slug: "her") { id } }"#, json!({})).await;
    let message = recv(&mut ws).await;
    assert_eq!(message["id"], "q");
    assert_eq!(error_codes(&message), ["OPERATION_NOT_ALLOWED"]);

    // Picked by name out of several operations, too.
    let document = "subscription S { moderationQueue { authorEmail } } query Q { review(slug: \"her\") { id } }";
    let payload = json!({ "query": document, "operationName": "Q" });
    send(
        &mut ws,
        json!({ "id": "q2", "type": "subscribe", "payload": payload }),
    )
    .await;
    assert_eq!(error_codes(&recv(&mut ws).await), ["OPERATION_NOT_ALLOWED"]);

    subscribe(&mut ws, "p", "subscription {", json!({})).await;
    assert_eq!(error_codes(&recv(&mut ws).await), ["GRAPHQL_PARSE_FAILED"]);
}

async fn one_subscription_too_many_is_refused_and_the_socket_stays_open(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.ws_max_subscriptions = 2).await;
    let mut ws = open(&app).await;
    init(&mut ws, json!({})).await;
    subscribe_to_her_review(&app, &mut ws, "1").await;
    subscribe_to_her_review(&app, &mut ws, "2").await;
    subscribe_to_her_review(&app, &mut ws, "3").await;
    let message = recv(&mut ws).await;
    assert_eq!(message["id"], "3");
    assert_eq!(error_codes(&message), ["TOO_MANY_SUBSCRIPTIONS"]);
    assert_open(&mut ws).await;

    // Completing one makes room.
    send(&mut ws, json!({ "id": "1", "type": "complete" })).await;
    subscribe_to_her_review(&app, &mut ws, "3").await;
    assert_open(&mut ws).await;
}

// ---- Subscriptions ----

async fn comment_added_on_a_review_that_does_not_exist_is_not_found(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut ws = open(&app).await;
    init(&mut ws, json!({})).await;
    let missing = ids::encode(Kind::Review, 999_999);
    subscribe(&mut ws, "1", ADDED, json!({ "id": missing.as_str() })).await;
    let message = recv(&mut ws).await;
    assert_eq!(message["id"], "1");
    assert_eq!(error_codes(&message), ["NOT_FOUND"]);
    assert_open(&mut ws).await;
}

async fn a_subscriber_receives_next_until_it_completes(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut ws = open(&app).await;
    init(&mut ws, json!({})).await;
    subscribe_to_her_review(&app, &mut ws, "live").await;

    let id = app.post_comment("ada@example.org", "Held at first.").await;
    let moderator = app.staff_token(Role::Moderator, "Molly").await;
    app.approve(&moderator, &id).await;
    let message = recv(&mut ws).await;
    assert_eq!(message["type"], "next", "{message}");
    assert_eq!(message["id"], "live");
    assert_eq!(
        message["payload"]["data"]["commentAdded"],
        json!({ "authorName": "Ada", "body": "Held at first.", "status": "APPROVED" })
    );

    // After `complete`, nothing more arrives for the id, though the next
    // comment (from a now-known author) is published at once.
    send(&mut ws, json!({ "id": "live", "type": "complete" })).await;
    assert_open(&mut ws).await;
    app.post_comment("ada@example.org", "Straight through.")
        .await;
    assert_eq!(
        recv_within(&mut ws, Duration::from_millis(1500)).await,
        None
    );
}

async fn websocket_pings_are_answered(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut ws = open(&app).await;
    ws.send(Message::Ping(b"are you there".to_vec().into()))
        .await
        .unwrap();
    loop {
        let message = tokio::time::timeout(WAIT, ws.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        if let Message::Pong(bytes) = message {
            assert_eq!(&bytes[..], b"are you there");
            break;
        }
    }
}

async fn the_legacy_graphql_ws_protocol_still_works(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut ws, response) = connect(&app, &[("sec-websocket-protocol", "graphql-ws")])
        .await
        .expect("the WebSocket opens");
    assert_eq!(
        response.headers().get("sec-websocket-protocol").unwrap(),
        "graphql-ws"
    );
    send(&mut ws, json!({ "type": "connection_init", "payload": {} })).await;
    assert_eq!(recv(&mut ws).await["type"], "connection_ack");
    assert_eq!(recv(&mut ws).await["type"], "ka");

    let review = app.her_review_id().await;
    let payload = json!({ "query": ADDED, "variables": { "id": review } });
    send(
        &mut ws,
        json!({ "id": "1", "type": "start", "payload": payload }),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let id = app
        .post_comment("ada@example.org", "Old clients too.")
        .await;
    let moderator = app.staff_token(Role::Moderator, "Molly").await;
    app.approve(&moderator, &id).await;
    let message = recv(&mut ws).await;
    assert_eq!(message["type"], "data", "{message}");
    assert_eq!(
        message["payload"]["data"]["commentAdded"]["body"],
        "Old clients too."
    );

    send(&mut ws, json!({ "id": "1", "type": "stop" })).await;
    assert_eq!(
        recv(&mut ws).await,
        json!({ "id": "1", "type": "complete" })
    );

    send(&mut ws, json!({ "type": "connection_terminate" })).await;
    assert_eq!(close_of(&mut ws).await.0, 1000);
}

async fn trusted_documents_mode_holds_over_the_socket(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.trusted_documents = true).await;
    // (Its id by hand: queries too are refused in this mode.)
    let review = ids::encode(Kind::Review, 1).to_string();
    let mut ws = open(&app).await;
    init(&mut ws, json!({})).await;

    // Not registered: refused, and the socket stays open.
    subscribe(&mut ws, "1", ADDED, json!({ "id": review })).await;
    let message = recv(&mut ws).await;
    assert_eq!(message["id"], "1");
    assert_eq!(error_codes(&message), ["DOCUMENT_NOT_TRUSTED"]);
    assert_open(&mut ws).await;

    // Registered ahead of time: it runs.
    let docs = persisted::parse_file("added.graphql", ADDED).unwrap();
    persisted::trust(&app.db, docs).await.unwrap();
    subscribe(&mut ws, "2", ADDED, json!({ "id": review })).await;
    assert!(
        recv_within(&mut ws, Duration::from_millis(500))
            .await
            .is_none(),
        "no error: it runs"
    );
    assert_open(&mut ws).await;
}

backend_tests!(
    trusted_documents_mode_holds_over_the_socket,
    a_socket_that_never_initialises_is_closed_with_4408,
    a_second_connection_init_is_closed_with_4429,
    subscribing_before_the_ack_is_closed_with_4401,
    a_message_that_is_not_graphql_ws_is_closed_with_4400,
    a_second_subscribe_with_an_active_id_is_closed_with_4409,
    an_unknown_token_in_the_init_payload_is_closed_with_4403,
    the_servers_own_origin_may_open_a_socket,
    a_client_without_origin_may_open_a_socket,
    an_origin_on_the_allowed_list_may_open_a_socket,
    a_page_on_another_origin_is_refused_with_403,
    one_socket_too_many_from_an_address_gets_429,
    a_mutation_over_the_socket_is_refused_and_writes_nothing,
    a_query_over_the_socket_is_refused,
    one_subscription_too_many_is_refused_and_the_socket_stays_open,
    comment_added_on_a_review_that_does_not_exist_is_not_found,
    a_subscriber_receives_next_until_it_completes,
    websocket_pings_are_answered,
    the_legacy_graphql_ws_protocol_still_works,
);
