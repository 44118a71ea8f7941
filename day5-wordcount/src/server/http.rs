//! The routes: `POST /count` (a text body or `multipart/form-data`), `GET /healthz`,
//! `GET /metrics`, `GET /` (an upload form), and JSON errors for everything else.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use day2_context::{Context, ContextError};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use super::App;
use super::metrics::CLIENT_CLOSED;
use super::pool::{Maps, Part};
use crate::counts::WordCounts;
use crate::source::{End, Progress};

/// The router, with the body limit that `Multipart` enforces and the metrics layer.
pub(super) fn router(app: Arc<App>) -> Router {
    let limit = usize::try_from(app.config.max_body).unwrap_or(usize::MAX);
    Router::new()
        .route("/count", post(count))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/metrics", get(metrics))
        .route("/", get(|| async { Html(include_str!("page.html")) }))
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "no such path") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method not allowed on this path",
            )
        })
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn_with_state(Arc::clone(&app), track))
        .with_state(app)
}

/// A JSON error: `{"error": "...", "status": 400}`.
#[derive(Debug)]
pub(super) struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    pub(super) fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
        }
    }

    fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.message, "status": self.status.as_u16() });
        let mut response = (self.status, axum::Json(body)).into_response();
        let headers = response.headers_mut();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            // The refused body is read to its end (`discard`), so the connection can be reused.
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        } else {
            // Any other refusal may leave the request's body unread, and hyper then closes the
            // connection after the answer: say so, or the client may send its next request on a
            // connection that is closing under it.
            headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}

/// Records every request's status and duration; a request dropped before its answer (the client
/// disconnected, hyper dropped the handler) is recorded by the guard's `Drop` as 499.
async fn track(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    struct Track {
        app: Arc<App>,
        start: Instant,
        status: u16,
    }
    impl Drop for Track {
        fn drop(&mut self) {
            let seconds = self.start.elapsed().as_secs_f64();
            self.app.metrics.answered(self.status, seconds);
        }
    }
    let mut track = Track {
        app,
        start: Instant::now(),
        status: CLIENT_CLOSED,
    };
    let response = next.run(request).await;
    track.status = response.status().as_u16();
    response
}

async fn metrics(State(app): State<Arc<App>>) -> Response {
    let text = app.metrics.encode(*app.load.borrow());
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

/// `POST /count`'s query string.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CountQuery {
    /// How many words to answer with (default 10).
    top: Option<usize>,
    /// The request's deadline, a humantime duration (`500ms`, `2s`); capped by `--max-timeout`.
    timeout: Option<String>,
}

/// How much of one part was counted.
#[derive(Debug, Serialize)]
struct PartReport {
    name: String,
    bytes: u64,
    /// `full`, `partial`, `not counted`, or `failed`.
    status: &'static str,
}

/// The JSON answer.
#[derive(Debug, Serialize)]
struct Reply<'a> {
    top: Vec<(&'a str, u64)>,
    words: u64,
    distinct: usize,
    bytes: u64,
    partial: bool,
    /// Why counting stopped early: `context deadline exceeded`, or `context canceled` (the server
    /// is shutting down).
    #[serde(skip_serializing_if = "Option::is_none")]
    stopped: Option<String>,
    /// Multipart only: one entry per part, in order.
    #[serde(skip_serializing_if = "Option::is_none")]
    parts: Option<Vec<PartReport>>,
}

/// `POST /count`: admission, the request's context, then the body or its parts streamed to the
/// pool.
async fn count(
    State(app): State<Arc<App>>,
    query: Result<Query<CountQuery>, axum::extract::rejection::QueryRejection>,
    request: Request,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let top = query.top.unwrap_or(10);
    let timeout = match &query.timeout {
        None => app.config.timeout,
        Some(t) => humantime::parse_duration(t).map_err(|e| {
            ApiError::bad_request(format!("timeout={t}: {e} (expected e.g. 500ms, 2s)"))
        })?,
    };
    let headers = request.headers().clone();
    if let Some(len) = content_length(&headers)?
        && len > app.config.max_body
    {
        return Err(too_large(app.config.max_body));
    }
    let _admitted = match app.admit() {
        Ok(admitted) => admitted,
        Err(busy) => {
            tokio::spawn(discard(request.into_body(), app.config.max_body));
            return Err(busy);
        }
    };
    // The request's context: a child of the server's root (shutdown cancels it), with the
    // deadline; the guard cancels it when this handler ends or is dropped (client gone), which
    // stops the request's jobs at their next chunk.
    let (ctx, cancel) = Context::with_timeout(&app.root, timeout.min(app.config.max_timeout));
    let _cancel_on_drop = cancel.drop_guard();
    let maps = Maps::new();
    let multipart = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let parts = if multipart {
        let form = Multipart::from_request(request, &app)
            .await
            .map_err(|e| ApiError::new(e.status(), e.body_text()))?;
        count_multipart(&app, &ctx, &maps, form).await?
    } else {
        let part = app.counter.start_part(&ctx, &maps);
        let body = stream_body(&ctx, &part, request.into_body(), app.config.max_body).await;
        body?;
        let progress = part.result(&ctx).await;
        if let End::Failed(e) = &progress.end {
            return Err(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                e.to_string(),
            ));
        }
        vec![("body".to_owned(), progress)]
    };
    let counts = merge(maps.drain()).await;
    app.metrics
        .counted(parts.iter().map(|(_, p)| p.bytes).sum(), counts.total());
    Ok(answer(&headers, &counts, top, &parts, multipart, ctx.err()))
}

