//! Persisted queries at the door: a request that names its document by
//! hash (Apollo's `extensions.persistedQuery`) gets the text from the
//! store, or `PERSISTED_QUERY_NOT_FOUND` so the client sends it again with
//! the text; text sent with a hash must hash to it, and is registered once
//! it passes the limits. In trusted-documents mode only documents
//! registered ahead of time run.

use async_graphql::{Request, Value};

use crate::error::{ApiError, PersistedQueryError};
use crate::service::persisted::{MAX_ID_LEN, PersistedDocuments, sha256_hex};

/// How persisted documents are taken.
#[derive(Clone)]
pub struct Policy {
    pub store: PersistedDocuments,
    /// Automatic persisted queries are on.
    pub apq: bool,
    /// Only trusted documents run.
    pub trusted_only: bool,
}

/// A document to register once the request passes the limits.
pub(super) struct Registration {
    hash: String,
    text: String,
}

/// The id in `extensions.persistedQuery` (`sha256Hash`), if there is one:
/// the document's SHA-256 in hex, or the id a trusted manifest gave it.
fn requested_hash(request: &Request) -> Result<Option<String>, PersistedQueryError> {
    let Some(value) = request.extensions.0.get("persistedQuery") else {
        return Ok(None);
    };
    let Value::Object(fields) = value else {
        return Err(PersistedQueryError::Malformed);
    };
    let version = fields.get("version").and_then(|v| match v {
        Value::Number(n) => n.as_u64(),
        _ => None,
    });
    // A SHA-256 in hex, or a trusted manifest's own id.
    let id = match fields.get("sha256Hash") {
        Some(Value::String(id)) => id,
        _ => return Err(PersistedQueryError::Malformed),
    };
    let fits = !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
    if version != Some(1) || !fits {
        return Err(PersistedQueryError::Malformed);
    }
    let is_sha256 = id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit());
    Ok(Some(if is_sha256 {
        id.to_ascii_lowercase()
    } else {
        id.clone()
    }))
}

impl Policy {
    /// Gives each request its document text, or refuses the request.
    /// Returns the documents to register once the request passes
    /// validation.
    pub(super) async fn resolve(
        &self,
        requests: &mut [Request],
    ) -> Result<Vec<Registration>, ApiError> {
        let mut registrations = Vec::new();
        for request in requests.iter_mut() {
            let requested = requested_hash(request).map_err(ApiError::PersistedQuery)?;
            match requested {
                Some(_) if !self.apq && !self.trusted_only => {
                    return Err(ApiError::PersistedQuery(PersistedQueryError::NotSupported));
                }
                Some(hash) if request.query.is_empty() => {
                    let doc = self
                        .store
                        .get(&hash)
                        .await?
                        .filter(|doc| doc.trusted || !self.trusted_only);
                    let Some(doc) = doc else {
                        return Err(ApiError::PersistedQuery(if self.trusted_only {
                            PersistedQueryError::NotTrusted
                        } else {
                            PersistedQueryError::NotFound
                        }));
                    };
                    request.query = doc.body.to_string();
                }
                Some(hash) => {
                    if sha256_hex(&request.query) != hash {
                        return Err(ApiError::PersistedQuery(PersistedQueryError::HashMismatch));
                    }
                    self.check_trusted(&hash).await?;
                    if !self.trusted_only {
                        registrations.push(Registration {
                            hash,
                            text: request.query.clone(),
                        });
                    }
                }
                None => self.admit_text(&request.query).await?,
            }
        }
        Ok(registrations)
    }

    /// In trusted-documents mode, refuses a document sent as text alone
    /// (over HTTP or the WebSocket) that is not trusted.
    pub(crate) async fn admit_text(&self, text: &str) -> Result<(), ApiError> {
        if !self.trusted_only {
            return Ok(());
        }
        self.check_trusted(&sha256_hex(text)).await
    }

    /// In trusted-documents mode, refuses a document that is not trusted.
    async fn check_trusted(&self, hash: &str) -> Result<(), ApiError> {
        if !self.trusted_only {
            return Ok(());
        }
        match self.store.get(hash).await? {
            Some(doc) if doc.trusted => Ok(()),
            _ => Err(ApiError::PersistedQuery(PersistedQueryError::NotTrusted)),
        }
    }

    /// Registers documents that passed the limits. A failure is logged: the
    /// request runs all the same, and the client registers it next time.
    pub(super) async fn register(&self, registrations: Vec<Registration>) {
        for r in registrations {
            if let Err(err) = self.store.register(&r.hash, &r.text).await {
                tracing::warn!(error = %err, "could not register a persisted query");
            }
        }
    }
}
