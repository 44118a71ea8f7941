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
use bytes::Bytes;
use day2_context::Context;
use futures_util::{Stream, StreamExt};
use serde::{Deserialize, Serialize};

use super::conn::Conn;
use super::metrics::CLIENT_CLOSED;
use super::pool::{PartEnd, Pumped, Tally};
use super::{App, page};
use crate::chunked::DEFAULT_MAX_WORD;

/// The router, with the body limit that `Multipart` enforces and the metrics layer.
pub(super) fn router(app: Arc<App>) -> Router {
    let limit = usize::try_from(app.config.max_body).unwrap_or(usize::MAX);
    Router::new()
        .route("/count", post(count))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/metrics", get(metrics))
        .route("/", get(|| async { Html(include_str!("page.html")) }))
        // Browsers ask for it on every page: an empty answer rather than a 404 in the metrics.
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
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
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        // A refusal may leave the request's body unread (a shed one's is thrown away by a
        // lingering close, see `conn`), and the connection is closed after the answer: say so, or
        // the client may send its next request on a connection that is closing under it.
        headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
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
    let html = wants_html(request.headers());
    let mut response = next.run(request).await;
    track.status = response.status().as_u16();
    if html && (response.status().is_client_error() || response.status().is_server_error()) {
        response = html_error(response).await;
    }
    response
}

/// An [`ApiError`]'s JSON answer as an HTML page, for a browser.
async fn html_error(response: Response) -> Response {
    let (mut head, body) = response.into_parts();
    if head.headers.get(header::CONTENT_TYPE) != Some(&HeaderValue::from_static("application/json"))
    {
        return Response::from_parts(head, body);
    }
    // An error's JSON is a line; anything longer is not one of ours and is passed on cut.
    let bytes = axum::body::to_bytes(body, 64 << 10)
        .await
        .unwrap_or_default();
    let message = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|v| v["error"].as_str().map(str::to_owned))
        .unwrap_or_default();
    head.headers.remove(header::CONTENT_LENGTH);
    head.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    let page = page::error(head.status.as_u16(), &message);
    Response::from_parts(head, Body::from(page))
}

async fn metrics(State(app): State<Arc<App>>) -> Response {
    let text = app.metrics.encode(*app.load.borrow(), app.memory.used());
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

/// The largest `?top`: a larger one is a 400 naming the limit (an answer of every distinct word
/// of a large body would be as large as the body's table).
pub(super) const MAX_TOP: usize = 100_000;

fn check_top(top: usize) -> Result<usize, ApiError> {
    if top > MAX_TOP {
        return Err(ApiError::bad_request(format!(
            "top={top}: at most {MAX_TOP} words per answer"
        )));
    }
    Ok(top)
}

/// The form's top-N field.
fn parse_top(text: &str) -> Result<usize, ApiError> {
    let top = text.parse().map_err(|_| {
        ApiError::bad_request(format!("top={text:?}: expected a whole number of words"))
    })?;
    check_top(top)
}

/// `POST /count`'s query string.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CountQuery {
    /// How many words to answer with (default 10, at most [`MAX_TOP`]).
    top: Option<usize>,
    /// The request's deadline, a humantime duration (`500ms`, `2s`); capped by `--max-timeout`;
    /// `0` is a 400 (a request that may not count anything).
    timeout: Option<String>,
}

/// How much of one part was counted.
#[derive(Debug, Serialize)]
pub(super) struct PartReport {
    pub(super) name: String,
    pub(super) bytes: u64,
    /// `full`, `partial`, or `not counted`.
    pub(super) status: &'static str,
    /// Words skipped for being longer than `--max-word` (1 MiB): how many, and the offset of the
    /// first in the part.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) skipped: Option<Skipped>,
    /// The part looks binary: a NUL byte in its first [`SNIFF`] bytes.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub(super) binary: bool,
}

/// How much of a part is looked at to tell whether it is binary (as git and grep do: a NUL byte).
const SNIFF: usize = 8 << 10;

/// Words skipped for being longer than the longest word counted.
#[derive(Debug, Serialize)]
pub(super) struct Skipped {
    pub(super) words: u64,
    pub(super) first_at: u64,
    pub(super) max_word: usize,
}