/// How long a shed request's body may take to be read and thrown away.
const DISCARD_FOR: Duration = Duration::from_secs(5);

/// Reads a shed request's body to its end and throws it away, while hyper writes the 503: a client
/// still uploading then reads its answer, where a connection closed on unread bytes would be reset
/// under it and the 503 lost. At most `limit` bytes and [`DISCARD_FOR`]; past either, the body is
/// dropped and the connection closes as before. Holds no permit, so shedding stays immediate.
async fn discard(body: Body, limit: u64) {
    let mut frames = body.into_data_stream();
    let drain = async {
        let mut read = 0u64;
        while let Some(Ok(data)) = frames.next().await {
            read += data.len() as u64;
            if read > limit {
                break;
            }
        }
    };
    // Timing out only ends the drain early; the body is dropped either way.
    let _ = tokio::time::timeout(DISCARD_FOR, drain).await;
}

/// Reads a text body frame by frame into `part`, within the limit, until its end or until `ctx` is
/// done (deadline: the body is left unread and the answer is partial).
async fn stream_body(ctx: &Context, part: &Part, body: Body, limit: u64) -> Result<(), ApiError> {
    let mut frames = body.into_data_stream();
    let pump = async {
        let mut read = 0u64;
        while let Some(frame) = frames.next().await {
            let data =
                frame.map_err(|e| ApiError::bad_request(format!("reading the body: {e}")))?;
            read += data.len() as u64;
            if read > limit {
                return Err(too_large(limit));
            }
            part.send(data).await;
        }
        part.end();
        Ok(())
    };
    tokio::select! {
        r = pump => r,
        _ = ctx.cancelled() => Ok(()),
    }
}

/// Counts every part of a form, each on its own pool job as it arrives, like the CLI counts files;
/// answers with one report per part.
async fn count_multipart(
    app: &App,
    ctx: &Context,
    maps: &Arc<Maps>,
    mut form: Multipart,
) -> Result<Vec<(String, Progress)>, ApiError> {
    // A part is pushed before its bytes are read, so a part cut by the deadline is still
    // reported (in part or not counted).
    let mut started: Vec<(String, Part)> = Vec::new();
    let read = async {
        while let Some(mut field) = form.next_field().await.map_err(|e| multipart_error(&e))? {
            let name = field
                .file_name()
                .or(field.name())
                .map_or_else(|| format!("part {}", started.len() + 1), str::to_owned);
            started.push((name, app.counter.start_part(ctx, maps)));
            let (_, part) = started.last().expect("pushed above");
            while let Some(data) = field.chunk().await.map_err(|e| multipart_error(&e))? {
                part.send(data).await;
            }
            part.end();
        }
        Ok::<(), ApiError>(())
    };
    let outcome = tokio::select! {
        r = read => r,
        _ = ctx.cancelled() => Ok(()),
    };
    outcome?;
    let mut reports = Vec::with_capacity(started.len());
    for (name, part) in started {
        reports.push((name, part.result(ctx).await));
    }
    Ok(reports)
}

fn multipart_error(e: &axum::extract::multipart::MultipartError) -> ApiError {
    ApiError::new(e.status(), format!("multipart body: {}", e.body_text()))
}

/// Merges the request's maps; more than one (a form whose parts were counted at once) is merged
/// off the async threads.
async fn merge(mut maps: Vec<WordCounts>) -> WordCounts {
    if maps.len() <= 1 {
        return maps.pop().unwrap_or_default();
    }
    tokio::task::spawn_blocking(move || crate::run::merge_all(maps))
        .await
        .unwrap_or_default()
}

/// The answer: JSON, or the CLI's `word count` lines with `Accept: text/plain`.
fn answer(
    headers: &HeaderMap,
    counts: &WordCounts,
    top: usize,
    parts: &[(String, Progress)],
    multipart: bool,
    stopped: Option<ContextError>,
) -> Response {
    let partial = parts.iter().any(|(_, p)| !matches!(p.end, End::Complete));
    let bytes = parts.iter().map(|(_, p)| p.bytes).sum();
    let stopped = partial.then(|| stopped.unwrap_or(ContextError::Canceled).to_string());
    let top = counts.top(top);
    let text = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    let mut response = if text {
        let mut out = Vec::new();
        // Writing to a `Vec` cannot fail.
        let _ = crate::report::write_top(&mut out, &top, false);
        ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], out).into_response()
    } else {
        let parts = multipart.then(|| {
            parts
                .iter()
                .map(|(name, p)| PartReport {
                    name: name.clone(),
                    bytes: p.bytes,
                    status: match &p.end {
                        End::Complete => "full",
                        End::Stopped(_) if p.bytes > 0 => "partial",
                        End::Stopped(_) => "not counted",
                        End::Failed(_) => "failed",
                    },
                })
                .collect()
        });
        axum::Json(Reply {
            top,
            words: counts.total(),
            distinct: counts.len(),
            bytes,
            partial,
            stopped: stopped.clone(),
            parts,
        })
        .into_response()
    };
    if let Some(why) = stopped
        && let Ok(v) = HeaderValue::from_str(&why)
    {
        // Plain-text answers carry the partial notice here, as the CLI prints it on standard error.
        response.headers_mut().insert("x-partial-result", v);
    }
    response
}

fn content_length(headers: &HeaderMap) -> Result<Option<u64>, ApiError> {
    headers
        .get(header::CONTENT_LENGTH)
        .map(|v| {
            v.to_str()
                .ok()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| ApiError::bad_request("content-length is not a number"))
        })
        .transpose()
}

fn too_large(limit: u64) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("the body is larger than --max-body ({limit} bytes)"),
    )
}
