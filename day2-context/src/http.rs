//! Checklist: `context.WithTimeout` aborting a real HTTP request, and `context.WithValue` carrying a
//! request ID through a real middleware + handler chain (axum server, reqwest client, loopback).
//!
//! The abort is real: when the context's deadline passes, `fetch` drops the in-flight reqwest
//! future, the client closes the connection, and the server drops the handler's future — which the
//! handler's [`HandlerEvent::Dropped`] guard reports. Nothing here waits by sleeping.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;
use std::{error, fmt, io};

use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use axum::{Extension, Router};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use crate::values::{RequestId, request_id};
use crate::{Context, ContextError};

/// What the slow handler reports about itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HandlerEvent {
    /// The request reached the handler.
    Started,
    /// The handler ran to completion and answered.
    Finished,
    /// The server dropped the handler before it finished: the client went away.
    Dropped,
}

/// Reports `Finished` or `Dropped` when the handler's future goes away, however it goes.
struct EventGuard {
    events: mpsc::UnboundedSender<HandlerEvent>,
    finished: bool,
}

impl Drop for EventGuard {
    fn drop(&mut self) {
        let event = if self.finished {
            HandlerEvent::Finished
        } else {
            HandlerEvent::Dropped
        };
        // The receiver may be gone if the test is over; there is no one left to tell.
        let _ = self.events.send(event);
    }
}

/// A running slow server.
#[derive(Debug)]
pub struct SlowServer {
    /// Where it listens (`127.0.0.1`, an ephemeral port).
    pub addr: SocketAddr,
    /// The handler's [`HandlerEvent`]s, in order.
    pub events: mpsc::UnboundedReceiver<HandlerEvent>,
}

impl SlowServer {
    /// The URL of the slow endpoint.
    pub fn url(&self) -> String {
        format!("http://{}/slow", self.addr)
    }
}

/// Starts, on the current tokio runtime, a server on `127.0.0.1:0` whose `/slow` handler takes
/// `delay` to answer. It runs until the runtime shuts down.
pub async fn start_slow_server(delay: Duration) -> io::Result<SlowServer> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (tx, events) = mpsc::unbounded_channel();
    let app = Router::new().route("/slow", get(move || slow_handler(tx.clone(), delay)));
    tokio::spawn(serve(listener, app));
    Ok(SlowServer { addr, events })
}

async fn serve(listener: TcpListener, app: Router) {
    if let Err(err) = axum::serve(listener, app).await {
        eprintln!("day2-context: the demo server stopped: {err}");
    }
}

async fn slow_handler(
    events: mpsc::UnboundedSender<HandlerEvent>,
    delay: Duration,
) -> &'static str {
    let _ = events.send(HandlerEvent::Started);
    let mut guard = EventGuard {
        events,
        finished: false,
    };
    tokio::time::sleep(delay).await;
    guard.finished = true;
    "finally, the slow answer"
}

/// Why [`fetch`] failed.
#[derive(Debug)]
pub enum FetchError {
    /// The context was done first; the request was abandoned.
    Context(ContextError),
    /// The request itself failed.
    Http(reqwest::Error),
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::Context(err) => write!(f, "request abandoned: {err}"),
            FetchError::Http(err) => write!(f, "request failed: {err}"),
        }
    }
}

impl error::Error for FetchError {
    fn source(&self) -> Option<&(dyn error::Error + 'static)> {
        match self {
            FetchError::Context(err) => Some(err),
            FetchError::Http(err) => Some(err),
        }
    }
}

/// GETs `url` unless `ctx` is done first — Go's `http.NewRequestWithContext(ctx, …)`.
///
/// # Cancellation safety
///
/// Dropping the returned future abandons the request (its connection is closed); nothing else is
/// lost, so it is safe to race in `tokio::select!`.
pub async fn fetch(
    ctx: &Context,
    client: &reqwest::Client,
    url: &str,
) -> Result<String, FetchError> {
    // lab:begin day2/http-timeout
    let request = async {
        client
            .get(url)
            .send()
            .await?
            .error_for_status()?
            .text()
            .await
    };
    tokio::select! {
        err = ctx.cancelled() => Err(FetchError::Context(err)),
        body = request => body.map_err(FetchError::Http),
    }
    // lab:end day2/http-timeout
}

/// The header a client may set to choose its request ID.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Starts, on the current tokio runtime, a server whose middleware derives a per-request context
/// from `root` carrying the request ID, and whose `/profile` handler reads it back.
pub async fn start_request_id_server(root: Context) -> io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let app = Router::new()
        .route("/profile", get(profile_handler))
        .layer(middleware::from_fn_with_state(root, request_context));
    tokio::spawn(serve(listener, app));
    Ok(addr)
}

/// Middleware: one cancel scope per request under the server's root, with the request ID bound
/// under the [`RequestId`] key; the handler finds the context in the request's extensions.
async fn request_context(
    State(root): State<Context>,
    mut request: Request,
    next: Next,
) -> Response {
    static NEXT_ID: AtomicU64 = AtomicU64::new(1);
    let id = match request.headers().get(REQUEST_ID_HEADER).map(|v| v.to_str()) {
        Some(Ok(id)) => id.to_owned(),
        // Relaxed: only uniqueness matters, which the atomic increment gives on its own.
        _ => format!("req-{}", NEXT_ID.fetch_add(1, Relaxed)),
    };
    let (scope, cancel) = Context::with_cancel(&root);
    // Cancel the request's scope when the request is over, however it ends (Go's `defer cancel()`).
    let _cancel_on_exit = cancel.drop_guard();
    request
        .extensions_mut()
        .insert(Context::with_value::<RequestId>(&scope, id));
    next.run(request).await
}

async fn profile_handler(Extension(ctx): Extension<Context>) -> String {
    load_profile(&ctx)
}

/// A function deeper in the chain: it needs only `&Context` to find the request ID.
fn load_profile(ctx: &Context) -> String {
    format!(
        "profile loaded for request {}",
        request_id(ctx).unwrap_or("<none>")
    )
}