impl PartReport {
    fn new(name: String, end: PartEnd, binary: bool) -> PartReport {
        PartReport {
            binary,
            name,
            bytes: end.bytes,
            status: match end.stop {
                None => "full",
                Some(_) if end.bytes > 0 => "partial",
                Some(_) => "not counted",
            },
            skipped: end.overlong.map(|o| Skipped {
                words: o.count,
                first_at: o.first,
                max_word: DEFAULT_MAX_WORD,
            }),
        }
    }
}

/// The JSON answer.
#[derive(Debug, Serialize)]
pub(super) struct Reply<'a> {
    pub(super) top: Vec<(&'a str, u64)>,
    pub(super) words: u64,
    pub(super) distinct: usize,
    pub(super) bytes: u64,
    pub(super) partial: bool,
    /// Why counting stopped early: `context deadline exceeded`; `context canceled` (the server is
    /// shutting down); `table budget` (the request's table reached `--max-table`); `server memory
    /// budget` (the server's `--max-memory` had no room for it to grow).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) stopped: Option<String>,
    /// Words skipped for being longer than `--max-word`, all parts together.
    pub(super) skipped_words: u64,
    /// Multipart only: one entry per part, in order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) parts: Option<Vec<PartReport>>,
}

/// `POST /count`: admission, the request's context, then the body or its parts streamed to the
/// pool a batch at a time (see [`super::pool`]).
async fn count(
    State(app): State<Arc<App>>,
    query: Result<Query<CountQuery>, axum::extract::rejection::QueryRejection>,
    request: Request,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let mut top = query.top.unwrap_or(10);
    check_top(top)?;
    let timeout = match &query.timeout {
        None => app.config.timeout,
        Some(t) => match humantime::parse_duration(t) {
            Ok(d) if d.is_zero() => {
                return Err(ApiError::bad_request(format!(
                    "timeout={t}: a request needs time to count (expected e.g. 500ms, 2s)"
                )));
            }
            Ok(d) => d,
            Err(e) => {
                return Err(ApiError::bad_request(format!(
                    "timeout={t}: {e} (expected e.g. 500ms, 2s)"
                )));
            }
        },
    };
    let headers = request.headers().clone();
    if let Some(len) = content_length(&headers)?
        && len > app.config.max_body
    {
        return Err(too_large(app.config.max_body));
    }
    let conn = request.extensions().get::<Arc<Conn>>().cloned();
    let mut admitted = match app.admit().await {
        Ok(admitted) => admitted,
        Err(busy) => {
            // The client may still be uploading: the body is thrown away after the answer, so
            // that it reads its 503 instead of a reset.
            match &conn {
                Some(conn) => conn.linger(app.config.max_body),
                None => {
                    tokio::spawn(discard(
                        request.into_body().into_data_stream(),
                        app.config.max_body,
                    ));
                }
            }
            return Err(busy);
        }
    };
    // The request's context: a child of the server's root (shutdown cancels it), with the
    // deadline; the guard cancels it when this handler ends or is dropped (client gone), which
    // stops the request's job at its next frame.
    let (ctx, cancel) = Context::with_timeout(&app.root, timeout.min(app.config.max_timeout));
    let _cancel_on_drop = cancel.drop_guard();
    let multipart = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let (tally, parts) = if multipart {
        let form = Multipart::from_request(request, &app)
            .await
            .map_err(|e| ApiError::new(e.status(), e.body_text()))?;
        count_form(&app, &ctx, admitted.tally(), form, &mut top).await?
    } else {
        // With a declared length, a client that hangs up mid-body is seen before its buffered
        // bytes are counted for nothing (`Conn::hung_up`).
        let peer = conn.zip(content_length(&headers)?);
        count_body(&app, &ctx, admitted.tally(), request.into_body(), peer).await?
    };
    let bytes = parts.iter().map(|p| p.bytes).sum();
    app.metrics.counted(bytes, tally.counts.total());
    let response = answer(&headers, &tally, top, parts, multipart);
    let large = tally.table_bytes >= TRIM_AFTER;
    app.counter.recycle(tally);
    if large {
        trim().await;
    }
    Ok(response)
}

/// After a request whose table held at least this much, the allocator is asked to give the freed
/// memory back to the system ([`trim`]).
const TRIM_AFTER: usize = 8 << 20;

/// Gives the heap's free memory back to the system (glibc's `malloc_trim`), off the async threads.
/// A large table is freed into the allocator's arenas, which otherwise keep it for later requests:
/// the process's RSS stayed at its peak after one large request.
async fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // A failed or cancelled trim only leaves the memory with the allocator.
        let _ = tokio::task::spawn_blocking(|| {
            // SAFETY: `malloc_trim` has no preconditions; it only releases free pages.
            unsafe { libc::malloc_trim(0) };
        })
        .await;
    }
}

/// A text body: one part named `body`.
async fn count_body(
    app: &App,
    ctx: &Context,
    tally: Box<Tally>,
    body: Body,
    peer: Option<(Arc<Conn>, u64)>,
) -> Result<(Box<Tally>, Vec<PartReport>), ApiError> {
    let mut feeder = app.counter.feeder(ctx, tally);
    if let Some((conn, declared)) = peer {
        feeder.watch_peer(conn, declared);
    }
    let mut read = 0;
    let mut frames = body.into_data_stream();
    let pumped = tokio::select! {
        r = feeder.pump(&mut frames, &mut read, app.config.max_body) => Some(r),
        _ = ctx.cancelled() => None,
    };
    let end = match pumped {
        Some(Ok(Ok(()))) => feeder.end_part().await,
        Some(Ok(Err(_))) => {
            // A budget: the rest of the body is read and thrown away while the answer is
            // written, so that the client still uploading reads it (see `discard`).
            tokio::spawn(discard(frames, app.config.max_body - read));
            feeder.cut().await
        }
        Some(Err(e)) => {
            return Err(pump_error(&e, app.config.max_body, |e| {
                ApiError::new(client_closed(), format!("reading the body: {e}"))
            }));
        }
        None => feeder.cut().await,
    };
    let parts = vec![PartReport::new("body".to_owned(), end, false)];
    Ok((feeder.finish().await, parts))
}

/// A form: its parts counted one after the other into one table (they arrive one after the
/// other), each reported on its own.
///
/// A part named `top` without a file name is the upload page's top-N field: it sets `top`
/// instead of being counted.
async fn count_form(
    app: &App,
    ctx: &Context,
    tally: Box<Tally>,
    mut form: Multipart,
    top: &mut usize,
) -> Result<(Box<Tally>, Vec<PartReport>), ApiError> {
    let mut feeder = app.counter.feeder(ctx, tally);
    let mut parts = Vec::new();
    let mut binary = false;
    // The part being read, if any: cut by a stop, it is still reported.
    let mut open: Option<String> = None;
    let mut read = 0;
    let limit = app.config.max_body;
    let mut budget_stop = false;
    let reading = async {
        while let Some(field) = form.next_field().await.map_err(|e| multipart_error(&e))? {
            if field.file_name().is_none() && field.name() == Some("top") {
                let text = field.text().await.map_err(|e| multipart_error(&e))?;
                *top = parse_top(text.trim())?;
                continue;
            }
            let name = field
                .file_name()
                .or(field.name())
                .map_or_else(|| format!("part {}", parts.len() + 1), str::to_owned);
            open = Some(name);
            binary = false;
            let mut sniffed = 0;
            let mut field = field.inspect(|frame| {
                if let Ok(data) = frame
                    && sniffed < SNIFF
                {
                    let look = &data[..data.len().min(SNIFF - sniffed)];
                    binary |= look.contains(&0);
                    sniffed += look.len();
                }
            });
            match feeder.pump(&mut field, &mut read, limit).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) => {
                    // A budget: answer with what was counted.
                    budget_stop = true;
                    return Ok(());
                }
                Err(e) => return Err(pump_error(&e, limit, multipart_error)),
            }
            drop(field);
            let end = feeder.end_part().await;
            parts.push(PartReport::new(
                open.take().expect("set above"),
                end,
                binary,
            ));
        }
        Ok::<(), ApiError>(())
    };
    let outcome = tokio::select! {
        r = reading => Some(r),
        _ = ctx.cancelled() => None,
    };
    if let Some(r) = outcome {
        r?;
    }
    if budget_stop {
        // The rest of the form is read and thrown away while the answer is written (`discard`).
        let rest = futures_util::stream::unfold(form, |mut form| async move {
            let field = form.next_field().await.ok()??;
            let bytes = field.bytes().await.ok()?;
            Some((Ok::<_, ()>(bytes), form))
        });
        tokio::spawn(discard(Box::pin(rest), limit - read));
    }
    if let Some(name) = open {
        let end = feeder.cut().await;
        parts.push(PartReport::new(name, end, binary));
    }
    if parts.is_empty() {
        return Err(ApiError::bad_request(
            "no file chosen: the form has no parts",
        ));
    }
    if parts.iter().all(|p| p.name.is_empty() && p.bytes == 0) {
        return Err(ApiError::bad_request("no file chosen"));
    }
    Ok((feeder.finish().await, parts))
}

/// The answer to a body that could not be read: the client went away ([`CLIENT_CLOSED`]), or
/// sent more than `--max-body`.
fn pump_error<E>(e: &Pumped<E>, limit: u64, read_error: impl Fn(&E) -> ApiError) -> ApiError {
    match e {
        Pumped::TooLarge => too_large(limit),
        Pumped::Read(e) => read_error(e),
        Pumped::HungUp => ApiError::new(
            client_closed(),
            "the client closed the connection before the end of the body",
        ),
    }
}

/// How long a shed request's body may take to be read and thrown away.
const DISCARD_FOR: Duration = Duration::from_secs(5);

/// Reads a shed request's body to its end and throws it away, while hyper writes the 503: a client
/// still uploading then reads its answer, where a connection closed on unread bytes would be reset
/// under it and the 503 lost. At most `limit` bytes and [`DISCARD_FOR`]; past either, the body is
/// dropped and the connection closes as before. Holds no permit, so shedding stays immediate.
async fn discard<S, E>(mut frames: S, limit: u64)
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
{
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

/// A form that could not be read: malformed (axum's 4xx), or cut by the client going away (axum's
/// 500 for a failed read of the body, which is the client's doing: [`CLIENT_CLOSED`]).
fn multipart_error(e: &axum::extract::multipart::MultipartError) -> ApiError {
    let status = match e.status() {
        StatusCode::INTERNAL_SERVER_ERROR => client_closed(),
        status => status,
    };
    ApiError::new(status, format!("multipart body: {}", e.body_text()))
}

fn client_closed() -> StatusCode {
    StatusCode::from_u16(CLIENT_CLOSED).expect("499 is a valid status")
}

/// The answer: JSON, or the CLI's `word count` lines with `Accept: text/plain`, preceded by the
/// CLI's `PARTIAL RESULT: <reason>` line when counting stopped early.
fn answer(
    headers: &HeaderMap,
    tally: &Tally,
    top: usize,
    parts: Vec<PartReport>,
    multipart: bool,
) -> Response {
    let partial = parts.iter().any(|p| p.status != "full");
    let bytes = parts.iter().map(|p| p.bytes).sum();
    let stopped = partial.then(|| {
        tally
            .stop
            .map_or_else(|| "context canceled".to_owned(), |s| s.to_string())
    });
    let skipped_words = parts
        .iter()
        .filter_map(|p| p.skipped.as_ref())
        .map(|s| s.words)
        .sum();
    let top = tally.counts.top(top);
    let text = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    let mut response = if text {
        let mut out = Vec::new();
        if let Some(why) = &stopped {
            out.extend_from_slice(
                format!("PARTIAL RESULT: {why}; the counts cover only what was read before\n")
                    .as_bytes(),
            );
        }
        // Writing to a `Vec` cannot fail.
        let _ = crate::report::write_top(&mut out, &top, false);
        ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], out).into_response()
    } else {
        let reply = Reply {
            top,
            words: tally.counts.total(),
            distinct: tally.counts.len(),
            bytes,
            partial,
            stopped: stopped.clone(),
            skipped_words,
            parts: multipart.then_some(parts),
        };
        if wants_html(headers) {
            Html(page::answer(&reply)).into_response()
        } else {
            axum::Json(reply).into_response()
        }
    };
    if let Some(why) = stopped
        && let Ok(v) = HeaderValue::from_str(&why)
    {
        response.headers_mut().insert("x-partial-result", v);
    }
    response
}

/// A browser's `Accept` (the upload form's requests): `text/html` among the types.
fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
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
